"""The product-context entry point: requests reach their type's module through the dispatch
table, and a Delete follows the rules the table holds."""

from collections.abc import Callable
from typing import Any

import pytest

from catalog_constructs.shared.product_context.handler.product_context_handlers import (
    dispatch,
    product_context,
)

ACCOUNT = "123456789012"
REGION = "us-east-1"
MakeEvent = Callable[..., dict[str, Any]]


@pytest.mark.parametrize("resource_type", ["Custom::ProductContext", "Custom::MachineImage"])
def test_delete_succeeds_without_touching_aws(
    monkeypatch: pytest.MonkeyPatch,
    resource_type: str,
    make_event: MakeEvent,
    captured: Any,
    no_aws: Callable[[str], Any],
    lambda_context: Any,
) -> None:
    # Even a broken configuration must not block deleting a product.
    monkeypatch.setenv("COMMUNITIES", "not json")
    monkeypatch.delenv("SUBNETS_PARAMETER", raising=False)

    event = make_event(
        f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/gone/uuid",
        "Delete",
        PhysicalResourceId="product-context-0badf00d",
        ResourceType=resource_type,
    )
    dispatch.handler(event, lambda_context, send=captured, client=no_aws)

    assert captured.only["Status"] == "SUCCESS"
    assert captured.only["PhysicalResourceId"] == "product-context-0badf00d"
    assert captured.only["Data"] == {}


def test_unexpected_error_points_at_the_log_stream(
    make_event: MakeEvent, captured: Any, lambda_context: Any
) -> None:
    def broken_clients(service: str) -> Any:
        raise RuntimeError("no endpoint")

    dispatch.handler(make_event("arn:stack"), lambda_context, send=captured, client=broken_clients)

    assert captured.only["Status"] == "FAILED"
    assert "RuntimeError: no endpoint" in captured.only["Reason"]
    assert lambda_context.log_stream_name in captured.only["Reason"]
    assert captured.only["PhysicalResourceId"] == product_context.physical_resource_id("arn:stack")


def test_every_resource_type_has_a_module_and_creates_and_updates() -> None:
    assert set(dispatch.RESOURCE_TYPES) == {
        "Custom::ProductContext",
        "Custom::MachineImage",
        "Custom::DataVolumeAttachment",
        "Custom::BatchJob",
        "Custom::StudioTeam",
        "Custom::BucketMounts",
        "Custom::NotebookRoute",
    }
    # Only the types that create something AWS keeps have anything to delete.
    deleting = {name for name, kind in dispatch.RESOURCE_TYPES.items() if kind.delete}
    assert deleting == {"Custom::BatchJob", "Custom::StudioTeam", "Custom::NotebookRoute"}


@pytest.mark.parametrize(
    ("resource_type", "physical_id", "properties"),
    [
        # A Create that failed answered with the product-context ID: nothing was registered.
        ("Custom::BatchJob", "product-context-0000abcd", {}),
        ("Custom::NotebookRoute", "product-context-0000abcd", {}),
        # No domain, nothing to empty.
        ("Custom::StudioTeam", "product-context-0000abcd", {"DomainId": ""}),
        # A type the table does not know never created anything (test_faults.py).
        ("Custom::Unknown", "product-context-0000abcd", {}),
    ],
)
def test_delete_of_something_never_created_calls_nothing(
    resource_type: str,
    physical_id: str,
    properties: dict[str, str],
    make_event: MakeEvent,
    captured: Any,
    no_aws: Callable[[str], Any],
    lambda_context: Any,
) -> None:
    event = make_event(
        f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/SC-x/uuid",
        "Delete",
        ResourceType=resource_type,
        PhysicalResourceId=physical_id,
        ResourceProperties=properties,
    )
    dispatch.handler(event, lambda_context, send=captured, client=no_aws)
    assert captured.only["Status"] == "SUCCESS"
    assert captured.only["PhysicalResourceId"] == physical_id


@pytest.mark.parametrize(
    ("resource_type", "physical_id", "status"),
    [
        # A leftover must not keep the owner's product alive.
        ("Custom::BatchJob", f"arn:aws:batch:{REGION}:{ACCOUNT}:job-definition/x:1", "SUCCESS"),
        ("Custom::NotebookRoute", f"arn:aws:elasticloadbalancing:{REGION}:x:rule/1", "SUCCESS"),
        # A domain that cannot be emptied cannot be deleted: CloudFormation must stop there.
        ("Custom::StudioTeam", "d-abcdefghijkl/team", "FAILED"),
    ],
)
def test_a_failed_deletion_blocks_only_where_the_table_says(
    resource_type: str,
    physical_id: str,
    status: str,
    make_event: MakeEvent,
    captured: Any,
    lambda_context: Any,
) -> None:
    def broken_clients(service: str) -> Any:
        raise RuntimeError("no endpoint")

    event = make_event(
        f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/SC-x/uuid",
        "Delete",
        ResourceType=resource_type,
        PhysicalResourceId=physical_id,
        ResourceProperties={"DomainId": "d-abcdefghijkl"},
    )
    dispatch.handler(event, lambda_context, send=captured, client=broken_clients)
    assert captured.only["Status"] == status
    assert captured.only["PhysicalResourceId"] == physical_id
