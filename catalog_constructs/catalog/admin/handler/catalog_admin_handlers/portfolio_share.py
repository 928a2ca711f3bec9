"""``Custom::PortfolioShare``: shares a portfolio with an account, an organizational unit or
the whole organization, with TagOptions and principals (IAM_PATTERN associations then apply in
the recipient accounts).

``AWS::ServiceCatalog::PortfolioShare`` supports neither organization nodes nor principal
sharing. Creating an existing share updates it (idempotent); Delete removes the share and
tolerates one that is already gone; organization shares are awaited with
``DescribePortfolioShareStatus``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from .common import AdminError, Client

RESOURCE_TYPE = "Custom::PortfolioShare"
SHARE_TYPES = ("ACCOUNT", "ORGANIZATIONAL_UNIT", "ORGANIZATION")
SHARE_DONE = ("COMPLETED",)
SHARE_FAILED = ("COMPLETED_WITH_ERRORS", "ERROR")
POLL_SECONDS = 10
# Lambda stops at 15 minutes; leave time to answer CloudFormation.
SHARE_WAIT_SECONDS = 13 * 60


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
    """Create/Update: the share exists with TagOptions and principals; returns the physical ID
    ``<portfolio>|<type>|<value>``, so that a changed target is a replacement."""
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
    """Delete: the share is gone (already gone is fine). The dispatch table calls it only for
    an ID ``create_share`` returned."""
    portfolio_id, share_type, value = physical_id.split("|")
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
