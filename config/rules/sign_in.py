"""Rules between the sign-in service (`sign_in:`) and the stage and its communities."""

from __future__ import annotations

from config.errors import Violation
from config.rules.checked import Checked, Communities
from config.sections.notebooks import CERTIFICATE_ARN_RE, SECRET_ARN_RE
from config.sections.sign_in import SignInConfig


def sign_in_fits_stage(sign_in: SignInConfig | None, known: Checked) -> list[Violation]:
    """The service's certificate and client secret are in the stage account and region (a
    regional API's custom domain takes a certificate of its own region; the function reads
    the secret in its own)."""
    stage = known.stage
    if sign_in is None or stage is None:
        return []
    violations: list[Violation] = []
    for path, arn, pattern in (
        (("certificate_arn",), sign_in.certificate_arn, CERTIFICATE_ARN_RE),
        (("provider", "client_secret_arn"), sign_in.provider.client_secret_arn, SECRET_ARN_RE),
    ):
        match = pattern.fullmatch(arn)
        if match and (match["account"], match["region"]) != (stage.account, stage.region):
            violations.append(
                (
                    path,
                    f"{arn!r} is in {match['account']}/{match['region']}; allowed: the stage "
                    f"account and region {stage.account}/{stage.region}",
                    arn,
                )
            )
    return violations


def sign_in_communities_match_provider(communities: Communities, known: Checked) -> list[Violation]:
    """Communities of kind sign-in need the stage's sign_in section and name their members the
    provider's way (a Synapse team_id, or a group of another provider), each team or group for
    one community; a stage with sign_in has at least one such community."""
    if not known.sign_in_known:
        return []  # the sign_in section itself is invalid and already reported
    sign_in = known.sign_in
    members = {name: c for name, c in communities.items() if c.kind == "sign-in"}
    if sign_in is None:
        return [
            (
                (name, "kind"),
                "kind sign-in needs the stage's sign_in section (the sign-in service and its "
                "identity provider, see config/dev.yaml); or choose identity-center, saml or "
                "iam-roles",
                "sign-in",
            )
            for name in members
        ]
    if not members:
        return [
            (
                (),
                "sign_in is configured but no community has kind sign-in: give a community "
                "kind: sign-in, or remove the sign_in section",
                None,
            )
        ]
    synapse = sign_in.provider.kind == "synapse"
    wanted, other = ("team_id", "group") if synapse else ("group", "team_id")
    provider = "Synapse" if synapse else "an OIDC provider's group claim"
    violations: list[Violation] = []
    first: dict[str, str] = {}
    for name, community in members.items():
        if community.sign_in is None:
            continue  # reported by the community itself
        value = getattr(community.sign_in, wanted)
        if value is None:
            violations.append(
                (
                    (name, "sign_in", other),
                    f"the stage signs in with {provider}: give sign_in.{wanted}, not {other}",
                    getattr(community.sign_in, other),
                )
            )
        elif value in first:
            violations.append(
                (
                    (name, "sign_in", wanted),
                    f"{wanted} {value!r} already admits the members of community "
                    f"{first[value]!r}; each community needs its own",
                    value,
                )
            )
        else:
            first[value] = name
    return violations


# The sign-in function reads its settings from its environment, which Lambda limits to 4 KB; the
# communities' part of it may take this much (the rest is the provider and stage, < 1.5 KB).
SIGN_IN_COMMUNITIES_BYTES = 2000


def sign_in_communities_fit_the_function(
    communities: Communities, known: Checked
) -> list[Violation]:
    """The sign-in communities' names, titles, managers and teams fit the function's settings."""
    used = 0
    for name, community in communities.items():
        if community.kind != "sign-in" or community.sign_in is None:
            continue
        member = community.sign_in.team_id or community.sign_in.group or ""
        used += len(name) + len(community.display_name) + len(community.manager_email)
        used += len(member) + 40
        if used > SIGN_IN_COMMUNITIES_BYTES:
            return [
                (
                    (name,),
                    f"the sign-in communities up to this one need about {used} bytes of the "
                    f"sign-in function's settings; allowed: {SIGN_IN_COMMUNITIES_BYTES} (Lambda "
                    "keeps 4 KB of environment): shorten their display names",
                    None,
                )
            ]
    return []


def created_roles_not_listed(communities: Communities, known: Checked) -> list[Violation]:
    """No community lists, as its own principal, a role the catalog creates for a sign-in
    community: that role is assumable only by the sign-in service."""
    created = {
        role.casefold(): name
        for name, community in communities.items()
        for role in community.created_role_names
    }
    violations: list[Violation] = []
    for name, community in communities.items():
        listed = [("role_names", index, role) for index, role in enumerate(community.role_names)]
        listed += [
            ("role_arns", index, arn.rsplit("/", 1)[-1])
            for index, arn in enumerate(community.role_arns)
        ]
        for field, index, role in listed:
            if role.casefold() in created:
                violations.append(
                    (
                        (name, "principals", field, index),
                        f"role {role!r} is the one the catalog creates for the sign-in "
                        f"community {created[role.casefold()]!r}; list your own roles",
                        role,
                    )
                )
    return violations
