"""``Custom::PortfolioShare``: shares a portfolio with an account, an organizational unit or
the whole organization, with TagOptions and principals (IAM_PATTERN associations then apply in
the recipient accounts).

``AWS::ServiceCatalog::PortfolioShare`` supports neither organization nodes nor principal
sharing. Creating an existing share updates it (idempotent); Delete removes the share and
tolerates one that is already gone; organization shares are awaited with
``DescribePortfolioShareStatus`` for as long as the Lambda's time allows (``Deadline``).

A share that ends with errors or does not complete in time fails the request. A share this
call created is removed again before the answer: CloudFormation never sends a Delete for the
new target of a failed Update. A failed Create answers with the share's physical ID (not the
logical ID), so the rollback's Delete removes whatever is still there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from .cfn import log
from .common import AdminError, Client
from .deadline import Deadline, DeadlineExceeded

RESOURCE_TYPE = "Custom::PortfolioShare"
SHARE_TYPES = ("ACCOUNT", "ORGANIZATIONAL_UNIT", "ORGANIZATION")
SHARE_DONE = ("COMPLETED",)
SHARE_FAILED = ("COMPLETED_WITH_ERRORS", "ERROR")
POLL_SECONDS = 10
# Kept back from the wait for a share, to remove it again when it did not complete.
CLEANUP_SECONDS = 120


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


def _wait_for_share(servicecatalog: Client, token: str, deadline: Deadline) -> None:
    """Until the share operation ``token`` completes; AdminError when it ended with errors,
    DeadlineExceeded when it is still running at the deadline."""

    def pending() -> list[str]:
        status = servicecatalog.describe_portfolio_share_status(PortfolioShareToken=token)
        state = str(status["Status"])
        if state in SHARE_FAILED:
            errors = status.get("ShareDetails", {}).get("ShareErrors", [])
            detail = "; ".join(
                f"{e.get('Error')}: {e.get('Message')} ({', '.join(e.get('Accounts', []))})"
                for e in errors
            )
            raise AdminError(f"portfolio share {token} ended {state}: {detail or 'no details'}")
        return [] if state in SHARE_DONE else [state]

    deadline.wait(f"portfolio share {token}", pending, interval=POLL_SECONDS)


def create_share(
    properties: Mapping[str, Any], *, servicecatalog: Client, deadline: Deadline
) -> str:
    """Create/Update: the share exists with TagOptions and principals; returns the physical ID
    ``<portfolio>|<type>|<value>``, so that a changed target is a replacement.

    AdminError naming the share when it did not complete: a share this call created has been
    removed again by then (or its removal could not finish, which the message says); a share
    that existed before is left as it is.
    """
    portfolio_id = str(properties["PortfolioId"])
    share_type, value, target = _share_target(properties)
    physical_id = f"{portfolio_id}|{share_type}|{value}"
    options = {"ShareTagOptions": True, "SharePrincipals": True}
    created = not _share_exists(servicecatalog, portfolio_id, share_type, value)
    operation = (
        servicecatalog.create_portfolio_share if created else servicecatalog.update_portfolio_share
    )
    token = operation(PortfolioId=portfolio_id, **target, **options).get("PortfolioShareToken")
    if not token:
        return physical_id
    try:
        _wait_for_share(servicecatalog, token, deadline.reserving(CLEANUP_SECONDS))
    except (AdminError, DeadlineExceeded) as error:
        message = str(error)
        if created:
            message += _remove_again(physical_id, servicecatalog=servicecatalog, deadline=deadline)
        raise AdminError(message, physical_id=physical_id) from error
    return physical_id


def _remove_again(physical_id: str, *, servicecatalog: Client, deadline: Deadline) -> str:
    """Remove a share this call created; what became of it, for the FAILED reason."""
    try:
        delete_share(physical_id, servicecatalog=servicecatalog, deadline=deadline)
    except Exception as error:  # the reason must still say why the share failed
        log("share not removed", physical_id=physical_id, error=repr(error))
        return f"; the share it created is still there ({error})"
    log("share removed", physical_id=physical_id)
    return "; the share it created was removed again"


def delete_share(physical_id: str, *, servicecatalog: Client, deadline: Deadline) -> None:
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
        _wait_for_share(servicecatalog, token, deadline)
