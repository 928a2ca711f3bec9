"""Cost-allocation tag activation (``Custom::CostAllocationTags`` and its daily retry), with
Cost Explorer through botocore's Stubber."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.stub import Stubber

from catalog_constructs.cost.handler.cost_handlers import tags

Stubbed = Callable[[str], tuple[Any, Stubber]]


def test_tags_activated_and_not_yet_seen_ones_recorded_without_failing(
    stubbed: Stubbed, event: dict[str, Any], captured: Any
) -> None:
    ce, stub = stubbed("ce")
    stub.add_response(
        "update_cost_allocation_tags_status",
        {"Errors": [{"TagKey": "Owner", "Code": "TagKeysNotFound", "Message": "not found"}]},
        {
            "CostAllocationTagsStatus": [
                {"TagKey": "Community", "Status": "Active"},
                {"TagKey": "Owner", "Status": "Active"},
            ]
        },
    )
    with stub:
        result = tags.handler(event, None, send=captured, client=lambda _: ce, environ={})

    assert result["active"] == ["Community"]
    assert set(result["pending"]) == {"Owner"}
    body = captured.only
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == "cost-allocation-tags"
    assert body["Data"] == {"Active": "Community", "Pending": "Owner"}
    assert "Owner: TagKeysNotFound" in body["Reason"] and "retried daily" in body["Reason"]


def test_member_account_refusal_is_recorded_not_fatal(
    stubbed: Stubbed, event: dict[str, Any], captured: Any
) -> None:
    ce, stub = stubbed("ce")
    stub.add_client_error(
        "update_cost_allocation_tags_status", "AccessDeniedException", "Linked account"
    )
    with stub:
        tags.handler(event, None, send=captured, client=lambda _: ce, environ={})
    assert captured.only["Status"] == "SUCCESS"
    assert captured.only["Data"]["Pending"] == "Community,Owner"


def test_unexpected_errors_fail_the_custom_resource(
    stubbed: Stubbed, event: dict[str, Any], captured: Any
) -> None:
    ce, stub = stubbed("ce")
    stub.add_client_error("update_cost_allocation_tags_status", "InternalServerError", "boom")
    with stub:
        tags.handler(event, None, send=captured, client=lambda _: ce, environ={})
    assert captured.only["Status"] == "FAILED"
    assert "boom" in captured.only["Reason"]


def test_tags_are_activated_in_batches_of_20_on_schedule(stubbed: Stubbed) -> None:
    keys = [f"Key{i}" for i in range(25)]
    ce, stub = stubbed("ce")
    for batch in (keys[:20], keys[20:]):
        stub.add_response(
            "update_cost_allocation_tags_status",
            {"Errors": []},
            {"CostAllocationTagsStatus": [{"TagKey": k, "Status": "Active"} for k in batch]},
        )
    with stub:
        result = tags.handler(
            {"source": "aws.events"},
            None,
            client=lambda _: ce,
            environ={"TAG_KEYS": json.dumps(keys)},
        )
    assert result == {"active": keys, "pending": {}}


def test_delete_leaves_tags_active(event: dict[str, Any], captured: Any) -> None:
    tags.handler(
        {**event, "RequestType": "Delete", "PhysicalResourceId": "cost-allocation-tags"},
        None,
        send=captured,
        client=lambda _: pytest.fail("no AWS call on delete"),
        environ={},
    )
    assert captured.only["Status"] == "SUCCESS"
