"""The purge across S3's pages of 1,000 versions: every version of a large bucket is deleted,
and a run that runs out of Lambda time stops between pages and the next run resumes (moto's
S3, the buckets filled through its backend)."""

import datetime as dt
from typing import Any

from catalog_constructs.shared.storage.handler.storage_handlers import purge
from catalog_constructs.shared.storage.handler.storage_handlers.deadline import Deadline
from tests.unit.shared.storage.fakes import Hooked, Mailbox, versioned_objects


def test_purge_deletes_every_version_of_a_large_bucket_after_the_period(
    s3: Any, buckets: Any, example: Any
) -> None:
    buckets.product_bucket("old-data")
    expected = versioned_objects("old-data", 520)
    assert expected > 1000
    s3.create_multipart_upload(Bucket="old-data", Key="unfinished.bin")
    buckets.archived(
        "old-data",
        on=example.today - dt.timedelta(days=31),
        noticed=example.today - dt.timedelta(8),
    )
    mailbox = Mailbox()

    report = purge.purge(example.settings, s3=s3, ses=mailbox, today=example.today)

    assert report.purged == {"old-data": expected}
    assert not buckets.exists("old-data")
    assert mailbox.subjects == ["Archived bucket old-data was deleted"]
    assert mailbox.sent[0]["Destination"]["ToAddresses"] == ["alice@example.org"]
    assert mailbox.sent[0]["FromEmailAddress"] == "catalog@example.org"


def test_purge_stops_before_the_time_limit_and_resumes(
    s3: Any, buckets: Any, example: Any, clock: Any, lambda_context: Any
) -> None:
    buckets.product_bucket("old-data")
    expected = versioned_objects("old-data", 600)
    assert expected == 1500
    buckets.archived(
        "old-data",
        on=example.today - dt.timedelta(days=31),
        noticed=example.today - dt.timedelta(8),
    )
    # Enough time for the first page of 1,000 versions, not for the second: each page of
    # deletes takes 20 s on the simulated clock, and 70 s are left (a minute is kept back).
    lambda_context.run_with(clock, remaining_seconds=70)
    slow = Hooked(s3, {"delete_objects": lambda kwargs: clock.advance(20)})

    first = purge.purge(
        example.settings,
        s3=slow,
        ses=Mailbox(),
        today=example.today,
        deadline=Deadline(lambda_context, sleep=clock.sleep),
    )
    assert first.incomplete == ["old-data"] and not first.purged
    assert buckets.exists("old-data")

    second = purge.purge(example.settings, s3=s3, ses=Mailbox(), today=example.today)

    assert second.purged == {"old-data": expected - 1000}
    assert not buckets.exists("old-data")
