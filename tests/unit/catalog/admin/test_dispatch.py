"""The catalog-admin entry point: requests reach their type's module through the dispatch
table, and a Delete follows the rules the table holds."""

from collections.abc import Callable
from typing import Any

from catalog_constructs.catalog.admin.handler.catalog_admin_handlers import dispatch

Invoke = Callable[[dict[str, Any], Any], dict[str, Any]]
MakeEvent = Callable[..., dict[str, Any]]


def test_every_resource_type_has_a_module() -> None:
    assert list(dispatch.RESOURCE_TYPES) == ["Custom::VersionGuidance", "Custom::PortfolioShare"]
    # Version guidance never deletes or deactivates anything.
    assert dispatch.RESOURCE_TYPES["Custom::VersionGuidance"].delete is None


def test_unknown_resource_type_fails_naming_the_known_ones(
    client: Any, invoke: Invoke, make_event: MakeEvent
) -> None:
    sc, _ = client
    response = invoke(make_event("Create", "Custom::Other", {}), sc)
    assert response["Status"] == "FAILED"
    assert response["Reason"] == (
        "unknown resource type 'Custom::Other'; allowed: "
        "Custom::VersionGuidance, Custom::PortfolioShare"
    )
    assert response["PhysicalResourceId"] == "Res"


def test_delete_of_a_share_whose_create_failed_calls_nothing(
    client: Any, invoke: Invoke, make_event: MakeEvent
) -> None:
    sc, _ = client  # any call would fail: no response queued
    event = make_event("Delete", "Custom::PortfolioShare", {}, PhysicalResourceId="Res")
    response = invoke(event, sc)
    assert (response["Status"], response["PhysicalResourceId"]) == ("SUCCESS", "Res")


def test_success_without_a_reason_points_at_the_log_stream(
    client: Any, invoke: Invoke, make_event: MakeEvent, lambda_context: Any
) -> None:
    sc, _ = client
    event = make_event("Delete", "Custom::VersionGuidance", {}, PhysicalResourceId="prod-1")
    response = invoke(event, sc)
    assert response["Reason"] == f"see CloudWatch log stream {lambda_context.log_stream_name}"
    assert response["Data"] == {}
