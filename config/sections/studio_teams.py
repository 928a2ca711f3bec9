"""`studio_teams:` limits of the SageMaker Studio team product that differ per stage."""

from __future__ import annotations

from pydantic import BaseModel, Field

from config.types import STRICT

# The form's own bound (templates are the same in every stage): no stage may allow more.
MAX_TEAM_BUDGET_USD = 100_000
DEFAULT_LIMIT_USD = 1000


class StudioTeamsConfig(BaseModel):
    """Each Studio team gets a monthly AWS Budgets budget over the team's tag, alerting its
    owner; the owner chooses the amount on the form, up to ``max_budget_usd``."""

    model_config = STRICT

    max_budget_usd: int | None = Field(
        default=None,
        ge=1,
        le=MAX_TEAM_BUDGET_USD,
        description=(
            "The largest monthly team budget (USD) an owner may choose; a launch or update "
            f"asking for more is refused. 1..{MAX_TEAM_BUDGET_USD}, at most the monthly "
            "budget of each community that lists studio-team. Default: the smallest such "
            f"community budget ({DEFAULT_LIMIT_USD} when none lists it)."
        ),
    )
