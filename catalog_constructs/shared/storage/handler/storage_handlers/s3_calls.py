"""S3 calls that a purge of millions of objects makes often enough to be throttled, retried
with backoff for as long as the Lambda's time allows (``Deadline``); the bucket's tags and
policy."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from .deadline import Deadline
from .policies import merged_policy
from .settings import Client

THROTTLING_CODES = frozenset(
    {
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ServiceUnavailable",
        "InternalError",
        "503",
    }
)
GONE_CODES = frozenset({"NoSuchBucket", "404", "NotFound"})


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def backoff(attempt: int) -> float:
    """Seconds to wait before retry number ``attempt + 1``: 0.5, 1, 2, ... at most 20."""
    return float(min(2**attempt * 0.5, 20))


def call(
    operation: Callable[..., Any],
    *,
    deadline: Deadline | None = None,
    attempts: int = 8,
    **kwargs: Any,
) -> Any:
    """Call an AWS operation, retrying throttling with exponential backoff (on top of
    botocore's own retries, which a purge of millions of objects can exhaust). The throttling
    error is raised as it is once a backoff would end past the ``deadline``: the caller must
    still answer (a custom resource) or stop in time (the purge)."""
    for attempt in range(attempts):
        try:
            return operation(**kwargs)
        except ClientError as error:
            if error_code(error) not in THROTTLING_CODES or attempt == attempts - 1:
                raise
            if deadline is None:
                time.sleep(backoff(attempt))
            elif deadline.allows(backoff(attempt)):
                deadline.sleep(backoff(attempt), "a throttled S3 call")
            else:
                raise
    raise AssertionError("unreachable")


def bucket_tags(s3: Client, bucket: str, *, deadline: Deadline | None = None) -> dict[str, str]:
    try:
        tag_set = call(s3.get_bucket_tagging, deadline=deadline, Bucket=bucket)["TagSet"]
    except ClientError as error:
        if error_code(error) == "NoSuchTagSet":
            return {}
        raise
    return {tag["Key"]: tag["Value"] for tag in tag_set}


def put_bucket_tags(
    s3: Client, bucket: str, tags: Mapping[str, str], *, deadline: Deadline | None = None
) -> None:
    call(
        s3.put_bucket_tagging,
        deadline=deadline,
        Bucket=bucket,
        Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]},
    )


def current_policy(s3: Client, bucket: str, *, deadline: Deadline | None = None) -> str | None:
    try:
        return str(call(s3.get_bucket_policy, deadline=deadline, Bucket=bucket)["Policy"])
    except ClientError as error:
        if error_code(error) == "NoSuchBucketPolicy":
            return None
        raise


def put_policy(
    s3: Client,
    bucket: str,
    statements: list[dict[str, Any]],
    *,
    deadline: Deadline | None = None,
) -> None:
    policy = merged_policy(current_policy(s3, bucket, deadline=deadline), statements)
    call(s3.put_bucket_policy, deadline=deadline, Bucket=bucket, Policy=policy)


def bucket_exists(s3: Client, bucket: str, *, deadline: Deadline | None = None) -> bool:
    try:
        call(s3.head_bucket, deadline=deadline, Bucket=bucket)
    except ClientError as error:
        if error_code(error) in GONE_CODES:
            return False
        raise
    return True
