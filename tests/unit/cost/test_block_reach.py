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


# --- the pooled job queues and the community documents (community stacks) ------------------

# What the Cost stack deploys on the scheduler role (catalog_constructs.cost.launch_block.
# JobsBlockPolicy): inert until a community is blocked.
JOBS_INERT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "BlockedCommunitiesNoScheduledJobs",
            "Effect": "Deny",
            "Action": "batch:SubmitJob",
            "Resource": f"arn:aws:batch:{REGION}:{ACCOUNT}:job-queue/research-catalog-*",
            "Condition": {"StringLike": {"batch:ShareIdentifier": [block_reach.NO_BLOCKED_SHARE]}},
        }
    ],
}
POOL = f"arn:aws:batch:{REGION}:{ACCOUNT}:job-queue/research-catalog-jobs-fargate"


def _jobs_policies(iam: Any) -> list[str]:
    return [
        iam.create_policy(PolicyName=f"jobs-block-{index}", PolicyDocument=json.dumps(JOBS_INERT))[
            "Policy"
        ]["Arn"]
        for index in range(2)
    ]


def _document(name: str, *, jobs: bool = True, block: bool = True) -> dict[str, Any]:
    """What a community stack publishes (stacks/community_stack.py)."""
    budget = f"research-catalog-dev-{name}"
    return {
        "roles": [f"{name.capitalize()}Users"],
        "budget_name": budget,
        "block": block,
        "stop_topic_arn": "",
        "block_topic_arn": f"arn:aws:sns:{REGION}:{ACCOUNT}:block-{name}",
        "reach": {"Budget": budget, "PatternPolicyArn": None, "Queues": [], "Jobs": jobs}
        if block
        else None,
        "report_topic_arn": f"arn:aws:sns:{REGION}:{ACCOUNT}:report-{name}",
    }


@pytest.mark.usefixtures("aws")
def test_a_blocked_communitys_schedules_are_denied_in_the_pooled_queues_until_it_lifts(
    stubbed: Stubbed,
) -> None:
    """The pooled queues serve every community, so a block cannot disable them: the jobs block
    policies on the scheduler role deny the blocked community's share identifiers, and only
    those, until the block lifts; another community's block already written stays."""
    iam = boto3.client("iam", region_name=REGION)
    arns = _jobs_policies(iam)
    environ = {
        "ACCOUNT_ID": ACCOUNT,
        "JOBS_BLOCK_POLICIES": json.dumps(arns),
        "BLOCK_REACH": json.dumps(
            {"genomics": {"Budget": BUDGET, "PatternPolicyArn": None, "Queues": [], "Jobs": True}}
        ),
    }
    settings = block_reach.Settings.from_environ(environ)
    everything = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}

    def submit(share: str) -> str:
        request = Request("batch:SubmitJob", POOL, {"batch:ShareIdentifier": share})
        return evaluate(request, [everything, *(_default_document(iam, a) for a in arns)])

    # Another community, blocked earlier, is already in the first policy.
    block_reach.set_jobs_block(iam, tuple(arns), {"imaging": True})
    budgets, stub = stubbed("budgets")
    _status(stub, "EXECUTION_SUCCESS")
    _status(stub, "REVERSE_SUCCESS")
    with stub:
        assert block_reach.sync(settings, _clients(budgets=budgets, iam=iam)) == {"genomics": True}
        assert submit("genomicsO0") == EXPLICIT_DENY
        assert submit("genomicsO1") == EXPLICIT_DENY
        assert submit("imagingO1") == EXPLICIT_DENY
        assert submit("genomicsZxO0") == "Allow"  # community genomics-x
        assert block_reach.sync(settings, _clients(budgets=budgets, iam=iam)) == {"genomics": False}
    assert submit("genomicsO0") == "Allow"
    assert submit("imagingO0") == EXPLICIT_DENY
    for arn in arns:
        assert len(iam.list_policy_versions(PolicyArn=arn)["Versions"]) <= 2


