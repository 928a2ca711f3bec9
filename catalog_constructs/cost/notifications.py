"""The cost topics' key, and letting AWS Budgets publish to a topic: only with this account's
budgets as the source."""

from __future__ import annotations

from aws_cdk import Stack, aws_iam as iam, aws_kms as kms, aws_sns as sns
from constructs import Construct

from catalog_constructs.common.encryption import catalog_key


class NotificationsKey(Construct):
    """The key of the cost topics. AWS Budgets can publish only to topics encrypted with a
    customer-managed key whose policy lets it use the key."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.key = catalog_key(
            self,
            "Key",
            description="Research catalog: budget notifications and cost reports (SNS)",
            holds_data=False,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="BudgetsPublishesToCostTopics",
                principals=[iam.ServicePrincipal("budgets.amazonaws.com")],
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            )
        )

    def topic(self, scope: Construct, construct_id: str, *, display_name: str) -> sns.Topic:
        return cost_topic(scope, construct_id, display_name=display_name, key=self.key)


def cost_topic(
    scope: Construct, construct_id: str, *, display_name: str, key: kms.IKey
) -> sns.Topic:
    """A cost topic encrypted with the notifications key (possibly the Cost stack's, by ARN)."""
    return sns.Topic(
        scope, construct_id, display_name=display_name[:100], master_key=key, enforce_ssl=True
    )


def from_this_accounts_budgets(stack: Stack) -> dict[str, dict[str, str]]:
    # Confused-deputy protection as AWS Budgets documents it: the source ARN must be given as
    # budget/* (https://docs.aws.amazon.com/cost-management/latest/userguide/
    # cross-service-confused-deputy-prevention.html).
    return {
        "StringEquals": {"aws:SourceAccount": stack.account},
        "ArnLike": {"aws:SourceArn": f"arn:{stack.partition}:budgets::{stack.account}:budget/*"},
    }


def allow_budgets_to_publish(topic: sns.Topic) -> None:
    stack = Stack.of(topic)
    topic.add_to_resource_policy(
        iam.PolicyStatement(
            sid="BudgetsOfThisAccount",
            principals=[iam.ServicePrincipal("budgets.amazonaws.com")],
            actions=["sns:Publish"],
            resources=[topic.topic_arn],
            conditions=from_this_accounts_budgets(stack),
        )
    )
