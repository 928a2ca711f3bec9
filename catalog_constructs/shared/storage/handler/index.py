"""Who may reach a product bucket, from launch to purge.

``Custom::ProductBucket`` (``handler``), in every bucket product:

* Create/Update: writes the bucket policy (TLS only; the owner, the owner's own product
  instance roles and the break-glass administrators, nobody else; optionally downloads only
  through a VPC endpoint of this region) and, for Synapse buckets, ``owner.txt``, CORS and
  the Synapse service account's access. The whole policy is computed from the resource's
  properties and this function's settings on every call, so an update never drops a statement.
* Delete (product terminated, or bucket replaced by a rename): archives the bucket. The bucket
  itself is retained by CloudFormation; its policy becomes deny-all except administrators and
  the catalog's own functions, and it is tagged with the archive date.

Operator actions, invoked directly (``aws lambda invoke``): ``{"Action": "restore", "Bucket":
...}`` puts the owner's policy back and clears the archive tags; ``{"Action": "archive",
"Bucket": ...}`` archives a restored bucket again.

``purge_handler`` (scheduled): notifies the owner of archived buckets before their purge date,
then deletes every object version, delete marker and multipart upload and the bucket, and
notifies again. Idempotent, resumable within Lambda's time limit, supports a dry run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import traceback
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

SUCCESS = "SUCCESS"
FAILED = "FAILED"
PRIVATE = "private"
SYNAPSE = "synapse"
KINDS = (PRIVATE, SYNAPSE)

SID_PREFIX = "ResearchCatalog"
ARCHIVED_SID = f"{SID_PREFIX}ArchivedDenyAll"
PRODUCT_TAG = "research-catalog:product"
OWNER_USERID_TAG = "research-catalog:owner-userid"
OWNER_EMAIL_TAG = "OwnerEmail"
ARCHIVED_TAG = "research-catalog:archived-on"
NOTICE_TAG = "research-catalog:purge-notice-on"
KIND_TAG = "research-catalog:bucket-kind"
RESTRICT_TAG = "research-catalog:restrict-region"
RESTORED_TAG = "research-catalog:restored-on"
# Synapse must read owner.txt from wherever it runs, also when downloads are restricted.
OWNER_FILE = "owner.txt"
OWNER_FILE_TAG = "research-catalog:owner-file"

# What the owner (and their instances) may do with their data. Permanent deletion of object
# versions is left out on purpose: versioning then protects against a mistaken or stolen
# session; noncurrent versions expire through the bucket's lifecycle rule.
OWNER_ACTIONS = [
    "s3:GetBucketLocation",
    # The console's "Show versions" switch.
    "s3:GetBucketVersioning",
    "s3:ListBucket",
    "s3:ListBucketVersions",
    "s3:ListBucketMultipartUploads",
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetObjectAttributes",
    "s3:GetObjectTagging",
    "s3:PutObject",
    "s3:PutObjectTagging",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
]
# Everything that reads or changes data. Bucket configuration is left to IAM, where only the
# launch role, this function and administrators hold it.
DATA_ACTIONS = [
    "s3:GetObject*",
    "s3:PutObject*",
    "s3:DeleteObject*",
    "s3:RestoreObject",
    "s3:ListBucket",
    "s3:ListBucketVersions",
    "s3:ListBucketMultipartUploads",
    "s3:ListMultipartUploadParts",
    "s3:AbortMultipartUpload",
    "s3:ReplicateObject",
    "s3:ReplicateDelete",
]
# https://help.synapse.org/docs/Custom-Storage-Locations.2048327803.html: list the bucket,
# read and write objects (multipart for large files). Nothing else.
SYNAPSE_BUCKET_ACTIONS = ["s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:GetBucketLocation"]
SYNAPSE_OBJECT_ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
]
DOWNLOAD_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion"]

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
_REASON_MAX = 1000
# Stop starting new work this long before Lambda would kill the function.
TIME_MARGIN_MS = 60_000

Client = Any
Sender = Callable[[str, bytes], None]


class BucketError(Exception):
    """Something the person launching the product or the operator can act on."""


@dataclass(frozen=True)
class Settings:
    account: str
    partition: str
    region: str
    # Principals never locked out: break-glass administrators and the catalog's own functions.
    admin_role_arns: tuple[str, ...]
    service_role_arns: tuple[str, ...]
    launch_role_pattern: str
    product_role_pattern: str
    synapse_account: str
    synapse_origins: tuple[str, ...]
    archive_days: int = 30
    notice_days: int = 7
    sender: str = ""
    operators_email: str = ""
    dry_run: bool = False

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        try:
            return cls(
                account=environ["ACCOUNT"],
                partition=environ["PARTITION"],
                region=environ["REGION"],
                admin_role_arns=tuple(json.loads(environ["ADMIN_ROLE_ARNS"])),
                service_role_arns=tuple(json.loads(environ["SERVICE_ROLE_ARNS"])),
                launch_role_pattern=environ["LAUNCH_ROLE_PATTERN"],
                product_role_pattern=environ["PRODUCT_ROLE_PATTERN"],
                synapse_account=environ["SYNAPSE_ACCOUNT"],
                synapse_origins=tuple(json.loads(environ["SYNAPSE_ORIGINS"])),
                archive_days=int(environ.get("ARCHIVE_DAYS", "30")),
                notice_days=int(environ.get("NOTICE_DAYS", "7")),
                sender=environ.get("SENDER", ""),
                operators_email=environ.get("OPERATORS_EMAIL", ""),
                dry_run=environ.get("DRY_RUN", "false").lower() == "true",
            )
        except (KeyError, TypeError, ValueError) as error:
            raise BucketError(
                f"bucket function is misconfigured: {type(error).__name__}: {error}"
            ) from error


@dataclass(frozen=True)
class BucketSpec:
    bucket: str
    kind: str
    owner_user_id: str
    restrict_region: bool
    synapse_ids: tuple[str, ...] = ()

    @classmethod
    def from_properties(cls, properties: Mapping[str, Any]) -> BucketSpec:
        bucket = str(properties.get("BucketName", "")).strip()
        kind = str(properties.get("Kind", ""))
        owner = str(properties.get("OwnerAwsUserId", "")).strip()
        restrict = str(properties.get("RestrictDownloadsToRegion", "false")).lower() == "true"
        raw_ids = properties.get("SynapseIds", [])
        ids = raw_ids.split(",") if isinstance(raw_ids, str) else list(raw_ids)
        synapse_ids = tuple(str(item).strip() for item in ids if str(item).strip())
        if not bucket:
            raise BucketError("Custom::ProductBucket needs a BucketName property")
        if kind not in KINDS:
            raise BucketError(f"Custom::ProductBucket Kind must be one of {KINDS}, not {kind!r}")
        if not owner:
            raise BucketError("Custom::ProductBucket needs the owner's OwnerAwsUserId")
        if kind == SYNAPSE and not all(item.isdigit() for item in synapse_ids or ("",)):
            raise BucketError(
                "SynapseIds must be one or more numeric Synapse user or team IDs separated by "
                f"commas, e.g. 3345678,3412345 (got {raw_ids!r})"
            )
        return cls(bucket, kind, owner, restrict, synapse_ids)


# ---- policies


def _arns(settings: Settings, bucket: str) -> tuple[str, str]:
    arn = f"arn:{settings.partition}:s3:::{bucket}"
    return arn, f"{arn}/*"


def _tls_only(settings: Settings, bucket: str) -> dict[str, Any]:
    return {
        "Sid": f"{SID_PREFIX}DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": list(_arns(settings, bucket)),
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def owner_statements(spec: BucketSpec, settings: Settings) -> list[dict[str, Any]]:
    bucket_arn, objects_arn = _arns(settings, spec.bucket)
    both = [bucket_arn, objects_arn]
    in_account = {"aws:PrincipalAccount": settings.account}
    exempt = [*settings.admin_role_arns, *settings.service_role_arns, settings.launch_role_pattern]
    deny_others: dict[str, Any] = {
        "StringNotEquals": {"aws:userid": spec.owner_user_id},
        "ArnNotLike": {"aws:PrincipalArn": [*exempt, settings.product_role_pattern]},
    }
    if spec.kind == SYNAPSE:
        deny_others["StringNotEquals"]["aws:PrincipalAccount"] = settings.synapse_account
    statements: list[dict[str, Any]] = [
        _tls_only(settings, spec.bucket),
        {
            "Sid": f"{SID_PREFIX}DenyEveryoneElse",
            "Effect": "Deny",
            "Principal": "*",
            "Action": DATA_ACTIONS,
            "Resource": both,
            "Condition": deny_others,
        },
        {
            # Product roles pass the statement above by path; only the owner's own pass this.
            "Sid": f"{SID_PREFIX}DenyOtherOwnersInstances",
            "Effect": "Deny",
            "Principal": "*",
            "Action": DATA_ACTIONS,
            "Resource": both,
            "Condition": {
                "ArnLike": {"aws:PrincipalArn": settings.product_role_pattern},
                "StringNotEquals": {f"aws:PrincipalTag/{OWNER_USERID_TAG}": spec.owner_user_id},
            },
        },
        {
            "Sid": f"{SID_PREFIX}Owner",
            "Effect": "Allow",
            "Principal": "*",
            "Action": OWNER_ACTIONS,
            "Resource": both,
            "Condition": {"StringEquals": {"aws:userid": spec.owner_user_id, **in_account}},
        },
        {
            "Sid": f"{SID_PREFIX}OwnerInstances",
            "Effect": "Allow",
            "Principal": "*",
            "Action": OWNER_ACTIONS,
            "Resource": both,
            "Condition": {
                "StringEquals": {
                    f"aws:PrincipalTag/{OWNER_USERID_TAG}": spec.owner_user_id,
                    **in_account,
                },
                "ArnLike": {"aws:PrincipalArn": settings.product_role_pattern},
            },
        },
    ]
    if spec.kind == SYNAPSE:
        synapse = {"AWS": f"arn:{settings.partition}:iam::{settings.synapse_account}:root"}
        statements += [
            {
                "Sid": f"{SID_PREFIX}SynapseListBucket",
                "Effect": "Allow",
                "Principal": synapse,
                "Action": SYNAPSE_BUCKET_ACTIONS,
                "Resource": bucket_arn,
            },
            {
                "Sid": f"{SID_PREFIX}SynapseObjects",
                "Effect": "Allow",
                "Principal": synapse,
                "Action": SYNAPSE_OBJECT_ACTIONS,
                "Resource": objects_arn,
            },
        ]
    if spec.restrict_region:
        # An S3 gateway or interface endpoint serves only buckets of its own region, so a
        # request that carries aws:SourceVpc was made from this region: no IP list to maintain.
        statements.append(
            {
                "Sid": f"{SID_PREFIX}DownloadsOnlyInRegion",
                "Effect": "Deny",
                "Principal": "*",
                "Action": DOWNLOAD_ACTIONS,
                "Resource": objects_arn,
                "Condition": {
                    "Null": {"aws:SourceVpc": "true"},
                    "StringNotEquals": {f"s3:ExistingObjectTag/{OWNER_FILE_TAG}": "true"},
                },
            }
        )
    return statements


def archive_statements(bucket: str, settings: Settings) -> list[dict[str, Any]]:
    return [
        _tls_only(settings, bucket),
        {
            "Sid": ARCHIVED_SID,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": list(_arns(settings, bucket)),
            "Condition": {
                "ArnNotLike": {
                    "aws:PrincipalArn": [*settings.admin_role_arns, *settings.service_role_arns]
                }
            },
        },
    ]


def merged_policy(current: str | None, statements: list[dict[str, Any]]) -> str:
    """Our statements replace our previous ones; statements an administrator added stay."""
    foreign = []
    if current:
        foreign = [
            statement
            for statement in json.loads(current).get("Statement", [])
            if not str(statement.get("Sid", "")).startswith(SID_PREFIX)
        ]
    return json.dumps({"Version": "2012-10-17", "Statement": [*statements, *foreign]})


# ---- AWS calls


def _code(error: ClientError) -> str:
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
            if _code(error) not in THROTTLING_CODES or attempt == attempts - 1:
                raise
            sleep(min(2**attempt * 0.5, 20))
    raise AssertionError("unreachable")


def bucket_tags(s3: Client, bucket: str) -> dict[str, str]:
    try:
        tag_set = call(s3.get_bucket_tagging, Bucket=bucket)["TagSet"]
    except ClientError as error:
        if _code(error) == "NoSuchTagSet":
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
        if _code(error) == "NoSuchBucketPolicy":
            return None
        raise


def put_policy(s3: Client, bucket: str, statements: list[dict[str, Any]]) -> None:
    policy = merged_policy(current_policy(s3, bucket), statements)
    call(s3.put_bucket_policy, Bucket=bucket, Policy=policy)


def bucket_exists(s3: Client, bucket: str) -> bool:
    try:
        call(s3.head_bucket, Bucket=bucket)
    except ClientError as error:
        if _code(error) in GONE_CODES:
            return False
        raise
    return True


def apply(spec: BucketSpec, settings: Settings, s3: Client) -> None:
    """Create/Update: the owner's policy and, for Synapse, owner.txt and CORS."""
    if spec.kind == SYNAPSE:
        call(
            s3.put_object,
            Bucket=spec.bucket,
            Key=OWNER_FILE,
            Body=",".join(spec.synapse_ids).encode(),
            ContentType="text/plain",
            Tagging=f"{OWNER_FILE_TAG}=true",
        )
        call(
            s3.put_bucket_cors,
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
    put_policy(s3, spec.bucket, owner_statements(spec, settings))


def archive(
    bucket: str, settings: Settings, s3: Client, *, kind: str, restrict: bool, today: dt.date
) -> bool:
    """Lock the bucket and date it. False if it no longer exists."""
    if not bucket_exists(s3, bucket):
        return False
    put_policy(s3, bucket, archive_statements(bucket, settings))
    tags = bucket_tags(s3, bucket)
    tags.pop(RESTORED_TAG, None)
    tags.pop(NOTICE_TAG, None)
    tags.update(
        {
            ARCHIVED_TAG: tags.get(ARCHIVED_TAG, today.isoformat()),
            KIND_TAG: kind,
            RESTRICT_TAG: "true" if restrict else "false",
        }
    )
    put_bucket_tags(s3, bucket, tags)
    return True


def restore(bucket: str, settings: Settings, s3: Client, *, today: dt.date) -> dict[str, str]:
    """Operator action: give the owner their bucket back, as it was before the archive."""
    if not bucket_exists(s3, bucket):
        raise BucketError(f"bucket {bucket} does not exist (already purged?)")
    tags = bucket_tags(s3, bucket)
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
    put_policy(s3, bucket, owner_statements(spec, settings))
    archived_on = tags.pop(ARCHIVED_TAG)
    tags.pop(NOTICE_TAG, None)
    tags[RESTORED_TAG] = today.isoformat()
    put_bucket_tags(s3, bucket, tags)
    return {"bucket": bucket, "owner": owner, "archived_on": archived_on}


# ---- custom resource


def send_response(url: str, body: bytes) -> None:
    # The pre-signed S3 URL is signed without a content type, so none may be sent.
    request = urllib.request.Request(
        url,
        data=body,
        method="PUT",
        headers={"content-type": "", "content-length": str(len(body))},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def _log(message: str, **fields: Any) -> None:
    print(json.dumps({"message": message, **fields}, default=str))


def _respond(
    event: Mapping[str, Any], status: str, reason: str, physical_id: str, send: Sender
) -> None:
    body = {
        "Status": status,
        "Reason": reason[:_REASON_MAX] or "see the function's CloudWatch logs",
        "PhysicalResourceId": physical_id,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": {},
    }
    send(str(event["ResponseURL"]), json.dumps(body).encode())


def handle_resource(
    event: Mapping[str, Any], settings: Settings, s3: Client, *, today: dt.date
) -> str:
    """Carry out a custom-resource request; returns the physical id (the bucket name)."""
    properties = event.get("ResourceProperties", {})
    if event["RequestType"] == "Delete":
        bucket = str(event.get("PhysicalResourceId", ""))
        # A Create that failed before a bucket was named answered with the stack id.
        if not bucket or bucket.startswith("arn:"):
            return bucket
        kind = str(properties.get("Kind", PRIVATE))
        restrict = str(properties.get("RestrictDownloadsToRegion", "false")).lower() == "true"
        archived = archive(bucket, settings, s3, kind=kind, restrict=restrict, today=today)
        _log("archived" if archived else "bucket already gone", bucket=bucket)
        return bucket
    spec = BucketSpec.from_properties(properties)
    apply(spec, settings, s3)
    _log("policy applied", bucket=spec.bucket, kind=spec.kind, restrict=spec.restrict_region)
    return spec.bucket


def handle_action(event: Mapping[str, Any], settings: Settings, s3: Client, today: dt.date) -> Any:
    action = str(event.get("Action", ""))
    bucket = str(event.get("Bucket", "")).strip()
    if not bucket:
        raise BucketError('operator actions need "Bucket"')
    if action == "restore":
        result = restore(bucket, settings, s3, today=today)
        _log("restored", **result)
        return {"status": "restored", **result}
    if action == "archive":
        tags = bucket_tags(s3, bucket) if bucket_exists(s3, bucket) else {}
        if not archive(
            bucket,
            settings,
            s3,
            kind=tags.get(KIND_TAG, PRIVATE),
            restrict=tags.get(RESTRICT_TAG) == "true",
            today=today,
        ):
            raise BucketError(f"bucket {bucket} does not exist")
        _log("archived by operator", bucket=bucket)
        return {"status": "archived", "bucket": bucket}
    raise BucketError(f'unknown action {action!r}: use "restore" or "archive"')


def handler(
    event: Mapping[str, Any],
    context: Any,
    *,
    send: Sender = send_response,
    client: Callable[[str], Client] = boto3.client,
    today: dt.date | None = None,
) -> Any:
    """Lambda entry point of ``research-catalog-bucket-access``."""
    day = today or dt.datetime.now(dt.UTC).date()
    settings = Settings.from_environ(os.environ)
    if "RequestType" not in event:
        return handle_action(event, settings, client("s3"), day)

    request = {
        "request_type": event["RequestType"],
        "stack_id": event["StackId"],
        "logical_resource_id": event["LogicalResourceId"],
    }
    # A failed Create still names its bucket: CloudFormation retains the bucket on rollback,
    # and the Delete that follows archives it, so the purge removes it instead of leaving an
    # orphan. Without a bucket name the stack id stands in, which Delete skips.
    properties = event.get("ResourceProperties", {})
    physical_id = str(
        event.get("PhysicalResourceId") or properties.get("BucketName") or event["StackId"]
    )
    try:
        physical_id = handle_resource(event, settings, client("s3"), today=day)
    except BucketError as error:
        _log("failed", reason=str(error), **request)
        _respond(event, FAILED, str(error), physical_id, send)
        return None
    except Exception as error:
        _log("unexpected error", error=repr(error), trace=traceback.format_exc(), **request)
        reason = f"bucket access failed unexpectedly ({type(error).__name__}: {error})"
        _respond(event, FAILED, reason, physical_id, send)
        return None
    _respond(event, SUCCESS, "", physical_id, send)
    return None


# ---- purge


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


def _versions(s3: Client, bucket: str) -> Iterator[list[dict[str, str]]]:
    """Pages of up to 1,000 object versions and delete markers."""
    key_marker: str | None = None
    version_marker: str | None = None
    while True:
        kwargs: dict[str, Any] = {"Bucket": bucket, "MaxKeys": 1000}
        if key_marker is not None:
            kwargs["KeyMarker"] = key_marker
            kwargs["VersionIdMarker"] = version_marker
        page = call(s3.list_object_versions, **kwargs)
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


def count_versions(s3: Client, bucket: str) -> int:
    return sum(len(page) for page in _versions(s3, bucket))


def empty_bucket(
    s3: Client, bucket: str, *, time_left: Callable[[], float], sleep: Callable[[float], None]
) -> tuple[int, bool]:
    """Delete every version, delete marker and unfinished upload; ``(deleted, finished)``."""
    deleted = 0
    for uploads in s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        for upload in uploads.get("Uploads", []):
            call(
                s3.abort_multipart_upload,
                Bucket=bucket,
                Key=upload["Key"],
                UploadId=upload["UploadId"],
                sleep=sleep,
            )
    # Deleting while listing shifts the markers; list again from the start until nothing is left.
    while True:
        progressed = False
        for entries in _versions(s3, bucket):
            if time_left() < TIME_MARGIN_MS:
                return deleted, False
            pending = entries
            for attempt in range(8):
                result = call(
                    s3.delete_objects,
                    Bucket=bucket,
                    Delete={"Objects": pending, "Quiet": True},
                    sleep=sleep,
                )
                errors = result.get("Errors", [])
                deleted += len(pending) - len(errors)
                progressed = progressed or len(errors) < len(pending)
                if not errors:
                    break
                if any(error.get("Code") not in THROTTLING_CODES for error in errors):
                    raise BucketError(f"cannot delete from {bucket}: {errors[:3]}")
                pending = [{"Key": e["Key"], "VersionId": e["VersionId"]} for e in errors]
                sleep(min(2**attempt * 0.5, 20))
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


def archived_bucket(s3: Client, bucket: str) -> Archived | None:
    """The bucket's archive record, or None for buckets that are not the catalog's archives."""
    tags = bucket_tags(s3, bucket)
    archived_on = _date(tags.get(ARCHIVED_TAG))
    if PRODUCT_TAG not in tags or archived_on is None:
        return None
    # Only a bucket that is really locked is purged: a hand-set tag alone is not enough.
    policy = current_policy(s3, bucket) or "{}"
    if not any(s.get("Sid") == ARCHIVED_SID for s in json.loads(policy).get("Statement", [])):
        return None
    return Archived(
        bucket=bucket,
        archived_on=archived_on,
        noticed_on=_date(tags.get(NOTICE_TAG)),
        owner_email=tags.get(OWNER_EMAIL_TAG, ""),
        product=tags[PRODUCT_TAG],
    )


def notify(ses: Client, settings: Settings, entry: Archived, subject: str, text: str) -> None:
    recipients = [entry.owner_email] if entry.owner_email else [settings.operators_email]
    cc = [settings.operators_email] if entry.owner_email and settings.operators_email else []
    call(
        ses.send_email,
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
    time_left: Callable[[], float] = lambda: float("inf"),
    sleep: Callable[[float], None] = time.sleep,
) -> PurgeReport:
    report = PurgeReport(dry_run=settings.dry_run)
    for bucket in all_buckets(s3):
        try:
            _purge_one(settings, s3, ses, bucket, today, time_left, sleep, report)
        except ClientError as error:
            if _code(error) in GONE_CODES:
                report.already_gone.append(bucket)
                continue
            report.failed[bucket] = f"{_code(error)}: {error}"
        except BucketError as error:
            report.failed[bucket] = str(error)
    return report


def _purge_one(
    settings: Settings,
    s3: Client,
    ses: Client,
    bucket: str,
    today: dt.date,
    time_left: Callable[[], float],
    sleep: Callable[[float], None],
    report: PurgeReport,
) -> None:
    entry = archived_bucket(s3, bucket)
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
        )
        tags = bucket_tags(s3, bucket)
        tags[NOTICE_TAG] = today.isoformat()
        put_bucket_tags(s3, bucket, tags)
        report.noticed.append(bucket)
        return
    if entry.noticed_on is None or today < purge_on:
        return
    if settings.dry_run:
        report.would_purge[bucket] = count_versions(s3, bucket)
        _log("dry run: would purge", bucket=bucket, versions=report.would_purge[bucket])
        return
    deleted, finished = empty_bucket(s3, bucket, time_left=time_left, sleep=sleep)
    _log("deleted object versions", bucket=bucket, count=deleted, finished=finished)
    if not finished:
        report.incomplete.append(bucket)
        return
    call(s3.delete_bucket, Bucket=bucket, sleep=sleep)
    report.purged[bucket] = deleted
    _log("purged", bucket=bucket, archived_on=entry.archived_on.isoformat())
    notify(
        ses,
        settings,
        entry,
        f"Archived bucket {bucket} was deleted",
        f"Your {entry.product} bucket {bucket}, archived on {entry.archived_on.isoformat()}, "
        "was deleted with all its files as announced.",
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
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    report = purge(
        settings,
        s3=client("s3"),
        ses=client("sesv2"),
        today=today or dt.datetime.now(dt.UTC).date(),
        time_left=remaining if callable(remaining) else (lambda: float("inf")),
    )
    summary = report.__dict__
    _log("purge run", **summary)
    if report.failed:
        # A failed run shows in the function's Errors metric; the next run retries.
        raise RuntimeError(f"purge failed for {sorted(report.failed)}: see the log")
    return summary
