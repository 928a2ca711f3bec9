"""``research-catalog-bucket-purge`` (scheduled): deletes archived product buckets after the
archive period.

Notifies the owner of archived buckets before their purge date, then deletes every object
version, delete marker and multipart upload and the bucket, and notifies again. Idempotent,
resumable within Lambda's time limit, supports a dry run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

from .cfn import log
from .deadline import Deadline
from .policies import ARCHIVED_SID
from .s3_calls import (
    GONE_CODES,
    THROTTLING_CODES,
    backoff,
    bucket_tags,
    call,
    current_policy,
    error_code,
    put_bucket_tags,
)
from .settings import (
    ARCHIVED_TAG,
    NOTICE_TAG,
    OWNER_EMAIL_TAG,
    PRODUCT_TAG,
    BucketError,
    Client,
    Settings,
)


@dataclass
class PurgeReport:
    dry_run: bool
    noticed: list[str] = field(default_factory=list)
    purged: dict[str, int] = field(default_factory=dict)
    would_purge: dict[str, int] = field(default_factory=dict)
    incomplete: list[str] = field(default_factory=list)
    already_gone: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def all_buckets(s3: Client) -> Iterator[str]:
    # Without a page size ListBuckets answers in one page, which an account with more buckets
    # than the default quota would truncate.
    pages = s3.get_paginator("list_buckets").paginate(PaginationConfig={"PageSize": 1000})
    for page in pages:
        for bucket in page.get("Buckets", []):
            yield str(bucket["Name"])


def _versions(s3: Client, bucket: str, deadline: Deadline) -> Iterator[list[dict[str, str]]]:
    """Pages of up to 1,000 object versions and delete markers."""
    key_marker: str | None = None
    version_marker: str | None = None
    while True:
        kwargs: dict[str, Any] = {"Bucket": bucket, "MaxKeys": 1000}
        if key_marker is not None:
            kwargs["KeyMarker"] = key_marker
            kwargs["VersionIdMarker"] = version_marker
        page = call(s3.list_object_versions, deadline=deadline, **kwargs)
        entries = [
            {"Key": item["Key"], "VersionId": item["VersionId"]}
            for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        ]
        if entries:
            yield entries
        if not page.get("IsTruncated"):
            return
        key_marker = page.get("NextKeyMarker")
        version_marker = page.get("NextVersionIdMarker")


def count_versions(s3: Client, bucket: str, deadline: Deadline) -> int:
    return sum(len(page) for page in _versions(s3, bucket, deadline))


def empty_bucket(s3: Client, bucket: str, *, deadline: Deadline) -> tuple[int, bool]:
    """Delete every version, delete marker and unfinished upload; ``(deleted, finished)``:
    not finished when the Lambda's time ran out first (the next run resumes)."""
    deleted = 0
    for uploads in s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        for upload in uploads.get("Uploads", []):
            call(
                s3.abort_multipart_upload,
                Bucket=bucket,
                Key=upload["Key"],
                UploadId=upload["UploadId"],
                deadline=deadline,
            )
    # Deleting while listing shifts the markers; list again from the start until nothing is left.
    while True:
        progressed = False
        for entries in _versions(s3, bucket, deadline):
            if deadline.seconds_left() <= 0:
                return deleted, False
            pending = entries
            for attempt in range(8):
                result = call(
                    s3.delete_objects,
                    Bucket=bucket,
                    Delete={"Objects": pending, "Quiet": True},
                    deadline=deadline,
                )
                errors = result.get("Errors", [])
                deleted += len(pending) - len(errors)
                progressed = progressed or len(errors) < len(pending)
                if not errors:
                    break
                if any(error.get("Code") not in THROTTLING_CODES for error in errors):
                    raise BucketError(f"cannot delete from {bucket}: {errors[:3]}")
                pending = [{"Key": e["Key"], "VersionId": e["VersionId"]} for e in errors]
                if not deadline.allows(backoff(attempt)):
                    return deleted, False
                deadline.sleep(backoff(attempt), "throttled deletes")
            else:
                raise BucketError(f"{bucket}: deletes still throttled after retries")
        if not progressed:
            return deleted, True


@dataclass(frozen=True)
class Archived:
    bucket: str
    archived_on: dt.date
    noticed_on: dt.date | None
    owner_email: str
    product: str

    def purge_date(self, settings: Settings) -> dt.date:
        date = self.archived_on + dt.timedelta(days=settings.archive_days)
        # A notice sent late (function down, SES not ready) still gives the owner its full notice.
        if self.noticed_on is not None:
            date = max(date, self.noticed_on + dt.timedelta(days=settings.notice_days))
        return date


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def archived_bucket(s3: Client, bucket: str, deadline: Deadline) -> Archived | None:
    """The bucket's archive record, or None for buckets that are not the catalog's archives."""
    tags = bucket_tags(s3, bucket, deadline=deadline)
    archived_on = _date(tags.get(ARCHIVED_TAG))
    if PRODUCT_TAG not in tags or archived_on is None:
        return None
    # Only a bucket that is really locked is purged: a hand-set tag alone is not enough.
    policy = current_policy(s3, bucket, deadline=deadline) or "{}"
    if not any(s.get("Sid") == ARCHIVED_SID for s in json.loads(policy).get("Statement", [])):
        return None
    return Archived(
        bucket=bucket,
        archived_on=archived_on,
        noticed_on=_date(tags.get(NOTICE_TAG)),
        owner_email=tags.get(OWNER_EMAIL_TAG, ""),
        product=tags[PRODUCT_TAG],
    )


