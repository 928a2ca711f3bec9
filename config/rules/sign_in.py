"""Rules between the sign-in service (`sign_in:`) and the stage and its communities."""

from __future__ import annotations

from catalog_constructs.contract import SIGN_IN_ROLE_PREFIX
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


# Sign-in communities are not capped on their own: each writes its entry for the sign-in function
# to SSM from its own stack (catalog_constructs.contract.sign_in_community_parameter), so the
# stage's community limit (config.rules.communities.MAX_COMMUNITIES) is theirs too, and the
# SignIn stack grows by one role per community (about 270 resources at that limit).


def sign_in_role_prefix_reserved(communities: Communities, known: Checked) -> list[Violation]:
    """No role a community lists, and no role CDK names after the stage's stacks, carries the
    prefix of the roles the catalog creates for sign-in communities: the sign-in function may
    assume roles by that prefix (their trust policies admit it only as the verified user)."""
    violations: list[Violation] = []
    stage_prefix = f"research-catalog-{known.stage_name}-"
    if known.stage_name is not None and stage_prefix.startswith(SIGN_IN_ROLE_PREFIX):
        violations.append(
            (
                (),
                f"stage {known.stage_name!r} would name the roles of its stacks "
                f"{stage_prefix}..., the prefix the sign-in service's community roles carry "
                f"({SIGN_IN_ROLE_PREFIX}); allowed: a stage name not starting with 'sign-in'",
                None,
            )
        )
    created = {role.casefold() for c in communities.values() for role in c.created_role_names}
    for name, community in communities.items():
        listed = [("role_names", index, role) for index, role in enumerate(community.role_names)]
        # The path too: the function's grant (role/<prefix>*) would match a path with the prefix.
        listed += [
            ("role_arns", index, arn.split(":role/", 1)[-1].lstrip("/"))
            for index, arn in enumerate(community.role_arns)
        ]
        for field, index, role in listed:
            if role.casefold().startswith(SIGN_IN_ROLE_PREFIX) and role.casefold() not in created:
                violations.append(
                    (
                        (name, "principals", field, index),
                        f"role {role!r} carries the prefix {SIGN_IN_ROLE_PREFIX}, which only the "
                        "roles the catalog creates for sign-in communities may carry; allowed: "
                        "another name",
                        role,
                    )
                )
    return violations


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
