"""config.sections.sign_in, the community kinds (config.sections.communities) and the sign-in
rules (config.rules.sign_in): every refusal names its file, line, key and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import load_config
from config.sections.communities import IAM_ROLES_RISK
from tests.unit.config.example_configs import (
    DEV,
    FAKE_REGISTRY,
    edit,
    load_error,
    problem_line,
    write_config,
)

SIGN_IN = """\
sign_in:
  domain_name: sign-in.example.org
  certificate_arn: "arn:aws:acm:us-east-1:111111111111:certificate/\
0a1b2c3d-4e5f-6789-abcd-ef0123456789"
  provider:
    kind: synapse
    client_id: "100002"
    client_secret_arn: arn:aws:secretsmanager:us-east-1:111111111111:secret:sign-in-client-AbCdEf
"""

OIDC_SIGN_IN = """\
sign_in:
  domain_name: sign-in.example.org
  certificate_arn: "arn:aws:acm:us-east-1:111111111111:certificate/\
0a1b2c3d-4e5f-6789-abcd-ef0123456789"
  provider:
    kind: oidc
    issuer: https://login.example.org/realms/research
    client_id: catalog
    client_secret_arn: arn:aws:secretsmanager:us-east-1:111111111111:secret:sign-in-client-AbCdEf
    cli_client_id: catalog-cli
"""

SYNAPSE_COMMUNITY = """\
  consortium:
    display_name: Consortium
    kind: sign-in
    sign_in:
      team_id: "3412678"
    products: [linux-docker]
    cost_centers: [Consortium / 400000]
    manager_email: consortium@example.org
    budget:
      amount_usd: 100
