"""Answering CloudFormation custom-resource requests: the response body, its size, the PUT to
the pre-signed URL, and the JSON log lines every handler writes.

Standard library only. Canonical copy: ``catalog_constructs/common/handler_modules/cfn.py``;
each Lambda asset's handler package holds an identical copy (a test compares them).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

SUCCESS = "SUCCESS"
FAILED = "FAILED"
# What the Reason says when a handler gives none (CloudFormation shows it in stack events).
LOG_GROUP_HINT = "see the function's CloudWatch log group"
# A CloudFormation response must stay under 4 KiB in total.
REASON_MAX = 1000

Sender = Callable[[str, bytes], None]


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


def log_stream_hint(context: Any) -> str:
    """A Reason pointing at the invocation's own log stream (``context`` may be None in tests)."""
    return f"see CloudWatch log stream {getattr(context, 'log_stream_name', 'unknown')}"


def respond(
    event: Mapping[str, Any],
    *,
    status: str,
    physical_id: str,
    reason: str = "",
    data: Mapping[str, str] | None = None,
    default_reason: str = LOG_GROUP_HINT,
    send: Sender = send_response,
) -> None:
    """PUT the response to the request's pre-signed URL; ``default_reason`` stands in for an
    empty ``reason``, and the Reason is cut to ``REASON_MAX`` characters."""
    body = {
        "Status": status,
        "Reason": (reason or default_reason)[:REASON_MAX],
        "PhysicalResourceId": physical_id,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": dict(data or {}),
    }
    send(str(event["ResponseURL"]), json.dumps(body).encode())


def log(message: str, **fields: Any) -> None:
    """One JSON line; never pass the event's ResponseURL (a pre-signed URL) as a field."""
    print(json.dumps({"message": message, **fields}, default=str))
