"""The Lambda entry points of the storage asset: ``handler`` of ``research-catalog-bucket-access``
(CloudFormation requests of ``Custom::ProductBucket``, or operator actions) and
``purge_handler`` of ``research-catalog-bucket-purge`` (``purge``)."""

from __future__ import annotations

import datetime as dt
import os
import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any

import boto3

from .cfn import FAILED, SUCCESS, Sender, log, respond, send_response
from .deadline import Deadline
from .operator_actions import handle_action
from .product_bucket import handle_resource
from .purge import purge_handler
from .settings import BucketError, Client, Settings

__all__ = ["handler", "purge_handler"]


def handler(
    event: Mapping[str, Any],
    context: Any,
    *,
    send: Sender = send_response,
    client: Callable[[str], Client] = boto3.client,
    today: dt.date | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """Lambda entry point of ``research-catalog-bucket-access``. Every retry ends in time to
    answer (``Deadline``: the function has 120 s); ``send``, ``client``, ``today`` and
    ``sleep`` are seams for the tests."""
    day = today or dt.datetime.now(dt.UTC).date()
    deadline = Deadline(context, sleep=sleep)
    if "RequestType" not in event:
        # An operator's command: an error reaches the operator as the invocation's error.
        return handle_action(event, Settings.from_environ(os.environ), client("s3"), day, deadline)

    request = {
        "request_type": event["RequestType"],
        "stack_id": event["StackId"],
        "logical_resource_id": event["LogicalResourceId"],
    }
    # A failed Create still names its bucket: CloudFormation retains the bucket on rollback,
    # and the Delete that follows archives it, so the purge removes it instead of leaving an
    # orphan. Without a bucket name the stack id stands in, which Delete skips.
    properties = event.get("ResourceProperties", {})
    physical_id = str(
        event.get("PhysicalResourceId") or properties.get("BucketName") or event["StackId"]
    )
    status, reason = SUCCESS, ""
    try:
        # Inside the try: a bad setting must still be answered.
        physical_id = handle_resource(
            event,
            lambda: Settings.from_environ(os.environ),
            lambda: client("s3"),
            today=day,
            deadline=deadline,
        )
    except BucketError as error:
        log("failed", reason=str(error), **request)
        status, reason = FAILED, str(error)
    except Exception as error:
        log("unexpected error", error=repr(error), trace=traceback.format_exc(), **request)
        status = FAILED
        reason = f"bucket access failed unexpectedly ({type(error).__name__}: {error})"
    respond(event, context, status=status, physical_id=physical_id, reason=reason, send=send)
    return None
