"""Lifting launch blocks whose reason is gone, extending applied blocks to what AWS Budgets
cannot reach (:mod:`catalog_constructs.cost.launch_block`), and stopping instances at the block
threshold."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from aws_cdk import Stack, aws_iam as iam, aws_kms as kms, aws_lambda as lambda_, aws_sns as sns
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.common.iam import product_roles_arn
from catalog_constructs.cost.community_budgets import CommunityBudgets
from catalog_constructs.cost.function import CostFunction
from catalog_constructs.cost.launch_block import BlockReach, launch_block_statements

# Budgets refreshes spending about three times a day; a freed community waits at most this.
BLOCK_RELEASE_SCHEDULE = "rate(3 hours)"


class BudgetEnforcement(Construct):
    """Lifts launch blocks whose reason is gone (on deploy and on a schedule), keeps the levers
    of ``reach`` in step with each community's block action (then, and when a block threshold
    is crossed), and stops the instances of communities with ``stop_instances``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        block_budgets: Mapping[str, CommunityBudgets],
        stop_topics: Mapping[str, sns.ITopic],
        block_topics: Mapping[str, sns.ITopic],
        reach: Mapping[str, BlockReach],
        logs_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        budget_arns = [
            stack.format_arn(
                service="budgets", region="", resource="budget", resource_name=b.budget_name
            )
            for b in block_budgets.values()
        ]
        statements = [
            iam.PolicyStatement(
                sid="ReadAndReverseBlockActions",
                actions=[
                    "budgets:ViewBudget",
                    "budgets:DescribeBudgetActionsForBudget",
                    "budgets:ExecuteBudgetAction",
                ],
                resources=[*budget_arns, *(f"{arn}/action/*" for arn in budget_arns)],
            )
        ]
        if stop_topics:
            statements += [
                iam.PolicyStatement(
                    sid="FindCommunityInstances",
                    actions=["ec2:DescribeInstances"],
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    sid="StopCatalogInstancesOfBlockedCommunities",
                    actions=["ec2:StopInstances"],
                    resources=[
                        stack.format_arn(service="ec2", resource="instance", resource_name="*")
                    ],
                    conditions={
                        "StringEquals": {
                            f"aws:ResourceTag/{contract.COMMUNITY_TAG}": sorted(stop_topics)
                        },
                        "Null": {f"aws:ResourceTag/{contract.PRODUCT_TAG}": "false"},
                    },
                ),
            ]
        statements += _reach_statements(stack, reach)
        self.handler = CostFunction(
            self,
            "Handler",
            handler="cost_handlers.enforcement.handler",
            description="Lifts spent-budget launch blocks that no longer apply; stops instances",
            statements=statements,
            wildcard_reason="Actions of this stage's budgets only (action IDs are generated); "
            "instances are limited to catalog instances of communities with stop_instances; "
            "product roles (generated names under the product path) may get only the "
            "budget-blocked tag; ec2:DescribeInstances, iam:ListRoles and "
            "batch:DescribeJobQueues support no resource scoping.",
            environment={
                "ACCOUNT_ID": stack.account,
                "BLOCK_BUDGETS": stack.to_json_string(
                    sorted(b.budget_name for b in block_budgets.values())
                ),
                "STOP_TOPICS": stack.to_json_string(
                    {topic.topic_arn: name for name, topic in stop_topics.items()}
                ),
                "BLOCK_TOPICS": stack.to_json_string(
                    {topic.topic_arn: name for name, topic in block_topics.items()}
                ),
                "BLOCK_REACH": stack.to_json_string(
                    {name: r.as_json() for name, r in reach.items()}
                ),
            },
            logs_key=logs_key,
            timeout_minutes=5,
        )
        self.handler.schedule(
            "ReleaseCheck",
            BLOCK_RELEASE_SCHEDULE,
            "Lift launch blocks whose budget is no longer spent",
        )
        # On every deploy, so that raising a budget in the config lifts its block right away.
        release = self.handler.custom_resource(
            self,
            "ReleaseOnDeploy",
            resource_type="Custom::BudgetBlockRelease",
            properties={
                "Budgets": {name: str(b.amount_usd) for name, b in block_budgets.items()},
                # A deploy that changes what a block denies or reaches runs the check again,
                # so an applied block is extended again at once (a new version of a pattern
                # block policy from the deploy is inert).
                "Reach": _fingerprint(stack, reach),
            },
        )
        for community_budgets in block_budgets.values():
            if community_budgets.block_action is not None:
                release.node.add_dependency(community_budgets.block_action)
        for name, topic in {**stop_topics, **block_topics}.items():
            sns.CfnSubscription(
                self,
                f"Stop-{name}",
                protocol="lambda",
                endpoint=self.handler.function.attr_arn,
                topic_arn=topic.topic_arn,
            )
            lambda_.CfnPermission(
                self,
                f"Stop-{name}-Permission",
                action="lambda:InvokeFunction",
                function_name=self.handler.function.attr_arn,
                principal="sns.amazonaws.com",
                source_arn=topic.topic_arn,
            )


def _reach_statements(stack: Stack, reach: Mapping[str, BlockReach]) -> list[iam.PolicyStatement]:
    """Tag the product roles (the budget-blocked tag only), turn the communities' job queues
    off and on, and rewrite the pattern communities' block policies."""
    statements = [
        iam.PolicyStatement(
            sid="FindProductRoles",
            actions=["iam:ListRoles"],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="ReadProductRoleTags",
            actions=["iam:ListRoleTags"],
            resources=[product_roles_arn(stack)],
        ),
        iam.PolicyStatement(
            sid="BudgetBlockedTagOnProductRolesOnly",
            actions=["iam:TagRole", "iam:UntagRole"],
            resources=[product_roles_arn(stack)],
            conditions={
                "ForAllValues:StringEquals": {"aws:TagKeys": [contract.BUDGET_BLOCKED_TAG]},
                "Null": {"aws:TagKeys": "false"},
            },
        ),
    ]
    queues = sorted({q for r in reach.values() for q in r.queue_names})
    if queues:
        statements += [
            iam.PolicyStatement(
                sid="ReadJobQueues", actions=["batch:DescribeJobQueues"], resources=["*"]
            ),
            iam.PolicyStatement(
                sid="TurnCommunityQueuesOffAndOn",
                actions=["batch:UpdateJobQueue"],
                resources=[
                    stack.format_arn(service="batch", resource="job-queue", resource_name=q)
                    for q in queues
                ],
            ),
        ]
    policies = sorted(r.pattern_policy_arn for r in reach.values() if r.pattern_policy_arn)
    if policies:
        statements.append(
            iam.PolicyStatement(
                sid="RewritePatternBlockPolicies",
                actions=[
                    "iam:GetPolicy",
                    "iam:GetPolicyVersion",
                    "iam:ListPolicyVersions",
                    "iam:CreatePolicyVersion",
                    "iam:DeletePolicyVersion",
                ],
                resources=policies,
            )
        )
    return statements


def _fingerprint(stack: Stack, reach: Mapping[str, BlockReach]) -> str:
    """Changes when what a block denies or whom it reaches changes (token-free, stable)."""
    rules = [(s.sid, sorted(s.actions)) for s in launch_block_statements(stack)]
    scope = {
        name: [r.budget_name, r.pattern_policy_arn is not None, list(r.queue_names)]
        for name, r in sorted(reach.items())
    }
    return hashlib.sha256(json.dumps([rules, scope]).encode()).hexdigest()
