"""The product-context function under faults (issue 17): requests it cannot serve and waits
that outlast the Lambda, on a simulated clock. Each test names the issue's item it reproduces.
The data-volume move under faults is in test_data_volume_faults.py."""

from collections.abc import Callable
from typing import Any

import pytest

from catalog_constructs.shared.product_context.handler.product_context_handlers import dispatch

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/SC-123456789012-pp-x/uuid"
MakeEvent = Callable[..., dict[str, Any]]


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_an_unknown_type_is_not_answered_as_a_product_context(
    request_type: str, make_event: MakeEvent, captured: Any, no_aws: Any, lambda_context: Any
) -> None:
    """Item 12: any type the table did not know was resolved as a Custom::ProductContext and
    answered SUCCESS with an owner's data (every released template names its types)."""
    event = make_event(STACK_ID, request_type, ResourceType="Custom::ProductContxt")

    dispatch.handler(event, lambda_context, send=captured, client=no_aws)

    assert captured.only["Status"] == "FAILED"
    assert captured.only["Reason"].startswith(
        "unknown resource type 'Custom::ProductContxt'; allowed: Custom::ProductContext, "
    )
    assert captured.only["Data"] == {}


def test_delete_of_an_unknown_type_succeeds_with_a_log_line(
    make_event: MakeEvent,
    captured: Any,
    no_aws: Any,
    lambda_context: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Item 12: nothing of an unknown type was ever created, and a FAILED Delete would keep
    the owner's product from terminating."""
    event = make_event(
        STACK_ID, "Delete", ResourceType="Custom::Retired", PhysicalResourceId="retired-1"
    )

    dispatch.handler(event, lambda_context, send=captured, client=no_aws)

    assert (captured.only["Status"], captured.only["PhysicalResourceId"]) == (
        "SUCCESS",
        "retired-1",
    )
    assert "unknown resource type 'Custom::Retired'" in capsys.readouterr().out