"""


def sign_in_dev(community: str = SYNAPSE_COMMUNITY, section: str = SIGN_IN) -> str:
    """DEV with one more community (appended under communities:) and a sign_in section."""
    return DEV + community + section


def problem(tmp_path: Path, stage: str, key: str) -> str:
    return problem_line(load_error(write_config(tmp_path, stages={"dev": stage})), key)


def load(tmp_path: Path, stage: str):  # type: ignore[no-untyped-def]
    return load_config("dev", write_config(tmp_path, stages={"dev": stage}), registry=FAKE_REGISTRY)


def test_a_synapse_sign_in_stage_loads_with_its_defaults(tmp_path: Path) -> None:
    config = load(tmp_path, sign_in_dev())

    assert config.sign_in is not None
    assert config.sign_in.provider.kind == "synapse"
    assert config.sign_in.provider.issuer == "https://repo-prod.prod.sagebase.org/auth/v1"
    assert config.sign_in.provider.email_template == "{username}@synapse.org"
    assert config.sign_in.session_minutes == 60
    consortium = config.communities["consortium"]
    assert consortium.name == "consortium"
    assert consortium.role_names_resolved() == ["research-catalog-sign-in-consortium"]
    assert config.community_role_arns("consortium") == [
        "arn:aws:iam::111111111111:role/research-catalog-sign-in-consortium"
    ]
    assert consortium.role_pattern_arns() == []
    assert consortium.owner_email("3345678") is None


def test_an_oidc_sign_in_stage_loads(tmp_path: Path) -> None:
    community = edit(SYNAPSE_COMMUNITY, ('team_id: "3412678"', "group: research-consortium"))
    config = load(tmp_path, sign_in_dev(community, OIDC_SIGN_IN))

    assert config.sign_in is not None
    provider = config.sign_in.provider
    assert provider.kind == "oidc"
    assert (provider.user_id_claim, provider.group_claim) == ("sub", "groups")
    assert config.communities["consortium"].sign_in is not None


def test_every_community_declares_its_kind(tmp_path: Path) -> None:
    line = problem(
        tmp_path,
        edit(DEV, ("    kind: saml\n  challenge:", "  challenge:")),
        "communities.bio.kind",
    )
    assert "missing required key 'kind'" in line
    assert "sign-in" in line and "identity-center" in line and "iam-roles" in line


@pytest.mark.parametrize(
    "acknowledgement",
    [None, "I accept", IAM_ROLES_RISK.lower()],
    ids=["missing", "other-words", "wrong-case"],
)
def test_iam_roles_is_refused_without_the_words(
    tmp_path: Path, acknowledgement: str | None
) -> None:
    stage = edit(
        DEV, ("      amount_usd: 250\n    kind: saml", "      amount_usd: 250\n    kind: iam-roles")
    )
    if acknowledgement is not None:
        stage += f"    risk_acknowledged: {acknowledgement}\n"
    line = problem(tmp_path, stage, "communities.challenge.risk_acknowledged")
    assert "choose any session name, a colleague's included" in line
    assert f'risk_acknowledged: "{IAM_ROLES_RISK}"' in line


def test_iam_roles_is_accepted_with_the_words(tmp_path: Path) -> None:
    stage = edit(
        DEV, ("      amount_usd: 250\n    kind: saml", "      amount_usd: 250\n    kind: iam-roles")
    )
    config = load(tmp_path, stage + f"    risk_acknowledged: {IAM_ROLES_RISK}\n")
    assert config.communities["challenge"].kind == "iam-roles"


def test_only_iam_roles_acknowledges_the_risk(tmp_path: Path) -> None:
    line = problem(
        tmp_path,
        DEV + f"    risk_acknowledged: {IAM_ROLES_RISK}\n",
        "communities.challenge.risk_acknowledged",
    )
    assert "only kind iam-roles sets risk_acknowledged (this community is saml)" in line


@pytest.mark.parametrize(
    ("community_edit", "key", "fragment"),
    [
        pytest.param(
            ("    kind: sign-in\n", "    kind: sign-in\n    principals:\n      role_names: [X]\n"),
            "communities.consortium.principals",
            "a sign-in community sets no principals: the catalog creates the role",
            id="principals",
        ),
        pytest.param(
            (
                "    kind: sign-in\n",
                '    kind: sign-in\n    owner_email_template: "{session}@x.org"\n',
            ),
            "communities.consortium.owner_email_template",
            "owner e-mails come from the signed-in session",
            id="owner-email-template",
        ),
        pytest.param(
            ('    sign_in:\n      team_id: "3412678"\n', ""),
            "communities.consortium",
            "a sign-in community needs sign_in: {team_id: ...}",
            id="no-team",
        ),
        pytest.param(
            ('team_id: "3412678"', "team_id: 3412678"),
            "communities.consortium.sign_in.team_id",
            'quote it: team IDs are strings, e.g. team_id: "3412678"',
            id="unquoted-team",
        ),
        pytest.param(
            ('team_id: "3412678"', 'team_id: "team-a"'),
            "communities.consortium.sign_in.team_id",
            "is not a Synapse team ID",
            id="not-a-team-id",
        ),
        pytest.param(
            ('team_id: "3412678"', "group: researchers"),
            "communities.consortium.sign_in.group",
            "the stage signs in with Synapse: give sign_in.team_id, not group",
            id="group-with-synapse",
        ),
        pytest.param(
            ('team_id: "3412678"', 'team_id: "1"\n      group: g'),
            "communities.consortium.sign_in",
            "give exactly one of team_id (Synapse) or group",
            id="team-and-group",
        ),
        pytest.param(
            ("    budget:\n", '    sharing:\n      accounts: ["444444444444"]\n    budget:\n'),
            "communities.consortium.sharing",
            "signs members into the stage account only",
            id="sharing",
        ),
    ],
)
def test_a_sign_in_community_is_refused(
    tmp_path: Path, community_edit: tuple[str, str], key: str, fragment: str
) -> None:
    stage = sign_in_dev(edit(SYNAPSE_COMMUNITY, community_edit))
    if "sharing" in key:
        stage += "spokes:\n  network:\n    mode: create\n    cidr: 10.70.0.0/16\n"
    assert fragment in problem(tmp_path, stage, key)


def test_a_sign_in_community_needs_the_service(tmp_path: Path) -> None:
    line = problem(tmp_path, DEV + SYNAPSE_COMMUNITY, "communities.consortium.kind")
    assert "kind sign-in needs the stage's sign_in section" in line


def test_the_service_needs_a_sign_in_community(tmp_path: Path) -> None:
    line = problem(tmp_path, DEV + SIGN_IN, "communities")
    assert "sign_in is configured but no community has kind sign-in" in line


def test_an_oidc_stage_wants_groups(tmp_path: Path) -> None:
    line = problem(
        tmp_path,
        sign_in_dev(SYNAPSE_COMMUNITY, OIDC_SIGN_IN),
        "communities.consortium.sign_in.team_id",
    )
    assert "give sign_in.group, not team_id" in line


def test_one_team_admits_one_community(tmp_path: Path) -> None:
    second = SYNAPSE_COMMUNITY.replace("consortium", "second").replace(
        "display_name: Consortium", "display_name: Second"
    )
    line = problem(
        tmp_path, DEV + SYNAPSE_COMMUNITY + second + SIGN_IN, "communities.second.sign_in.team_id"
    )
    assert "team_id '3412678' already admits the members of community 'consortium'" in line


def test_the_created_role_is_nobody_elses_principal(tmp_path: Path) -> None:
    stage = edit(
        sign_in_dev(),
        ("role_names: [ChallengeUsers]", "role_names: [research-catalog-sign-in-consortium]"),
    )
    line = problem(tmp_path, stage, "communities.challenge.principals.role_names[0]")
    assert "the one the catalog creates for the sign-in community 'consortium'" in line


def test_a_community_key_is_its_name(tmp_path: Path) -> None:
    line = problem(tmp_path, DEV + "    name: other\n", "communities.challenge.name")
    assert "is set from the community's key; remove it" in line


@pytest.mark.parametrize(
    ("section_edit", "key", "fragment"),
    [
        pytest.param(
            ("certificate/", "certificate/"),
            "",
            "",
            id="valid",
        ),
        pytest.param(
            ("acm:us-east-1:111111111111", "acm:us-west-2:111111111111"),
            "sign_in.certificate_arn",
            "allowed: the stage account and region 111111111111/us-east-1",
            id="certificate-region",
        ),
        pytest.param(
            ("secretsmanager:us-east-1:111111111111", "secretsmanager:us-east-1:999999999999"),
            "sign_in.provider.client_secret_arn",
            "is in 999999999999/us-east-1",
            id="secret-account",
        ),
        pytest.param(
            ("  provider:\n", "  session_minutes: 90\n  provider:\n"),
            "sign_in.session_minutes",
            "60",
            id="session-too-long",
        ),
        pytest.param(
            ("kind: synapse\n", 'kind: synapse\n    email_template: "{user}@synapse.org"\n'),
            "sign_in.provider.email_template",
            "must contain {username} and no other {placeholder}",
            id="email-template",
        ),
        pytest.param(
            ("kind: synapse", "kind: okta"),
            "sign_in.provider.kind",
            "got 'okta'; allowed values: synapse, oidc",
            id="provider-kind",
        ),
        pytest.param(
            ("kind: synapse\n", "kind: synapse\n    group_claim: teams\n"),
            "sign_in.provider.group_claim",
            "unknown key 'group_claim' for kind 'synapse'",
            id="key-of-the-other-kind",
        ),
        pytest.param(
            ("    kind: synapse\n", ""),
            "sign_in.provider.kind",
            "missing required key 'kind'; allowed values: synapse, oidc",
            id="no-provider-kind",
        ),
        pytest.param(
            ("domain_name: sign-in.example.org", "domain_name: https://sign-in.example.org"),
            "sign_in.domain_name",
            "is not a DNS name",
            id="domain-name",
        ),
    ],
)
def test_the_section_is_checked(
    tmp_path: Path, section_edit: tuple[str, str], key: str, fragment: str
) -> None:
    stage = sign_in_dev(section=edit(SIGN_IN, section_edit))
    if not key:
        assert load(tmp_path, stage).sign_in is not None
        return
    assert fragment in problem(tmp_path, stage, key)


def test_identity_center_communities_use_identity_center_roles(tmp_path: Path) -> None:
    stage = edit(
        DEV,
        (
            "      amount_usd: 250\n    kind: saml",
            "      amount_usd: 250\n    kind: identity-center",
        ),
    )
    line = problem(tmp_path, stage, "communities.challenge.principals.role_names[0]")
    assert (
        "IAM Identity Center permission-set roles live under path aws-reserved/sso.amazonaws.com/"
        in line
    )

    accepted = edit(
        stage,
        (
            "role_names: [ChallengeUsers]",
            "role_patterns: [aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Challenge_*]",
        ),
    )
    assert load(tmp_path, accepted).communities["challenge"].kind == "identity-center"


def test_other_kinds_need_principals_and_no_sign_in(tmp_path: Path) -> None:
    stage = edit(
        DEV,
        (
            "    principals:\n      role_names: [ChallengeUsers]\n",
            '    sign_in:\n      team_id: "1"\n',
        ),
    )
    error = load_error(write_config(tmp_path, stages={"dev": stage}))
    assert "a community of kind saml needs principals" in problem_line(
        error, "communities.challenge"
    )
    assert "only kind sign-in sets sign_in" in problem_line(error, "communities.challenge.sign_in")


def test_sign_in_communities_are_capped_only_by_the_stage(tmp_path: Path) -> None:
    """The sign-in function reads its communities from SSM, so long titles and many sign-in
    communities need no room in its environment (the former limit refused this at the 12th)."""
    many = "".join(
        SYNAPSE_COMMUNITY.replace("consortium", f"consortium{i}")
        .replace("display_name: Consortium", f"display_name: {'Consortium ' * 8}{i}")
        .replace('"3412678"', f'"34126{i:02}"')
        for i in range(40)
    )
    config = load(tmp_path, DEV + many + SIGN_IN)
    assert sum(c.kind == "sign-in" for c in config.communities.values()) == 40


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("role_names", "research-catalog-sign-in-elsewhere"),
        ("role_arns", '"arn:aws:iam::111111111111:role/research-catalog-sign-in-x/Users"'),
    ],
)
def test_no_listed_role_carries_the_sign_in_prefix(tmp_path: Path, field: str, value: str) -> None:
    """The sign-in function may assume roles by the prefix research-catalog-sign-in-: a role
    of the organisation's carrying it (as name or path) is refused."""
    stage = edit(sign_in_dev(), ("role_names: [ChallengeUsers]", f"{field}: [{value}]"))
    line = problem(tmp_path, stage, f"communities.challenge.principals.{field}[0]")
    assert "carries the prefix research-catalog-sign-in-" in line
    assert "allowed: another name" in line


def test_a_stage_name_may_not_make_its_roles_look_like_sign_in_roles() -> None:
    """CDK names a stack's roles after the stack (research-catalog-<stage>-...): a stage called
    sign-in-... would give them the prefix the sign-in function may assume."""
    from config.rules.checked import Checked
    from config.rules.sign_in import sign_in_role_prefix_reserved
    from config.sections.products import default_registry

    def known(stage_name: str) -> Checked:
        return Checked(
            stage_name=stage_name,
            stage=None,
            network=None,
            products=None,
            communities=None,
            sign_in=None,
            sign_in_known=True,
            stage_order=None,
            registry=default_registry(),
            stage_file="config/sign-in-lab.yaml",
        )

    (violation,) = sign_in_role_prefix_reserved({}, known("sign-in-lab"))
    assert "allowed: a stage name not starting with 'sign-in'" in violation[1]
    assert sign_in_role_prefix_reserved({}, known("signing")) == []
    assert sign_in_role_prefix_reserved({}, known("dev")) == []
