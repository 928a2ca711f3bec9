"""The operators' restore of a product bucket, invoked directly."""

import datetime as dt
from typing import Any

import pytest

from catalog_constructs.shared.storage.handler.storage_handlers import (
    access,
    dispatch,
    policies,
    settings,
)


def test_restore_puts_the_owner_policy_back(
    s3: Any, buckets: Any, example: Any, lambda_context: Any
) -> None:
    buckets.product_bucket("alice-data")
    access.archive(
        "alice-data", example.settings, s3, kind="private", restrict=True, today=example.today
    )

    result = dispatch.handler(
        {"Action": "restore", "Bucket": "alice-data"}, lambda_context, today=example.today
    )

    assert result["status"] == "restored" and result["owner"] == example.owner
    policy = buckets.statements("alice-data")
    assert policies.ARCHIVED_SID not in policy
    assert (
        policy["ResearchCatalogOwner"]["Condition"]["StringEquals"]["aws:userid"] == example.owner
    )
    assert "ResearchCatalogDownloadsOnlyInNetwork" in policy
    current = buckets.tags("alice-data")
    assert settings.ARCHIVED_TAG not in current and current[settings.RESTORED_TAG] == "2026-03-01"


def test_restore_refuses_buckets_that_are_not_archived(
    s3: Any, buckets: Any, lambda_context: Any
) -> None:
    buckets.product_bucket("alice-data")
    with pytest.raises(settings.BucketError, match="not archived"):
        dispatch.handler({"Action": "restore", "Bucket": "alice-data"}, lambda_context)
    with pytest.raises(settings.BucketError, match="does not exist"):
        dispatch.handler({"Action": "restore", "Bucket": "never-there"}, lambda_context)


def test_archive_locks_a_restored_bucket_again(
    s3: Any, buckets: Any, example: Any, lambda_context: Any
) -> None:
    buckets.product_bucket("alice-data")
    earlier = example.today - dt.timedelta(days=10)
    access.archive("alice-data", example.settings, s3, kind="private", restrict=True, today=earlier)
    dispatch.handler({"Action": "restore", "Bucket": "alice-data"}, lambda_context, today=earlier)

    result = dispatch.handler(
        {"Action": "archive", "Bucket": "alice-data"}, lambda_context, today=example.today
    )

    assert result == {"status": "archived", "bucket": "alice-data"}
    assert policies.ARCHIVED_SID in buckets.statements("alice-data")
    current = buckets.tags("alice-data")
    # The region restriction the first archive recorded survives the restore.
    assert current[settings.RESTRICT_TAG] == "true"
    assert current[settings.ARCHIVED_TAG] == example.today.isoformat()
    assert settings.RESTORED_TAG not in current


def test_unknown_actions_and_missing_buckets_are_refused(lambda_context: Any) -> None:
    unknown = r'unknown action .*: use "restore" or "archive"'
    with pytest.raises(settings.BucketError, match=unknown):
        dispatch.handler({"Action": "purge", "Bucket": "alice-data"}, lambda_context)
    with pytest.raises(settings.BucketError, match='operator actions need "Bucket"'):
        dispatch.handler({"Action": "restore"}, lambda_context)
    with pytest.raises(settings.BucketError, match="bucket never-there does not exist"):
        dispatch.handler({"Action": "archive", "Bucket": "never-there"}, lambda_context)
