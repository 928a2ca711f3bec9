"""Rules across the communities of a stage, and between them and the stage."""

from __future__ import annotations

from config.errors import Violation, did_you_mean
from config.rules.checked import Checked, Communities, foreign_arn_message
from config.sections.budgets import budget_name
from config.sections.communities import Community, role_matches_pattern
from config.types import parse_role_arn
from products.registry import JOBS_PRODUCT_KEY

# Scheduled jobs get two Batch compute environments and two queues per community; the region
# allows 50 of each (not raisable).
MAX_JOB_COMMUNITIES = 25
# Member budgets live in the stage's Cost stack, and a CloudFormation stack holds at most 500
# resources; this leaves room for the communities' own resources.
MEMBER_BUDGETS_MAX = 300
# AWS Budgets' limit on budget names.
BUDGET_NAME_MAX = 100


def display_names_unique(communities: Communities, known: Checked) -> list[Violation]:
    """Display names are unique per stage, ignoring case and surrounding blanks."""
    violations: list[Violation] = []
    first: dict[str, str] = {}
    for name, community in communities.items():
        folded = community.display_name.strip().casefold()
        if folded in first:
            violations.append(
                (
                    (name, "display_name"),
                    f"display name {community.display_name!r} is already used by community "
                    f"{first[folded]!r}; display names must be unique",
                    community.display_name,
                )
            )
        else:
            first[folded] = name
    return violations


def community_products_published(communities: Communities, known: Checked) -> list[Violation]:
    """A community lists only products of the registry that this stage publishes."""
    registry, published = known.registry, known.products
    violations: list[Violation] = []
    for name, community in communities.items():
        for index, product in enumerate(community.products):
            if product not in registry:
                violations.append(
                    (
                        (name, "products", index),
                        f"unknown product {product!r}{did_you_mean(product, registry)}; "
                        f"allowed: {', '.join(sorted(registry))}",
                        product,
                    )
                )
            elif published is not None and product not in published:
                violations.append(
                    (
                        (name, "products", index),
                        f"product {product!r} is not published in stage {known.stage_name!r}: "
                        f"add it under products in {known.stage_file}; published: "
                        f"{', '.join(published) or '(none)'}",
                        product,
                    )
                )
    return violations


def member_budgets_within_stack_limit(communities: Communities, known: Checked) -> list[Violation]:
    """All member budgets of a stage fit in its Cost stack (MEMBER_BUDGETS_MAX); every
    community past the limit is reported."""
    violations: list[Violation] = []
    count = 0
    for name, community in communities.items():
        member_budgets = community.budget.member_budgets
        if member_budgets is None:
            continue
        count += len(member_budgets.members)
        if count > MEMBER_BUDGETS_MAX:
            violations.append(
                (
                    (name, "budget", "member_budgets", "members"),
                    f"{count} member budgets in this stage so far; allowed: at most "
                    f"{MEMBER_BUDGETS_MAX} in all communities (one CloudFormation stack "
                    "holds them)",
                    None,
                )
            )
    return violations


def member_budget_names_fit(communities: Communities, known: Checked) -> list[Violation]:
    """Stage, community and member name make a budget name AWS Budgets accepts."""
    if known.stage_name is None:
        return []
    violations: list[Violation] = []
    for name, community in communities.items():
        members = community.budget.member_budgets.members if community.budget.member_budgets else []
        for index, member in enumerate(members):
            budget = budget_name(known.stage_name, name, member)
            if len(budget) > BUDGET_NAME_MAX:
                violations.append(
                    (
                        (name, "budget", "member_budgets", "members", index),
                        f"the budget name {budget!r} has {len(budget)} characters; AWS "
                        f"Budgets allows {BUDGET_NAME_MAX}: shorten the stage, community "
                        "or member name",
                        member,
                    )
                )
    return violations


