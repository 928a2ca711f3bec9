"""Cost governance of one stage: budgets, launch blocks, tag activation and weekly reports.

A stack of its own: budgets and their enforcement change with each community's money, not with
its portfolio, and deploy (or roll back) without touching the catalog.
"""

from aws_cdk import Stack, aws_sns as sns
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.cost.allocation_tags import CostAllocationTags
from catalog_constructs.cost.community_budgets import CommunityBudgets
from catalog_constructs.cost.enforcement import BudgetEnforcement
from catalog_constructs.cost.launch_block import BlockReach, LaunchBlockPolicy, PatternBlockPolicy
from catalog_constructs.cost.notifications import NotificationsKey, allow_budgets_to_publish
from catalog_constructs.cost.report import WeeklyCostReport
from catalog_constructs.shared.resources import SharedResources
from config.models import CatalogConfig
from products.registry import JOBS_PRODUCT_KEY


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

        # The enforcement function hears each blocking community's block threshold on a topic:
        # to stop its instances (stop_instances) and to extend the block at once.
        self.stop_topics: dict[str, sns.Topic] = {}
        self.block_topics: dict[str, sns.Topic] = {}
        for name, community in config.communities.items():
            if community.budget.block_launches_at is None:
                continue
            stop = community.budget.stop_instances
            topic = notifications.topic(
                self,
                f"{'Stop' if stop else 'Block'}Topic-{name}",
                display_name=f"{community.display_name} budget {'stop' if stop else 'block'}",
            )
            allow_budgets_to_publish(topic)
            (self.stop_topics if stop else self.block_topics)[name] = topic
        pattern_policies = {
            name: PatternBlockPolicy(self, f"PatternBlock-{name}", community=name).policy
            for name, community in config.communities.items()
            if community.role_patterns and community.budget.block_launches_at
        }

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
                block_topic=self.stop_topics.get(name) or self.block_topics.get(name),
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
                block_topics=self.block_topics,
                reach={
                    name: BlockReach(
                        budget_name=budgets.budget_name,
                        pattern_policy_arn=(
                            pattern_policies[name].managed_policy_arn
                            if name in pattern_policies
                            else None
                        ),
                        queue_names=tuple(
                            contract.job_queue_name(name, spot=spot)
                            for spot in (False, True)
                            if JOBS_PRODUCT_KEY in config.communities[name].products
                        ),
                    )
                    for name, budgets in blocking.items()
                },
                logs_key=shared.logs_key,
            )
        WeeklyCostReport(
            self,
            "WeeklyReport",
            communities=config.communities,
            notifications=notifications,
            logs_key=shared.logs_key,
        )
