"""``Custom::BucketMounts``: checks the buckets an owner asks to mount on a workstation.

The instance role gets access to the buckets named in the launch form, so the names must not
open someone else's data. A bucket may be mounted when it is in this account and either
carries the owner's tag (the owner's own catalog buckets) or lists the owner's community in
the tag operators set on shared study buckets: ``research-catalog:mountable-by`` for read-only
mounts, ``research-catalog:writable-by`` for read-write ones (space-separated community names).
The instance role's policy depends on this resource, so nothing is granted before the check.
Delete does nothing: the grant goes with the instance role.

Every tag read names the expected bucket owner (the account of the calling stack): a bucket of
another account that lets anyone read its tags and carries the owner's tag would otherwise pass
the check and become a read-write channel out of the account. The grants the template builds
from this check also carry ``s3:ResourceAccount``, so a name that later moves to another
account (a purged bucket claimed from outside) is not reachable either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from .common import ProductContextError

RESOURCE_TYPE = "Custom::BucketMounts"
OWNER_USERID_TAG = "research-catalog:owner-userid"
MOUNTABLE_BY_TAG = "research-catalog:mountable-by"
WRITABLE_BY_TAG = "research-catalog:writable-by"
# S3's rules for new buckets; dots are allowed but not consecutive or beside a hyphen.
BUCKET_NAME = re.compile(r"^(?!.*\.\.)(?!.*\.-)(?!.*-\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
MAX_MOUNTS = 10
# Names no key: KMS key IDs are UUIDs or mrk- IDs.
NO_KEY = "arn:{partition}:kms:{region}:{account}:key/none"


class MountRefused(ProductContextError):
    """A bucket the owner may not mount; the message says which and why."""


def bucket_names(value: object) -> list[str]:
    """The bucket names of a CommaDelimitedList parameter (a list, or a string from tests)."""
    items = value if isinstance(value, list) else str(value or "").split(",")
    names = [str(item).strip() for item in items if str(item).strip()]
    malformed = [name for name in names if not BUCKET_NAME.match(name)]
    if malformed:
        raise MountRefused(
            f"not S3 bucket names: {', '.join(malformed)} (3-63 lowercase letters, digits, "
            "dots and hyphens, separated by commas)"
        )
    return list(dict.fromkeys(names))


def _tags(name: str, s3: Any, account: str) -> dict[str, str] | str:
    """The bucket's tags, or why they cannot be read. S3 answers AccessDenied when the bucket
    belongs to another account than ``account``, whatever that bucket's policy allows."""
    try:
        tag_set = s3.get_bucket_tagging(Bucket=name, ExpectedBucketOwner=account)["TagSet"]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "NoSuchTagSet":
            return {}
        if code == "NoSuchBucket":
            return "does not exist"
        if code in ("AccessDenied", "AllAccessDisabled"):
            return "is not a bucket of this account"
        raise
    return {tag["Key"]: tag["Value"] for tag in tag_set}


def stack_account(stack_id: str) -> str:
    """The account of the calling stack (arn:<partition>:cloudformation:<region>:<account>:...)."""
    account = stack_id.split(":")[4] if stack_id.count(":") >= 5 else ""
    if not (len(account) == 12 and account.isdigit()):
        raise MountRefused(f"the request's StackId {stack_id!r} names no account")
    return account


def _refusal(
    name: str, *, writable: bool, owner: str, community: str, account: str, s3: Any
) -> str | None:
    tags = _tags(name, s3, account)
    if isinstance(tags, str):
        return f"{name} {tags}"
    if tags.get(OWNER_USERID_TAG) == owner:
        return None
    shared_tag = WRITABLE_BY_TAG if writable else MOUNTABLE_BY_TAG
    if community in tags.get(shared_tag, "").split():
        return None
    if writable and community in tags.get(MOUNTABLE_BY_TAG, "").split():
        return f"{name} is shared with the {community} community read-only"
    return f"{name} is neither yours nor shared with the {community} community"


