"""Lambda entry point of the product-context function: ``RESOURCE_TYPES`` maps each custom
resource type to the functions of its module, and ``handler`` answers CloudFormation.

What a Delete does is data in the table, not code here: whether the type has anything to
delete at all, which requests name something it created (a Create that failed answered with
the product-context ID, whose Delete must touch nothing), and whether a failed deletion stops
the stack's deletion or is only logged.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import boto3

from . import (
    batch_job,
    bucket_mounts,
    budget_limit,
    data_volume,
    machine_image,
    notebook_route,
    product_context,
    studio_team,
)
from .cfn import FAILED, SUCCESS, Sender, log, log_stream_hint, respond, send_response
from .common import Client, ProductContextError
from .deadline import Deadline, DeadlineExceeded

Result = tuple[str, dict[str, str]]


@dataclass(frozen=True)
class Request:
    """One CloudFormation request and the seams the resource types get their clients from."""

    event: Mapping[str, Any]
    context: Any
    client: Callable[[str], Client]
    sleep: Callable[[float], None]

    @property
    def properties(self) -> Mapping[str, Any]:
        return self.event.get("ResourceProperties", {})

    @property
    def physical_id(self) -> str:
        # Answering FAILED with a new id would make CloudFormation treat it as a replacement.
        return str(
            self.event.get("PhysicalResourceId")
            or product_context.physical_resource_id(self.event["StackId"])
        )

    def deadline(self) -> Deadline:
        """Every wait ends in time to answer: from the context's remaining time."""
        return Deadline(self.context, sleep=self.sleep)


@dataclass(frozen=True)
class Deletion:
    """What a Delete of a resource type that creates something does."""

    run: Callable[[Request], None]
    # Whether the request names something the type created; Delete succeeds at once otherwise.
    applies: Callable[[Request], bool]
    # Logged with the error when ``run`` fails.
    failure_log: str
    # None: a failed deletion is logged and answered SUCCESS, so that a leftover never keeps
    # the owner's product alive. Otherwise the FAILED reason: the stack's deletion must stop.
    failure_reason: Callable[[Request, Exception], str] | None = None


@dataclass(frozen=True)
class ResourceType:
    create: Callable[[Request], Result]
    update: Callable[[Request], Result]
    # None: Delete answers SUCCESS without calling AWS (deleting a product must never fail
    # because of a lookup).
    delete: Deletion | None = None


def physical_id_contains(marker: str) -> Callable[[Request], bool]:
    return lambda request: marker in request.physical_id


def physical_id_starts_with(prefix: str) -> Callable[[Request], bool]:
    return lambda request: request.physical_id.startswith(prefix)


def property_given(name: str) -> Callable[[Request], bool]:
    return lambda request: bool(str(request.properties.get(name, "")))


def _product_context(request: Request) -> Result:
    return product_context.resolve(
        request.event,
        cloudformation=request.client("cloudformation"),
        iam=request.client("iam"),
        ssm=request.client("ssm"),
        ec2=request.client("ec2"),
        dynamodb=request.client("dynamodb"),
        # Read per request: a misconfiguration fails launches with a reason, never a Delete.
        settings=product_context.Settings.from_environ(os.environ, request.client("ssm")),
    )


def _machine_image(request: Request) -> Result:
    owners = os.environ.get("IMAGE_OWNER_ACCOUNTS", "")
    return machine_image.resolve_image(
        request.event,
        ssm=request.client("ssm"),
        ec2=request.client("ec2"),
        image_owner_accounts=frozenset(filter(None, owners.split(","))),
    )


def _data_volume(request: Request) -> Result:
    return data_volume.attach_data_volume(
        request.event, ec2=request.client("ec2"), deadline=request.deadline()
    )


def _batch_job(request: Request) -> Result:
    return batch_job.register_job(request.event, batch=request.client("batch"))


def _deregister_job(request: Request) -> None:
    batch_job.deregister_job(request.physical_id, batch=request.client("batch"))


def _studio_team(request: Request) -> Result:
    return studio_team.sync_team(
        request.event, sagemaker=request.client("sagemaker"), deadline=request.deadline()
    )


def _teardown_team(request: Request) -> None:
    studio_team.teardown_team(
        str(request.properties.get("DomainId", "")),
        sagemaker=request.client("sagemaker"),
        deadline=request.deadline(),
    )


def _teardown_failure(request: Request, error: Exception) -> str:
    domain = str(request.properties.get("DomainId", ""))
    return f"could not empty Studio domain {domain} ({type(error).__name__}: {error})"


def _budget_limit(request: Request) -> Result:
    return budget_limit.check_budget(
        request.event, ssm=request.client("ssm"), physical_id=request.physical_id
    )


def _bucket_mounts(request: Request) -> Result:
    return bucket_mounts.check_mounts(
        request.event, s3=request.client("s3"), kms=request.client("kms")
    )


def _notebook_route(request: Request) -> Result:
    return notebook_route.ensure_route(
        request.event,
        ssm=request.client("ssm"),
        elbv2=request.client("elbv2"),
        ec2=request.client("ec2"),
        secrets=request.client("secretsmanager"),
        sleep=request.sleep,
        seconds_left=request.deadline().seconds_left,
    )


def _delete_route(request: Request) -> None:
    notebook_route.delete_route(
        request.physical_id, elbv2=request.client("elbv2"), sleep=request.sleep
    )


