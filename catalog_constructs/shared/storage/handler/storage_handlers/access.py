"""Who may reach a product bucket, operation by operation: the owner's access (launch and
update), the archive lock (termination, or an operator's archive) and the owner's access back
(an operator's restore)."""

from __future__ import annotations

import datetime as dt

from .deadline import Deadline
from .policies import archive_statements, owner_statements
from .s3_calls import bucket_exists, bucket_tags, call, put_bucket_tags, put_policy
from .settings import (
    ARCHIVED_TAG,
    DELETED_NOTICE_TAG,
    KIND_TAG,
    NOTICE_TAG,
    OWNER_FILE,
    OWNER_FILE_TAG,
    OWNER_USERID_TAG,
    PRIVATE,
    RESTORED_TAG,
    RESTRICT_TAG,
    SYNAPSE,
    BucketError,
    BucketSpec,
    Client,
    Settings,
)


def apply(
    spec: BucketSpec, settings: Settings, s3: Client, *, deadline: Deadline | None = None
) -> None:
    """Create/Update: the owner's policy and, for Synapse, owner.txt and CORS."""
    if spec.kind == SYNAPSE:
        call(
            s3.put_object,
            deadline=deadline,
            Bucket=spec.bucket,
            Key=OWNER_FILE,
            Body=",".join(spec.synapse_ids).encode(),
            ContentType="text/plain",
            Tagging=f"{OWNER_FILE_TAG}=true",
        )
        call(
            s3.put_bucket_cors,
            deadline=deadline,
            Bucket=spec.bucket,
            CORSConfiguration={
                "CORSRules": [
                    {
                        "ID": "SynapseWebClient",
                        "AllowedOrigins": list(settings.synapse_origins),
                        "AllowedMethods": ["GET", "PUT", "POST", "HEAD"],
                        "AllowedHeaders": ["*"],
                        "ExposeHeaders": ["ETag"],
                        "MaxAgeSeconds": 3000,
                    }
                ]
            },
        )
    put_policy(s3, spec.bucket, owner_statements(spec, settings), deadline=deadline)


def archive(
    bucket: str,
    settings: Settings,
    s3: Client,
    *,
    kind: str,
    restrict: bool,
    today: dt.date,
    deadline: Deadline | None = None,
) -> bool:
    """Lock the bucket and date it. False if it no longer exists."""
    if not bucket_exists(s3, bucket, deadline=deadline):
        return False
    put_policy(s3, bucket, archive_statements(bucket, settings), deadline=deadline)
    tags = bucket_tags(s3, bucket, deadline=deadline)
    for stale in (RESTORED_TAG, NOTICE_TAG, DELETED_NOTICE_TAG):
        tags.pop(stale, None)
    tags.update(
        {
            ARCHIVED_TAG: tags.get(ARCHIVED_TAG, today.isoformat()),
            KIND_TAG: kind,
            RESTRICT_TAG: "true" if restrict else "false",
        }
    )
    put_bucket_tags(s3, bucket, tags, deadline=deadline)
    return True


def restore(
    bucket: str,
    settings: Settings,
    s3: Client,
    *,
    today: dt.date,
    deadline: Deadline | None = None,
) -> dict[str, str]:
    """Operator action: give the owner their bucket back, as it was before the archive."""
    if not bucket_exists(s3, bucket, deadline=deadline):
        raise BucketError(f"bucket {bucket} does not exist (already purged?)")
    tags = bucket_tags(s3, bucket, deadline=deadline)
    if ARCHIVED_TAG not in tags:
        raise BucketError(f"bucket {bucket} is not archived (no {ARCHIVED_TAG} tag)")
    owner = tags.get(OWNER_USERID_TAG, "")
    if not owner:
        raise BucketError(f"bucket {bucket} has no {OWNER_USERID_TAG} tag: owner unknown")
    spec = BucketSpec(
        bucket=bucket,
        kind=tags.get(KIND_TAG, PRIVATE),
        owner_user_id=owner,
        restrict_region=tags.get(RESTRICT_TAG) == "true",
    )
    put_policy(s3, bucket, owner_statements(spec, settings), deadline=deadline)
    archived_on = tags.pop(ARCHIVED_TAG)
    tags.pop(NOTICE_TAG, None)
    tags.pop(DELETED_NOTICE_TAG, None)
    tags[RESTORED_TAG] = today.isoformat()
    put_bucket_tags(s3, bucket, tags, deadline=deadline)
    return {"bucket": bucket, "owner": owner, "archived_on": archived_on}
