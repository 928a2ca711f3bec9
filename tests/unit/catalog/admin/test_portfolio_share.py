"""``Custom::PortfolioShare`` through the catalog-admin entry point (botocore's Stubber)."""

from collections.abc import Callable
from typing import Any

from botocore.stub import Stubber

from catalog_constructs.catalog.admin.handler.catalog_admin_handlers import portfolio_share

Invoke = Callable[[dict[str, Any], Any], dict[str, Any]]
MakeEvent = Callable[..., dict[str, Any]]


def _shares(stubber: Stubber, share_type: str, principal_ids: list[str]) -> None:
    stubber.add_response(
        "describe_portfolio_shares",
        {"PortfolioShareDetails": [{"PrincipalId": p, "Type": share_type} for p in principal_ids]},
        {"PortfolioId": "port-1", "Type": share_type},
    )


OU = {"Type": "ORGANIZATIONAL_UNIT", "Value": "ou-ab12-cdef3456"}


def test_ou_share_is_created_with_principals_and_awaited(
    client: Any, invoke: Invoke, make_event: MakeEvent
) -> None:
    sc, stubber = client
    _shares(stubber, "ORGANIZATIONAL_UNIT", [])
    stubber.add_response(
        "create_portfolio_share",
        {"PortfolioShareToken": "share-1"},
        {
            "PortfolioId": "port-1",
            "OrganizationNode": OU,
            "ShareTagOptions": True,
            "SharePrincipals": True,
        },
    )
    for status in ("IN_PROGRESS", "COMPLETED"):
        stubber.add_response(
            "describe_portfolio_share_status",
            {"Status": status},
            {"PortfolioShareToken": "share-1"},
        )
    response = invoke(
        make_event("Create", portfolio_share.RESOURCE_TYPE, {"PortfolioId": "port-1", **OU}), sc
    )
    assert response["Status"] == "SUCCESS"
    assert response["PhysicalResourceId"] == "port-1|ORGANIZATIONAL_UNIT|ou-ab12-cdef3456"


def test_existing_share_is_updated_not_created_again(
    client: Any, invoke: Invoke, make_event: MakeEvent
) -> None:
    sc, stubber = client
    _shares(stubber, "ACCOUNT", ["444444444444"])
    stubber.add_response(
        "update_portfolio_share",
        {},
        {
            "PortfolioId": "port-1",
            "AccountId": "444444444444",
            "ShareTagOptions": True,
            "SharePrincipals": True,
        },
    )
    event = make_event(
        "Create",
        portfolio_share.RESOURCE_TYPE,
        {"PortfolioId": "port-1", "Type": "ACCOUNT", "Value": "444444444444"},
    )
    assert invoke(event, sc)["Status"] == "SUCCESS"


def test_failed_share_reports_the_accounts(
    client: Any, invoke: Invoke, make_event: MakeEvent
) -> None:
    sc, stubber = client
    _shares(stubber, "ORGANIZATIONAL_UNIT", [])
    stubber.add_response("create_portfolio_share", {"PortfolioShareToken": "share-1"})
    stubber.add_response(
        "describe_portfolio_share_status",
        {
            "Status": "COMPLETED_WITH_ERRORS",
            "ShareDetails": {
                "ShareErrors": [
                    {
                        "Accounts": ["555555555555"],
                        "Message": "not enabled",
                        "Error": "AccessDenied",
                    }
                ]
            },
        },
    )
    # The share this call created is removed again (test_faults.py).
    stubber.add_response("delete_portfolio_share", {})
    response = invoke(
        make_event("Create", portfolio_share.RESOURCE_TYPE, {"PortfolioId": "port-1", **OU}), sc
    )
    assert response["Status"] == "FAILED"
    assert "COMPLETED_WITH_ERRORS" in response["Reason"] and "555555555555" in response["Reason"]


def test_share_that_never_completes_times_out(
    client: Any, invoke: Invoke, make_event: MakeEvent
) -> None:
    sc, stubber = client
    _shares(stubber, "ORGANIZATIONAL_UNIT", [])
    stubber.add_response("create_portfolio_share", {"PortfolioShareToken": "share-1"})
    # 25 s to wait once the answer's minute and the cleanup's two are kept: polls at 0, 10, 20.
    for _ in range(3):
        stubber.add_response("describe_portfolio_share_status", {"Status": "IN_PROGRESS"})
    stubber.add_response(
        "delete_portfolio_share", {}, {"PortfolioId": "port-1", "OrganizationNode": OU}
    )
    response = invoke(
        make_event("Create", portfolio_share.RESOURCE_TYPE, {"PortfolioId": "port-1", **OU}),
        sc,
        remaining_seconds=60 + 120 + 25,
    )
    assert response["Status"] == "FAILED"
    assert response["Reason"] == (
        "timed out waiting for portfolio share share-1 (IN_PROGRESS); "
        "the share it created was removed again"
    )


def test_delete_removes_the_share_and_tolerates_a_missing_one(
    client: Any, invoke: Invoke, make_event: MakeEvent
) -> None:
    sc, stubber = client
    stubber.add_response(
        "delete_portfolio_share", {}, {"PortfolioId": "port-1", "AccountId": "444444444444"}
    )
    stubber.add_client_error(
        "delete_portfolio_share",
        "ResourceNotFoundException",
        expected_params={"PortfolioId": "port-1", "OrganizationNode": OU},
    )
    for physical_id in (
        "port-1|ACCOUNT|444444444444",
        "port-1|ORGANIZATIONAL_UNIT|ou-ab12-cdef3456",
    ):
        event = make_event(
            "Delete", portfolio_share.RESOURCE_TYPE, {}, PhysicalResourceId=physical_id
        )
        assert invoke(event, sc)["Status"] == "SUCCESS"


def test_unknown_share_type_fails_naming_the_allowed_ones(
    client: Any, invoke: Invoke, make_event: MakeEvent
) -> None:
    sc, _ = client
    event = make_event(
        "Create",
        portfolio_share.RESOURCE_TYPE,
        {"PortfolioId": "port-1", "Type": "OU", "Value": "x"},
    )
    response = invoke(event, sc)
    assert response["Status"] == "FAILED"
    assert "allowed: ACCOUNT, ORGANIZATIONAL_UNIT, ORGANIZATION" in response["Reason"]
