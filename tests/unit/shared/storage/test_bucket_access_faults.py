"""The bucket-access function (``Custom::ProductBucket``) under faults (issue 17): a bad
setting, S3 throttling longer than the function's 120 s, a bucket policy in a form S3 also
accepts. Each test names the issue's item it reproduces; the purge's faults are in
test_purge_faults.py."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from catalog_constructs.shared.storage.handler.storage_handlers import dispatch, policies

EventMaker = Callable[..., dict[str, Any]]


def test_a_bad_setting_is_answered(
    monkeypatch: pytest.MonkeyPatch, lambda_context: Any, captured: Any, event: EventMaker
) -> None:
    """Item 10: settings were read before the try, so a bad one raised out of the handler and
    CloudFormation never got an answer (an hour's wait, then a failure without a reason)."""
    monkeypatch.setenv("ADMIN_ROLE_ARNS", "arn:aws:iam::123456789012:role/not-a-json-list")

    dispatch.handler(event("Create", "alice-data"), lambda_context, send=captured)

    assert captured.only["Status"] == "FAILED"
    assert captured.only["Reason"].startswith("bucket function is misconfigured: ")


class Throttled:
    """moto's S3, except that each operation is throttled seven times before it succeeds (the
    eighth and last attempt ``s3_calls.call`` makes); each attempt takes a second."""

    def __init__(self, s3: Any, clock: Any) -> None:
        self.s3, self.clock = s3, clock
        self.attempts: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        def throttled(**kwargs: Any) -> Any:
            self.attempts[name] = self.attempts.get(name, 0) + 1
            self.clock.advance(1)
            if self.attempts[name] % 8:
                raise ClientError({"Error": {"Code": "SlowDown", "Message": "Reduce"}}, name)
            return getattr(self.s3, name)(**kwargs)

        return throttled


def test_throttling_retries_end_in_time_to_answer(
    s3: Any, clock: Any, lambda_context: Any, captured: Any, event: EventMaker, buckets: Any
) -> None:
    """Item 10: each S3 call retried throttling for up to 51 s of backoff, five calls on a
    Delete, inside a function that has 120 s: the answer never came. Retries now stop when
    the next backoff would end inside the minute kept to answer."""
    buckets.product_bucket("alice-data")
    lambda_context.run_with(clock, remaining_seconds=120)
    throttled = Throttled(s3, clock)

    dispatch.handler(
        event("Delete", "alice-data"),
        lambda_context,
        send=captured,
        client=lambda name: throttled,
        sleep=clock.sleep,
    )

    assert captured.only["Status"] == "FAILED"
    assert "SlowDown" in captured.only["Reason"]
    # The minute kept back holds the answer and the call in flight when time ran out (a
    # second here): no backoff starts once it would end inside that minute.
    assert lambda_context.get_remaining_time_in_millis() >= 59_000
    assert sum(throttled.attempts.values()) > 1  # it did retry


def test_a_single_statement_policy_does_not_block_update_or_termination(
    s3: Any, buckets: Any, lambda_context: Any, capture: Any, event: EventMaker, example: Any
) -> None:
    """Item 4: IAM's grammar lets ``Statement`` be one object instead of a list; reading it
    as a list failed the product's Update and its termination. Whether S3 hands back a
    single-object Statement exactly as it was written cannot be checked offline (moto stores
    the document as given); the code accepts both forms wherever it reads a policy."""
    buckets.product_bucket("alice-data")
    added = {
        "Sid": "MacieScan",
        "Effect": "Allow",
        "Principal": {"AWS": example.admin},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::alice-data/*",
    }
    s3.put_bucket_policy(
        Bucket="alice-data", Policy=json.dumps({"Version": "2012-10-17", "Statement": added})
    )

    updated, deleted = capture(), capture()
    dispatch.handler(event("Update", "alice-data"), lambda_context, send=updated)
    assert updated.only["Status"] == "SUCCESS"
    assert {"MacieScan", "ResearchCatalogOwner"} <= set(buckets.statements("alice-data"))
    dispatch.handler(event("Delete", "alice-data"), lambda_context, send=deleted)

    assert deleted.only["Status"] == "SUCCESS"
    assert {"MacieScan", policies.ARCHIVED_SID} <= set(buckets.statements("alice-data"))
