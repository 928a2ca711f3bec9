"""`sign_in:` the optional sign-in service of a stage: researchers open their community's
address, sign in with Synapse (or another OpenID Connect provider) and land in the Service
Catalog console, or get short-lived credentials for the command line, as themselves.

The service assumes each sign-in community's role with the session name and source identity
set to the user ID the provider verified; the catalog creates those roles (see
``communities.<name>.kind: sign-in``).
"""

from __future__ import annotations

import re
import string
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, model_validator

from config.errors import fail, show
from config.sections.notebooks import CertificateArn, DomainName, SecretArn
from config.types import EMAIL_RE, STRICT, HttpsUrl, matching

PROVIDER_DISCRIMINATOR = "kind"
SYNAPSE_ISSUER = "https://repo-prod.prod.sagebase.org/auth/v1"
SYNAPSE_REPO_ENDPOINT = "https://repo-prod.prod.sagebase.org/repo/v1"
CLAIM_NAME_RE = re.compile(r"^[A-Za-z0-9_:./-]{1,64}$")
# Synapse team IDs are numbers.
TEAM_ID_RE = re.compile(r"^\d{1,18}$")
# A group value of an OIDC provider's group claim.
GROUP_RE = re.compile(r"^[^\s\x00-\x1f]{1,256}$")
SAMPLE_USERNAME = "jane.doe"
# STS: a role session started by role chaining lasts at most one hour.
MAX_SESSION_MINUTES = 60
# AWS WAF rate-based rules: at least 10 requests per evaluation window.
MIN_RATE_LIMIT = 10

ClaimName = Annotated[
    str,
    matching(
        CLAIM_NAME_RE, "{value} is not a claim name; allowed: 1..64 letters, digits and _ : . / -"
    ),
]


def _check_email_template(value: str) -> str:
    allowed = "must contain {username} and no other {placeholder}, e.g. '{username}@synapse.org'"
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(value) if name is not None]
    except ValueError as exc:
        fail(f"{show(value)} is not a valid template ({exc}); {allowed}")
    if set(names) != {"username"}:
        fail(f"{show(value)} {allowed}")
    sample = value.format(username=SAMPLE_USERNAME)
    if not EMAIL_RE.fullmatch(sample):
        fail(f"{show(value)} does not produce an email address (gives {sample!r}); {allowed}")
    return value


EmailTemplate = Annotated[str, AfterValidator(_check_email_template)]


class SynapseProvider(BaseModel):
    """Synapse as the identity provider: communities are Synapse teams."""

    model_config = STRICT

    kind: Literal["synapse"] = Field(description="synapse: Synapse teams decide membership.")
    issuer: HttpsUrl = Field(
        default=SYNAPSE_ISSUER,
        description="Synapse's OpenID Connect issuer; its discovery document names the endpoints.",
    )
    repo_endpoint: HttpsUrl = Field(
        default=SYNAPSE_REPO_ENDPOINT,
        description=(
            "Synapse REST API: the command line's personal access tokens are checked there "
            "(user profile, team membership)."
        ),
    )
    client_id: str = Field(
        min_length=1, max_length=256, description="OAuth client ID registered with Synapse."
    )
    client_secret_arn: SecretArn = Field(
        description=(
            "Secrets Manager secret (stage account and region) whose plain-text value is the "
            "OAuth client secret; read by the service at run time, never in a template."
        )
    )
    email_template: EmailTemplate | None = Field(
        default="{username}@synapse.org",
        description=(
            "Owner e-mail from the Synapse user name ({username}); null: Synapse's verified "
            "email claim."
        ),
    )


