"""Rules that match the spokes section with the communities' sharing."""

from __future__ import annotations

from config.errors import Violation
from config.rules.checked import Checked, Communities
from config.sections.spokes import SpokesConfig


def _shared_accounts(communities: Communities) -> dict[str, str]:
    """Account -> the community that shares with it (the last one listing it)."""
    return {
        account: name
        for name, community in communities.items()
        for account in community.sharing.accounts
    }


def _wide_sharers(communities: Communities) -> list[str]:
    """Communities that share with an OU or the organization."""
    return [
        name
        for name, community in communities.items()
        if community.sharing.organizational_units or community.sharing.organization
    ]


def sharing_needs_spokes(spokes: SpokesConfig | None, known: Checked) -> list[Violation]:
    """A stage whose communities share portfolios has a spokes section: products launch only
    in accounts with a Spoke stack."""
    communities = known.communities
    if spokes is not None or communities is None:
        return []
    sharers = list(_shared_accounts(communities).values()) + _wide_sharers(communities)
    if not sharers:
        return []
    return [
        (
            (),
            f"missing section 'spokes': community {sharers[0]!r} shares its portfolio, "
            "and products launch only in accounts with a Spoke stack; add spokes: "
            "{network: ..., member_accounts: [...]} (see config/dev.yaml)",
            None,
        )
    ]


def member_accounts_are_new_spokes(spokes: SpokesConfig | None, known: Checked) -> list[Violation]:
    """A member account is neither the stage account nor an account some community already
    shares with."""
    if spokes is None or known.communities is None:
        return []
    shared = _shared_accounts(known.communities)
    violations: list[Violation] = []
    for index, account in enumerate(spokes.member_accounts):
        if known.stage is not None and account == known.stage.account:
            message = (
                f"account {account} is the stage account itself; allowed: other "
                "accounts of the organization"
            )
        elif account in shared:
            message = (
                f"account {account} is already a spoke through communities."
                f"{shared[account]}.sharing.accounts; list each account once"
            )
        else:
            continue
        violations.append((("member_accounts", index), message, account))
    return violations


def member_accounts_need_wide_sharing(
    spokes: SpokesConfig | None, known: Checked
) -> list[Violation]:
    """member_accounts are for OU and organization shares, which cannot be expanded at synth."""
    if spokes is None or known.communities is None:
        return []
    if not spokes.member_accounts or _wide_sharers(known.communities):
        return []
    return [
        (
            ("member_accounts",),
            "no community shares with organizational_units or an organization; "
            "allowed: an empty list, or share a portfolio with the OU first",
            None,
        )
    ]


def spoke_settings_name_spokes(spokes: SpokesConfig | None, known: Checked) -> list[Violation]:
    """spokes.accounts overrides accounts that are spokes, and there is at least one spoke."""
    if spokes is None or known.communities is None:
        return []
    spoke_accounts = [*_shared_accounts(known.communities), *spokes.member_accounts]
    violations: list[Violation] = [
        (
            ("accounts", account),
            f"account {account} is not a spoke; allowed: "
            f"{', '.join(spoke_accounts) or '(none)'} (sharing.accounts of the communities "
            "and spokes.member_accounts)",
            account,
        )
        for account in spokes.accounts
        if account not in spoke_accounts
    ]
    if not spoke_accounts:
        violations.append(
            (
                (),
                "no spoke account: no community shares with an account and "
                "member_accounts is empty; remove the spokes section or list the accounts",
                None,
            )
        )
    return violations


# A spoke stack holds the shared infrastructure (about 150 resources) and, per community that
# reaches it, an end-user policy, an output and the community's document: CloudFormation
# allows 200 outputs and 500 resources per stack.
MAX_SPOKE_COMMUNITIES = 150


def spoke_communities_within_stack_limit(
    spokes: SpokesConfig | None, known: Checked
) -> list[Violation]:
    """At most MAX_SPOKE_COMMUNITIES communities reach one spoke account."""
    communities = known.communities
    if spokes is None or communities is None:
        return []
    wide = _wide_sharers(communities)
    reach: dict[str, list[str]] = {}
    for name, community in communities.items():
        for account in community.sharing.accounts:
            reach.setdefault(account, []).append(name)
    for account in spokes.member_accounts:
        reach.setdefault(account, []).extend(wide)
    return [
        (
            (),
            f"{len(names)} communities reach spoke account {account}; allowed: at most "
            f"{MAX_SPOKE_COMMUNITIES} (its Spoke stack holds an end-user policy and an output "
            "for each; CloudFormation allows 200 outputs per stack)",
            None,
        )
        for account, names in reach.items()
        if len(set(names)) > MAX_SPOKE_COMMUNITIES
    ]
