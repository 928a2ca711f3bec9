"""Activating the catalog's tag keys as cost-allocation tags."""

from __future__ import annotations

from aws_cdk import Stack, aws_iam as iam, aws_kms as kms
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.cost.function import CostFunction

# Activated as cost-allocation tags: what budgets filter on and reports group by.
COST_ALLOCATION_TAG_KEYS = (
    contract.COMMUNITY_TAG,
    contract.OWNER_TAG,
    contract.OWNER_EMAIL_TAG,
    contract.COST_CENTER_TAG,
    contract.PRODUCT_TAG,
    contract.OWNER_PRINCIPAL_TAG,
    # Each Studio team's budget filters on it.
    contract.STUDIO_TEAM_TAG,
)

TAG_RETRY_SCHEDULE = "cron(0 5 * * ? *)"  # daily 05:00 UTC


class CostAllocationTags(Construct):
    """``Custom::CostAllocationTags``: activates the catalog's tag keys, on deploy and daily
    until AWS accepts them all (keys appear in billing data up to a day after first use)."""

    def __init__(self, scope: Construct, construct_id: str, *, logs_key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        tag_keys = list(COST_ALLOCATION_TAG_KEYS)
        statements = [
            iam.PolicyStatement(
                sid="ActivateCostAllocationTags",
                actions=["ce:UpdateCostAllocationTagsStatus"],
                resources=["*"],
            )
        ]
        self.handler = CostFunction(
            self,
            "Handler",
            handler="cost_handlers.tags.handler",
            description="Activates the catalog's cost-allocation tags",
            statements=statements,
            wildcard_reason="ce:UpdateCostAllocationTagsStatus supports no resource scoping.",
            environment={"TAG_KEYS": Stack.of(self).to_json_string(tag_keys)},
            logs_key=logs_key,
        )
        self.handler.schedule(
            "DailyRetry", TAG_RETRY_SCHEDULE, "Retry activating the catalog's cost-allocation tags"
        )
        self.resource = self.handler.custom_resource(
            self,
            "Resource",
            resource_type="Custom::CostAllocationTags",
            properties={"TagKeys": tag_keys},
        )
