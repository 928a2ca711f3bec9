"""S3 calls that a purge of millions of objects makes often enough to be throttled, retried
with backoff; the bucket's tags and policy."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

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


def call(
    operation: Callable[..., Any],
    *,
    attempts: int = 8,
    sleep: Callable[[float], None] = time.sleep,
    **kwargs: Any,
) -> Any:
    """Call an AWS operation, retrying throttling with exponential backoff (on top of
    botocore's own retries, which a purge of millions of objects can exhaust)."""
    for attempt in range(attempts):
        try:
            return operation(**kwargs)
        except ClientError as error:
            if error_code(error) not in THROTTLING_CODES or attempt == attempts - 1:
                raise
            sleep(min(2**attempt * 0.5, 20))
    raise AssertionError("unreachable")


def bucket_tags(s3: Client, bucket: str) -> dict[str, str]:
    try:
        tag_set = call(s3.get_bucket_tagging, Bucket=bucket)["TagSet"]
    except ClientError as error:
        if error_code(error) == "NoSuchTagSet":
            return {}
        raise
    return {tag["Key"]: tag["Value"] for tag in tag_set}


def put_bucket_tags(s3: Client, bucket: str, tags: Mapping[str, str]) -> None:
    call(
        s3.put_bucket_tagging,
        Bucket=bucket,
        Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]},
    )


def current_policy(s3: Client, bucket: str) -> str | None:
    try:
        return str(call(s3.get_bucket_policy, Bucket=bucket)["Policy"])
    except ClientError as error:
        if error_code(error) == "NoSuchBucketPolicy":
            return None
        raise


def put_policy(s3: Client, bucket: str, statements: list[dict[str, Any]]) -> None:
    policy = merged_policy(current_policy(s3, bucket), statements)
    call(s3.put_bucket_policy, Bucket=bucket, Policy=policy)


def bucket_exists(s3: Client, bucket: str) -> bool:
    try:
        call(s3.head_bucket, Bucket=bucket)
    except ClientError as error:
        if error_code(error) in GONE_CODES:
            return False
        raise
    return True