@pytest.mark.usefixtures("aws")
def test_blocked_communities_fill_the_jobs_block_policies_in_order() -> None:
    iam = boto3.client("iam", region_name=REGION)
    arns = tuple(_jobs_policies(iam))
    many = {
        f"c{index:03d}": True for index in range(block_reach.JOBS_BLOCK_PATTERNS_PER_POLICY + 1)
    }
    block_reach.set_jobs_block(iam, arns, many)
    first, second = (block_reach._share_patterns(_default_document(iam, a)) for a in arns)
    assert len(first) == block_reach.JOBS_BLOCK_PATTERNS_PER_POLICY
    assert second == [block_reach.share_pattern("c150")]
    block_reach.set_jobs_block(iam, arns, {"c150": False})
    second_document = _default_document(iam, arns[1])
    assert block_reach._share_patterns(second_document) == []
    assert second_document == JOBS_INERT


def test_reach_comes_from_the_community_documents() -> None:
    """What the deployed function reads: each blocking community's reach and block topic from
    its stack's document; a community without a block is not reached."""
    documents = {"genomics": _document("genomics"), "imaging": _document("imaging", block=False)}
    environ = {"ACCOUNT_ID": ACCOUNT, "JOBS_BLOCK_POLICIES": json.dumps(["arn:jobs"])}
    settings = block_reach.Settings.from_environ(environ, documents)
    assert settings.communities == {
        "genomics": block_reach.Reach(budget=BUDGET, pattern_policy_arn=None, queues=(), jobs=True)
    }
    assert settings.topics == {
        f"arn:aws:sns:{REGION}:{ACCOUNT}:block-genomics": "genomics",
        f"arn:aws:sns:{REGION}:{ACCOUNT}:block-imaging": "imaging",
    }
    assert settings.jobs_block_policies == ("arn:jobs",)


def test_a_community_stacks_release_sets_its_own_levers_without_the_documents(
    stubbed: Stubbed, event: dict[str, Any], captured: Any
) -> None:
    """Each community stack's Custom::BudgetBlockRelease names its budget and reach: a deploy
    that made its pattern policy inert has the block extended again at once, and no
    community document is read."""
    budgets, stub = stubbed("budgets")
    iam, iam_stub = stubbed("iam")
    names = {"AccountId": ACCOUNT, "BudgetName": BUDGET}
    stub.add_response(
        "describe_budget",
        {
            "Budget": {
                "BudgetName": BUDGET,
                "BudgetLimit": {"Amount": "200", "Unit": "USD"},
                "TimeUnit": "MONTHLY",
                "BudgetType": "COST",
                "CalculatedSpend": {"ActualSpend": {"Amount": "190", "Unit": "USD"}},
            }
        },
        names,
    )
    _status(stub, "EXECUTION_SUCCESS")  # release check: still spent
    _status(stub, "EXECUTION_SUCCESS")  # reach: blocked
    iam_stub.add_response(
        "list_roles", {"Roles": []}, {"PathPrefix": block_reach.PRODUCT_ROLE_PATH}
    )

    def client(name: str) -> Any:
        if name == "ssm":
            raise AssertionError("a community stack's release reads no document")
        return {"budgets": budgets, "iam": iam}[name]

    reach = {"Budget": BUDGET, "PatternPolicyArn": None, "Queues": [], "Jobs": False}
    with stub, iam_stub:
        enforcement.handler(
            {
                **event,
                "ResourceProperties": {"Budgets": {BUDGET: "200"}, "Reach": {"genomics": reach}},
            },
            None,
            send=captured,
            client=client,
            environ={"ACCOUNT_ID": ACCOUNT, "COMMUNITIES_PARAMETER_PATH": "/x"},
        )
    stub.assert_no_pending_responses()
    iam_stub.assert_no_pending_responses()
    assert captured.only["Status"] == "SUCCESS"
    assert captured.only["Reason"] == "released: none"
