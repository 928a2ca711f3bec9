"""The purge of archived product buckets: notices, retries, dry runs (moto's S3). Buckets of
more than one page of versions are in test_purge_paging.py."""

import datetime as dt
from typing import Any

import pytest
from botocore.exceptions import ClientError

from catalog_constructs.shared.storage.handler.storage_handlers import (
    access,
    purge,
    s3_calls,
    settings,
)
from catalog_constructs.shared.storage.handler.storage_handlers.deadline import Deadline
from tests.unit.shared.storage.fakes import Mailbox, versioned_objects


def test_purge_notifies_before_and_waits_for_the_notice_period(
    s3: Any, buckets: Any, example: Any
) -> None:
    buckets.product_bucket("old-data")
    # Archived 31 days ago but never announced (say SES was not set up): the owner still gets
    # the full notice period.
    buckets.archived("old-data", on=example.today - dt.timedelta(days=31))
    mailbox = Mailbox()

    first = purge.purge(example.settings, s3=s3, ses=mailbox, today=example.today)
    assert buckets.tags("old-data")[settings.NOTICE_TAG] == "2026-03-01"
    again = purge.purge(
        example.settings, s3=s3, ses=mailbox, today=example.today + dt.timedelta(days=6)
    )
    last = purge.purge(
        example.settings, s3=s3, ses=mailbox, today=example.today + dt.timedelta(days=7)
    )

    assert first.noticed == ["old-data"] and not first.purged
    assert mailbox.subjects[0] == "Archived bucket old-data will be deleted on 2026-03-08"
    assert not again.noticed and not again.purged
    assert last.purged == {"old-data": 0}
    assert mailbox.subjects[1] == "Archived bucket old-data was deleted"


def test_purge_leaves_restored_and_recent_and_foreign_buckets_alone(
    s3: Any, buckets: Any, example: Any
) -> None:
    buckets.product_bucket("restored")
    buckets.archived(
        "restored",
        on=example.today - dt.timedelta(days=40),
        noticed=example.today - dt.timedelta(9),
    )
    access.restore("restored", example.settings, s3, today=example.today - dt.timedelta(days=2))
    buckets.product_bucket("recent")
    buckets.archived("recent", on=example.today - dt.timedelta(days=3))
    buckets.product_bucket("hand-tagged")
    current = buckets.tags("hand-tagged")
    current[settings.ARCHIVED_TAG] = "2020-01-01"
    s3_calls.put_bucket_tags(s3, "hand-tagged", current)
    s3.create_bucket(Bucket="unrelated")
    mailbox = Mailbox()

    report = purge.purge(example.settings, s3=s3, ses=mailbox, today=example.today)

    assert not report.purged and not report.noticed and not mailbox.sent
    assert all(buckets.exists(name) for name in ("restored", "recent", "hand-tagged", "unrelated"))


def test_purge_dry_run_changes_nothing(s3: Any, buckets: Any, example: Any) -> None:
    buckets.product_bucket("old-data")
    expected = versioned_objects("old-data", 5)
    buckets.archived(
        "old-data",
        on=example.today - dt.timedelta(days=60),
        noticed=example.today - dt.timedelta(30),
    )
    buckets.product_bucket("due-soon")
    buckets.archived("due-soon", on=example.today - dt.timedelta(days=25))
    mailbox = Mailbox()
    dry = settings.Settings(**{**example.settings.__dict__, "dry_run": True})

    report = purge.purge(dry, s3=s3, ses=mailbox, today=example.today)

    assert report.would_purge == {"old-data": expected} and report.noticed == ["due-soon"]
    assert not report.purged and not mailbox.sent
    assert buckets.exists("old-data") and settings.NOTICE_TAG not in buckets.tags("due-soon")


class Flaky:
    """Delegates to a real client; chosen operations fail first (throttled, or bucket gone)."""

    def __init__(self, client: Any, failures: dict[str, list[str]]) -> None:
        self.client = client
        self.failures = failures
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        operation = getattr(self.client, name)

        def wrapped(**kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            pending = self.failures.get(name, [])
            if pending:
                code = pending.pop(0)
                raise ClientError({"Error": {"Code": code, "Message": code}}, name)
            return operation(**kwargs)

        return wrapped

    def get_paginator(self, name: str) -> Any:
        return self.client.get_paginator(name)


def test_purge_retries_throttled_calls(
    s3: Any, monkeypatch: pytest.MonkeyPatch, buckets: Any, example: Any
) -> None:
    buckets.product_bucket("old-data")
    expected = versioned_objects("old-data", 3)
    buckets.archived(
        "old-data",
        on=example.today - dt.timedelta(days=31),
        noticed=example.today - dt.timedelta(8),
    )
    flaky = Flaky(s3, {"delete_objects": ["SlowDown", "SlowDown"], "delete_bucket": ["503"]})
    naps: list[float] = []

    report = purge.purge(
        example.settings,
        s3=flaky,
        ses=Mailbox(),
        today=example.today,
        deadline=Deadline(None, sleep=naps.append),
    )

    assert report.purged == {"old-data": expected} and not report.failed
    assert flaky.calls["delete_objects"] == 3 and flaky.calls["delete_bucket"] == 2
    assert naps == [0.5, 1.0, 0.5]


def test_purge_treats_a_bucket_gone_meanwhile_as_done(s3: Any, buckets: Any, example: Any) -> None:
    buckets.product_bucket("old-data")
    buckets.archived(
        "old-data",
        on=example.today - dt.timedelta(days=31),
        noticed=example.today - dt.timedelta(8),
    )
    flaky = Flaky(s3, {"get_bucket_tagging": ["NoSuchBucket"]})

    report = purge.purge(example.settings, s3=flaky, ses=Mailbox(), today=example.today)

    assert report.already_gone == ["old-data"] and not report.failed


def test_purge_handler_raises_when_a_bucket_fails(
    s3: Any, buckets: Any, example: Any, lambda_context: Any
) -> None:
    buckets.product_bucket("old-data")
    buckets.archived(
        "old-data",
        on=example.today - dt.timedelta(days=31),
        noticed=example.today - dt.timedelta(8),
    )

    def client(name: str) -> Any:
        return Flaky(s3, {"delete_bucket": ["AccessDenied"]}) if name == "s3" else Mailbox()

    with pytest.raises(RuntimeError, match="old-data"):
        purge.purge_handler({}, lambda_context, client=client, today=example.today)
    dry = purge.purge_handler({"DryRun": True}, lambda_context, client=client, today=example.today)
    assert dry["dry_run"] is True and dry["would_purge"] == {"old-data": 0}


def test_purge_handler_stops_when_the_lambda_runs_out_of_time(
    s3: Any, buckets: Any, example: Any, lambda_context: Any
) -> None:
    buckets.product_bucket("old-data")
    versioned_objects("old-data", 3)
    buckets.archived(
        "old-data",
        on=example.today - dt.timedelta(days=31),
        noticed=example.today - dt.timedelta(8),
    )
    # Less than the minute kept back: no deletion starts; the next run resumes.
    lambda_context.remaining_ms = 30_000

    summary = purge.purge_handler(
        {},
        lambda_context,
        client=lambda name: s3 if name == "s3" else Mailbox(),
        today=example.today,
    )

    # The bucket is not even read: the run stops before starting on it.
    assert summary["not_reached"] == 1 and not summary["purged"] and not summary["incomplete"]
    assert buckets.exists("old-data")
    assert len(s3.list_object_versions(Bucket="old-data")["Versions"]) == 6
