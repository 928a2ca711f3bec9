"""A spent budget blocks every principal of the community and every way to start spending
(security.md: "A spent budget"): role patterns, jobs from anyone, Studio apps, Start."""

from __future__ import annotations

import json
from typing import Any

from catalog_constructs import contract
from catalog_constructs.cost.handler.cost_handlers import block_reach
from catalog_constructs.cost.launch_block import (
    JOBS_BLOCK_PATTERNS_PER_POLICY,
    JOBS_BLOCK_POLICIES,
    NEVER,
    NO_BLOCKED_SHARE,
)
from config.rules.communities import MAX_COMMUNITIES
from stacks.stage import community_stack_id
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
    """Each blocking community's stack names what its block reaches (its deploy sets the
    levers at once) and publishes the same in its document (the schedule and the block
    threshold's message read it); its block threshold reaches the function through its topic."""
    config = stage.config
    communities = stage.communities()
    blocking = {n: c for n, c in config.communities.items() if c.budget.block_launches_at}
    assert blocking
    for name, community in config.communities.items():
        template = communities[community_stack_id(name)]
        releases = list(resources(template, "Custom::BudgetBlockRelease").values())
        if name not in blocking:
            assert not releases
            continue
        (release,) = releases
        (reach,) = release["Properties"]["Reach"].values()
        assert set(release["Properties"]["Reach"]) == {name}
        assert reach["Budget"] == config.budget_name(name)
        assert reach["Queues"] == (
            [contract.job_queue_name(name, spot=s) for s in (False, True)]
            if name in config.jobs.legacy_queues
            else []
        )
        assert reach["Jobs"] == ("scheduled-job" in community.products)
        assert (reach.get("PatternPolicyArn") is not None) == bool(community.role_patterns)
        (document,) = (
            r["Properties"]["Value"]
            for r in resources(template, "AWS::SSM::Parameter").values()
            if r["Properties"]["Name"] == contract.community_parameter(name)
        )
        published = json.loads(resolve(document)) if not isinstance(document, str) else None
        if published is not None:
            assert published["block"] is True
            assert published["reach"]["Jobs"] == reach["Jobs"]
            assert published["reach"]["Queues"] == reach["Queues"]
        topics = {
            json.dumps(s["Properties"]["TopicArn"])
            for s in resources(template, "AWS::SNS::Subscription").values()
            if s["Properties"]["Protocol"] == "lambda"
        }
        (budget,) = (
            b["Properties"]
            for b in resources(template, "AWS::Budgets::Budget").values()
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
    patterns = {
        n
        for n, c in stage.config.communities.items()
        if c.role_patterns and c.budget.block_launches_at
    }
    policies = {
        p["Properties"]["ManagedPolicyName"]: p["Properties"]
        for template in stage.communities().values()
        for p in resources(template, "AWS::IAM::ManagedPolicy").values()
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


def test_a_blocked_communitys_schedules_start_no_jobs_in_the_pooled_queues(
    stage: SynthesizedStage,
) -> None:
    """The scheduler role (Shared stack) submits every community's schedules; the jobs block
    policies on it deny nothing as deployed and, as the function writes them, the blocked
    communities' shares only. Together they hold a pattern for every community a stage may
    have."""
    account = stage.config.stage.account
    cost = stage.stacks["Cost"]
    policies = [
        p["Properties"]
        for p in resources(cost, "AWS::IAM::ManagedPolicy").values()
        if "schedules of communities whose budget is spent" in p["Properties"]["Description"]
    ]
    assert len(policies) == JOBS_BLOCK_POLICIES
    environment = _enforcement_environment(cost)
    assert len(_json(environment["JOBS_BLOCK_POLICIES"])) == JOBS_BLOCK_POLICIES
    queue = (
        f"arn:aws:batch:{REGION}:{account}:job-queue/{contract.pooled_job_queue_name(spot=True)}"
    )

    def submit(community: str, document: dict[str, Any]) -> str:
        share = contract.job_share_prefix(community) + "1"
        request = Request("batch:SubmitJob", queue, {"batch:ShareIdentifier": share})
        return evaluate(request, [EVERYTHING, document])

    for properties in policies:
        assert properties["Roles"] == [contract.JOB_SCHEDULER_ROLE_NAME]
        inert = resolve(properties["PolicyDocument"], {"AWS::AccountId": account})
        assert submit("challenge", inert) == ALLOW
        blocked = block_reach._with_share_patterns(inert, [block_reach.share_pattern("challenge")])
        assert submit("challenge", blocked) == EXPLICIT_DENY
        assert submit("challenge-2", blocked) == ALLOW
        assert submit("biomedical", blocked) == ALLOW
    assert (block_reach.NO_BLOCKED_SHARE, block_reach.JOBS_BLOCK_PATTERNS_PER_POLICY) == (
        NO_BLOCKED_SHARE,
        JOBS_BLOCK_PATTERNS_PER_POLICY,
    )
    # The longest community names of a full stage fit: IAM counts a policy's characters
    # without whitespace, at most 6,144.
    longest = [block_reach.share_pattern(f"{index:03d}" + "c" * 28) for index in range(150)]
    assert JOBS_BLOCK_POLICIES * JOBS_BLOCK_PATTERNS_PER_POLICY >= MAX_COMMUNITIES
    full = block_reach._with_share_patterns(
        resolve(policies[0]["PolicyDocument"], {"AWS::AccountId": account}), longest
    )
    assert len(json.dumps(full, separators=(",", ":"))) <= 6144


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
