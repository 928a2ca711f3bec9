"""``Custom::ProductBucket``, in every bucket product: who may reach the bucket while its
product lives.

* Create/Update: writes the bucket policy (TLS only; the owner, the owner's own product
  instance roles and the break-glass administrators, nobody else; optionally downloads only
  through a VPC endpoint of this region) and, for Synapse buckets, ``owner.txt``, CORS and the
  Synapse service account's access. The whole policy is computed from the resource's
  properties and this function's settings on every call, so an update never drops a statement.
* Delete (product terminated, or bucket replaced by a rename): archives the bucket. The bucket
  itself is retained by CloudFormation; its policy becomes deny-all except administrators and
  the catalog's own functions, and it is tagged with the archive date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .access import apply, archive
from .cfn import log
from .deadline import Deadline
from .settings import PRIVATE, BucketSpec, Client, Settings

Run = Callable[[Mapping[str, Any], Settings, Client, dt.date, Deadline], str]


def create_or_update(
    event: Mapping[str, Any], settings: Settings, s3: Client, today: dt.date, deadline: Deadline
) -> str:
    spec = BucketSpec.from_properties(event.get("ResourceProperties", {}))
    apply(spec, settings, s3, deadline=deadline)
    log("policy applied", bucket=spec.bucket, kind=spec.kind, restrict=spec.restrict_region)
    return spec.bucket


def delete(
    event: Mapping[str, Any], settings: Settings, s3: Client, today: dt.date, deadline: Deadline
) -> str:
    properties = event.get("ResourceProperties", {})
    bucket = str(event.get("PhysicalResourceId", ""))
    kind = str(properties.get("Kind", PRIVATE))
    restrict = str(properties.get("RestrictDownloadsToRegion", "false")).lower() == "true"
    archived = archive(
        bucket, settings, s3, kind=kind, restrict=restrict, today=today, deadline=deadline
    )
    log("archived" if archived else "bucket already gone", bucket=bucket)
    return bucket


@dataclass(frozen=True)
class Operation:
    """What one request type does; returns the physical ID (the bucket name)."""

    run: Run
    # Whether the request's physical ID names a bucket to act on; otherwise the request
    # succeeds at once with that ID.
    applies: Callable[[str], bool] = lambda physical_id: True


OPERATIONS: Mapping[str, Operation] = {
    "Create": Operation(create_or_update),
    "Update": Operation(create_or_update),
    # A Create that failed before a bucket was named answered with the stack ID (see
    # ``dispatch``): there is no bucket to archive.
    "Delete": Operation(
        delete, applies=lambda physical_id: bool(physical_id) and not physical_id.startswith("arn:")
    ),
}


def handle_resource(
    event: Mapping[str, Any],
    settings: Callable[[], Settings],
    s3: Callable[[], Client],
    *,
    today: dt.date,
    deadline: Deadline,
) -> str:
    """Carry out a custom-resource request; returns the physical id (the bucket name).
    ``settings`` and ``s3`` are read or made only for a request that acts on a bucket."""
    operation = OPERATIONS.get(event["RequestType"], OPERATIONS["Create"])
    physical_id = str(event.get("PhysicalResourceId", ""))
    if not operation.applies(physical_id):
        return physical_id
    return operation.run(event, settings(), s3(), today, deadline)
