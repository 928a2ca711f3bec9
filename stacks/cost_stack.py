"""Cost governance of one stage: budgets, launch blocks, tag activation and weekly reports.

A stack of its own: budgets and their enforcement change with each community's money, not with
its portfolio, and deploy (or roll back) without touching the catalog.
"""

from aws_cdk import Stack
from constructs import Construct

from catalog_constructs.cost.allocation_tags import CostAllocationTags
from catalog_constructs.cost.community_budgets import CommunityBudgets, LaunchBlockPolicy
from catalog_constructs.cost.enforcement import BudgetEnforcement
from catalog_constructs.cost.notifications import NotificationsKey, allow_budgets_to_publish
from catalog_constructs.cost.report import WeeklyCostReport
from catalog_constructs.shared.resources import SharedResources
from config.models import CatalogConfig


class CostStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: CatalogConfig,
        shared: SharedResources,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        notifications = NotificationsKey(self, "Notifications")
        block = LaunchBlockPolicy(self, "LaunchBlock")

        self.stop_topics = {}
        for name, community in config.communities.items():
            if community.budget.stop_instances:
                topic = notifications.topic(
                    self, f"StopTopic-{name}", display_name=f"{community.display_name} budget stop"
                )
                allow_budgets_to_publish(topic)
                self.stop_topics[name] = topic

        self.budgets = {
            name: CommunityBudgets(
                self,
                f"Budget-{name}",
                name=name,
                community=community,
                stage_name=config.stage_name,
                stage=config.stage,
                operators_email=config.operators.notification_email,
                block_policy=block.policy,
                stop_topic=self.stop_topics.get(name),
            )
            for name, community in config.communities.items()
        }
        CostAllocationTags(self, "CostAllocationTags", logs_key=shared.logs_key)
        blocking = {n: b for n, b in self.budgets.items() if b.block_action is not None}
        if blocking:
            BudgetEnforcement(
                self,
                "Enforcement",
                block_budgets=blocking,
                stop_topics=self.stop_topics,
                logs_key=shared.logs_key,
            )
        WeeklyCostReport(
            self,
            "WeeklyReport",
            communities=config.communities,
            notifications=notifications,
            logs_key=shared.logs_key,
        )
