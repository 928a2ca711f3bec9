"""Rules across the communities of a stage, and between them and the stage."""

from __future__ import annotations

import json

from catalog_constructs.contract import job_queue_name, launch_block_policy_name
from config.errors import Violation, did_you_mean
from config.rules.checked import Checked, Communities, foreign_arn_message
from config.sections.budgets import budget_name
from config.sections.communities import Community, role_matches_pattern
from config.types import parse_role_arn

# One stack per community: the pipeline deploys them in waves of 25 (CodePipeline allows 50
# actions per stage, two per stack) and CloudFormation's 2,000 stacks per region are shared
# with every provisioned product. 250 communities leave room for both.
MAX_COMMUNITIES = 250
# Each distinct CostCenter value is a TagOption and an SSM parameter in the Catalog stack
# (500 resources at most, about 60 taken by products and launch roles).
MAX_COST_CENTERS = 200
# A community's member budgets live in its own stack (500 resources at most); this leaves room
# for the community's portfolio, budget and topics.
MEMBER_BUDGETS_MAX = 300
# AWS Budgets' limit on budget names.
BUDGET_NAME_MAX = 100
# Each community stack publishes a JSON document about the community (its roles, budget and
# topics) in a standard SSM parameter, which holds at most 4 KB (stacks/community_stack.py).
COMMUNITY_DOCUMENT_MAX_BYTES = 4096
# The longest values the deploy fills in: a budget name, an SNS topic ARN (a 256-character
# topic name in the longest region name).
_LONGEST_BUDGET_NAME = "b" * BUDGET_NAME_MAX
_LONGEST_TOPIC_ARN = "arn:aws-us-gov:sns:ap-southeast-5:123456789012:" + "t" * 256
# The community's pattern block policy and legacy job queue, named after the community (its
# name has at most 31 characters).
_LONGEST_POLICY_ARN = "arn:aws-us-gov:iam::123456789012:policy/" + launch_block_policy_name(
    "c" * 31
)
_LONGEST_QUEUE_NAME = job_queue_name("c" * 31, spot=True)


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


def communities_within_stage_limit(communities: Communities, known: Checked) -> list[Violation]:
    """At most MAX_COMMUNITIES communities in a stage; the first one past it is reported."""
    if len(communities) <= MAX_COMMUNITIES:
        return []
    name = list(communities)[MAX_COMMUNITIES]
    return [
        (
            (name,),
            f"{len(communities)} communities in this stage; allowed: at most "
            f"{MAX_COMMUNITIES} (one CloudFormation stack each: the pipeline deploys them in "
            "waves and the region's stack quota is shared with provisioned products); split "
            "the communities over two stages (accounts)",
            None,
        )
    ]


def cost_centers_within_catalog_limit(communities: Communities, known: Checked) -> list[Violation]:
    """At most MAX_COST_CENTERS distinct CostCenter values in a stage (the Catalog stack holds
    a TagOption and a parameter for each); the first community past it is reported."""
    seen: set[str] = set()
    for name, community in communities.items():
        for index, value in enumerate(community.cost_centers):
            seen.add(value)
            if len(seen) > MAX_COST_CENTERS:
                return [
                    (
                        (name, "cost_centers", index),
                        f"more than {MAX_COST_CENTERS} distinct cost centers in this stage; "
                        f"allowed: at most {MAX_COST_CENTERS} (each is a TagOption in the "
                        "Catalog stack, which holds at most 500 resources); let communities "
                        "share cost center values or split the stage",
                        value,
                    )
                ]
    return []


def community_document(community: Community) -> dict[str, object]:
    """The document a community's stack publishes for the stage's functions, with the values
    the deploy fills in (budget name, topic ARNs) at their longest. The stack writes the same
    keys (tests/infrastructure/test_sharing.py checks that)."""
    return {
        "roles": [
            *community.role_names_resolved(),
            # STS omits role paths: the functions match a pattern's name part.
            *(p.rsplit("/", 1)[-1] for p in community.role_patterns),
        ],
        "owner_email_template": community.owner_email_template,
        # Members' names and e-mails come from the sign-in service's records.
        "sign_in": community.kind == "sign-in",
        "display_name": community.display_name,
        "budget_name": _LONGEST_BUDGET_NAME,
        "budget_usd": community.budget.amount_usd,
        "period": community.budget.period,
        "block": True,
        # One of the two: a blocking community's topic is a stop or a block topic.
        "stop_topic_arn": _LONGEST_TOPIC_ARN,
        "block_topic_arn": "",
        # What the block reaches beyond AWS Budgets (catalog_constructs.cost.launch_block.
        # BlockReach.as_json).
        "reach": {
            "Budget": _LONGEST_BUDGET_NAME,
            "PatternPolicyArn": _LONGEST_POLICY_ARN,
            "Queues": [_LONGEST_QUEUE_NAME] * 2,
            "Jobs": True,
        },
        "report_topic_arn": _LONGEST_TOPIC_ARN,
    }


def community_documents_fit(communities: Communities, known: Checked) -> list[Violation]:
    """A community's document fits its SSM parameter (COMMUNITY_DOCUMENT_MAX_BYTES): many
    roles are better named by a pattern."""
    violations: list[Violation] = []
    for name, community in communities.items():
        size = len(json.dumps(community_document(community), separators=(",", ":")).encode())
        if size > COMMUNITY_DOCUMENT_MAX_BYTES:
            violations.append(
                (
                    (name, "principals"),
                    f"the community's roles make its document for the stage's functions up to "
                    f"{size:,} bytes; allowed: {COMMUNITY_DOCUMENT_MAX_BYTES:,} (an SSM "
                    "parameter): list fewer roles, e.g. one role_patterns entry for similar "
                    "names",
                    None,
                )
            )
    return violations


def member_budgets_within_stack_limit(communities: Communities, known: Checked) -> list[Violation]:
    """A community's member budgets fit in its own stack (MEMBER_BUDGETS_MAX)."""
    violations: list[Violation] = []
    for name, community in communities.items():
        member_budgets = community.budget.member_budgets
        if member_budgets is None or len(member_budgets.members) <= MEMBER_BUDGETS_MAX:
            continue
        violations.append(
            (
                (name, "budget", "member_budgets", "members"),
                f"{len(member_budgets.members)} member budgets; allowed: at most "
                f"{MEMBER_BUDGETS_MAX} per community (its CloudFormation stack holds them)",
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
