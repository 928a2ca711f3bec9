"""What the bucket functions know: their settings, a product bucket's properties, and the tags
and kinds they share."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

RESOURCE_TYPE = "Custom::ProductBucket"
PRIVATE = "private"
SYNAPSE = "synapse"
KINDS = (PRIVATE, SYNAPSE)

PRODUCT_TAG = "research-catalog:product"
OWNER_USERID_TAG = "research-catalog:owner-userid"
OWNER_EMAIL_TAG = "OwnerEmail"
ARCHIVED_TAG = "research-catalog:archived-on"
NOTICE_TAG = "research-catalog:purge-notice-on"
# The owner was told that the (emptied) bucket is deleted: sent once, before DeleteBucket.
DELETED_NOTICE_TAG = "research-catalog:deleted-notice-on"
KIND_TAG = "research-catalog:bucket-kind"
RESTRICT_TAG = "research-catalog:restrict-region"
RESTORED_TAG = "research-catalog:restored-on"
# Synapse must read owner.txt from wherever it runs, also when downloads are restricted.
OWNER_FILE = "owner.txt"
OWNER_FILE_TAG = "research-catalog:owner-file"

Client = Any


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
    # The products' VPC: the only network restricted downloads may come through.
    vpc_id: str
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
                vpc_id=environ["VPC_ID"],
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
            raise BucketError(f"{RESOURCE_TYPE} needs a BucketName property")
        if kind not in KINDS:
            raise BucketError(f"{RESOURCE_TYPE} Kind must be one of {KINDS}, not {kind!r}")
        if not owner:
            raise BucketError(f"{RESOURCE_TYPE} needs the owner's OwnerAwsUserId")
        if kind == SYNAPSE and not all(item.isdigit() for item in synapse_ids or ("",)):
            raise BucketError(
                "SynapseIds must be one or more numeric Synapse user or team IDs separated by "
                f"commas, e.g. 3345678,3412345 (got {raw_ids!r})"
            )
        return cls(bucket, kind, owner, restrict, synapse_ids)
