"""`notebooks:` the optional HTTPS gateway with OIDC sign-in in front of notebook
workstations."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from config.errors import fail, show
from config.types import STRICT, HttpsUrl, SubnetId, matching, unique

CERTIFICATE_ARN_RE = re.compile(
    r"^arn:aws(-[a-z]+)*:acm:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):certificate/[0-9a-f-]{36}$"
)
SECRET_ARN_RE = re.compile(
    r"^arn:aws(-[a-z]+)*:secretsmanager:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"secret:[A-Za-z0-9/_+=.@-]{1,512}$"
)
DOMAIN_NAME_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
IPV4_CIDR_RE = re.compile(r"^(\d{1,3}\.){3}\d{1,3}/\d{1,2}$")
MAX_NOTEBOOK_CIDRS = 50


def _check_ipv4_cidr(value: str) -> str:
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        network = None
    if not IPV4_CIDR_RE.fullmatch(value) or network is None:
        fail(f"{show(value)} is not an IPv4 CIDR block with host bits zero, e.g. 203.0.113.0/24")
    return value


CertificateArn = Annotated[
    str,
    matching(
        CERTIFICATE_ARN_RE,
        "{value} is not an ACM certificate ARN; expected "
        "arn:aws:acm:<region>:<account>:certificate/<uuid>",
    ),
]
SecretArn = Annotated[
    str,
    matching(
        SECRET_ARN_RE,
        "{value} is not a Secrets Manager secret ARN; expected "
        "arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>",
    ),
]
DomainName = Annotated[
    str,
    matching(
        DOMAIN_NAME_RE,
        "{value} is not a DNS name; expected lower-case labels separated by dots, "
        "e.g. notebooks.example.org (no scheme, no path)",
    ),
]
Ipv4Cidr = Annotated[str, AfterValidator(_check_ipv4_cidr)]


class OidcProvider(BaseModel):
    """The OpenID Connect identity provider the notebook gateway signs users in with."""

    model_config = STRICT

    issuer: HttpsUrl = Field(
        description="Issuer URL, e.g. https://repo-prod.prod.sagebase.org/auth/v1 (Synapse)."
    )
    authorization_endpoint: HttpsUrl = Field(description="Authorization endpoint (https).")
    token_endpoint: HttpsUrl = Field(description="Token endpoint (https).")
    user_info_endpoint: HttpsUrl = Field(description="User info endpoint (https).")
    client_id: str = Field(
        min_length=1, max_length=256, description="OAuth client ID registered with the provider."
    )
    client_secret_arn: SecretArn = Field(
        description=(
            "Secrets Manager secret (stage account and region) whose plain-text value is the "
            "OAuth client secret; the value never appears in config or templates."
        )
    )
    scope: str = Field(
        default="openid", min_length=1, max_length=256, description="Scopes requested."
    )
    extra_params: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Extra query parameters of the authorization request, e.g. Synapse's claims "
            "request for the userid claim."
        ),
    )


class NotebookGatewayConfig(BaseModel):
    """The shared HTTPS gateway that opens notebook workstations in the browser (optional)."""

    model_config = STRICT

    domain_name: DomainName = Field(
        description=(
            "Parent DNS name of the notebooks, e.g. notebooks.example.org: each notebook is "
            "opened at https://<route id>.<domain_name>/; point *.<domain_name> and "
            "<domain_name> at the gateway."
        )
    )
    certificate_arn: CertificateArn = Field(
        description=(
            "ACM certificate, in the stage account and region, for *.<domain_name> (each "
            "notebook's own host name) and <domain_name>."
        )
    )
    oidc: OidcProvider = Field(description="Identity provider that authenticates users.")
    owner_claim: str = Field(
        default="userid",
        pattern=r"^[A-Za-z0-9_:.-]{1,64}$",
        description=(
            "Claim of the signed-in user the instance compares with its owner's session name "
            "(Synapse: userid)."
        ),
    )
    allowed_cidrs: Annotated[list[Ipv4Cidr], unique("CIDR")] = Field(
        default_factory=lambda: ["0.0.0.0/0"],
        min_length=1,
        max_length=MAX_NOTEBOOK_CIDRS,
        description="Client networks allowed to reach the gateway (IPv4 CIDRs).",
    )
    public_subnet_ids: Annotated[list[SubnetId], unique("subnet ID")] = Field(
        default_factory=list,
        description=(
            "Public subnets (two or more AZs) for the gateway; required with an existing "
            "network, not allowed with a created one (its public subnets are used)."
        ),
    )
