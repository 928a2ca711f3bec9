"""Operator actions on a product bucket, invoked directly (``aws lambda invoke``):
``{"Action": "restore", "Bucket": ...}`` puts the owner's policy back and clears the archive
tags; ``{"Action": "archive", "Bucket": ...}`` archives a restored bucket again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from .access import archive, restore
from .cfn import log
from .deadline import Deadline
from .s3_calls import bucket_exists, bucket_tags
from .settings import KIND_TAG, PRIVATE, RESTRICT_TAG, BucketError, Client, Settings

Action = Callable[[str, Settings, Client, dt.date, Deadline], Any]


def restore_bucket(
    bucket: str, settings: Settings, s3: Client, today: dt.date, deadline: Deadline
) -> Any:
    result = restore(bucket, settings, s3, today=today, deadline=deadline)
    log("restored", **result)
    return {"status": "restored", **result}


def archive_bucket(
    bucket: str, settings: Settings, s3: Client, today: dt.date, deadline: Deadline
) -> Any:
    # The kind and region restriction come from the tags the first archive wrote.
    exists = bucket_exists(s3, bucket, deadline=deadline)
    tags = bucket_tags(s3, bucket, deadline=deadline) if exists else {}
    if not archive(
        bucket,
        settings,
        s3,
        kind=tags.get(KIND_TAG, PRIVATE),
        restrict=tags.get(RESTRICT_TAG) == "true",
        today=today,
        deadline=deadline,
    ):
        raise BucketError(f"bucket {bucket} does not exist")
    log("archived by operator", bucket=bucket)
    return {"status": "archived", "bucket": bucket}


ACTIONS: Mapping[str, Action] = {
    "restore": restore_bucket,
    "archive": archive_bucket,
}


def handle_action(
    event: Mapping[str, Any], settings: Settings, s3: Client, today: dt.date, deadline: Deadline
) -> Any:
    action = str(event.get("Action", ""))
    bucket = str(event.get("Bucket", "")).strip()
    if not bucket:
        raise BucketError('operator actions need "Bucket"')
    if action not in ACTIONS:
        allowed = " or ".join(f'"{name}"' for name in ACTIONS)
        raise BucketError(f"unknown action {action!r}: use {allowed}")
    return ACTIONS[action](bucket, settings, s3, today, deadline)
