"""Extending an applied launch block (cost_handlers.block_reach): the pattern block policy and
role tags in moto's IAM, job queues and Budgets' action status through botocore's Stubber."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from catalog_constructs.cost.handler.cost_handlers import block_reach, enforcement
from tests.iam_eval import EXPLICIT_DENY, Request, evaluate

REGION = "us-east-1"
ACCOUNT = "123456789012"
BUDGET = "research-catalog-dev-genomics"
QUEUES = ["research-catalog-genomics-fargate", "research-catalog-genomics-fargate-spot"]
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:block-genomics"
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
# What the Cost stack deploys (catalog_constructs.cost.launch_block): inert until blocked.
INERT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "BudgetSpentNoNewLaunches",
            "Effect": "Deny",
            "Action": [
                "servicecatalog:ProvisionProduct",
                "servicecatalog:UpdateProvisionedProduct",
            ],
            "Resource": "*",
            "Condition": {"DateGreaterThan": {"aws:CurrentTime": block_reach.NEVER}},
        }
    ],
}
Stubbed = Callable[[str], tuple[Any, Stubber]]


def _environ(policy_arn: str | None, queues: list[str]) -> dict[str, str]:
    return {
        "ACCOUNT_ID": ACCOUNT,
        "BLOCK_BUDGETS": json.dumps([BUDGET]),
        "BLOCK_TOPICS": json.dumps({TOPIC: "genomics"}),
        "BLOCK_REACH": json.dumps(
            {"genomics": {"Budget": BUDGET, "PatternPolicyArn": policy_arn, "Queues": queues}}
        ),
    }


def _status(stub: Stubber, status: str) -> None:
    stub.add_response(
        "describe_budget_actions_for_budget",
        {
            "Actions": [
                {
                    "ActionId": "11111111-2222-3333-4444-555555555555",
                    "BudgetName": BUDGET,
                    "NotificationType": "ACTUAL",
                    "ActionType": "APPLY_IAM_POLICY",
                    "ActionThreshold": {
                        "ActionThresholdValue": 90.0,
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
        },
        {"AccountId": ACCOUNT, "BudgetName": BUDGET},
    )


def _default_document(iam: Any, arn: str) -> dict[str, Any]:
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]
    return dict(document["Document"])


def _clients(**clients: Any) -> Callable[[str], Any]:
    return lambda service: clients[service]


@pytest.mark.usefixtures("aws")
def test_a_pattern_communitys_block_policy_denies_from_the_block_until_it_lifts(
    stubbed: Stubbed,
) -> None:
    iam = boto3.client("iam", region_name=REGION)
    arn = iam.create_policy(
        PolicyName="research-catalog-launch-block-genomics", PolicyDocument=json.dumps(INERT)
    )["Policy"]["Arn"]
    budgets, stub = stubbed("budgets")
    settings = block_reach.Settings.from_environ(_environ(arn, []))
    launch = Request(
        "servicecatalog:ProvisionProduct", "*", {"aws:CurrentTime": "2027-03-01T13:00:00Z"}
    )
    everything = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    for status in ("EXECUTION_SUCCESS", "EXECUTION_SUCCESS"):
        _status(stub, status)
    _status(stub, "REVERSE_SUCCESS")

    with stub:
        assert block_reach.sync(settings, _clients(budgets=budgets, iam=iam), now=lambda: NOW)
        blocked = _default_document(iam, arn)
        # A second run keeps the block's first time and writes no version.
        block_reach.sync(
            settings, _clients(budgets=budgets, iam=iam), now=lambda: NOW.replace(hour=15)
        )
        assert _default_document(iam, arn) == blocked
        block_reach.sync(settings, _clients(budgets=budgets, iam=iam), now=lambda: NOW)
        lifted = _default_document(iam, arn)

    assert evaluate(launch, [everything, blocked]) == EXPLICIT_DENY
    assert blocked["Statement"][0]["Condition"]["DateGreaterThan"]["aws:CurrentTime"] == (
        "2027-03-01T12:00:00Z"
    )
    assert evaluate(launch, [everything, lifted]) == "Allow"
    assert lifted == INERT
    # Room for CloudFormation's next update: at most the default and one older version.
    assert len(iam.list_policy_versions(PolicyArn=arn)["Versions"]) <= 2


def test_a_blocked_communitys_queues_accept_no_jobs_until_it_lifts(stubbed: Stubbed) -> None:
    budgets, budget_stub = stubbed("budgets")
    batch, batch_stub = stubbed("batch")
    iam, iam_stub = stubbed("iam")
    settings = block_reach.Settings.from_environ(_environ(None, QUEUES))
    for status, state, wanted in (
        ("EXECUTION_SUCCESS", "ENABLED", "DISABLED"),
        ("REVERSE_SUCCESS", "DISABLED", "ENABLED"),
    ):
        _status(budget_stub, status)
        batch_stub.add_response(
            "describe_job_queues",
            {
                "jobQueues": [
                    {
                        "jobQueueName": name,
                        "jobQueueArn": f"arn:aws:batch:{REGION}:{ACCOUNT}:job-queue/{name}",
                        "state": state,
                        "priority": 1,
                        "computeEnvironmentOrder": [],
                    }
                    for name in QUEUES
                ]
            },
            {"jobQueues": QUEUES},
        )
        for name in QUEUES:
            batch_stub.add_response("update_job_queue", {}, {"jobQueue": name, "state": wanted})
        iam_stub.add_response(
            "list_roles", {"Roles": []}, {"PathPrefix": block_reach.PRODUCT_ROLE_PATH}
        )

    with budget_stub, batch_stub, iam_stub:
        clients = _clients(budgets=budgets, batch=batch, iam=iam)
        assert block_reach.sync(settings, clients) == {"genomics": True}
        assert block_reach.sync(settings, clients) == {"genomics": False}
    batch_stub.assert_no_pending_responses()


@pytest.mark.usefixtures("aws")
def test_studio_roles_of_a_blocked_community_carry_the_blocked_tag(stubbed: Stubbed) -> None:
    iam = boto3.client("iam", region_name=REGION)

    def role(name: str, service: str, community: str) -> str:
        iam.create_role(
            RoleName=name,
            Path=block_reach.PRODUCT_ROLE_PATH,
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": service},
                            "Action": "sts:AssumeRole",
                        }
                    ]
                }
            ),
            Tags=[{"Key": "Community", "Value": community}],
        )
        return name

    studio = role("studio-genomics", "sagemaker.amazonaws.com", "genomics")
    workstation = role("workstation-genomics", "ec2.amazonaws.com", "genomics")
    other = role("studio-imaging", "sagemaker.amazonaws.com", "imaging")

    def tags(name: str) -> dict[str, str]:
        return {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]}

    budgets, stub = stubbed("budgets")
    settings = block_reach.Settings.from_environ(_environ(None, []))
    _status(stub, "EXECUTION_SUCCESS")
    _status(stub, "STANDBY")
    with stub:
        block_reach.sync(settings, _clients(budgets=budgets, iam=iam))
        assert tags(studio)[block_reach.BLOCKED_TAG] == "true"
        assert block_reach.BLOCKED_TAG not in tags(workstation)
        assert block_reach.BLOCKED_TAG not in tags(other)
        block_reach.sync(settings, _clients(budgets=budgets, iam=iam))
        assert block_reach.BLOCKED_TAG not in tags(studio)


def test_the_block_threshold_message_extends_the_block_at_once(stubbed: Stubbed) -> None:
    """A community without stop_instances has its own topic: the message reaches the
    function, which extends the block without waiting for the schedule."""
    budgets, stub = stubbed("budgets")
    iam, iam_stub = stubbed("iam")
    _status(stub, "EXECUTION_IN_PROGRESS")
    iam_stub.add_response(
        "list_roles", {"Roles": []}, {"PathPrefix": block_reach.PRODUCT_ROLE_PATH}
    )
    event = {"Records": [{"EventSource": "aws:sns", "Sns": {"TopicArn": TOPIC, "Message": "x"}}]}
    with stub, iam_stub:
        result = enforcement.handler(
            event, None, client=_clients(budgets=budgets, iam=iam), environ=_environ(None, [])
        )
    assert result == {"stopped": {}, "blocked": {"genomics": True}}
