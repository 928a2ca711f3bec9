"""The catalog-admin function under faults (issue 17): requests it cannot serve, AWS calls that
fail, waits that outlast the Lambda. Each test names the issue's item it reproduces."""

from collections.abc import Callable
from typing import Any

import pytest
from botocore.stub import Stubber

from catalog_constructs.catalog.admin.handler.catalog_admin_handlers import dispatch

Invoke = Callable[[dict[str, Any], Any], dict[str, Any]]
MakeEvent = Callable[..., dict[str, Any]]


def test_delete_of_an_unknown_type_succeeds_with_a_log_line(
    make_event: MakeEvent, captured: Any, no_aws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 12: a Delete answered FAILED leaves the stack in DELETE_FAILED for good; this
    function never created anything of a type it does not know."""
    event = make_event("Delete", "Custom::Retired", {}, PhysicalResourceId="retired-1")

    dispatch.handler(event, None, send=captured, client=no_aws)

    assert (captured.only["Status"], captured.only["PhysicalResourceId"]) == (
        "SUCCESS",
        "retired-1",
    )
    assert "unknown resource type 'Custom::Retired'" in capsys.readouterr().out


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_create_or_update_of_an_unknown_type_fails_clearly(
    request_type: str, make_event: MakeEvent, captured: Any, no_aws: Any
) -> None:
    """Item 12: the other half of the rule: what cannot be created fails, naming the types."""
    dispatch.handler(
        make_event(request_type, "Custom::Other", {}), None, send=captured, client=no_aws
    )

    assert captured.only["Status"] == "FAILED"
    assert captured.only["Reason"].startswith("unknown resource type 'Custom::Other'; allowed: ")


def test_delete_of_version_guidance_needs_no_client(make_event: MakeEvent, captured: Any) -> None:
    """Item 12 (reported with it): the client was made before the request was looked at, so a
    Delete that calls nothing failed when making the client failed (no region, no endpoint)."""

    def broken_clients(service: str) -> Any:
        raise RuntimeError("no endpoint")

    event = make_event("Delete", "Custom::VersionGuidance", {}, PhysicalResourceId="prod-1")

    dispatch.handler(event, None, send=captured, client=broken_clients)

    assert (captured.only["Status"], captured.only["PhysicalResourceId"]) == ("SUCCESS", "prod-1")


OU = {"Type": "ORGANIZATIONAL_UNIT", "Value": "ou-ab12-cdef3456"}
OU_SHARE = "port-1|ORGANIZATIONAL_UNIT|ou-ab12-cdef3456"
ACCOUNT_SHARE = "port-1|ACCOUNT|444444444444"
FAILED_STATUS = {
    "Status": "COMPLETED_WITH_ERRORS",
    "ShareDetails": {
        "ShareErrors": [{"Accounts": ["555555555555"], "Message": "not enabled", "Error": "E"}]
    },
}


def _queue_share_that_fails(stubber: Stubber, *, exists: bool) -> None:
    principals = [{"PrincipalId": OU["Value"], "Type": OU["Type"]}] if exists else []
    stubber.add_response("describe_portfolio_shares", {"PortfolioShareDetails": principals})
    operation = "update_portfolio_share" if exists else "create_portfolio_share"
    stubber.add_response(operation, {"PortfolioShareToken": "share-1"})
    stubber.add_response("describe_portfolio_share_status", FAILED_STATUS)


def _queue_removal(stubber: Stubber) -> None:
    stubber.add_response(
        "delete_portfolio_share",
        {"PortfolioShareToken": "unshare-1"},
        {"PortfolioId": "port-1", "OrganizationNode": OU},
    )
    stubber.add_response(
        "describe_portfolio_share_status",
        {"Status": "COMPLETED"},
        {"PortfolioShareToken": "unshare-1"},
    )


def test_a_failed_create_answers_with_the_share_and_removes_what_it_created(
    client: Any, invoke: Invoke, make_event: MakeEvent
) -> None:
    """Item 11: the physical ID fell back to the logical ID, so the rollback's Delete did
    nothing while the share stayed live (and with rollback disabled nobody deletes it)."""
    sc, stubber = client
    _queue_share_that_fails(stubber, exists=False)
    _queue_removal(stubber)

    response = invoke(
        make_event("Create", "Custom::PortfolioShare", {"PortfolioId": "port-1", **OU}), sc
    )

    assert response["Status"] == "FAILED"
    assert "COMPLETED_WITH_ERRORS" in response["Reason"] and "555555555555" in response["Reason"]
    # The rollback's Delete then removes it again, or finds it gone.
    assert response["PhysicalResourceId"] == OU_SHARE


def test_a_failed_update_to_a_new_target_removes_the_new_share(
    client: Any, invoke: Invoke, make_event: MakeEvent
) -> None:
    """Item 11: CloudFormation keeps the old physical ID of a failed update and never sends
    a Delete for the new one: the share this call created must go before it answers."""
    sc, stubber = client
    _queue_share_that_fails(stubber, exists=False)
    _queue_removal(stubber)
    event = make_event(
        "Update",
        "Custom::PortfolioShare",
        {"PortfolioId": "port-1", **OU},
        PhysicalResourceId=ACCOUNT_SHARE,
    )

    response = invoke(event, sc)

    assert (response["Status"], response["PhysicalResourceId"]) == ("FAILED", ACCOUNT_SHARE)


def test_a_failed_create_leaves_a_share_it_did_not_create(
    client: Any, invoke: Invoke, make_event: MakeEvent
) -> None:
    """Item 11: only what this call created is removed before answering; a share that was
    there already is named, so the rollback's Delete removes what the stack adopted."""
    sc, stubber = client
    _queue_share_that_fails(stubber, exists=True)

    response = invoke(
        make_event("Create", "Custom::PortfolioShare", {"PortfolioId": "port-1", **OU}), sc
    )

    assert (response["Status"], response["PhysicalResourceId"]) == ("FAILED", OU_SHARE)


class EndlessShare:
    """Service Catalog where an organization share never completes and removals do."""

    def __init__(self) -> None:
        self.deleted: list[dict[str, Any]] = []

    def describe_portfolio_shares(self, **kwargs: Any) -> dict[str, Any]:
        return {"PortfolioShareDetails": []}

    def create_portfolio_share(self, **kwargs: Any) -> dict[str, Any]:
        return {"PortfolioShareToken": "share-1"}

    def delete_portfolio_share(self, **kwargs: Any) -> dict[str, Any]:
        self.deleted.append(kwargs)
        return {"PortfolioShareToken": "unshare-1"}

    def describe_portfolio_share_status(self, PortfolioShareToken: str) -> dict[str, Any]:
        return {"Status": "COMPLETED" if PortfolioShareToken == "unshare-1" else "IN_PROGRESS"}


def test_the_share_wait_ends_in_time_to_remove_the_share_and_answer(
    make_event: MakeEvent, captured: Any, clock: Any, lambda_context: Any
) -> None:
    """Items 8 and 11 (one deadline discipline): the wait was a fixed 13 minutes, whatever
    the Lambda had left; it now ends early enough to remove the share and to answer."""
    lambda_context.run_with(clock, remaining_seconds=300)
    service = EndlessShare()
    event = make_event("Create", "Custom::PortfolioShare", {"PortfolioId": "port-1", **OU})

    dispatch.handler(
        event,
        lambda_context,
        send=captured,
        client=lambda name: service,
        sleep=clock.sleep,
        clock=clock,
    )

    assert captured.only["Status"] == "FAILED"
    assert "IN_PROGRESS" in captured.only["Reason"]
    assert service.deleted == [{"PortfolioId": "port-1", "OrganizationNode": OU}]
    assert lambda_context.get_remaining_time_in_millis() >= 60_000
