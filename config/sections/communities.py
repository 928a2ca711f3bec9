"""`communities:` groups of researchers: each gets one portfolio, its principals (the roles its
users sign in with), the products it may launch, cost centers, sharing and a budget.

Every community declares its ``kind``: how its members reach AWS and so what pins the role
session name every owner check relies on (products are owned by ``<RoleId>:<session name>``):

- ``sign-in``: the catalog's sign-in service (``sign_in:``) sets the session name and source
  identity to the user ID its identity provider verified; the catalog creates the role.
- ``identity-center``: IAM Identity Center names the session after the user.
- ``saml``: the SAML identity provider's ``RoleSessionName`` attribute names the session.
- ``iam-roles``: users assume the roles themselves and pick any session name, a colleague's
  included; refused unless ``risk_acknowledged`` says so in words.
"""

from __future__ import annotations

import fnmatch
import re
import string
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

from catalog_constructs.contract import sign_in_role_name
from config.errors import Violation, fail, raise_all, show
from config.sections.budgets import CommunityBudget
from config.sections.sign_in import CommunitySignIn
from config.types import (
    EMAIL_RE,
    STRICT,
    AccountId,
    CostCenter,
    Email,
    RoleArn,
    RoleName,
    matching,
    parse_role_arn,
    unique,
)

COMMUNITY_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
CommunityName = Annotated[
    str,
    matching(
        COMMUNITY_NAME_RE,
        f"community name {{value}} is invalid; must match {COMMUNITY_NAME_RE.pattern} "
        "(lower case letter, then 1..30 lower case letters, digits or '-')",
    ),
]
# Role path and name with IAM_PATTERN wildcards (* and ?), e.g.
# aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Researchers_*
ROLE_PATTERN_RE = re.compile(r"^([\w+=,.@*?-]+/)*[\w+=,.@*?-]{1,64}$", re.ASCII)
# Service Catalog accepts at most 10 IAM_PATTERN principals per portfolio.
MAX_ROLE_PATTERNS = 10
OU_ID_RE = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
ORGANIZATION_ID_RE = re.compile(r"^o-[a-z0-9]{10,32}$")
OrganizationalUnitId = Annotated[
    str,
    matching(
        OU_ID_RE,
        f"{{value}} is not an organizational unit ID; must match {OU_ID_RE.pattern} "
        "(e.g. ou-ab12-cdef3456)",
    ),
]
OrganizationId = Annotated[
    str,
    matching(
        ORGANIZATION_ID_RE,
        f"{{value}} is not an organization ID; must match {ORGANIZATION_ID_RE.pattern} "
        "(e.g. o-a1b2c3d4e5)",
    ),
]
SAMPLE_SESSION = "jane.doe"
CommunityKind = Literal["sign-in", "identity-center", "saml", "iam-roles"]
# What a community of kind iam-roles must say, word for word, to be accepted.
IAM_ROLES_RISK = "Members pick their own session names and can act as one another."
# IAM Identity Center creates permission-set roles under this path.
IDENTITY_CENTER_ROLE_PATH = "aws-reserved/sso.amazonaws.com/"


def _check_role_pattern(value: str) -> str:
    if not ROLE_PATTERN_RE.fullmatch(value) or value.startswith("/") or value.endswith("/"):
        fail(
            f"{show(value)} is not a role name pattern; allowed: an optional path and a role "
            "name of [\\w+=,.@-] characters with * and ? wildcards, e.g. "
            "'aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Researchers_*'"
        )
    name = value.rsplit("/", 1)[-1]
    if len(name.replace("*", "").replace("?", "")) < 3:
        fail(
            f"{show(value)} matches almost any role; the role name part needs at least 3 "
            "characters besides wildcards (a role belongs to one community only)"
        )
    return value


