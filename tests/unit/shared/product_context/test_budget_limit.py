"""``Custom::BudgetLimit``: a team budget within the stage's limit (an SSM parameter the Shared
stack writes from config), and an owner address to alert, through the Lambda entry point
against moto's SSM."""

from collections.abc import Callable
from typing import Any

import boto3
import pytest

from catalog_constructs import contract

ACCOUNT = "123456789012"
STACK = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/SC-{ACCOUNT}-pp-abc/uuid"
Run = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture
def budget_event(make_event: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def make(amount: str, email: str = "jdoe@example.org", **extra: Any) -> dict[str, Any]:
        event = make_event(
            STACK, ResourceType="Custom::BudgetLimit", LogicalResourceId="BudgetLimit", **extra
        )
        event["ResourceProperties"] |= {
            "Amount": amount,
            "LimitParameter": contract.STUDIO_TEAM_BUDGET_LIMIT_PARAMETER,
            "OwnerEmail": email,
        }
        return event

    return make


@pytest.fixture
def limit(aws: None) -> None:
    boto3.client("ssm").put_parameter(
        Name=contract.STUDIO_TEAM_BUDGET_LIMIT_PARAMETER, Value="200", Type="String"
    )


def test_a_budget_within_the_limit_passes_with_the_owner_to_alert(
    limit: None, run: Run, budget_event: Callable[..., dict[str, Any]]
) -> None:
    response = run(budget_event("200"))

    assert response["Status"] == "SUCCESS", response
    assert response["Data"] == {"Amount": "200", "Recipient": "jdoe@example.org"}


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_a_budget_above_the_limit_is_refused(
    limit: None, run: Run, budget_event: Callable[..., dict[str, Any]], request_type: str
) -> None:
    extra = {"PhysicalResourceId": "pc-abc"} if request_type == "Update" else {}
    response = run(budget_event("201", request_type=request_type, **extra))

    assert response["Status"] == "FAILED"
    assert response["Reason"] == (
        "a budget of 201 USD is more than this catalog allows (200 USD per month); choose 200 "
        "or less, or ask the catalog operators"
    )


def test_an_owner_without_an_address_is_told_why(
    limit: None, run: Run, budget_event: Callable[..., dict[str, Any]]
) -> None:
    response = run(budget_event("50", email=""))

    assert response["Status"] == "FAILED"
    assert "the catalog knows no e-mail address of yours" in response["Reason"]


def test_a_stage_without_the_limit_parameter_fails_the_launch_clearly(
    aws: None, run: Run, budget_event: Callable[..., dict[str, Any]]
) -> None:
    response = run(budget_event("50"))

    assert response["Status"] == "FAILED"
    assert contract.STUDIO_TEAM_BUDGET_LIMIT_PARAMETER in response["Reason"]
    assert "deploy the catalog's shared stack first" in response["Reason"]


def test_deleting_the_check_touches_nothing(
    run: Run, budget_event: Callable[..., dict[str, Any]]
) -> None:
    response = run(budget_event("50", request_type="Delete", PhysicalResourceId="pc-abc"))

    assert response["Status"] == "SUCCESS"
