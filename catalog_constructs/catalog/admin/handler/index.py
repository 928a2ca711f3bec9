"""Catalog administration CloudFormation has no resource for (custom resources of the Catalog
stack, one function):

``Custom::VersionGuidance``
    Marks every provisioning artifact of a product but the newest published one
    ``Guidance=DEPRECATED`` (the newest ``DEFAULT``). Deprecated versions are hidden from new
    launches but stay active: provisioned products keep updating to and from them. Never
    deletes or deactivates anything; Delete is a no-op.

``Custom::PortfolioShare``
    Shares a portfolio with an account, an organizational unit or the whole organization, with
    TagOptions and principals (IAM_PATTERN associations then apply in the recipient accounts).
    ``AWS::ServiceCatalog::PortfolioShare`` supports neither organization nodes nor principal
    sharing. Creating an existing share updates it (idempotent); Delete removes the share and
    tolerates one that is already gone; organization shares are awaited with
    ``DescribePortfolioShareStatus``.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from botocore.exceptions import ClientError

VERSION_GUIDANCE = "Custom::VersionGuidance"
PORTFOLIO_SHARE = "Custom::PortfolioShare"
SHARE_TYPES = ("ACCOUNT", "ORGANIZATIONAL_UNIT", "ORGANIZATION")
SHARE_DONE = ("COMPLETED",)
SHARE_FAILED = ("COMPLETED_WITH_ERRORS", "ERROR")
POLL_SECONDS = 10
# Lambda stops at 15 minutes; leave time to answer CloudFormation.
SHARE_WAIT_SECONDS = 13 * 60
_REASON_MAX = 1000

Client = Any
Sender = Callable[[str, bytes], None]


class AdminError(Exception):
    """A failure reported to CloudFormation with this message."""


# ---- version guidance


def apply_version_guidance(properties: Mapping[str, Any], *, servicecatalog: Client) -> str:
    product_id = str(properties["ProductId"])
    current = str(properties["CurrentVersionName"])
    artifacts = servicecatalog.list_provisioning_artifacts(ProductId=product_id)[
        "ProvisioningArtifactDetails"
    ]
    if not any(artifact["Name"] == current for artifact in artifacts):
        names = ", ".join(artifact["Name"] for artifact in artifacts) or "(none)"
        raise AdminError(
            f"product {product_id} has no version {current!r} to keep as default; it has {names}"
        )
    for artifact in artifacts:
        wanted = "DEFAULT" if artifact["Name"] == current else "DEPRECATED"
        if artifact.get("Guidance") != wanted:
            servicecatalog.update_provisioning_artifact(
                ProductId=product_id, ProvisioningArtifactId=artifact["Id"], Guidance=wanted
            )
    return product_id


# ---- portfolio shares


def _share_target(properties: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
    share_type = str(properties["Type"])
    value = str(properties["Value"])
    if share_type not in SHARE_TYPES:
        raise AdminError(f"share Type {share_type!r} is invalid; allowed: {', '.join(SHARE_TYPES)}")
    if share_type == "ACCOUNT":
        return share_type, value, {"AccountId": value}
    return share_type, value, {"OrganizationNode": {"Type": share_type, "Value": value}}


def _share_exists(servicecatalog: Client, portfolio_id: str, share_type: str, value: str) -> bool:
    paginator_args: dict[str, Any] = {"PortfolioId": portfolio_id, "Type": share_type}
    while True:
        page = servicecatalog.describe_portfolio_shares(**paginator_args)
        if any(
            detail.get("PrincipalId") == value for detail in page.get("PortfolioShareDetails", [])
        ):
            return True
        token = page.get("NextPageToken")
        if not token:
            return False
        paginator_args["PageToken"] = token


def _wait_for_share(
    servicecatalog: Client,
    token: str,
    *,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> None:
    deadline = clock() + SHARE_WAIT_SECONDS
    while True:
        status = servicecatalog.describe_portfolio_share_status(PortfolioShareToken=token)
        state = status["Status"]
        if state in SHARE_DONE:
            return
        if state in SHARE_FAILED:
            errors = status.get("ShareDetails", {}).get("ShareErrors", [])
            detail = "; ".join(
                f"{e.get('Error')}: {e.get('Message')} ({', '.join(e.get('Accounts', []))})"
                for e in errors
            )
            raise AdminError(f"portfolio share {token} ended {state}: {detail or 'no details'}")
        if clock() >= deadline:
            raise AdminError(
                f"portfolio share {token} still {state} after {SHARE_WAIT_SECONDS // 60} minutes"
            )
        sleep(POLL_SECONDS)


def create_share(
    properties: Mapping[str, Any],
    *,
    servicecatalog: Client,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    portfolio_id = str(properties["PortfolioId"])
    share_type, value, target = _share_target(properties)
    options = {"ShareTagOptions": True, "SharePrincipals": True}
    if _share_exists(servicecatalog, portfolio_id, share_type, value):
        response = servicecatalog.update_portfolio_share(
            PortfolioId=portfolio_id, **target, **options
        )
    else:
        response = servicecatalog.create_portfolio_share(
            PortfolioId=portfolio_id, **target, **options
        )
    token = response.get("PortfolioShareToken")
    if token:
        _wait_for_share(servicecatalog, token, sleep=sleep, clock=clock)
    return f"{portfolio_id}|{share_type}|{value}"


def delete_share(
    physical_id: str,
    *,
    servicecatalog: Client,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    parts = physical_id.split("|")
    if len(parts) != 3:
        return  # a create that failed before the share existed
    portfolio_id, share_type, value = parts
    _, _, target = _share_target({"Type": share_type, "Value": value})
    try:
        response = servicecatalog.delete_portfolio_share(PortfolioId=portfolio_id, **target)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return
        raise
    token = response.get("PortfolioShareToken")
    if token:
        _wait_for_share(servicecatalog, token, sleep=sleep, clock=clock)


# ---- CloudFormation plumbing


def send_response(url: str, body: bytes) -> None:
    # The pre-signed S3 URL is signed without a content type, so none may be sent.
    request = urllib.request.Request(
        url, data=body, method="PUT", headers={"content-type": "", "content-length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def handler(
    event: Mapping[str, Any],
    context: Any,
    *,
    send: Sender = send_response,
    client: Callable[[str], Client] = boto3.client,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Lambda entry point. ``send``, ``client``, ``sleep`` and ``clock`` are seams for tests."""
    request_type = event["RequestType"]
    resource_type = event.get("ResourceType")
    properties = event.get("ResourceProperties", {})
    physical_id = str(event.get("PhysicalResourceId") or event["LogicalResourceId"])
    status, reason = "SUCCESS", ""
    try:
        servicecatalog = client("servicecatalog")
        if resource_type == VERSION_GUIDANCE:
            if request_type != "Delete":
                physical_id = apply_version_guidance(properties, servicecatalog=servicecatalog)
        elif resource_type == PORTFOLIO_SHARE:
            if request_type == "Delete":
                delete_share(physical_id, servicecatalog=servicecatalog, sleep=sleep, clock=clock)
            else:
                # A changed target gets a new physical ID; CloudFormation then deletes the old.
                physical_id = create_share(
                    properties, servicecatalog=servicecatalog, sleep=sleep, clock=clock
                )
        else:
            raise AdminError(
                f"unknown resource type {resource_type!r}; allowed: "
                f"{VERSION_GUIDANCE}, {PORTFOLIO_SHARE}"
            )
    except (AdminError, ClientError) as error:
        status, reason = "FAILED", str(error)
    except Exception as error:
        status, reason = "FAILED", f"{type(error).__name__}: {error}"
    print(
        json.dumps(
            {
                "request_type": request_type,
                "resource_type": resource_type,
                "logical_resource_id": event.get("LogicalResourceId"),
                "physical_id": physical_id,
                "status": status,
                "reason": reason,
            }
        )
    )
    log_stream = getattr(context, "log_stream_name", "unknown")
    body = {
        "Status": status,
        "Reason": (reason or f"see CloudWatch log stream {log_stream}")[:_REASON_MAX],
        "PhysicalResourceId": physical_id,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": {},
    }
    send(str(event["ResponseURL"]), json.dumps(body).encode())