def role_patterns_exclusive(communities: Communities, known: Checked) -> list[Violation]:
    """A role pattern matches no role, and repeats no pattern, of another community: a role
    belongs to exactly one community. Each pattern is reported once."""
    violations: list[Violation] = []
    for name, community in communities.items():
        for index, pattern in enumerate(community.role_patterns):
            clash = next(
                (
                    (matched[0], other_name)
                    for other_name, other in communities.items()
                    if other_name != name and (matched := _pattern_clashes(pattern, other))
                ),
                None,
            )
            if clash is not None:
                violations.append(
                    (
                        (name, "principals", "role_patterns", index),
                        f"pattern {pattern!r} also matches {clash[0]!r} of community "
                        f"{clash[1]!r}; a role can belong to exactly one community",
                        pattern,
                    )
                )
    return violations


def _pattern_clashes(pattern: str, other: Community) -> list[str]:
    """The roles of `other` the pattern matches, else its patterns equal to it."""
    roles = [role for role in other.role_names_resolved() if role_matches_pattern(role, pattern)]
    return roles or [p for p in other.role_patterns if p.casefold() == pattern.casefold()]


def shares_leave_the_stage_account(communities: Communities, known: Checked) -> list[Violation]:
    """A portfolio is shared with other accounts only; the stage account has it already."""
    if known.stage is None:
        return []
    return [
        (
            (name, "sharing", "accounts", index),
            f"account {account} is the stage account itself; allowed: other "
            "accounts of the organization",
            account,
        )
        for name, community in communities.items()
        for index, account in enumerate(community.sharing.accounts)
        if account == known.stage.account
    ]


def principal_arns_in_stage_account(communities: Communities, known: Checked) -> list[Violation]:
    """Principal role ARNs are roles of the stage account and partition."""
    if known.stage is None:
        return []
    return [
        ((name, "principals", "role_arns", index), message, arn)
        for name, community in communities.items()
        for index, arn in enumerate(community.role_arns)
        if (message := foreign_arn_message(arn, known.stage))
    ]


def roles_in_one_community(communities: Communities, known: Checked) -> list[Violation]:
    """A role (by name, case-insensitively, whatever its path) is a principal of one community
    only; the first community that lists it keeps it. ARNs of other accounts are left to
    principal_arns_in_stage_account."""
    stage = known.stage
    if stage is None:
        return []
    violations: list[Violation] = []
    claimed: dict[tuple[str, str], str] = {}  # (account, role name casefolded) -> where
    for name, community in communities.items():
        roles: list[tuple[str, int, str, str]] = []  # (list, index, account, role)
        for index, arn in enumerate(community.role_arns):
            if foreign_arn_message(arn, stage) is None:
                _, account, role = parse_role_arn(arn)
                roles.append(("role_arns", index, account, role))
        roles += [
            ("role_names", index, stage.account, role)
            for index, role in enumerate(community.role_names)
        ]
        for field, index, account, role in roles:
            key = (account, role.casefold())
            if key in claimed and not claimed[key].startswith(f"communities.{name}."):
                violations.append(
                    (
                        (name, "principals", field, index),
                        f"role {role!r} is already claimed by {claimed[key]}; "
                        "a role can belong to exactly one community",
                        role,
                    )
                )
            else:
                claimed.setdefault(key, f"communities.{name}.principals.{field}[{index}]")
    return violations


def job_communities_within_batch_quota(communities: Communities, known: Checked) -> list[Violation]:
    """At most MAX_JOB_COMMUNITIES communities list the scheduled-job product."""
    with_jobs = [name for name, c in communities.items() if JOBS_PRODUCT_KEY in c.products]
    if len(with_jobs) <= MAX_JOB_COMMUNITIES:
        return []
    name = with_jobs[MAX_JOB_COMMUNITIES]
    return [
        (
            (name, "products", communities[name].products.index(JOBS_PRODUCT_KEY)),
            f"at most {MAX_JOB_COMMUNITIES} communities may list {JOBS_PRODUCT_KEY!r}: "
            "each gets 2 of the region's 50 AWS Batch compute environments and job "
            "queues, a quota AWS does not raise; already listed by "
            f"{', '.join(with_jobs[:MAX_JOB_COMMUNITIES])}",
            JOBS_PRODUCT_KEY,
        )
    ]
