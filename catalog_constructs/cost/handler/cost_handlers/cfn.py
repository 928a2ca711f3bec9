"""Answering CloudFormation custom-resource requests."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

Sender = Callable[[str, bytes], None]
# A CloudFormation response must stay under 4 KiB in total.
_REASON_MAX = 1000


def send_response(url: str, body: bytes) -> None:
    # The pre-signed S3 URL is signed without a content type, so none may be sent.
    request = urllib.request.Request(
        url,
        data=body,
        method="PUT",
        headers={"content-type": "", "content-length": str(len(body))},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def is_custom_resource_request(event: Mapping[str, Any]) -> bool:
    return "RequestType" in event and "ResponseURL" in event


def respond(
    event: Mapping[str, Any],
    *,
    status: str,
    physical_id: str,
    reason: str = "",
    data: Mapping[str, str] | None = None,
    send: Sender = send_response,
) -> None:
    body = {
        "Status": status,
        "Reason": (reason or "see the function's CloudWatch log group")[:_REASON_MAX],
        "PhysicalResourceId": physical_id,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": dict(data or {}),
    }
    send(str(event["ResponseURL"]), json.dumps(body).encode())


def log(message: str, **fields: Any) -> None:
    print(json.dumps({"message": message, **fields}, default=str))
