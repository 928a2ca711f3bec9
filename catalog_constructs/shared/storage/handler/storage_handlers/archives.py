"""An archived bucket as the purge sees it: its archive record (tags and lock), its versions,
emptying it, and the notices to its owner."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .deadline import Deadline
from .policies import ARCHIVED_SID, policy_statements
from .s3_calls import THROTTLING_CODES, backoff, bucket_tags, call, current_policy
from .settings import (
    ARCHIVED_TAG,
    NOTICE_TAG,
    OWNER_EMAIL_TAG,
    PRODUCT_TAG,
    BucketError,
    Client,
    Settings,
)

# Versions and delete markers per ListObjectVersions page and DeleteObjects call (S3's most).
PAGE_SIZE = 1000


class ArchiveChanged(Exception):
    """The bucket is no longer the archive the purge started on (an operator restored it, or
    archived it again with a new date): the purge stops there."""


@dataclass(frozen=True)
class Archived:
    bucket: str
    archived_on: dt.date
    noticed_on: dt.date | None
    owner_email: str
    product: str
    tags: dict[str, str]

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


def archived_bucket(
    s3: Client, bucket: str, deadline: Deadline, tags: dict[str, str] | None = None
) -> Archived | None:
    """The bucket's archive record, or None for buckets that are not the catalog's archives
    (``tags``: the bucket's tags, when the caller has read them)."""
    tags = bucket_tags(s3, bucket, deadline=deadline) if tags is None else tags
    archived_on = _date(tags.get(ARCHIVED_TAG))
    if PRODUCT_TAG not in tags or archived_on is None:
        return None
    # Only a bucket that is really locked is purged: a hand-set tag alone is not enough.
    statements = policy_statements(current_policy(s3, bucket, deadline=deadline))
    if not any(statement.get("Sid") == ARCHIVED_SID for statement in statements):
        return None
    return Archived(
        bucket=bucket,
        archived_on=archived_on,
        noticed_on=_date(tags.get(NOTICE_TAG)),
        owner_email=tags.get(OWNER_EMAIL_TAG, ""),
        product=tags[PRODUCT_TAG],
        tags=tags,
    )


def still_archived(s3: Client, entry: Archived, deadline: Deadline) -> Archived:
    """The bucket's record read again; ArchiveChanged unless it is the same archive, locked."""
    current = archived_bucket(s3, entry.bucket, deadline)
    if current is None or current.archived_on != entry.archived_on:
        raise ArchiveChanged("no longer archived (restored?): purge stopped")
    return current


def _versions(s3: Client, bucket: str, deadline: Deadline) -> Iterator[list[dict[str, str]]]:
    """Pages of up to PAGE_SIZE object versions and delete markers."""
    key_marker: str | None = None
    version_marker: str | None = None
    while True:
        kwargs: dict[str, Any] = {"Bucket": bucket, "MaxKeys": PAGE_SIZE}
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


def empty_bucket(
    s3: Client, bucket: str, *, deadline: Deadline, check: Callable[[], object]
) -> tuple[int, bool]:
    """Delete every version, delete marker and unfinished upload; ``(deleted, finished)``:
    not finished when the Lambda's time ran out first (the next run resumes). ``check`` runs
    before anything is deleted and before every page, and raises to stop (ArchiveChanged)."""
    deleted = 0
    check()
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
            check()
            count, finished = _delete_page(s3, bucket, entries, deadline)
            deleted += count
            progressed = progressed or count > 0
            if not finished:
                return deleted, False
        if not progressed:
            return deleted, True


def _delete_page(
    s3: Client, bucket: str, entries: list[dict[str, str]], deadline: Deadline
) -> tuple[int, bool]:
    """Delete one page, retrying the entries S3 throttled; ``(deleted, finished)``."""
    deleted, pending = 0, entries
    for attempt in range(8):
        result = call(
            s3.delete_objects,
            Bucket=bucket,
            Delete={"Objects": pending, "Quiet": True},
            deadline=deadline,
        )
        errors = result.get("Errors", [])
        deleted += len(pending) - len(errors)
        if not errors:
            return deleted, True
        if any(error.get("Code") not in THROTTLING_CODES for error in errors):
            raise BucketError(f"cannot delete from {bucket}: {errors[:3]}")
        pending = [{"Key": e["Key"], "VersionId": e["VersionId"]} for e in errors]
        if not deadline.allows(backoff(attempt)):
            return deleted, False
        deadline.sleep(backoff(attempt), "throttled deletes")
    raise BucketError(f"{bucket}: deletes still throttled after retries")


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