def _check_owner_email_template(value: str) -> str:
    allowed = "must contain {session} and no other {placeholder}, e.g. '{session}@example.org'"
    try:
        fields = list(string.Formatter().parse(value))
    except ValueError as exc:
        fail(f"{show(value)} is not a valid template ({exc}); {allowed}")
    names = [(name, spec, conv) for _, name, spec, conv in fields if name is not None]
    others = sorted(
        {f"{{{name}}}" for name, spec, conv in names if name != "session" or spec or conv}
    )
    if others:
        fail(f"{show(value)} uses {', '.join(others)}; {allowed}")
    if not names:
        fail(f"{show(value)} has no {{session}} placeholder; {allowed}")
    sample = value.format(session=SAMPLE_SESSION)
    if not EMAIL_RE.fullmatch(sample):
        fail(
            f"{show(value)} does not produce an email address "
            f"(session {SAMPLE_SESSION!r} gives {sample!r}); {allowed}"
        )
    return value


RolePattern = Annotated[str, AfterValidator(_check_role_pattern)]
OwnerEmailTemplate = Annotated[str, AfterValidator(_check_owner_email_template)]


def role_matches_pattern(role_name: str, pattern: str) -> bool:
    """Whether a role name (STS omits paths) matches the name part of an IAM_PATTERN principal,
    case-insensitively like IAM names. The product-context handler applies the same rule."""
    return fnmatch.fnmatchcase(role_name.casefold(), pattern.rsplit("/", 1)[-1].casefold())


class Principals(BaseModel):
    """IAM roles (of the stage account) whose users belong to a community."""

    model_config = STRICT

    role_arns: Annotated[list[RoleArn], unique("role ARN")] = Field(
        default_factory=list,
        description="Full role ARNs in the stage account; use these for roles with a path.",
    )
    role_names: Annotated[list[RoleName], unique("role name", casefold=True)] = Field(
        default_factory=list,
        description="Role names (path '/') in the stage account, expanded to ARNs.",
    )
    role_patterns: Annotated[
        list[RolePattern],
        unique("role pattern", casefold=True),
        Field(max_length=MAX_ROLE_PATTERNS),
    ] = Field(
        default_factory=list,
        description=(
            "Role path/name patterns with * and ? (IAM_PATTERN principals, at most 10), matched "
            "in the stage account and every account the portfolio is shared with, e.g. "
            "IAM Identity Center permission-set roles "
            "'aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Researchers_*'. Their permission "
            "sets must reference the policy research-catalog-launch-block-<community> for the "
            "budget's launch block to reach them."
        ),
    )

    @model_validator(mode="after")
    def _not_empty_no_duplicates(self) -> Principals:
        if not self.role_arns and not self.role_names and not self.role_patterns:
            fail(
                "empty principal list: give role_arns, role_names or role_patterns "
                "(at least one role)"
            )
        # IAM role names are unique per account, case-insensitively, whatever their path, so
        # two entries with the same name are the same role. (Exact duplicates were already
        # rejected per list; a foreign account is reported by config.rules.)
        seen: dict[str, str] = {}
        violations: list[Violation] = []
        entries = [
            (("role_arns", i), parse_role_arn(arn)[2], arn) for i, arn in enumerate(self.role_arns)
        ] + [(("role_names", i), name, name) for i, name in enumerate(self.role_names)]
        for loc, role, value in entries:
            where = f"{loc[0]}[{loc[1]}]"
            first = seen.setdefault(role.casefold(), where)
            if first != where:
                violations.append(
                    (loc, f"role {role!r} is already listed as {first}; list each role once", value)
                )
        raise_all(violations)
        return self


class Sharing(BaseModel):
    """Other accounts of the organization that receive a community's portfolio."""

    model_config = STRICT

    accounts: Annotated[list[AccountId], unique("account")] = Field(
        default_factory=list,
        description="Account IDs the portfolio is shared with (they must accept the share).",
    )
    organizational_units: Annotated[list[OrganizationalUnitId], unique("OU ID")] = Field(
        default_factory=list,
        description=(
            "Organizational unit IDs (ou-...) the portfolio is shared with; needs the stage "
            "account to be the management or a delegated administrator account of Service "
            "Catalog in AWS Organizations."
        ),
    )
    organization: OrganizationId | None = Field(
        default=None,
        description="Organization ID (o-...) to share the portfolio with every account of it.",
    )


