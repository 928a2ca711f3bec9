"""The bucket policies: the owner's (TLS only; the owner, the product roles explicitly given
the bucket and the break-glass administrators, nobody else; Synapse's access; downloads only
through the catalog's network) and the archive lock. Statements this function writes carry the
``ResearchCatalog`` Sid prefix, so that statements an administrator added survive every
update.

The policy allows only the owner. A product role (a workstation's instance role, a Studio
team's execution role, a job role) reaches the bucket only through its own identity policy,
which a product template writes for exactly the buckets it was given: the mounts the
``Custom::BucketMounts`` check accepted, a Studio team's scratch bucket and checked training
data. The policy merely does not deny those roles when they carry the owner's tag; it grants
them nothing, so a role tagged with the owner but given no bucket (a job role, a workstation
that mounts other buckets) reaches none of the owner's buckets."""

from __future__ import annotations

import json
from typing import Any

from .settings import OWNER_FILE, OWNER_USERID_TAG, SYNAPSE, BucketSpec, Settings

SID_PREFIX = "ResearchCatalog"
ARCHIVED_SID = f"{SID_PREFIX}ArchivedDenyAll"

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
    if spec.kind == SYNAPSE:
        statements.append(_owner_file_write_lock(settings, spec.bucket))
    if spec.restrict_region:
        statements += _downloads_only_in_network(spec, settings)
    return statements


def _owner_file_write_lock(settings: Settings, bucket: str) -> dict[str, Any]:
    """Only this function writes ``owner.txt``: it is readable from anywhere (Synapse reads it
    from its own account), so nobody may put data into it."""
    return {
        "Sid": f"{SID_PREFIX}OnlyTheCatalogWritesOwnerFile",
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["s3:PutObject*", "s3:DeleteObject*", "s3:RestoreObject"],
        "Resource": f"{_arns(settings, bucket)[0]}/{OWNER_FILE}",
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": list(settings.service_role_arns)}},
    }


def _downloads_only_in_network(spec: BucketSpec, settings: Settings) -> list[dict[str, Any]]:
    """Downloads only through the catalog's own VPC (its S3 endpoint), by anyone: a request
    from the internet carries no ``aws:SourceVpc`` (the negated operator then matches) and one
    through another VPC's endpoint, of this account or another, carries another VPC ID.

    Synapse buckets exempt ``owner.txt`` by its key (current version only), which only this
    function writes; earlier versions exempted any object with the owner-file tag, which the
    owner could set on any object to lift the restriction."""
    _, objects_arn = _arns(settings, spec.bucket)
    outside = {"StringNotEquals": {"aws:SourceVpc": settings.vpc_id}}
    if spec.kind != SYNAPSE:
        return [
            {
                "Sid": f"{SID_PREFIX}DownloadsOnlyInNetwork",
                "Effect": "Deny",
                "Principal": "*",
                "Action": DOWNLOAD_ACTIONS,
                "Resource": objects_arn,
                "Condition": outside,
            }
        ]
    bucket_arn = _arns(settings, spec.bucket)[0]
    return [
        {
            "Sid": f"{SID_PREFIX}DownloadsOnlyInNetwork",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:GetObject",
            "NotResource": f"{bucket_arn}/{OWNER_FILE}",
            "Condition": outside,
        },
        {
            "Sid": f"{SID_PREFIX}VersionDownloadsOnlyInNetwork",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:GetObjectVersion",
            "Resource": objects_arn,
            "Condition": outside,
        },
    ]


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


def policy_statements(document: str | None) -> list[dict[str, Any]]:
    """The statements of a policy document. IAM's grammar allows ``Statement`` to be a single
    object as well as a list (an administrator may write either); both are read here."""
    if not document:
        return []
    statements = json.loads(document).get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    return [statement for statement in statements if isinstance(statement, dict)]


def merged_policy(current: str | None, statements: list[dict[str, Any]]) -> str:
    """Our statements replace our previous ones; statements an administrator added stay."""
    foreign = [
        statement
        for statement in policy_statements(current)
        if not str(statement.get("Sid", "")).startswith(SID_PREFIX)
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": [*statements, *foreign]})
