"""``research-catalog-bucket-purge`` (scheduled): deletes archived product buckets after the
archive period.

Notifies the owner of archived buckets before their purge date; then deletes every object
version, delete marker and multipart upload, notifies the owner that the bucket is deleted,
and deletes the bucket. Idempotent, resumable within Lambda's time limit, supports a dry run.

What it must never do, and how:

* Undo an operator's restore: the archive record (tags and lock) is read again before every
  page of deletions, before the final notice and before DeleteBucket; the purge of that
  bucket stops (``stopped``) when it changed.
* Lose the final notice: it is sent before DeleteBucket and recorded on the bucket
  (``DELETED_NOTICE_TAG``); when SES refuses it, the emptied bucket stays for the next run.
* Let one bucket stop the others: every error is caught per bucket, recorded (``failed``)
  and the run goes on; the summary is logged whatever ends the run.
* Fail on buckets that are not the catalog's: only this region's buckets are listed, and a
  bucket whose tags the function may not read cannot be a catalog archive (the archive policy
  exempts this function): it is skipped and logged (``skipped``), not failed.
"""

from __future__ import annotations

import datetime as dt
import os
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

from .archives import (
    ArchiveChanged,
    Archived,
    archived_bucket,
    count_versions,
    empty_bucket,
    notify,
    still_archived,
)
from .cfn import log
from .deadline import Deadline
from .s3_calls import GONE_CODES, bucket_tags, call, error_code, put_bucket_tags
from .settings import DELETED_NOTICE_TAG, NOTICE_TAG, BucketError, Client, Settings

# Errors on reading a bucket's tags that mean the bucket is not this catalog's to purge.
NOT_OURS_CODES = frozenset({"AccessDenied", "AllAccessDisabled"})


@dataclass
class PurgeReport:
    dry_run: bool
    noticed: list[str] = field(default_factory=list)
    purged: dict[str, int] = field(default_factory=dict)
    would_purge: dict[str, int] = field(default_factory=dict)
    incomplete: list[str] = field(default_factory=list)
    already_gone: list[str] = field(default_factory=list)
    # Bucket -> why its purge stopped: it is no longer the archive the run started on.
    stopped: dict[str, str] = field(default_factory=dict)
    # Bucket -> why it is not considered (not a catalog archive).
    skipped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    # Buckets the run did not reach before its time ran out (the next run does).
    not_reached: int = 0
    # What ended the run early, if anything did.
    error: str = ""


def all_buckets(s3: Client, region: str) -> Iterator[str]:
    # Without a page size ListBuckets answers in one page, which an account with more buckets
    # than the default quota would truncate. Product buckets live in the stage's region; those
    # of other regions would only fail or redirect.
    pages = s3.get_paginator("list_buckets").paginate(
        BucketRegion=region, PaginationConfig={"PageSize": 1000}
    )
    for page in pages:
        for bucket in page.get("Buckets", []):
            yield str(bucket["Name"])


def purge(
    settings: Settings,
    *,
    s3: Client,
    ses: Client,
    today: dt.date,
    deadline: Deadline | None = None,
    report: PurgeReport | None = None,
) -> PurgeReport:
    """One run over every bucket of the region; stops a minute before the Lambda's time runs
    out (``deadline``: Lambda's 15 minutes from now when None). Fills ``report`` as it goes."""
    deadline = deadline or Deadline(None)
    report = report or PurgeReport(dry_run=settings.dry_run)
    for bucket in all_buckets(s3, settings.region):
        if deadline.seconds_left() <= 0:
            report.not_reached += 1
            continue
        try:
            _purge_one(settings, s3, ses, bucket, today, deadline, report)
        except ArchiveChanged as change:
            log("purge stopped", bucket=bucket, reason=str(change))
            report.stopped[bucket] = str(change)
        except ClientError as error:
            if error_code(error) in GONE_CODES:
                report.already_gone.append(bucket)
            else:
                report.failed[bucket] = f"{error_code(error)}: {error}"
        except BucketError as error:
            report.failed[bucket] = str(error)
        except Exception as error:  # one bucket must not stop the others
            log("bucket failed", bucket=bucket, error=repr(error), trace=traceback.format_exc())
            report.failed[bucket] = f"{type(error).__name__}: {error}"
    return report


def _archive_record(s3: Client, bucket: str, deadline: Deadline) -> Archived | str | None:
    """The bucket's archive record; None if it is no archive; why it was skipped if its tags
    cannot be read (a bucket that is not the catalog's)."""
    try:
        tags = bucket_tags(s3, bucket, deadline=deadline)
    except ClientError as error:
        if error_code(error) in NOT_OURS_CODES:
            return f"{error_code(error)} on its tags: not a catalog archive"
        raise
    return archived_bucket(s3, bucket, deadline, tags=tags)


