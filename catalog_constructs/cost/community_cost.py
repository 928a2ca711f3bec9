"""A community's cost governance in its own stack: its budgets (with the launch block), the stop
topic that makes the enforcement function stop its instances, and its weekly report topic.

The stage-level pieces (the launch-block policy, the notifications key, the enforcement and
report functions) live in the Cost stack and come in by ARN (SSM parameters of the contract).
"""

from __future__ import annotations

from aws_cdk import (
    CustomResource,
    aws_iam as iam,
    aws_kms as kms,
    aws_sns as sns,
    aws_sns_subscriptions as subscriptions,
)
from constructs import Construct

from catalog_constructs.cost.community_budgets import CommunityBudgets
from catalog_constructs.cost.notifications import allow_budgets_to_publish, cost_topic
from config.sections.communities import Community
from config.sections.stage import StageConfig

BUDGET_BLOCK_RELEASE = "Custom::BudgetBlockRelease"


class CommunityCost(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        community: Community,
        stage_name: str,
        stage: StageConfig,
        operators_email: str,
        notifications_key_arn: str,
        block_policy_arn: str,
        enforcement_function_arn: str,
        report_role_arn: str,
    ) -> None:
        super().__init__(scope, construct_id)
        key = kms.Key.from_key_arn(self, "NotificationsKey", notifications_key_arn)
        self.stop_topic: sns.Topic | None = None
        if community.budget.stop_instances:
            self.stop_topic = cost_topic(
                self, "StopTopic", display_name=f"{community.display_name} budget stop", key=key
            )
            allow_budgets_to_publish(self.stop_topic)
            # The Cost stack lets every stop topic of the stage's community stacks invoke the
            # function (catalog_constructs/cost/enforcement.py).
            sns.CfnSubscription(
                self,
                "StopSubscription",
                protocol="lambda",
                endpoint=enforcement_function_arn,
                topic_arn=self.stop_topic.topic_arn,
            )
        self.budgets = CommunityBudgets(
            self,
            "Budget",
            name=name,
            community=community,
            stage_name=stage_name,
            stage=stage,
            operators_email=operators_email,
            block_policy=iam.ManagedPolicy.from_managed_policy_arn(
                self, "LaunchBlockPolicy", block_policy_arn
            ),
            stop_topic=self.stop_topic,
        )
        if self.budgets.block_action is not None:
            # Lifts a block a raised budget no longer justifies, when this stack deploys.
            release = CustomResource(
                self,
                "ReleaseOnDeploy",
                service_token=enforcement_function_arn,
                resource_type=BUDGET_BLOCK_RELEASE,
                properties={"Budgets": {self.budgets.budget_name: str(self.budgets.amount_usd)}},
            )
            release.node.add_dependency(self.budgets.block_action)

        self.report_topic = cost_topic(
            self, "ReportTopic", display_name=f"{community.display_name} cost report", key=key
        )
        for address in community.budget_recipients():
            self.report_topic.add_subscription(subscriptions.EmailSubscription(address))
        self.report_topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="WeeklyReportOfThisStage",
                principals=[iam.ArnPrincipal(report_role_arn)],
                actions=["sns:Publish"],
                resources=[self.report_topic.topic_arn],
            )
        )