class OidcProvider(BaseModel):
    """Any standard OpenID Connect provider: communities are values of a group claim."""

    model_config = STRICT

    kind: Literal["oidc"] = Field(description="oidc: a group claim decides membership.")
    issuer: HttpsUrl = Field(
        description="Issuer URL; <issuer>/.well-known/openid-configuration names the endpoints."
    )
    client_id: str = Field(
        min_length=1, max_length=256, description="OAuth client ID of the browser sign-in."
    )
    client_secret_arn: SecretArn = Field(
        description=(
            "Secrets Manager secret (stage account and region) whose plain-text value is the "
            "OAuth client secret; read by the service at run time, never in a template."
        )
    )
    scope: str = Field(
        default="openid profile email",
        pattern=r"^openid( [\x21\x23-\x5b\x5d-\x7e]+)*$",
        description="Scopes requested; must start with openid.",
    )
    user_id_claim: ClaimName = Field(
        default="sub",
        description="Claim holding the stable user ID (becomes the role session name).",
    )
    username_claim: ClaimName = Field(
        default="preferred_username", description="Claim holding the user name (a session tag)."
    )
    email_claim: ClaimName = Field(
        default="email", description="Claim holding the e-mail address (a session tag)."
    )
    group_claim: ClaimName = Field(
        default="groups",
        description="Claim listing the user's groups; a community names its group.",
    )
    cli_client_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description=(
            "Public client (device authorization grant) of the command-line helper; its ID "
            "tokens are accepted for credentials. Null: browser sign-in only."
        ),
    )
    extra_params: dict[str, str] = Field(
        default_factory=dict,
        description="Extra query parameters of the authorization request.",
    )


class SignInConfig(BaseModel):
    """The per-stage sign-in service (optional): an HTTPS endpoint under ``domain_name``."""

    model_config = STRICT

    domain_name: DomainName = Field(
        description=(
            "DNS name researchers open, e.g. sign-in.example.org; point it at the SignIn "
            "stack's output. Community entry points are https://<domain_name>/communities/<name>."
        )
    )
    certificate_arn: CertificateArn = Field(
        description="ACM certificate for domain_name, in the stage account and region."
    )
    provider: SynapseProvider | OidcProvider = Field(
        discriminator=PROVIDER_DISCRIMINATOR,
        description="The identity provider: kind synapse or oidc.",
    )
    session_minutes: int = Field(
        default=MAX_SESSION_MINUTES,
        ge=15,
        le=MAX_SESSION_MINUTES,
        description=(
            "Lifetime of console sessions and command-line credentials, 15..60 minutes (STS "
            "allows one hour to a role assumed by another role's session)."
        ),
    )
    requests_per_5_minutes_per_ip: int = Field(
        default=300,
        ge=MIN_RATE_LIMIT,
        le=100_000,
        description="AWS WAF rate limit of one client address (requests per 5 minutes).",
    )


def _team_id_not_int(value: object) -> object:
    # Unquoted, YAML reads a team ID as a number.
    if isinstance(value, int) and not isinstance(value, bool):
        fail(
            f'got the YAML number {value}; quote it: team IDs are strings, e.g. team_id: "{value}"'
        )
    return value


TeamId = Annotated[
    str,
    BeforeValidator(_team_id_not_int),
    matching(TEAM_ID_RE, '{value} is not a Synapse team ID; expected digits, e.g. "3412678"'),
]
GroupName = Annotated[
    str, matching(GROUP_RE, "group {value} must be 1..256 characters without spaces")
]


class CommunitySignIn(BaseModel):
    """Who belongs to a sign-in community: a Synapse team or a group of the OIDC provider."""

    model_config = STRICT

    team_id: TeamId | None = Field(
        default=None,
        description="Synapse team ID whose members belong (provider kind synapse), e.g. '3412678'.",
    )
    group: GroupName | None = Field(
        default=None,
        description="Value of the provider's group claim whose members belong (kind oidc).",
    )

    @model_validator(mode="after")
    def _one_way_in(self) -> CommunitySignIn:
        if (self.team_id is None) == (self.group is None):
            fail("give exactly one of team_id (Synapse) or group (other OIDC providers)")
        return self
