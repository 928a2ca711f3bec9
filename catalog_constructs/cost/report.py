"""The weekly cost report of each community, by e-mail through the community's report topic."""

from __future__ import annotations

from aws_cdk import Stack, aws_iam as iam, aws_kms as kms
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.common.iam import read_parameters_by_path
from catalog_constructs.cost.allocation_tags import COST_ALLOCATION_TAG_KEYS
from catalog_constructs.cost.function import CostFunction
from catalog_constructs.cost.notifications import NotificationsKey

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
        notifications: NotificationsKey,
        logs_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        statements = [
            iam.PolicyStatement(
                sid="ReadCosts",
                actions=["ce:GetCostAndUsage", "ce:ListCostAllocationTags"],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="FindRunningInstances", actions=["ec2:DescribeInstances"], resources=["*"]
            ),
            # Each community's report topic lets this function's role publish (its resource
            # policy, in the community's stack): no list of topics here to keep in step.
            read_parameters_by_path(
                stack, "ReadCommunityDocuments", contract.COMMUNITY_PARAMETER_ROOT
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
                "COMMUNITIES_PARAMETER_PATH": contract.COMMUNITY_PARAMETER_ROOT,
            },
            logs_key=logs_key,
            timeout_minutes=5,
            # A retried run would mail again the communities that had received their report.
            async_retries=0,
        )
        self.handler.schedule("Weekly", WEEKLY_REPORT_SCHEDULE, "Weekly community cost reports")