def notify(
    ses: Client,
    settings: Settings,
    entry: Archived,
    subject: str,
    text: str,
    deadline: Deadline,
) -> None:
    recipients = [entry.owner_email] if entry.owner_email else [settings.operators_email]
    cc = [settings.operators_email] if entry.owner_email and settings.operators_email else []
    call(
        ses.send_email,
        deadline=deadline,
        FromEmailAddress=settings.sender,
        Destination={"ToAddresses": recipients, "CcAddresses": cc},
        Content={
            "Simple": {
                "Subject": {"Data": subject},
                "Body": {"Text": {"Data": text}},
            }
        },
    )


def purge(
    settings: Settings,
    *,
    s3: Client,
    ses: Client,
    today: dt.date,
    deadline: Deadline | None = None,
) -> PurgeReport:
    """One run over every bucket; stops a minute before the Lambda's time runs out
    (``deadline``: Lambda's 15 minutes from now when None)."""
    deadline = deadline or Deadline(None)
    report = PurgeReport(dry_run=settings.dry_run)
    for bucket in all_buckets(s3):
        try:
            _purge_one(settings, s3, ses, bucket, today, deadline, report)
        except ClientError as error:
            if error_code(error) in GONE_CODES:
                report.already_gone.append(bucket)
                continue
            report.failed[bucket] = f"{error_code(error)}: {error}"
        except BucketError as error:
            report.failed[bucket] = str(error)
    return report


def _purge_one(
    settings: Settings,
    s3: Client,
    ses: Client,
    bucket: str,
    today: dt.date,
    deadline: Deadline,
    report: PurgeReport,
) -> None:
    entry = archived_bucket(s3, bucket, deadline)
    if entry is None:
        return
    purge_on = entry.purge_date(settings)
    if entry.noticed_on is None and today >= purge_on - dt.timedelta(days=settings.notice_days):
        if settings.dry_run:
            report.noticed.append(bucket)
            return
        new_date = max(purge_on, today + dt.timedelta(days=settings.notice_days))
        notify(
            ses,
            settings,
            entry,
            f"Archived bucket {bucket} will be deleted on {new_date.isoformat()}",
            f"Your {entry.product} bucket {bucket} was archived on "
            f"{entry.archived_on.isoformat()} when its product was terminated. It and every "
            f"file in it will be deleted permanently on or after {new_date.isoformat()}.\n\n"
            "To keep it, ask the research computing operators to restore it before then.",
            deadline,
        )
        tags = bucket_tags(s3, bucket, deadline=deadline)
        tags[NOTICE_TAG] = today.isoformat()
        put_bucket_tags(s3, bucket, tags, deadline=deadline)
        report.noticed.append(bucket)
        return
    if entry.noticed_on is None or today < purge_on:
        return
    if settings.dry_run:
        report.would_purge[bucket] = count_versions(s3, bucket, deadline)
        log("dry run: would purge", bucket=bucket, versions=report.would_purge[bucket])
        return
    deleted, finished = empty_bucket(s3, bucket, deadline=deadline)
    log("deleted object versions", bucket=bucket, count=deleted, finished=finished)
    if not finished:
        report.incomplete.append(bucket)
        return
    call(s3.delete_bucket, deadline=deadline, Bucket=bucket)
    report.purged[bucket] = deleted
    log("purged", bucket=bucket, archived_on=entry.archived_on.isoformat())
    notify(
        ses,
        settings,
        entry,
        f"Archived bucket {bucket} was deleted",
        f"Your {entry.product} bucket {bucket}, archived on {entry.archived_on.isoformat()}, "
        "was deleted with all its files as announced.",
        deadline,
    )


def purge_handler(
    event: Mapping[str, Any],
    context: Any,
    *,
    client: Callable[[str], Client] = boto3.client,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Lambda entry point of ``research-catalog-bucket-purge``: ``{"DryRun": true}`` in the
    event forces a dry run, whatever the configured mode."""
    settings = Settings.from_environ(os.environ)
    if event.get("DryRun"):
        settings = Settings(**{**settings.__dict__, "dry_run": True})
    report = purge(
        settings,
        s3=client("s3"),
        ses=client("sesv2"),
        today=today or dt.datetime.now(dt.UTC).date(),
        deadline=Deadline(context),
    )
    summary = report.__dict__
    log("purge run", **summary)
    if report.failed:
        # A failed run shows in the function's Errors metric; the next run retries.
        raise RuntimeError(f"purge failed for {sorted(report.failed)}: see the log")
    return summary