RESOURCE_TYPES: Mapping[str, ResourceType] = {
    product_context.RESOURCE_TYPE: ResourceType(create=_product_context, update=_product_context),
    machine_image.RESOURCE_TYPE: ResourceType(create=_machine_image, update=_machine_image),
    # No Delete: the volume detaches when its instance terminates (or has already moved to the
    # replacement instance); detaching it here would pull it from under a running system.
    data_volume.RESOURCE_TYPE: ResourceType(create=_data_volume, update=_data_volume),
    batch_job.RESOURCE_TYPE: ResourceType(
        create=_batch_job,
        # A new revision each time: the new physical ID makes CloudFormation delete the old.
        update=_batch_job,
        delete=Deletion(
            run=_deregister_job,
            applies=physical_id_contains(":job-definition/"),
            # A leftover inactive revision costs nothing; a stuck deletion blocks the owner.
            failure_log="deregister failed",
        ),
    ),
    studio_team.RESOURCE_TYPE: ResourceType(
        create=_studio_team,
        update=_studio_team,
        delete=Deletion(
            run=_teardown_team,
            # The domain, not the physical ID: a failed Create may have made profiles.
            applies=property_given("DomainId"),
            failure_log="teardown failed",
            # Unlike the lookups, this must not report success early: the domain's deletion
            # would then fail on the profiles and spaces left behind.
            failure_reason=_teardown_failure,
        ),
    ),
    bucket_mounts.RESOURCE_TYPE: ResourceType(create=_bucket_mounts, update=_bucket_mounts),
    # A check: nothing to delete.
    budget_limit.RESOURCE_TYPE: ResourceType(create=_budget_limit, update=_budget_limit),
    notebook_route.RESOURCE_TYPE: ResourceType(
        create=_notebook_route,
        update=_notebook_route,
        delete=Deletion(
            run=_delete_route,
            applies=physical_id_starts_with("arn:"),
            # A leftover rule or target group must not keep the owner's product alive; the
            # operators find it by its research-catalog:stack-id tag.
            failure_log="route deletion failed",
        ),
    ),
}


def _unknown_type(request: Request, ids: Mapping[str, Any]) -> tuple[str, str]:
    """``(status, reason)`` for a type the table does not know: nothing of it was ever
    created, so its Delete succeeds (a FAILED one would keep the product from terminating);
    anything else fails, naming the types there are."""
    name = str(request.event.get("ResourceType"))
    log(f"unknown resource type {name!r}", **ids)
    if request.event["RequestType"] == "Delete":
        return SUCCESS, ""
    return FAILED, f"unknown resource type {name!r}; allowed: {', '.join(RESOURCE_TYPES)}"


def _delete(deletion: Deletion | None, request: Request, ids: Mapping[str, Any]) -> tuple[str, str]:
    """``(status, reason)`` of a Delete."""
    if deletion is not None and deletion.applies(request):
        try:
            deletion.run(request)
        except Exception as error:
            log(deletion.failure_log, error=repr(error), **ids)
            if deletion.failure_reason is not None:
                return FAILED, deletion.failure_reason(request, error)
    log("deleted", **ids)
    return SUCCESS, ""


def _create_or_update(
    resource_type: ResourceType, request: Request, ids: Mapping[str, Any]
) -> tuple[str, str, str, dict[str, str]]:
    """``(status, reason, physical id, Data)`` of a Create or Update."""
    resolve = (
        resource_type.update if request.event["RequestType"] == "Update" else resource_type.create
    )
    try:
        physical_id, data = resolve(request)
    except (ProductContextError, DeadlineExceeded) as error:
        log("failed", reason=str(error), **ids)
        return FAILED, str(error), request.physical_id, {}
    except Exception as error:
        log("unexpected error", error=repr(error), trace=traceback.format_exc(), **ids)
        reason = (
            f"product-context lookup failed unexpectedly ({type(error).__name__}: {error}); "
            f"{log_stream_hint(request.context)}"
        )
        return FAILED, reason, request.physical_id, {}
    log("resolved", physical_resource_id=physical_id, data=data, **ids)
    return SUCCESS, "", physical_id, data


def handler(
    event: Mapping[str, Any],
    context: Any,
    *,
    send: Sender = send_response,
    client: Callable[[str], Client] = boto3.client,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Lambda entry point. ``send``, ``client`` and ``sleep`` are seams for the tests."""
    request_type = event["RequestType"]
    # Only the identifying fields: ResponseURL is a pre-signed URL and must not reach the logs.
    ids = {
        "request_type": request_type,
        "stack_id": event["StackId"],
        "logical_resource_id": event["LogicalResourceId"],
        "request_id": event["RequestId"],
    }
    request = Request(event=event, context=context, client=client, sleep=sleep)
    resource_type = RESOURCE_TYPES.get(str(event.get("ResourceType")))
    data: dict[str, str] = {}
    if resource_type is None:
        physical_id = request.physical_id
        status, reason = _unknown_type(request, ids)
    elif request_type == "Delete":
        physical_id = request.physical_id
        status, reason = _delete(resource_type.delete, request, ids)
    else:
        status, reason, physical_id, data = _create_or_update(resource_type, request, ids)
    respond(
        event,
        context,
        status=status,
        physical_id=physical_id,
        reason=reason,
        data=data,
        send=send,
    )
