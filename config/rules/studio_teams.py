"""Rule of the studio_teams section against the communities."""

from __future__ import annotations

from config.errors import Violation
from config.rules.checked import Checked
from config.sections.studio_teams import StudioTeamsConfig

STUDIO_TEAM = "studio-team"


def team_budget_within_community_budgets(
    studio_teams: StudioTeamsConfig, known: Checked
) -> list[Violation]:
    """A team budget is never larger than the monthly budget of a community whose members
    launch teams: the community's own launch block would stop the team long before it."""
    if known.communities is None or studio_teams.max_budget_usd is None:
        return []
    limits = {
        name: community.budget.amount_usd
        for name, community in known.communities.items()
        if STUDIO_TEAM in community.products and community.budget.period == "MONTHLY"
    }
    if not limits:
        return []
    name, smallest = min(limits.items(), key=lambda item: item[1])
    if studio_teams.max_budget_usd <= smallest:
        return []
    return [
        (
            ("max_budget_usd",),
            f"{studio_teams.max_budget_usd} exceeds the monthly budget of community {name!r} "
            f"({smallest:g} USD), which lists studio-team; allowed: 1..{int(smallest)}",
            studio_teams.max_budget_usd,
        )
    ]
