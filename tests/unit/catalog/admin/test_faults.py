"""The catalog-admin function under faults (issue 17): requests it cannot serve, AWS calls that
fail, waits that outlast the Lambda. Each test names the issue's item it reproduces."""

from collections.abc import Callable
from typing import Any

import pytest

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
