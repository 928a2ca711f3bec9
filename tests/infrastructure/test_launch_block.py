"""A spent budget blocks every principal of the community and every way to start spending
(security.md: "A spent budget"): role patterns, jobs from anyone, Studio apps, Start."""

from __future__ import annotations

import json
from typing import Any

from catalog_constructs import contract
from catalog_constructs.cost.handler.cost_handlers import block_reach
from catalog_constructs.cost.launch_block import NEVER
from tests.iam_eval import ALLOW, EXPLICIT_DENY, REGION, Request, evaluate, resolve
from tests.infrastructure.templates import resources
from tests.synth import SynthesizedStage

NOW = "2027-03-01T13:00:00Z"
EVERYTHING = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _enforcement_environment(cost: dict[str, Any]) -> dict[str, Any]:
    (function,) = (
        f
        for f in resources(cost, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == "cost_handlers.enforcement.handler"
    )
    return dict(function["Properties"]["Environment"]["Variables"])


def _json(value: Any) -> Any:
    """An environment value CDK wrote with to_json_string (Fn::Join of literals and refs)."""
    return json.loads(resolve(value)) if not isinstance(value, str) else json.loads(value)


def test_every_blocking_community_is_reached_beyond_its_named_roles(
    stage: SynthesizedStage,
) -> None:
    config = stage.config
    cost = stage.stacks["Cost"]
    blocking = {n: c for n, c in config.communities.items() if c.budget.block_launches_at}
    assert blocking
    reach = _json(_enforcement_environment(cost).get("BLOCK_REACH", "{}"))
    assert sorted(reach) == sorted(blocking)
    for name, community in blocking.items():
        jobs = "scheduled-job" in community.products
        assert reach[name]["Queues"] == (
            [contract.job_queue_name(name, spot=s) for s in (False, True)] if jobs else []
        )
        assert (reach[name].get("PatternPolicyArn") is not None) == bool(community.role_patterns)
    # The block threshold of each reaches the function through a topic it is subscribed to.
    topics = {
        json.dumps(s["Properties"]["TopicArn"])
        for s in resources(cost, "AWS::SNS::Subscription").values()
        if s["Properties"]["Protocol"] == "lambda"
    }
    for name, community in blocking.items():
        (budget,) = (
            b["Properties"]
            for b in resources(cost, "AWS::Budgets::Budget").values()
            if b["Properties"]["Budget"]["BudgetName"] == config.budget_name(name)
        )
        (at_block,) = (
            n
            for n in budget["NotificationsWithSubscribers"]
            if n["Notification"]["NotificationType"] == "ACTUAL"
            and n["Notification"]["Threshold"] == community.budget.block_launches_at
        )
        sns = [s for s in at_block["Subscribers"] if s["SubscriptionType"] == "SNS"]
        assert len(sns) == 1 and json.dumps(sns[0]["Address"]) in topics, name


def test_a_pattern_community_has_an_inert_block_policy_permission_sets_can_reference(
    stage: SynthesizedStage,
) -> None:
    cost = stage.stacks["Cost"]
    patterns = {
        n
        for n, c in stage.config.communities.items()
        if c.role_patterns and c.budget.block_launches_at
    }
    policies = {
        p["Properties"]["ManagedPolicyName"]: p["Properties"]
        for p in resources(cost, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"].get("ManagedPolicyName", "").startswith(contract.PREFIX)
    }
    assert set(policies) == {contract.launch_block_policy_name(n) for n in patterns}
    account = stage.config.stage.account
    launch = Request("servicecatalog:ProvisionProduct", "*", {"aws:CurrentTime": NOW})
    start = Request(
        "ec2:StartInstances",
        f"arn:aws:ec2:{REGION}:{account}:instance/i-1",
        {"aws:CurrentTime": NOW, f"aws:ResourceTag/{contract.PRODUCT_TAG}": "notebook"},
    )
    for properties in policies.values():
        assert "Roles" not in properties  # referenced by permission sets, never attached here
        inert = resolve(properties["PolicyDocument"], {"AWS::AccountId": account})
        for request in (launch, start):
            assert evaluate(request, [EVERYTHING, inert]) == ALLOW
        # What the enforcement function writes while the community is blocked.
        blocked = block_reach._with_since(inert, "2027-03-01T12:00:00Z")
        for request in (launch, start):
            assert evaluate(request, [EVERYTHING, blocked]) == EXPLICIT_DENY
    assert block_reach.NEVER == NEVER


def test_the_function_may_tag_product_roles_only_with_the_blocked_tag(
    stage: SynthesizedStage,
) -> None:
    cost = stage.stacks["Cost"]
    account = stage.config.stage.account
    (policy,) = (
        resolve(p["Properties"]["PolicyDocument"], {"AWS::AccountId": account})
        for p in resources(cost, "AWS::IAM::ManagedPolicy").values()
        if "Lifts spent-budget launch blocks" in p["Properties"].get("Description", "")
    )
    role = f"arn:aws:iam::{account}:role/research-catalog/products/SC-x-ExecutionRole-1"
    tag = Request("iam:TagRole", role, {"aws:TagKeys": [contract.BUDGET_BLOCKED_TAG]})
    assert evaluate(tag, [policy]) == ALLOW
    for keys in ([contract.OWNER_USERID_TAG], [contract.BUDGET_BLOCKED_TAG, "Community"]):
        assert evaluate(Request("iam:TagRole", role, {"aws:TagKeys": keys}), [policy]) != ALLOW
    community_role = f"arn:aws:iam::{account}:role/DataChallengeParticipants"
    other = Request("iam:TagRole", community_role, {"aws:TagKeys": [contract.BUDGET_BLOCKED_TAG]})
    assert evaluate(other, [policy]) != ALLOW


def test_a_blocked_teams_execution_role_starts_no_app(stage: SynthesizedStage) -> None:
    account = stage.config.stage.account
    (boundary,) = (
        resolve(p["Properties"]["PolicyDocument"], {"AWS::AccountId": account})
        for p in resources(stage.stacks["Shared"], "AWS::IAM::ManagedPolicy").values()
        if p["Properties"].get("ManagedPolicyName") == contract.PRODUCT_ROLE_BOUNDARY_NAME
    )
    app = f"arn:aws:sagemaker:{REGION}:{account}:app/d-team/alice/jupyterlab/default"

    def create(instance_type: str, blocked: bool) -> str:
        context: dict[str, Any] = {
            "aws:RequestedRegion": REGION,
            "sagemaker:InstanceTypes": [instance_type],
        }
        if blocked:
            context[f"aws:PrincipalTag/{contract.BUDGET_BLOCKED_TAG}"] = "true"
        return evaluate(
            Request("sagemaker:CreateApp", app, context), [EVERYTHING], boundary=boundary
        )

    assert create("ml.t3.medium", blocked=False) == ALLOW
    assert create("ml.t3.medium", blocked=True) == EXPLICIT_DENY
    assert create("system", blocked=True) == ALLOW
