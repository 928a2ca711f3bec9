"""A community's cost governance in its own stack: its budgets (with the launch block), the topic
on which the enforcement function hears the block threshold (to extend the block and, with
``stop_instances``, stop its instances), the launch block of its role patterns, and its weekly
report topic.

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

from catalog_constructs import contract
from catalog_constructs.cost.community_budgets import CommunityBudgets
from catalog_constructs.cost.enforcement import BUDGET_BLOCK_RELEASE
from catalog_constructs.cost.launch_block import BlockReach, PatternBlockPolicy
from catalog_constructs.cost.notifications import allow_budgets_to_publish, cost_topic
from config.sections.communities import Community
from config.sections.stage import StageConfig


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
        legacy_queues: bool,
        jobs: bool,
    ) -> None:
        """``jobs``: the community may launch scheduled jobs. ``legacy_queues``: it still has
        job queues of the former layout."""
        super().__init__(scope, construct_id)
        key = kms.Key.from_key_arn(self, "NotificationsKey", notifications_key_arn)
        settings = community.budget
        # Every blocking community's topic: the enforcement function hears the block threshold
        # there to extend the block at once, and stops the instances of a stop_instances one.
        self.stop_topic: sns.Topic | None = None
        self.block_topic: sns.Topic | None = None
        if settings.block_launches_at is not None:
            stop = settings.stop_instances
            topic = cost_topic(
                self,
                "StopTopic" if stop else "BlockTopic",
                display_name=f"{community.display_name} budget {'stop' if stop else 'block'}",
                key=key,
            )
            allow_budgets_to_publish(topic)
            if stop:
                self.stop_topic = topic
            else:
                self.block_topic = topic
            # The Cost stack lets every topic of the stage's community stacks invoke the
            # function (catalog_constructs/cost/enforcement.py).
            sns.CfnSubscription(
                self,
                "StopSubscription" if stop else "BlockSubscription",
                protocol="lambda",
                endpoint=enforcement_function_arn,
                topic_arn=topic.topic_arn,
            )
        # IAM Identity Center roles take no policy from Budgets: their permission sets
        # reference this one, which the function makes deny while the community is blocked.
        self.pattern_policy: iam.ManagedPolicy | None = None
        if community.role_patterns and settings.block_launches_at is not None:
            self.pattern_policy = PatternBlockPolicy(self, "PatternBlock", community=name).policy
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
            block_topic=self.stop_topic or self.block_topic,
        )
        self.reach: BlockReach | None = None
        if self.budgets.block_action is not None:
            self.reach = BlockReach(
                budget_name=self.budgets.budget_name,
                pattern_policy_arn=(
                    self.pattern_policy.managed_policy_arn if self.pattern_policy else None
                ),
                queue_names=tuple(
                    contract.job_queue_name(name, spot=spot) for spot in (False, True)
                )
                if legacy_queues
                else (),
                jobs=jobs,
            )
            # Lifts a block a raised budget no longer justifies, and sets the levers of a block
            # that stays (a new version of the pattern policy from this deploy is inert), when
            # this stack deploys.
            release = CustomResource(
                self,
                "ReleaseOnDeploy",
                service_token=enforcement_function_arn,
                resource_type=BUDGET_BLOCK_RELEASE,
                properties={
                    "Budgets": {self.budgets.budget_name: str(self.budgets.amount_usd)},
                    "Reach": {name: self.reach.as_json()},
                },
            )
            # (After the pattern policy too: its ARN is in Reach.)
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
