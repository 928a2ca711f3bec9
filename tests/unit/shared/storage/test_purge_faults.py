"""The purge of archived buckets under faults (issue 17, items 1, 3, 4 and 5): an operator's
restore while the purge runs, SES refusing a notice, errors that are not S3's, buckets that
are not the catalog's. moto's S3 behind wrappers that inject each fault."""

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from catalog_constructs.shared.storage.handler.storage_handlers import (
    access,
    archives,
    policies,
    purge,
)
from tests.unit.shared.storage.fakes import Hooked, Mailbox, versioned_objects


def _due(buckets: Any, example: Any, name: str, objects: int = 0) -> int:
    """An archived bucket past its purge date (notice sent long ago); its version count."""
    buckets.product_bucket(name)
    count = versioned_objects(name, objects) if objects else 0
    buckets.archived(
        name,
        on=example.today - dt.timedelta(days=40),
        noticed=example.today - dt.timedelta(days=10),
    )
    return count


def _restore_once(s3: Any, example: Any, bucket: str) -> Callable[[dict[str, Any]], None]:
    done: list[bool] = []

    def restore(kwargs: dict[str, Any]) -> None:
        if kwargs.get("Bucket") == bucket and not done:
            done.append(True)
            access.restore(bucket, example.settings, s3, today=example.today)

    return restore


def test_a_restore_between_delete_pages_stops_the_purge(
    s3: Any, buckets: Any, example: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 1: the purge checked "archived and locked" once, then deleted page after page and
    the bucket; an operator's restore meanwhile reported "restored" and the bucket was gone
    minutes later. The state is read again before every page and before DeleteBucket."""
    monkeypatch.setattr(archives, "PAGE_SIZE", 4)
    total = _due(buckets, example, "old-data", objects=4)
    # The operator restores the bucket while the purge deletes the first page.
    restoring = Hooked(s3, {"delete_objects": _restore_once(s3, example, "old-data")})

    report = purge.purge(example.settings, s3=restoring, ses=Mailbox(), today=example.today)

    assert buckets.exists("old-data")
    assert report.stopped == {"old-data": "no longer archived (restored?): purge stopped"}
    assert not report.purged and not report.failed
    # The first page went before the restore; the rest stays, and so does the owner's access.
    left = s3.list_object_versions(Bucket="old-data")
    assert 0 < len(left.get("Versions", []) + left.get("DeleteMarkers", [])) < total
    assert "ResearchCatalogOwner" in buckets.statements("old-data")


def test_a_restore_after_the_last_page_keeps_the_bucket(
    s3: Any, buckets: Any, example: Any
) -> None:
    """Item 1: the check before DeleteBucket (the restore lands after the last page)."""
    _due(buckets, example, "old-data", objects=2)
    restoring = Hooked(s3, {"delete_objects": _restore_once(s3, example, "old-data")})
    mailbox = Mailbox()

    report = purge.purge(example.settings, s3=restoring, ses=mailbox, today=example.today)

    assert buckets.exists("old-data") and "old-data" in report.stopped
    assert not mailbox.sent


class RefusingOnce(Mailbox):
    """SES refusing the first message whose subject contains ``refuse``."""

    def __init__(self, refuse: str) -> None:
        super().__init__()
        self.refuse: str | None = refuse

    def send_email(self, **kwargs: Any) -> dict[str, str]:
        subject = kwargs["Content"]["Simple"]["Subject"]["Data"]
        if self.refuse and self.refuse in subject:
            self.refuse = None
            raise ClientError(
                {"Error": {"Code": "MessageRejected", "Message": "Daily quota"}}, "SendEmail"
            )
        return super().send_email(**kwargs)


def test_a_refused_deleted_notice_keeps_the_emptied_bucket_and_is_sent_next_run(
    s3: Any, buckets: Any, example: Any
) -> None:
    """Item 3: the bucket was deleted first and the notice sent after; when SES refused it,
    the notice was lost for good, because the next run no longer saw the bucket. The notice
    now goes first, and the emptied bucket waits for the next run when it cannot be sent."""
    _due(buckets, example, "old-data", objects=3)
    mailbox = RefusingOnce("was deleted")

    first = purge.purge(example.settings, s3=s3, ses=mailbox, today=example.today)

    assert "MessageRejected" in first.failed["old-data"]
    assert buckets.exists("old-data") and not s3.list_object_versions(Bucket="old-data").get(
        "Versions"
    )
    second = purge.purge(example.settings, s3=s3, ses=mailbox, today=example.today)

    assert second.purged == {"old-data": 0} and not buckets.exists("old-data")
    assert mailbox.subjects == ["Archived bucket old-data was deleted"]


def test_a_sent_deleted_notice_is_not_sent_again_when_the_deletion_is_retried(
    s3: Any, buckets: Any, example: Any
) -> None:
    """Item 3, the other side: a notice already sent is recorded on the bucket."""
    _due(buckets, example, "old-data")
    failures = iter([ClientError({"Error": {"Code": "AccessDenied"}}, "DeleteBucket")])

    def fail_once(kwargs: dict[str, Any]) -> None:
        error = next(failures, None)
        if error:
            raise error

    mailbox = Mailbox()
    flaky = Hooked(s3, {"delete_bucket": fail_once})
    assert (
        "old-data"
        in purge.purge(example.settings, s3=flaky, ses=mailbox, today=example.today).failed
    )
    purge.purge(example.settings, s3=flaky, ses=mailbox, today=example.today)

    assert not buckets.exists("old-data")
    assert mailbox.subjects == ["Archived bucket old-data was deleted"]


def test_an_unexpected_error_on_one_bucket_does_not_stop_the_others(
    s3: Any, buckets: Any, example: Any
) -> None:
    """Item 4: only ClientError and BucketError were caught per bucket; anything else (a
    network error after botocore's retries) ended the run: later buckets got neither notice
    nor purge, and no summary was logged."""
    _due(buckets, example, "a-data", objects=1)
    expected = _due(buckets, example, "b-data", objects=1)

    def unreachable(kwargs: dict[str, Any]) -> None:
        if kwargs["Bucket"] == "a-data":
            raise EndpointConnectionError(endpoint_url="https://a-data.s3.amazonaws.com")

    report = purge.purge(
        example.settings,
        s3=Hooked(s3, {"list_object_versions": unreachable}),
        ses=Mailbox(),
        today=example.today,
    )

    assert report.failed["a-data"].startswith("EndpointConnectionError: ")
    assert report.purged == {"b-data": expected}


def test_the_summary_is_logged_when_the_run_fails(
    s3: Any, example: Any, lambda_context: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 4: the summary is the run's record; it is logged whatever ended the run."""

    def broken(kwargs: dict[str, Any]) -> None:
        raise EndpointConnectionError(endpoint_url="https://s3.amazonaws.com")

    class NoListing(Hooked):
        def get_paginator(self, name: str) -> Any:
            broken({})

    with pytest.raises(EndpointConnectionError):
        purge.purge_handler(
            {},
            lambda_context,
            client=lambda name: NoListing(s3, {}) if name == "s3" else Mailbox(),
            today=example.today,
        )

    (line,) = [json.loads(out) for out in capsys.readouterr().out.splitlines()]
    assert line["message"] == "purge run" and "EndpointConnectionError" in line["error"]


def test_a_single_statement_archive_policy_is_read(s3: Any, buckets: Any, example: Any) -> None:
    """Item 4: a policy whose ``Statement`` is one object (IAM's grammar allows it; an
    administrator may have rewritten the lock so) made the whole run fail. Whether S3 returns
    such a document exactly as written cannot be checked offline: moto stores it as given."""
    expected = _due(buckets, example, "locked", objects=1)
    _due(buckets, example, "unlocked", objects=1)
    for name, keep in (("locked", policies.ARCHIVED_SID), ("unlocked", "SomethingElse")):
        (statement,) = [
            {**s, "Sid": keep}
            for s in json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])["Statement"]
            if s["Sid"] == policies.ARCHIVED_SID
        ]
        s3.put_bucket_policy(
            Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": statement})
        )

    report = purge.purge(example.settings, s3=s3, ses=Mailbox(), today=example.today)

    assert report.purged == {"locked": expected} and not report.failed
    assert buckets.exists("unlocked")


