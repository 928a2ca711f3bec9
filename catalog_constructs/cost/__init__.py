"""Cost governance of a stage: budgets per community (and member), the launch block at the
limit, cost-allocation tag activation, and the weekly report to community managers.

Everything here runs in the stage's own stack and reads only the stage configuration; product
templates are untouched: the budgets watch the tags every product already applies.

One module per concern: ``notifications`` (the topics' key, Budgets publishing),
``community_budgets`` (budgets, alerts, the launch block), ``allocation_tags``,
``enforcement`` (lifting blocks, stopping instances), ``report`` (the weekly report), all
functions from one asset (``function``, ``handler/cost_handlers``).
"""

from catalog_constructs.cost.allocation_tags import COST_ALLOCATION_TAG_KEYS, CostAllocationTags
from catalog_constructs.cost.community_budgets import (
    BLOCKED_ACTIONS,
    CommunityBudgets,
    LaunchBlockPolicy,
)
from catalog_constructs.cost.enforcement import BudgetEnforcement
from catalog_constructs.cost.function import CostFunction
from catalog_constructs.cost.notifications import NotificationsKey, allow_budgets_to_publish
from catalog_constructs.cost.report import WeeklyCostReport

__all__ = [
    "BLOCKED_ACTIONS",
    "COST_ALLOCATION_TAG_KEYS",
    "BudgetEnforcement",
    "CommunityBudgets",
    "CostAllocationTags",
    "CostFunction",
    "LaunchBlockPolicy",
    "NotificationsKey",
    "WeeklyCostReport",
    "allow_budgets_to_publish",
]
