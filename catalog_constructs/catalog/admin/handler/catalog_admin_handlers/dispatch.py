"""Lambda entry point of the catalog-admin function: ``RESOURCE_TYPES`` maps each custom
resource type to its module's functions, and ``handler`` answers CloudFormation.

What a Delete does is data in the table: whether the type has anything to delete, and which
physical IDs name something it created (a Create that failed before creating anything answered
with the logical ID, whose Delete must touch nothing; one that failed after answered with what
it left behind, ``AdminError.physical_id``, so that the rollback's Delete removes it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

from . import portfolio_share, version_guidance
from .cfn import FAILED, SUCCESS, Sender, log, respond, send_response
from .common import AdminError, Client
from .deadline import Deadline, DeadlineExceeded


@dataclass(frozen=True)
class Request:
    """One CloudFormation request with the client and the seams its type's functions use."""

    properties: Mapping[str, Any]
    physical_id: str
    client: Callable[[str], Client]
    deadline: Deadline

    @property
    def servicecatalog(self) -> Client:
        """Made when an operation needs it: a Delete that calls nothing must not fail because
        the client could not be made."""
        return self.client("servicecatalog")


@dataclass(frozen=True)
class ResourceType:
    # Create and Update return the physical ID; a new one makes CloudFormation delete the old.
    create: Callable[[Request], str]
    update: Callable[[Request], str]
    # None: Delete answers SUCCESS without calling AWS.
    delete: Callable[[Request], None] | None = None
    # Whether a Delete's physical ID names something the type created.
    created: Callable[[str], bool] = lambda physical_id: True


def _version_guidance(request: Request) -> str:
    return version_guidance.apply_version_guidance(
        request.properties, servicecatalog=request.servicecatalog
    )


def _share(request: Request) -> str:
    return portfolio_share.create_share(
        request.properties, servicecatalog=request.servicecatalog, deadline=request.deadline
    )


def _unshare(request: Request) -> None:
    portfolio_share.delete_share(
        request.physical_id, servicecatalog=request.servicecatalog, deadline=request.deadline
    )


RESOURCE_TYPES: Mapping[str, ResourceType] = {
    # Never deletes or deactivates a version, so Delete has nothing to undo.
    version_guidance.RESOURCE_TYPE: ResourceType(
        create=_version_guidance, update=_version_guidance
    ),
    portfolio_share.RESOURCE_TYPE: ResourceType(
        create=_share,
        # A changed target gets a new physical ID; CloudFormation then deletes the old.
        update=_share,
        delete=_unshare,
        # <portfolio>|<type>|<value>; a create that failed before the share existed answered
        # with the logical ID.
        created=lambda physical_id: len(physical_id.split("|")) == 3,
    ),
}


def _run(resource_type: ResourceType, request_type: str, request: Request) -> str:
    """Carry out the request; returns the physical ID to answer with."""
    if request_type == "Delete":
        if resource_type.delete is not None and resource_type.created(request.physical_id):
            resource_type.delete(request)
        return request.physical_id
    operation = resource_type.update if request_type == "Update" else resource_type.create
    return operation(request)


def handler(
    event: Mapping[str, Any],
    context: Any,
    *,
    send: Sender = send_response,
    client: Callable[[str], Client] = boto3.client,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Lambda entry point. ``send``, ``client``, ``sleep`` and ``clock`` are seams for tests;
    every wait ends in time to answer (``Deadline``, from the context's remaining time)."""
    request_type = event["RequestType"]
    resource_type = event.get("ResourceType")
    physical_id = str(event.get("PhysicalResourceId") or event["LogicalResourceId"])
    status, reason = SUCCESS, ""
    try:
        request = Request(
            properties=event.get("ResourceProperties", {}),
            physical_id=physical_id,
            client=client,
            deadline=Deadline(context, sleep=sleep, clock=clock),
        )
        known = RESOURCE_TYPES.get(str(resource_type))
        if known is not None:
            physical_id = _run(known, request_type, request)
        elif request_type == "Delete":
            # Nothing of a type this function does not know was ever created by it; a FAILED
            # Delete would leave the stack in DELETE_FAILED.
            log(f"unknown resource type {resource_type!r}: nothing to delete")
        else:
            raise AdminError(
                f"unknown resource type {resource_type!r}; allowed: {', '.join(RESOURCE_TYPES)}"
            )
    except AdminError as error:
        status, reason = FAILED, str(error)
        if request_type == "Create" and error.physical_id:
            physical_id = error.physical_id
    except (ClientError, DeadlineExceeded) as error:
        status, reason = FAILED, str(error)
    except Exception as error:
        status, reason = FAILED, f"{type(error).__name__}: {error}"
    log(
        "answered",
        request_type=request_type,
        resource_type=resource_type,
        logical_resource_id=event.get("LogicalResourceId"),
        physical_id=physical_id,
        status=status,
        reason=reason,
    )
    respond(event, context, status=status, physical_id=physical_id, reason=reason, send=send)
