"""Activates the catalog's tag keys as cost-allocation tags (``Custom::CostAllocationTags``).

There is no CloudFormation resource for it. AWS only accepts keys it has already seen in
billing data (up to a day after the first tagged resource) and only from the organization's
management account or a standalone account, so a refusal is recorded, not fatal: the deploy
succeeds, the function retries every day from its schedule, and the operator guide explains
the management-account command. Deleting the resource leaves the tags active: other reports
may rely on them.
"""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

from .cfn import Sender, is_custom_resource_request, log, respond, send_response

PHYSICAL_ID = "cost-allocation-tags"
# UpdateCostAllocationTagsStatus accepts at most 20 keys per call.
_BATCH = 20
# Errors that mean "not possible from here or not yet", not "the deploy is broken".
_DEFERRED = {
    "AccessDeniedException",
    "AccessDenied",
    "ValidationException",
    "LimitExceededException",
}


@dataclass
class Activation:
    active: list[str] = field(default_factory=list)
    pending: dict[str, str] = field(default_factory=dict)  # tag key -> why not (yet)

    def summary(self) -> str:
        if not self.pending:
            return f"active: {', '.join(self.active)}"
        waiting = "; ".join(f"{key}: {why}" for key, why in self.pending.items())
        return (
            f"active: {', '.join(self.active) or '(none)'}; not yet active ({waiting}); "
            "retried daily, see docs/operations.md"
        )


def activate(tag_keys: Sequence[str], ce: Any) -> Activation:
    result = Activation()
    for start in range(0, len(tag_keys), _BATCH):
        batch = list(tag_keys[start : start + _BATCH])
        try:
            response = ce.update_cost_allocation_tags_status(
                CostAllocationTagsStatus=[{"TagKey": key, "Status": "Active"} for key in batch]
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code not in _DEFERRED:
                raise
            message = error.response.get("Error", {}).get("Message", code)
            result.pending.update({key: f"{code}: {message}" for key in batch})
            continue
        failed = {
            entry["TagKey"]: f"{entry.get('Code', 'Error')}: {entry.get('Message', '')}".strip()
            for entry in response.get("Errors", [])
        }
        result.pending.update(failed)
        result.active += [key for key in batch if key not in failed]
    return result


def _tag_keys(event: Mapping[str, Any], environ: Mapping[str, str]) -> list[str]:
    properties = event.get("ResourceProperties") or {}
    keys = properties.get("TagKeys") or json.loads(environ.get("TAG_KEYS", "[]"))
    if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
        raise ValueError("TagKeys must be a non-empty list of tag keys")
    return keys


def handler(
    event: Mapping[str, Any],
    context: Any,
    *,
    send: Sender = send_response,
    client: Callable[[str], Any] = boto3.client,
    environ: Mapping[str, str] = os.environ,
) -> dict[str, Any]:
    """Custom resource (Create/Update/Delete) or the daily scheduled retry."""
    custom_resource = is_custom_resource_request(event)
    if custom_resource and event["RequestType"] == "Delete":
        respond(event, context, status="SUCCESS", physical_id=PHYSICAL_ID, send=send)
        return {}
    try:
        result = activate(_tag_keys(event, environ), client("ce"))
    except Exception as error:
        log("activation failed", error=repr(error), trace=traceback.format_exc())
        if not custom_resource:
            raise
        respond(
            event,
            context,
            status="FAILED",
            physical_id=PHYSICAL_ID,
            reason=f"activating cost-allocation tags failed: {error}",
            send=send,
        )
        return {}
    log("cost-allocation tags", active=result.active, pending=result.pending)
    if custom_resource:
        respond(
            event,
            context,
            status="SUCCESS",
            physical_id=PHYSICAL_ID,
            reason=result.summary(),
            data={"Active": ",".join(result.active), "Pending": ",".join(result.pending)},
            send=send,
        )
    return {"active": result.active, "pending": result.pending}
