"""Launch blocks (``Custom::BudgetBlockRelease`` and its schedule) with Budgets through
botocore's Stubber, and instance stops through moto's EC2."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from catalog_constructs.cost.handler.cost_handlers import enforcement

REGION = "us-east-1"
ACCOUNT = "123456789012"
Stubbed = Callable[[str], tuple[Any, Stubber]]


BUDGET = "research-catalog-dev-genomics"
SETTINGS_ENV = {
    "ACCOUNT_ID": ACCOUNT,
    "BLOCK_BUDGETS": json.dumps([BUDGET]),
    "STOP_TOPICS": json.dumps({f"arn:aws:sns:{REGION}:{ACCOUNT}:stop-genomics": "genomics"}),
}


def budget_response(limit: str, spent: str) -> dict[str, Any]:
    return {
        "Budget": {
            "BudgetName": BUDGET,
            "BudgetLimit": {"Amount": limit, "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
            "CalculatedSpend": {"ActualSpend": {"Amount": spent, "Unit": "USD"}},
        }
    }


def actions_response(status: str, threshold: float = 90.0) -> dict[str, Any]:
    return {
        "Actions": [
            {
                "ActionId": "11111111-2222-3333-4444-555555555555",
                "BudgetName": BUDGET,
                "NotificationType": "ACTUAL",
                "ActionType": "APPLY_IAM_POLICY",
                "ActionThreshold": {
                    "ActionThresholdValue": threshold,
                    "ActionThresholdType": "PERCENTAGE",
                },
                "Definition": {
                    "IamActionDefinition": {
                        "PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/block",
                        "Roles": ["GenomicsUsers"],
                    }
                },
                "ExecutionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/exec",
                "ApprovalModel": "AUTOMATIC",
                "Status": status,
                "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "m@example.org"}],
            }
        ]
    }


def queue_budget(stub: Stubber, limit: str, spent: str, status: str) -> None:
    names = {"AccountId": ACCOUNT, "BudgetName": BUDGET}
    stub.add_response("describe_budget", budget_response(limit, spent), names)
    stub.add_response("describe_budget_actions_for_budget", actions_response(status), names)


@pytest.mark.parametrize(
    ("limit", "spent", "status", "released"),
    [
        ("200", "30", "EXECUTION_SUCCESS", True),  # a new period started
        ("400", "190", "EXECUTION_SUCCESS", True),  # the operator raised the budget
        ("200", "190", "EXECUTION_SUCCESS", False),  # still spent (90 % of 200 = 180)
        ("200", "10", "STANDBY", False),  # nothing applied
        ("200", "10", "REVERSE_SUCCESS", False),  # already lifted
    ],
)
def test_blocks_are_lifted_only_when_spending_is_below_the_threshold(
    limit: str, spent: str, status: str, released: bool, stubbed: Stubbed
) -> None:
    budgets, stub = stubbed("budgets")
    queue_budget(stub, limit, spent, status)
    if released:
        stub.add_response(
            "execute_budget_action",
            {
                "AccountId": ACCOUNT,
                "BudgetName": BUDGET,
                "ActionId": "11111111-2222-3333-4444-555555555555",
                "ExecutionType": "REVERSE_BUDGET_ACTION",
            },
            {
                "AccountId": ACCOUNT,
                "BudgetName": BUDGET,
                "ActionId": "11111111-2222-3333-4444-555555555555",
                "ExecutionType": "REVERSE_BUDGET_ACTION",
            },
        )
    with stub:
        result = enforcement.handler(
            {"source": "aws.events"}, None, client=lambda _: budgets, environ=SETTINGS_ENV
        )
    stub.assert_no_pending_responses()
    assert bool(result["released"]) is released


def test_release_on_deploy_never_fails_the_deploy(
    stubbed: Stubbed, event: dict[str, Any], captured: Any
) -> None:
    budgets, stub = stubbed("budgets")
    stub.add_client_error("describe_budget", "AccessDeniedException", "no")
    with stub:
        enforcement.handler(
            {**event, "ResourceProperties": {"Budgets": {BUDGET: "200"}}},
            None,
            send=captured,
            client=lambda _: budgets,
            environ=SETTINGS_ENV,
        )
    assert captured.only["Status"] == "SUCCESS"
    assert "retried on schedule" in captured.only["Reason"]


def test_budget_message_on_the_stop_topic_stops_the_communitys_instances(
    aws: None, launch: Callable[..., str]
) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    mine = [launch(ec2, community="genomics", owner=o) for o in ("jdoe", "asmith")]
    other = launch(ec2, community="other", owner="x")
    manual = launch(ec2, community="genomics", owner="y", product=False)
    event = {
        "Records": [
            {
                "EventSource": "aws:sns",
                "Sns": {
                    "TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:stop-genomics",
                    "Message": "AWS Budget Notification ...",
                },
            },
            {"Sns": {"TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:unknown", "Message": "x"}},
        ]
    }

    result = enforcement.handler(event, None, client=lambda _: ec2, environ=SETTINGS_ENV)

    assert sorted(result["stopped"]["genomics"]) == sorted(mine)
    states = {
        i["InstanceId"]: i["State"]["Name"]
        for r in ec2.describe_instances()["Reservations"]
        for i in r["Instances"]
    }
    assert {states[i] for i in mine} <= {"stopping", "stopped"}
    assert states[other] == "running" and states[manual] == "running"


def test_block_actions_are_read_across_pages(stubbed: Stubbed) -> None:
    budgets, stub = stubbed("budgets")
    names = {"AccountId": ACCOUNT, "BudgetName": BUDGET}
    stub.add_response("describe_budget", budget_response("200", "5"), names)
    stub.add_response(
        "describe_budget_actions_for_budget",
        {**actions_response("STANDBY"), "NextToken": "page-2"},
        names,
    )
    stub.add_response(
        "describe_budget_actions_for_budget",
        actions_response("EXECUTION_SUCCESS"),
        {**names, "NextToken": "page-2"},
    )
    stub.add_response(
        "execute_budget_action",
        {
            "AccountId": ACCOUNT,
            "BudgetName": BUDGET,
            "ActionId": "11111111-2222-3333-4444-555555555555",
            "ExecutionType": "REVERSE_BUDGET_ACTION",
        },
    )
    with stub:
        released = enforcement.release_blocks(
            enforcement.Settings.from_environ(SETTINGS_ENV), budgets
        )
    stub.assert_no_pending_responses()
    assert released == [f"{BUDGET}/11111111-2222-3333-4444-555555555555"]


COMMUNITIES_PATH = "/research-catalog/communities"
DOCUMENTS_ENV = {"ACCOUNT_ID": ACCOUNT, "COMMUNITIES_PARAMETER_PATH": COMMUNITIES_PATH}


def _documents(ssm: Any) -> None:
    """What two community stacks publish: genomics blocks launches and stops instances,
    imaging only alerts."""
    documents = {
        "genomics": {
            "roles": ["GenomicsUsers"],
            "budget_name": BUDGET,
            "block": True,
            "stop_topic_arn": f"arn:aws:sns:{REGION}:{ACCOUNT}:stop-genomics",
            "report_topic_arn": f"arn:aws:sns:{REGION}:{ACCOUNT}:report-genomics",
        },
        "imaging": {
            "roles": ["ImagingUsers"],
            "budget_name": "research-catalog-dev-imaging",
            "block": False,
            "stop_topic_arn": "",
            "report_topic_arn": f"arn:aws:sns:{REGION}:{ACCOUNT}:report-imaging",
        },
    }
    for name, document in documents.items():
        ssm.put_parameter(
            Name=f"{COMMUNITIES_PATH}/{name}", Value=json.dumps(document), Type="String"
        )


def test_the_schedule_and_stops_follow_the_community_documents(aws: None) -> None:
    """What the deployed function reads: the block budgets and stop topics of every community
    stack of the stage (SSM), not a list in its environment."""
    ssm = boto3.client("ssm", region_name=REGION)
    _documents(ssm)
    settings = enforcement.Settings.from_environ(DOCUMENTS_ENV, ssm)
    assert settings.budgets == (BUDGET,)
    assert settings.stop_topics == {f"arn:aws:sns:{REGION}:{ACCOUNT}:stop-genomics": "genomics"}


class _Unreadable:
    """An SSM client that fails every call, as with throttling or a missing permission."""

    def get_paginator(self, name: str) -> Any:
        raise RuntimeError("SSM is not answering")


@pytest.mark.parametrize("request_type", ["Create", "Update", "Delete"])
def test_a_community_stacks_release_answers_without_reading_the_documents(
    request_type: str, stubbed: Stubbed, event: dict[str, Any], captured: Any
) -> None:
    """Each community stack's Custom::BudgetBlockRelease checks the budget it names; the
    community documents are not needed, so a failure to read them never leaves CloudFormation
    without an answer (it would wait an hour)."""
    budgets, stub = stubbed("budgets")
    if request_type != "Delete":
        queue_budget(stub, "200", "190", "EXECUTION_SUCCESS")  # still spent: stays

    def client(name: str) -> Any:
        return budgets if name == "budgets" else _Unreadable()

    with stub:
        enforcement.handler(
            {
                **event,
                "RequestType": request_type,
                "ResourceProperties": {"Budgets": {BUDGET: "200"}},
            },
            None,
            send=captured,
            client=client,
            environ=DOCUMENTS_ENV,
        )
    stub.assert_no_pending_responses()
    assert captured.only["Status"] == "SUCCESS"
    if request_type != "Delete":
        assert captured.only["Reason"] == "released: none"