def _purge_one(
    settings: Settings,
    s3: Client,
    ses: Client,
    bucket: str,
    today: dt.date,
    deadline: Deadline,
    report: PurgeReport,
) -> None:
    entry = _archive_record(s3, bucket, deadline)
    if isinstance(entry, str):
        log("skipped", bucket=bucket, reason=entry)
        report.skipped[bucket] = entry
        return
    if entry is None:
        return
    purge_on = entry.purge_date(settings)
    if entry.noticed_on is None and today >= purge_on - dt.timedelta(days=settings.notice_days):
        if not settings.dry_run:
            _announce(settings, s3, ses, entry, purge_on, today, deadline)
        report.noticed.append(bucket)
        return
    if entry.noticed_on is None or today < purge_on:
        return
    if settings.dry_run:
        report.would_purge[bucket] = count_versions(s3, bucket, deadline)
        log("dry run: would purge", bucket=bucket, versions=report.would_purge[bucket])
        return
    deleted, finished = empty_bucket(
        s3, bucket, deadline=deadline, check=lambda: still_archived(s3, entry, deadline)
    )
    log("deleted object versions", bucket=bucket, count=deleted, finished=finished)
    if not finished:
        report.incomplete.append(bucket)
        return
    _delete_bucket(settings, s3, ses, still_archived(s3, entry, deadline), today, deadline)
    report.purged[bucket] = deleted
    log("purged", bucket=bucket, archived_on=entry.archived_on.isoformat())


def _announce(
    settings: Settings,
    s3: Client,
    ses: Client,
    entry: Archived,
    purge_on: dt.date,
    today: dt.date,
    deadline: Deadline,
) -> None:
    new_date = max(purge_on, today + dt.timedelta(days=settings.notice_days))
    notify(
        ses,
        settings,
        entry,
        f"Archived bucket {entry.bucket} will be deleted on {new_date.isoformat()}",
        f"Your {entry.product} bucket {entry.bucket} was archived on "
        f"{entry.archived_on.isoformat()} when its product was terminated. It and every "
        f"file in it will be deleted permanently on or after {new_date.isoformat()}.\n\n"
        "To keep it, ask the research computing operators to restore it before then.",
        deadline,
    )
    tags = bucket_tags(s3, entry.bucket, deadline=deadline)
    tags[NOTICE_TAG] = today.isoformat()
    put_bucket_tags(s3, entry.bucket, tags, deadline=deadline)


def _delete_bucket(
    settings: Settings,
    s3: Client,
    ses: Client,
    entry: Archived,
    today: dt.date,
    deadline: Deadline,
) -> None:
    """The emptied bucket goes, after its owner was told: a notice SES refuses keeps the
    bucket (and so the notice) for the next run; one that went out is not sent again."""
    if DELETED_NOTICE_TAG not in entry.tags:
        notify(
            ses,
            settings,
            entry,
            f"Archived bucket {entry.bucket} was deleted",
            f"Your {entry.product} bucket {entry.bucket}, archived on "
            f"{entry.archived_on.isoformat()}, was deleted with all its files as announced.",
            deadline,
        )
        put_bucket_tags(
            s3,
            entry.bucket,
            {**entry.tags, DELETED_NOTICE_TAG: today.isoformat()},
            deadline=deadline,
        )
        still_archived(s3, entry, deadline)
    call(s3.delete_bucket, deadline=deadline, Bucket=entry.bucket)


def purge_handler(
    event: Mapping[str, Any],
    context: Any,
    *,
    client: Callable[[str], Client] = boto3.client,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Lambda entry point of ``research-catalog-bucket-purge``: ``{"DryRun": true}`` in the
    event forces a dry run, whatever the configured mode. The summary is logged whatever ends
    the run; a run with failures raises, which shows in the function's Errors metric (the next
    run retries)."""
    settings = Settings.from_environ(os.environ)
    if event.get("DryRun"):
        settings = Settings(**{**settings.__dict__, "dry_run": True})
    report = PurgeReport(dry_run=settings.dry_run)
    try:
        purge(
            settings,
            s3=client("s3"),
            ses=client("sesv2"),
            today=today or dt.datetime.now(dt.UTC).date(),
            deadline=Deadline(context),
            report=report,
        )
    except Exception as error:
        report.error = f"{type(error).__name__}: {error}"
        raise
    finally:
        log("purge run", **report.__dict__)
    if report.failed:
        raise RuntimeError(f"purge failed for {sorted(report.failed)}: see the log")
    return report.__dict__