def kind_violations(community: Community) -> list[Violation]:
    """What a community of its kind must and must not set (locations relative to it)."""
    kind = community.kind
    violations: list[Violation] = []
    if kind == "sign-in":
        for key, value, why in (
            (
                "principals",
                community.principals,
                "the catalog creates the role its members sign in with",
            ),
            (
                "owner_email_template",
                community.owner_email_template,
                "owner e-mails come from the signed-in session",
            ),
            ("risk_acknowledged", community.risk_acknowledged, "sign-in pins session names"),
        ):
            if value is not None:
                violations.append(((key,), f"a sign-in community sets no {key}: {why}", value))
        if community.sign_in is None:
            violations.append(
                (
                    (),
                    "a sign-in community needs sign_in: {team_id: ...} (Synapse) or "
                    "sign_in: {group: ...} (other OIDC providers)",
                    None,
                )
            )
        if (
            community.sharing.accounts
            or community.sharing.organizational_units
            or community.sharing.organization
        ):
            violations.append(
                (
                    ("sharing",),
                    "a sign-in community cannot share its portfolio: the sign-in "
                    "service signs members into the stage account only",
                    None,
                )
            )
        return violations
    if community.principals is None:
        violations.append(
            ((), f"a community of kind {kind} needs principals (the roles its members use)", None)
        )
    if community.sign_in is not None:
        violations.append(
            (("sign_in",), f"only kind sign-in sets sign_in (this community is {kind})", None)
        )
    if kind == "iam-roles":
        if community.risk_acknowledged != IAM_ROLES_RISK:
            violations.append(
                (
                    ("risk_acknowledged",),
                    "members of an iam-roles community assume its roles themselves and choose any "
                    "session name, a colleague's included, and so own that colleague's products; "
                    f'accept this by writing, word for word: risk_acknowledged: "{IAM_ROLES_RISK}" '
                    "(or use kind sign-in, identity-center or saml)",
                    community.risk_acknowledged,
                )
            )
    elif community.risk_acknowledged is not None:
        violations.append(
            (
                ("risk_acknowledged",),
                f"only kind iam-roles sets risk_acknowledged (this community is {kind})",
                community.risk_acknowledged,
            )
        )
    if kind == "identity-center" and community.principals is not None:
        violations += _identity_center_violations(community.principals)
    return violations


def _identity_center_violations(principals: Principals) -> list[Violation]:
    """IAM Identity Center roles live under aws-reserved/sso.amazonaws.com/."""
    why = (
        "IAM Identity Center permission-set roles live under path "
        f"{IDENTITY_CENTER_ROLE_PATH}, e.g. role_patterns: "
        f"['{IDENTITY_CENTER_ROLE_PATH}*/AWSReservedSSO_Researchers_*']"
    )
    violations: list[Violation] = [
        (("principals", "role_names", index), f"{name!r} has no path; {why}", name)
        for index, name in enumerate(principals.role_names)
    ]
    violations += [
        (("principals", "role_arns", index), f"{arn!r} is not an Identity Center role; {why}", arn)
        for index, arn in enumerate(principals.role_arns)
        if f":role/{IDENTITY_CENTER_ROLE_PATH}" not in arn
    ]
    violations += [
        (
            ("principals", "role_patterns", index),
            f"{pattern!r} is not an Identity Center role; {why}",
            pattern,
        )
        for index, pattern in enumerate(principals.role_patterns)
        if not pattern.startswith(IDENTITY_CENTER_ROLE_PATH)
    ]
    return violations


