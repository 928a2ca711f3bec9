"""The cost functions under faults (issue 17): a bad setting, instances AWS will not stop, a
community whose report breaks. Each test names the issue's item it reproduces."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from catalog_constructs.cost.handler.cost_handlers import enforcement

REGION = "us-east-1"
ACCOUNT = "123456789012"


@pytest.mark.parametrize("request_type", ["Create", "Update", "Delete"])
def test_a_bad_setting_is_answered(
    request_type: str, event: dict[str, Any], captured: Any, no_aws: Callable[[str], Any]
) -> None:
    """Item 10: the settings were read before the try, so a bad one (here BLOCK_BUDGETS that
    is not JSON) raised out of the handler and CloudFormation never got an answer. A deploy
    does not fail on the launch block (the schedule retries, and fails visibly there)."""
    environ = {"ACCOUNT_ID": ACCOUNT, "BLOCK_BUDGETS": "research-catalog-dev-genomics"}

    enforcement.handler(
        {**event, "RequestType": request_type, "ResourceProperties": {}},
        None,
        send=captured,
        client=no_aws,
        environ=environ,
    )

    assert captured.only["Status"] == "SUCCESS"
    if request_type != "Delete":
        assert "could not check the launch blocks" in captured.only["Reason"]
        assert "JSONDecodeError" in captured.only["Reason"]


def test_a_bad_setting_fails_the_scheduled_run(no_aws: Callable[[str], Any]) -> None:
    """Item 10, the other path: without a CloudFormation request, the error is raised (the
    function's Errors metric shows it)."""
    with pytest.raises(json.JSONDecodeError):
        enforcement.handler(
            {"source": "aws.events"},
            None,
            client=no_aws,
            environ={"ACCOUNT_ID": ACCOUNT, "BLOCK_BUDGETS": "not json"},
        )