def test_buckets_whose_tags_the_purge_may_not_read_are_skipped(
    s3: Any, buckets: Any, example: Any, lambda_context: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 5: buckets that are not the catalog's (a log archive, another deployment's
    archives) deny reading their tags; each failed the whole run, which hid real failures in
    the function's only failure signal. They are skipped and logged."""
    _due(buckets, example, "old-data")
    s3.create_bucket(Bucket="org-log-archive")

    def denied(kwargs: dict[str, Any]) -> None:
        if kwargs["Bucket"] == "org-log-archive":
            raise ClientError({"Error": {"Code": "AccessDenied"}}, "GetBucketTagging")

    summary = purge.purge_handler(
        {},
        lambda_context,
        client=lambda name: (
            Hooked(s3, {"get_bucket_tagging": denied}) if name == "s3" else Mailbox()
        ),
        today=example.today,
    )

    assert summary["purged"] == {"old-data": 0} and not summary["failed"]
    assert summary["skipped"] == {
        "org-log-archive": "AccessDenied on its tags: not a catalog archive"
    }
    assert "org-log-archive" in capsys.readouterr().out


def test_only_buckets_of_the_functions_region_are_considered(
    s3: Any, buckets: Any, example: Any
) -> None:
    """Item 5: product buckets live in the stage's region; ListBuckets names every region's
    buckets, whose calls from here fail or redirect. The listing asks S3 for this region's
    buckets only (``BucketRegion``: AWS's semantics, which moto follows)."""
    _due(buckets, example, "old-data")
    elsewhere = "eu-west-1"
    buckets.s3.create_bucket(
        Bucket="other-region", CreateBucketConfiguration={"LocationConstraint": elsewhere}
    )
    asked: list[str] = []

    def record(kwargs: dict[str, Any]) -> None:
        asked.append(kwargs["Bucket"])

    report = purge.purge(
        example.settings,
        s3=Hooked(s3, {"get_bucket_tagging": record}),
        ses=Mailbox(),
        today=example.today,
    )

    assert report.purged == {"old-data": 0}
    assert "other-region" not in asked
