"""`communities.<name>.budget:` what a community may spend, who is told, what happens at the
limit, and optional budgets per member."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from annotated_types import Interval
from pydantic import BaseModel, Field, model_validator

from config.errors import Violation, did_you_mean, raise_all
from config.types import STRICT, Email, matching, unique

BUDGET_NAME_PREFIX = "research-catalog"
# AWS Budgets: at most 10 notifications per budget, 10 email subscribers per notification.
BUDGET_NOTIFICATIONS_MAX = 10
BUDGET_EMAILS_MAX = 10

# Role session names allow [\w+=,.@-]{2,64}; the product context handler replaces commas in tag
# values, so a member named with a comma could never match the tag a budget filters on.
MEMBER_NAME_RE = re.compile(r"^[\w+=.@-]{2,64}$", re.ASCII)
MemberName = Annotated[
    str,
    matching(
        MEMBER_NAME_RE,
        "member {value} is not a role session name the catalog can tag; must match "
        f"{MEMBER_NAME_RE.pattern} (the session name researchers sign in with, no commas)",
    ),
]
# Percent of the budgeted amount; alerts above 100 % report overspending.
AlertPercent = Annotated[int, Interval(ge=1, le=1000)]
UsdAmount = Annotated[float, Interval(ge=0.01, le=1_000_000_000)]
# The AWS Budgets time units a cost budget accepts (the reference's "YEAR" is not one).
BudgetPeriod = Literal["MONTHLY", "QUARTERLY", "ANNUALLY"]


def budget_name(stage_name: str, community_name: str, member: str | None = None) -> str:
    """Budget names are account-wide: the stage keeps two stages of one account apart, and the
    '.' (not allowed in stage or community names) keeps member budgets apart from communities."""
    name = f"{BUDGET_NAME_PREFIX}-{stage_name}-{community_name}"
    return f"{name}.{member}" if member is not None else name


class BudgetAlerts(BaseModel):
    """Percentages of the budgeted amount at which the recipients are emailed."""

    model_config = STRICT

    actual: Annotated[list[AlertPercent], unique("threshold")] = Field(
        default_factory=lambda: [50, 80, 100],
        description="Alert when actual spending exceeds these percentages (1..1000).",
    )
    forecasted: Annotated[list[AlertPercent], unique("threshold")] = Field(
        default_factory=lambda: [100],
        description="Alert when forecasted spending for the period exceeds these percentages.",
    )


def _notification_count_violations(alerts: BudgetAlerts, block: int | None) -> list[Violation]:
    actual = set(alerts.actual) | ({block} if block is not None and 1 <= block <= 100 else set())
    count = len(actual) + len(alerts.forecasted)
    if count == 0:
        return [(("alerts",), "no alert threshold; give at least one actual or forecasted", None)]
    if count > BUDGET_NOTIFICATIONS_MAX:
        return [
            (
                ("alerts",),
                f"{count} notifications (actual, forecasted and the block threshold); AWS Budgets "
                f"allows at most {BUDGET_NOTIFICATIONS_MAX} per budget",
                None,
            )
        ]
    return []


class MemberBudgets(BaseModel):
    """One budget per listed member, watching what that member launched in this community."""

    model_config = STRICT

    members: Annotated[list[MemberName], unique("member")] = Field(
        min_length=1,
        max_length=100,
        description=(
            "Role session names of the members to budget (what they sign in with); there is no "
            "lookup at synth, so list them here."
        ),
    )
    amount_usd: UsdAmount = Field(description="Budget per member and period, in USD.")
    period: BudgetPeriod = Field(
        default="MONTHLY", description="Budget period: MONTHLY, QUARTERLY or ANNUALLY."
    )
    alerts: BudgetAlerts = Field(
        default_factory=lambda: BudgetAlerts(actual=[80, 100], forecasted=[]),
        description="Thresholds of the member alerts (default: actual 80 and 100 %).",
    )
    amount_overrides: dict[MemberName, UsdAmount] = Field(
        default_factory=dict,
        description="Member -> budget in USD for members who need another amount.",
    )

    @model_validator(mode="after")
    def _overrides_for_listed_members(self) -> MemberBudgets:
        raise_all(
            [
                (
                    ("amount_overrides", member),
                    f"unknown member {member!r}{did_you_mean(member, self.members)}; "
                    f"allowed: members listed in members ({', '.join(self.members)})",
                    member,
                )
                for member in self.amount_overrides
                if member not in self.members
            ]
        )
        raise_all(_notification_count_violations(self.alerts, None))
        return self

    def amount_for(self, member: str) -> float:
        return self.amount_overrides.get(member, self.amount_usd)


class CommunityBudget(BaseModel):
    """What a community may spend per period, who is told, and what happens at the limit."""

    model_config = STRICT

    amount_usd: UsdAmount = Field(description="Budgeted spending per period, in USD.")
    period: BudgetPeriod = Field(
        default="MONTHLY", description="Budget period: MONTHLY, QUARTERLY or ANNUALLY."
    )
    alerts: BudgetAlerts = Field(
        default_factory=BudgetAlerts,
        description="Alert thresholds (default: actual 50, 80, 100 %; forecasted 100 %).",
    )
    extra_recipients: Annotated[list[Email], unique("recipient", casefold=True)] = Field(
        default_factory=list,
        max_length=BUDGET_EMAILS_MAX - 1,
        description="Who is emailed besides the community manager (at most 9 addresses).",
    )
    block_launches_at: int | None = Field(
        default=100,
        description=(
            "Percent of actual spending (1..100) at which the community's roles lose the right "
            "to launch or update products until the next period; null: never block."
        ),
    )
    stop_instances: bool = Field(
        default=False,
        description="Also stop the community's running instances when the block applies.",
    )
    member_budgets: MemberBudgets | None = Field(
        default=None, description="Optional budgets per member of the community."
    )

    @model_validator(mode="after")
    def _enforcement(self) -> CommunityBudget:
        violations: list[Violation] = []
        block = self.block_launches_at
        if block is not None and not 1 <= block <= 100:
            violations.append(
                (
                    ("block_launches_at",),
                    f"got {block}; a block above 100 % lets the community spend more than its "
                    "budget before anything happens (raise amount_usd instead); allowed: 1..100, "
                    "or null to never block",
                    block,
                )
            )
        if self.stop_instances and block is None:
            violations.append(
                (
                    ("stop_instances",),
                    "stop_instances needs block_launches_at: instances are stopped when the "
                    "block applies; set block_launches_at (1..100) or stop_instances: false",
                    True,
                )
            )
        violations += _notification_count_violations(self.alerts, block)
        raise_all(violations)
        return self

    def notification_thresholds(self) -> list[tuple[str, int]]:
        """(ACTUAL|FORECASTED, percent) of every notification, the block threshold included."""
        actual = set(self.alerts.actual)
        if self.block_launches_at is not None:
            actual.add(self.block_launches_at)
        return [("ACTUAL", t) for t in sorted(actual)] + [
            ("FORECASTED", t) for t in sorted(set(self.alerts.forecasted))
        ]