def _key_arn(key: str, *, kms: Any, partition: str, region: str, account: str) -> str:
    """A bucket's default key as a key ARN (S3 stores an ARN, a key ID or an alias)."""
    if key.startswith("arn:") and ":key/" in key:
        return key
    if not key.startswith(("arn:", "alias/")):
        return f"arn:{partition}:kms:{region}:{account}:key/{key}"
    return str(kms.describe_key(KeyId=key)["KeyMetadata"]["Arn"])


def bucket_keys(
    names: list[str], *, s3: Any, kms: Any, partition: str, region: str, account: str
) -> list[str]:
    """The customer-managed default keys of ``names`` (none for SSE-S3 or the aws/s3 key,
    which S3 uses for any principal of the account that may read the bucket)."""
    keys: list[str] = []
    for name in names:
        try:
            configuration = s3.get_bucket_encryption(Bucket=name, ExpectedBucketOwner=account)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code", "") in (
                "ServerSideEncryptionConfigurationNotFoundError",
            ):
                continue
            raise
        for rule in configuration["ServerSideEncryptionConfiguration"]["Rules"]:
            default = rule.get("ApplyServerSideEncryptionByDefault", {})
            key = str(default.get("KMSMasterKeyID", ""))
            if key and default.get("SSEAlgorithm", "").startswith("aws:kms"):
                keys.append(
                    _key_arn(key, kms=kms, partition=partition, region=region, account=account)
                )
    return list(dict.fromkeys(keys))


def check_mounts(
    event: Mapping[str, Any], *, s3: Any, kms: Any = None
) -> tuple[str, dict[str, str]]:
    """Create/Update: refuse any bucket the owner may not mount, else return the ARNs the
    instance role's policy grants, comma-separated (empty lists are left out by the template's
    conditions).

    With ``ResolveKeys: "true"`` (Studio's training data) also ``ReadOnlyKeyArns``: the
    buckets' customer-managed default keys, so that a decrypt grant names exactly those keys;
    where there is none, the ARN of a key that cannot exist (``key/none``), because a policy
    statement needs a resource and the template cannot drop one by a value known only here."""
    properties = event["ResourceProperties"]
    read_only = bucket_names(properties.get("ReadOnlyBuckets"))
    read_write = bucket_names(properties.get("ReadWriteBuckets"))
    both = sorted(set(read_only) & set(read_write))
    if both:
        raise MountRefused(f"listed both read-only and read-write: {', '.join(both)}")
    if len(read_only) + len(read_write) > MAX_MOUNTS:
        raise MountRefused(f"at most {MAX_MOUNTS} buckets can be mounted on one workstation")
    owner = str(properties["OwnerAwsUserId"])
    community = str(properties["Community"])
    account = stack_account(str(event["StackId"]))
    refusals = [
        refusal
        for names, writable in ((read_only, False), (read_write, True))
        for name in names
        if (
            refusal := _refusal(
                name,
                writable=writable,
                owner=owner,
                community=community,
                account=account,
                s3=s3,
            )
        )
    ]
    if refusals:
        raise MountRefused(
            "cannot mount "
            + "; ".join(refusals)
            + f". You can mount your own catalog buckets, and buckets operators tagged "
            f"{MOUNTABLE_BY_TAG} (read-only) or {WRITABLE_BY_TAG} (read-write) with your "
            "community."
        )
    partition = str(event["StackId"]).split(":")[1]

    def arns(names: list[str], suffix: str = "") -> str:
        return ",".join(f"arn:{partition}:s3:::{name}{suffix}" for name in names)

    data = {
        "ReadOnlyBucketArns": arns(read_only),
        "ReadOnlyObjectArns": arns(read_only, "/*"),
        "ReadWriteBucketArns": arns(read_write),
        "ReadWriteObjectArns": arns(read_write, "/*"),
    }
    if str(properties.get("ResolveKeys", "")).lower() == "true":
        region = str(event["StackId"]).split(":")[3]
        keys = bucket_keys(
            read_only, s3=s3, kms=kms, partition=partition, region=region, account=account
        )
        data["ReadOnlyKeyArns"] = ",".join(keys) or NO_KEY.format(
            partition=partition, region=region, account=account
        )
    return f"{event['StackId']}/bucket-mounts", data