class Community(BaseModel):
    """A group of researchers: one portfolio, its principals, products and cost centers."""

    model_config = STRICT

    name: str = Field(description="The community's key under communities (set by the loader).")
    display_name: str = Field(
        min_length=1, max_length=100, description="Portfolio display name, unique per stage."
    )
    description: str = Field(default="", max_length=2000, description="Portfolio description.")
    kind: CommunityKind = Field(
        description=(
            "How members reach AWS, which decides what pins their role session name: sign-in "
            "(the catalog's sign-in service), identity-center, saml or iam-roles."
        )
    )
    principals: Principals | None = Field(
        default=None,
        description=(
            "Roles whose users belong to this community (every kind but sign-in, whose role "
            "the catalog creates)."
        ),
    )
    sign_in: CommunitySignIn | None = Field(
        default=None,
        description="Kind sign-in: the Synapse team or provider group whose members belong.",
    )
    risk_acknowledged: str | None = Field(
        default=None,
        description=f"Kind iam-roles only, word for word: {IAM_ROLES_RISK!r}",
    )
    products: Annotated[list[str], unique("product")] = Field(
        min_length=1, description="Product keys this community may launch (published ones)."
    )
    cost_centers: Annotated[list[CostCenter], unique("cost center")] = Field(
        min_length=1, description="Cost centers users choose from at launch (1..256 chars each)."
    )
    manager_email: Email = Field(description="Community manager contact email.")
    sharing: Sharing = Field(
        default_factory=Sharing,
        description="Accounts, OUs or the organization the community's portfolio is shared with.",
    )
    owner_email_template: OwnerEmailTemplate | None = Field(
        default=None,
        description=(
            "Builds an owner's email from the role session name, e.g. '{session}@example.org'; "
            "must contain {session} and no other placeholder."
        ),
    )
    budget: CommunityBudget = Field(
        description="Spending limit, alerts and enforcement of the community (required)."
    )

    @model_validator(mode="after")
    def _fits_its_kind(self) -> Community:
        raise_all(kind_violations(self))
        return self

    @property
    def role_arns(self) -> list[str]:
        """The role ARNs given (none for a sign-in community)."""
        return list(self.principals.role_arns) if self.principals else []

    @property
    def role_names(self) -> list[str]:
        """The role names given (none for a sign-in community)."""
        return list(self.principals.role_names) if self.principals else []

    @property
    def role_patterns(self) -> list[str]:
        """The role name patterns given (none for a sign-in community)."""
        return list(self.principals.role_patterns) if self.principals else []

    def role_arns_in(self, account: str, partition: str = "aws") -> list[str]:
        """role_arns plus role_names expanded to arn:<partition>:iam::<account>:role/<name>;
        for a sign-in community the role the catalog creates for it."""
        expanded = [
            f"arn:{partition}:iam::{account}:role/{name}"
            for name in self.role_names + self.created_role_names
        ]
        return [*self.role_arns, *expanded]

    def role_pattern_arns(self, partition: str = "aws") -> list[str]:
        """IAM_PATTERN principal ARNs: no account, so they match in every account shared with."""
        return [f"arn:{partition}:iam:::role/{p}" for p in self.role_patterns]

    def role_names_resolved(self) -> list[str]:
        """The role name of every principal: last path segment of each ARN, then role_names,
        then the role the catalog creates for a sign-in community."""
        return [parse_role_arn(arn)[2] for arn in self.role_arns] + [
            *self.role_names,
            *self.created_role_names,
        ]

    @property
    def created_role_names(self) -> list[str]:
        """The role the catalog creates for a sign-in community (named after it), else none."""
        return [sign_in_role_name(self.name)] if self.kind == "sign-in" else []

    def member_principal_arns(self, member: str, account: str, partition: str) -> list[str]:
        """The assumed-role ARN of ``member`` in each role of the community: the value products
        tag as the owner principal, so a member budget can only watch its own community's roles."""
        return [
            f"arn:{partition}:sts::{account}:assumed-role/{role}/{member}"
            for role in self.role_names_resolved()
        ]

    def member_alert_recipients(self, member: str, threshold: int) -> list[str]:
        """Who hears about a member's budget: the member (when their email is known) at every
        threshold; the manager from 100 % on, or always when the member cannot be reached."""
        own = self.owner_email(member)
        recipients = [own] if own else []
        if own is None or threshold >= 100:
            recipients.append(self.manager_email)
        return recipients

    def budget_recipients(self) -> list[str]:
        """The manager first, then the extra recipients (the manager listed once)."""
        extra = [
            e for e in self.budget.extra_recipients if e.casefold() != self.manager_email.casefold()
        ]
        return [self.manager_email, *extra]

    def owner_email(self, session: str) -> str | None:
        """The owner's email for a role session name, or None without a template."""
        if self.owner_email_template is None:
            return None
        return self.owner_email_template.format(session=session)
