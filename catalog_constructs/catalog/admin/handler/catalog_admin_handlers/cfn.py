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
# CloudFormation refuses a response body larger than this (the whole JSON document, in bytes).
RESPONSE_MAX_BYTES = 4096
# Longer reasons are cut to this many characters, or fewer where the bytes would not fit.
REASON_MAX = 1000
# Ends a Reason that was cut.
TRUNCATED = " [...]"

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


def response_body(
    event: Mapping[str, Any],
    context: Any,
    *,
    status: str,
    physical_id: str,
    reason: str = "",
    data: Mapping[str, str] | None = None,
) -> bytes:
    """The encoded response, at most ``RESPONSE_MAX_BYTES``. An empty ``reason`` points at the
    invocation's log stream; a long one is cut to fit. Data that cannot fit turns the answer
    into FAILED: cutting it would report success with wrong values."""
    body: dict[str, Any] = {
        "Status": status,
        "Reason": reason or log_stream_hint(context),
        "PhysicalResourceId": physical_id,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": dict(data or {}),
    }
    if _size(body, TRUNCATED) > RESPONSE_MAX_BYTES:
        log("response data too large", data=body["Data"])
        too_large = _size(body, "")
        body["Status"], body["Data"] = FAILED, {}
        body["Reason"] = (
            f"the response data is too large for CloudFormation ({too_large} bytes, at most "
            f"{RESPONSE_MAX_BYTES}); {log_stream_hint(context)}"
        )
    body["Reason"] = _fitted(body, body["Reason"])
    return json.dumps(body).encode()


def _size(body: Mapping[str, Any], reason: str) -> int:
    return len(json.dumps({**body, "Reason": reason}).encode())


def _fitted(body: Mapping[str, Any], reason: str) -> str:
    """``reason`` cut (whole characters, then TRUNCATED) to the longest prefix that fits."""
    if len(reason) <= REASON_MAX and _size(body, reason) <= RESPONSE_MAX_BYTES:
        return reason
    low, high = 0, min(len(reason), REASON_MAX - len(TRUNCATED))
    while low < high:
        middle = (low + high + 1) // 2
        if _size(body, reason[:middle] + TRUNCATED) <= RESPONSE_MAX_BYTES:
            low = middle
        else:
            high = middle - 1
    return reason[:low] + TRUNCATED


def respond(
    event: Mapping[str, Any],
    context: Any,
    *,
    status: str,
    physical_id: str,
    reason: str = "",
    data: Mapping[str, str] | None = None,
    send: Sender = send_response,
) -> None:
    """PUT the response (``response_body``) to the request's pre-signed URL."""
    body = response_body(
        event, context, status=status, physical_id=physical_id, reason=reason, data=data
    )
    send(str(event["ResponseURL"]), body)


def log(message: str, **fields: Any) -> None:
    """One JSON line; never pass the event's ResponseURL (a pre-signed URL) as a field."""
    print(json.dumps({"message": message, **fields}, default=str))
