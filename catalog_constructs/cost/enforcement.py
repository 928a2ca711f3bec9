"""Lifting launch blocks whose reason is gone, and stopping instances at the block threshold."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Stack, aws_iam as iam, aws_kms as kms, aws_lambda as lambda_, aws_sns as sns
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.cost.community_budgets import CommunityBudgets
from catalog_constructs.cost.function import CostFunction

# Budgets refreshes spending about three times a day; a freed community waits at most this.
BLOCK_RELEASE_SCHEDULE = "rate(3 hours)"


class BudgetEnforcement(Construct):
    """Lifts launch blocks whose reason is gone (on deploy and on a schedule) and stops the
    instances of communities with ``stop_instances`` when their block threshold is crossed."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        block_budgets: Mapping[str, CommunityBudgets],
        stop_topics: Mapping[str, sns.ITopic],
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
        self.handler = CostFunction(
            self,
            "Handler",
            handler="cost_handlers.enforcement.handler",
            description="Lifts spent-budget launch blocks that no longer apply; stops instances",
            statements=statements,
            wildcard_reason="Actions of this stage's budgets only (action IDs are generated); "
            "instances are limited to catalog instances of communities with stop_instances; "
            "ec2:DescribeInstances supports no resource scoping.",
            environment={
                "ACCOUNT_ID": stack.account,
                "BLOCK_BUDGETS": stack.to_json_string(
                    sorted(b.budget_name for b in block_budgets.values())
                ),
                "STOP_TOPICS": stack.to_json_string(
                    {topic.topic_arn: name for name, topic in stop_topics.items()}
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
            properties={"Budgets": {name: str(b.amount_usd) for name, b in block_budgets.items()}},
        )
        for community_budgets in block_budgets.values():
            if community_budgets.block_action is not None:
                release.node.add_dependency(community_budgets.block_action)
        for name, topic in stop_topics.items():
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
