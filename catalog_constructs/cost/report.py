"""The weekly cost report of each community, by e-mail through the community's report topic."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import (
    Stack,
    aws_iam as iam,
    aws_kms as kms,
    aws_sns as sns,
    aws_sns_subscriptions as subscriptions,
)
from constructs import Construct

from catalog_constructs.cost.allocation_tags import COST_ALLOCATION_TAG_KEYS
from catalog_constructs.cost.function import CostFunction
from catalog_constructs.cost.notifications import NotificationsKey
from config.sections.communities import Community

WEEKLY_REPORT_SCHEDULE = "cron(0 6 ? * MON *)"  # Mondays 06:00 UTC


class WeeklyCostReport(Construct):
    """Every Monday, each community manager (and the extra recipients) receives the community's
    spending per owner and product and its longest-running instances, by email through the
    community's report topic."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        communities: Mapping[str, Community],
        notifications: NotificationsKey,
        logs_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.topics: dict[str, sns.Topic] = {}
        for name, community in communities.items():
            topic = notifications.topic(
                self, f"Topic-{name}", display_name=f"{community.display_name} cost report"
            )
            for address in community.budget_recipients():
                topic.add_subscription(subscriptions.EmailSubscription(address))
            self.topics[name] = topic
        statements = [
            iam.PolicyStatement(
                sid="ReadCosts",
                actions=["ce:GetCostAndUsage", "ce:ListCostAllocationTags"],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="FindRunningInstances", actions=["ec2:DescribeInstances"], resources=["*"]
            ),
            iam.PolicyStatement(
                sid="PublishReports",
                actions=["sns:Publish"],
                resources=[topic.topic_arn for topic in self.topics.values()],
            ),
            iam.PolicyStatement(
                sid="EncryptReports",
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=[notifications.key.key_arn],
            ),
        ]
        self.handler = CostFunction(
            self,
            "Handler",
            handler="cost_handlers.report.handler",
            description="Weekly cost report of each community to its manager",
            statements=statements,
            wildcard_reason="Cost Explorer reads and ec2:DescribeInstances support no resource "
            "scoping.",
            environment={
                "REPORT_REGION": stack.region,
                "TAG_KEYS": stack.to_json_string(list(COST_ALLOCATION_TAG_KEYS)),
                "COMMUNITIES": stack.to_json_string(
                    {
                        name: {
                            "display_name": community.display_name,
                            "topic_arn": self.topics[name].topic_arn,
                            "budget_usd": community.budget.amount_usd,
                            "period": community.budget.period,
                        }
                        for name, community in communities.items()
                    }
                ),
            },
            logs_key=logs_key,
            timeout_minutes=5,
            # A retried run would mail again the communities that had received their report.
            async_retries=0,
        )
        self.handler.schedule("Weekly", WEEKLY_REPORT_SCHEDULE, "Weekly community cost reports")
