"""Typed catalog configuration: the pydantic models that `config.loader` validates into.

Pure Python on purpose (no CDK import): a typo in a YAML file must fail in milliseconds with a
message naming the file and key, before any construct is built.

Every model is frozen and forbids unknown keys. Validation errors are raised with readable
messages that already say what is allowed; `config.loader` adds the file, line and dotted key.

Cross-field rules live on `CatalogConfig` as validators of the later fields (`operators`,
`products`, `communities`) that read the earlier, already validated fields (`stage_name`,
`stage`, `products`) from `ValidationInfo.data`. This way they still run (and report) when an
unrelated part of the file is broken, and every error points at the exact offending entry.

The product registry (`products.registry.PRODUCTS`) is read from the validation context key
`"registry"` when given (tests pass a fake one), otherwise imported.
"""

from __future__ import annotations

import difflib
import fnmatch
import ipaddress
import re
import string
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Literal, NoReturn, Protocol
from urllib.parse import urlsplit

from annotated_types import Interval
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from products.registry import JOBS_PRODUCT_KEY

DEFAULT_STAGE = "dev"

# Fields the loader sets itself; writing them in YAML is an error.
INJECTED_FIELDS = frozenset({"stage_name"})

# Name of the key that selects the network variant.
NETWORK_DISCRIMINATOR = "mode"

STAGE_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
ACCOUNT_RE = re.compile(r"^\d{12}$")
REGION_RE = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
EMAIL_RE = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
ROLE_NAME_PATTERN = r"[\w+=,.@-]{1,64}"
ROLE_NAME_RE = re.compile(rf"^{ROLE_NAME_PATTERN}$", re.ASCII)
ROLE_ARN_PATTERN = r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/(path/)*name$"
ROLE_ARN_RE = re.compile(
    r"^arn:(?P<partition>aws(?:-[a-z]+)*):iam::(?P<account>\d{12}):role/"
    r"(?P<path>(?:[\w+=,.@-]+/)*)(?P<name>[\w+=,.@-]{1,64})$",
    re.ASCII,
)
VPC_ID_RE = re.compile(r"^vpc-[0-9a-f]{8,17}$")
SUBNET_ID_RE = re.compile(r"^subnet-[0-9a-f]{8,17}$")
OU_ID_RE = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
ORGANIZATION_ID_RE = re.compile(r"^o-[a-z0-9]{10,32}$")
# Role path and name with IAM_PATTERN wildcards (* and ?), e.g.
# aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Researchers_*
ROLE_PATTERN_RE = re.compile(r"^([\w+=,.@*?-]+/)*[\w+=,.@*?-]{1,64}$", re.ASCII)
# Service Catalog accepts at most 10 IAM_PATTERN principals per portfolio.
MAX_ROLE_PATTERNS = 10
CONNECTION_ARN_RE = re.compile(
    r"^arn:aws(-[a-z]+)*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:"
    r"connection/[0-9a-f-]{36}$"
)
REPOSITORY_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
COMMUNITY_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
# AWS tag keys and values: Unicode letters, digits, white space and _ . : / = + - @
TAG_CHARS_RE = re.compile(r"^[\w\s.:/=+\-@]*$")
TAG_CHARS_ALLOWED = "letters, digits, spaces and _ . : / = + - @"
CIDR_PREFIX_MIN = 16
CIDR_PREFIX_MAX = 24
SAMPLE_SESSION = "jane.doe"
# Role session names allow [\w+=,.@-]{2,64}; the product context handler replaces commas in tag
# values, so a member named with a comma could never match the tag a budget filters on.
MEMBER_NAME_RE = re.compile(r"^[\w+=.@-]{2,64}$", re.ASCII)
BUDGET_NAME_PREFIX = "research-catalog"
BUDGET_NAME_MAX = 100
# AWS Budgets: at most 10 notifications per budget, 10 email subscribers per notification.
BUDGET_NOTIFICATIONS_MAX = 10
BUDGET_EMAILS_MAX = 10
# Member budgets live in the stage's Cost stack, and a CloudFormation stack holds at most 500
# resources; this leaves room for the communities' own resources.
MEMBER_BUDGETS_MAX = 300

_STRICT = ConfigDict(extra="forbid", frozen=True, strict=True)


# --------------------------------------------------------------------------------------------
# error helpers


# Scheduled jobs get two Batch compute environments and two queues per community; the region
# allows 50 of each (not raisable).
MAX_JOB_COMMUNITIES = 25


def _error(message: str) -> PydanticCustomError:
    """A validation error whose message is used verbatim (no template context)."""
    return PydanticCustomError("config_invalid", message)


def _raise_all(errors: Sequence[tuple[tuple[str | int, ...], str, Any]]) -> None:
    """Raise every (relative location, message, bad value) at once, if there are any.

    Raising a ValidationError inside a validator makes pydantic report each line error at
    the validator's own location plus the relative one given here.
    """
    if not errors:
        return
    details = [
        InitErrorDetails(type=_error(msg), loc=loc, input=value) for loc, msg, value in errors
    ]
    raise ValidationError.from_exception_data("CatalogConfig", details)


def _fail(message: str) -> NoReturn:
    raise _error(message)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return repr(value)


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' when a close match exists, else ''."""
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.7)
    return f" (did you mean '{close[0]}'?)" if close else ""


# --------------------------------------------------------------------------------------------
# constrained scalar types


def _account_not_int(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        _fail(
            f"got the YAML number {value}; quote it: account IDs are 12-digit strings "
            '(pattern ^\\d{12}$), e.g. account: "111111111111"'
        )
    return value


def _check_account(value: str) -> str:
    if not ACCOUNT_RE.fullmatch(value):
        _fail(f"{_show(value)} is not a 12-digit AWS account ID; must match ^\\d{{12}}$")
    return value


def _check_region(value: str) -> str:
    if not REGION_RE.fullmatch(value):
        _fail(
            f"{_show(value)} is not an AWS region name; must match ^[a-z]{{2}}(-gov)?-[a-z]+-\\d$ "
            "(e.g. us-east-1, eu-west-2)"
        )
    return value


def _check_email(value: str) -> str:
    if len(value) > 254 or not EMAIL_RE.fullmatch(value):
        _fail(f"{_show(value)} is not an email address; expected name@example.org")
    return value


def _check_https_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc or any(c.isspace() for c in value):
        _fail(f"{_show(value)} is not an https URL; expected https://host/path")
    return value


def _check_role_arn(value: str) -> str:
    if not ROLE_ARN_RE.fullmatch(value):
        _fail(
            f"{_show(value)} is not an IAM role ARN; must match {ROLE_ARN_PATTERN} "
            f"with name {ROLE_NAME_PATTERN} (e.g. arn:aws:iam::111111111111:role/MyRole)"
        )
    return value


def _check_role_name(value: str) -> str:
    if not ROLE_NAME_RE.fullmatch(value):
        _fail(
            f"{_show(value)} is not an IAM role name; must match {ROLE_NAME_PATTERN} "
            "(a bare name without path; give roles with a path under role_arns)"
        )
    return value


def _check_vpc_id(value: str) -> str:
    if not VPC_ID_RE.fullmatch(value):
        _fail(f"{_show(value)} is not a VPC ID; must match {VPC_ID_RE.pattern}")
    return value


def _check_subnet_id(value: str) -> str:
    if not SUBNET_ID_RE.fullmatch(value):
        _fail(f"{_show(value)} is not a subnet ID; must match {SUBNET_ID_RE.pattern}")
    return value


def _check_ou_id(value: str) -> str:
    if not OU_ID_RE.fullmatch(value):
        _fail(
            f"{_show(value)} is not an organizational unit ID; must match {OU_ID_RE.pattern} "
            "(e.g. ou-ab12-cdef3456)"
        )
    return value


def _check_organization_id(value: str) -> str:
    if not ORGANIZATION_ID_RE.fullmatch(value):
        _fail(
            f"{_show(value)} is not an organization ID; must match {ORGANIZATION_ID_RE.pattern} "
            "(e.g. o-a1b2c3d4e5)"
        )
    return value


def _check_role_pattern(value: str) -> str:
    if not ROLE_PATTERN_RE.fullmatch(value) or value.startswith("/") or value.endswith("/"):
        _fail(
            f"{_show(value)} is not a role name pattern; allowed: an optional path and a role "
            "name of [\\w+=,.@-] characters with * and ? wildcards, e.g. "
            "'aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Researchers_*'"
        )
    name = value.rsplit("/", 1)[-1]
    if len(name.replace("*", "").replace("?", "")) < 3:
        _fail(
            f"{_show(value)} matches almost any role; the role name part needs at least 3 "
            "characters besides wildcards (a role belongs to one community only)"
        )
    return value


def _check_connection_arn(value: str) -> str:
    if not CONNECTION_ARN_RE.fullmatch(value):
        _fail(
            f"{_show(value)} is not a CodeConnections connection ARN; expected "
            "arn:aws:codeconnections:<region>:<account>:connection/<uuid> (or the older "
            "codestar-connections service name)"
        )
    return value


def _check_repository(value: str) -> str:
    if not REPOSITORY_RE.fullmatch(value):
        _fail(
            f"{_show(value)} is not a repository; expected owner/name, e.g. acme/research-catalog"
        )
    return value


def _check_community_name(value: str) -> str:
    if not COMMUNITY_NAME_RE.fullmatch(value):
        _fail(
            f"community name {_show(value)} is invalid; must match {COMMUNITY_NAME_RE.pattern} "
            "(lower case letter, then 1..30 lower case letters, digits or '-')"
        )
    return value


def _check_stage_name(value: str) -> str:
    if not STAGE_NAME_RE.fullmatch(value):
        _fail(f"stage name {_show(value)} is invalid; must match {STAGE_NAME_RE.pattern}")
    return value


def _check_tag_key(value: str) -> str:
    if not 1 <= len(value) <= 128:
        _fail(f"tag key {_show(value)} has {len(value)} characters; allowed: 1..128")
    if value.lower().startswith("aws:"):
        _fail(f"tag key {_show(value)} starts with 'aws:', which AWS reserves for its own tags")
    if not TAG_CHARS_RE.fullmatch(value):
        _fail(f"tag key {_show(value)} has characters AWS rejects; allowed: {TAG_CHARS_ALLOWED}")
    return value


def _check_tag_value(value: str) -> str:
    if len(value) > 256:
        _fail(f"tag value has {len(value)} characters; allowed: 0..256")
    if not TAG_CHARS_RE.fullmatch(value):
        _fail(f"tag value {_show(value)} has characters AWS rejects; allowed: {TAG_CHARS_ALLOWED}")
    return value


def _check_cost_center(value: str) -> str:
    if not 1 <= len(value) <= 256:
        _fail(f"cost center has {len(value)} characters; allowed: 1..256")
    if not TAG_CHARS_RE.fullmatch(value):
        _fail(
            f"cost center {_show(value)} has characters AWS rejects in tag values; "
            f"allowed: {TAG_CHARS_ALLOWED}"
        )
    return value


def _cidr_check(low: int, high: int) -> AfterValidator:
    def check(value: str) -> str:
        try:
            network = ipaddress.IPv4Network(value, strict=False)
        except ValueError:
            _fail(f"{_show(value)} is not an IPv4 CIDR block; expected e.g. 10.60.0.0/16")
        if "/" not in value:
            _fail(f"{_show(value)} has no prefix length; expected e.g. 10.60.0.0/16")
        if str(network) != value:
            _fail(f"{_show(value)} has host bits set; did you mean {network}?")
        if not low <= network.prefixlen <= high:
            _fail(
                f"{_show(value)} has prefix length /{network.prefixlen}; allowed: /{low}../{high}"
            )
        return value

    return AfterValidator(check)


def _check_owner_email_template(value: str) -> str:
    allowed = "must contain {session} and no other {placeholder}, e.g. '{session}@example.org'"
    try:
        fields = list(string.Formatter().parse(value))
    except ValueError as exc:
        _fail(f"{_show(value)} is not a valid template ({exc}); {allowed}")
    names = [(name, spec, conv) for _, name, spec, conv in fields if name is not None]
    others = sorted(
        {f"{{{name}}}" for name, spec, conv in names if name != "session" or spec or conv}
    )
    if others:
        _fail(f"{_show(value)} uses {', '.join(others)}; {allowed}")
    if not names:
        _fail(f"{_show(value)} has no {{session}} placeholder; {allowed}")
    sample = value.format(session=SAMPLE_SESSION)
    if not EMAIL_RE.fullmatch(sample):
        _fail(
            f"{_show(value)} does not produce an email address "
            f"(session {SAMPLE_SESSION!r} gives {sample!r}); {allowed}"
        )
    return value


def _check_member_name(value: str) -> str:
    if not MEMBER_NAME_RE.fullmatch(value):
        _fail(
            f"member {_show(value)} is not a role session name the catalog can tag; must match "
            f"{MEMBER_NAME_RE.pattern} (the session name researchers sign in with, no commas)"
        )
    return value


def _unique(what: str, *, casefold: bool = False) -> AfterValidator:
    def check(items: list[str]) -> list[str]:
        seen: dict[str, int] = {}
        errors: list[tuple[tuple[str | int, ...], str, Any]] = []
        for index, item in enumerate(items):
            key = item.casefold() if casefold else item
            if key in seen:
                errors.append(
                    (
                        (index,),
                        f"duplicate {what} {_show(item)} (also at [{seen[key]}]); "
                        "each entry must appear once",
                        item,
                    )
                )
            else:
                seen[key] = index
        _raise_all(errors)
        return items

    return AfterValidator(check)


AccountId = Annotated[str, BeforeValidator(_account_not_int), AfterValidator(_check_account)]
Region = Annotated[str, AfterValidator(_check_region)]
Email = Annotated[str, AfterValidator(_check_email)]
HttpsUrl = Annotated[str, AfterValidator(_check_https_url)]
RoleArn = Annotated[str, AfterValidator(_check_role_arn)]
RoleName = Annotated[str, AfterValidator(_check_role_name)]
VpcId = Annotated[str, AfterValidator(_check_vpc_id)]
SubnetId = Annotated[str, AfterValidator(_check_subnet_id)]
CommunityName = Annotated[str, AfterValidator(_check_community_name)]
OrganizationalUnitId = Annotated[str, AfterValidator(_check_ou_id)]
OrganizationId = Annotated[str, AfterValidator(_check_organization_id)]
RolePattern = Annotated[str, AfterValidator(_check_role_pattern)]
ConnectionArn = Annotated[str, AfterValidator(_check_connection_arn)]
Repository = Annotated[str, AfterValidator(_check_repository)]
StageName = Annotated[str, AfterValidator(_check_stage_name)]
TagKey = Annotated[str, AfterValidator(_check_tag_key)]
TagValue = Annotated[str, AfterValidator(_check_tag_value)]
CostCenter = Annotated[str, AfterValidator(_check_cost_center)]
Cidr = Annotated[str, _cidr_check(CIDR_PREFIX_MIN, CIDR_PREFIX_MAX)]
# AWS allows VPC CIDR blocks from /16 to /28.
ExistingVpcCidr = Annotated[str, _cidr_check(16, 28)]
OwnerEmailTemplate = Annotated[str, AfterValidator(_check_owner_email_template)]
MemberName = Annotated[str, AfterValidator(_check_member_name)]
# Percent of the budgeted amount; alerts above 100 % report overspending.
AlertPercent = Annotated[int, Interval(ge=1, le=1000)]
UsdAmount = Annotated[float, Interval(ge=0.01, le=1_000_000_000)]
# The AWS Budgets time units a cost budget accepts (the reference's "YEAR" is not one).
BudgetPeriod = Literal["MONTHLY", "QUARTERLY", "ANNUALLY"]


def parse_role_arn(arn: str) -> tuple[str, str, str]:
    """(partition, account, role name) of a valid role ARN."""
    match = ROLE_ARN_RE.fullmatch(arn)
    if match is None:
        raise ValueError(f"not an IAM role ARN: {arn!r}")
    return match["partition"], match["account"], match["name"]


def role_matches_pattern(role_name: str, pattern: str) -> bool:
    """Whether a role name (STS omits paths) matches the name part of an IAM_PATTERN principal,
    case-insensitively like IAM names. The product-context handler applies the same rule."""
    return fnmatch.fnmatchcase(role_name.casefold(), pattern.rsplit("/", 1)[-1].casefold())


def partition_of(region: str) -> str:
    """The AWS partition of a region name (aws, aws-us-gov or aws-cn)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if "-gov-" in region:
        return "aws-us-gov"
    return "aws"


# --------------------------------------------------------------------------------------------
# product registry access


class ProductDefinitionLike(Protocol):
    @property
    def version_names(self) -> tuple[str, ...]: ...


ProductRegistry = Mapping[str, ProductDefinitionLike]


def default_registry() -> ProductRegistry:
    from products.registry import PRODUCTS  # pure Python, no CDK

    return PRODUCTS


def _registry(info: ValidationInfo) -> ProductRegistry:
    context = info.context if isinstance(info.context, Mapping) else {}
    registry = context.get("registry")
    return registry if registry is not None else default_registry()


def _stage_file(info: ValidationInfo, stage_name: str) -> str:
    context = info.context if isinstance(info.context, Mapping) else {}
    return str(context.get("stage_file") or f"config/{stage_name}.yaml")


# --------------------------------------------------------------------------------------------
# models


class StageConfig(BaseModel):
    """Where this stage deploys. Per-stage: set it in the stage file."""

    model_config = _STRICT

    account: AccountId = Field(
        description="AWS account ID the catalog deploys to, a quoted 12-digit string."
    )
    region: Region = Field(description="AWS region the catalog deploys to, e.g. us-east-1.")

    @property
    def partition(self) -> str:
        """AWS partition of the region: aws, aws-us-gov or aws-cn."""
        return partition_of(self.region)


class CatalogMetadata(BaseModel):
    """What end users see about who runs the catalog."""

    model_config = _STRICT

    provider_name: str = Field(
        min_length=1, max_length=50, description="Portfolio/product provider name shown to users."
    )
    support_email: Email = Field(description="Support contact email shown on every product.")
    support_url: HttpsUrl = Field(description="Support web page (https) shown on every product.")
    support_description: str = Field(
        default="",
        max_length=8191,
        description="Support text shown on every product (at most 8191 characters).",
    )
    documentation_url: HttpsUrl = Field(
        description=(
            "Base https URL of the documentation; product docs links are built below it, e.g. "
            "https://github.com/acme/research-catalog/blob/main/docs"
        )
    )

    def doc_url(self, relative_path: str) -> str:
        """Documentation link for a path below `documentation_url`, e.g. 'products/x.md'."""
        return f"{self.documentation_url.rstrip('/')}/{relative_path.lstrip('/')}"


class OperatorsConfig(BaseModel):
    """The team that runs the catalog."""

    model_config = _STRICT

    notification_email: Email = Field(description="Where operational notifications are sent.")
    admin_role_arns: Annotated[list[RoleArn], _unique("role ARN")] = Field(
        default_factory=list,
        description="Break-glass administrator roles of the stage account (may be empty).",
    )


def _check_origin(value: str) -> str:
    if not ORIGIN_RE.fullmatch(value):
        _fail(
            f"{_show(value)} is not a web origin; expected https://host or https://*.host "
            "(no path, at most one *)"
        )
    return value


def _check_schedule(value: str) -> str:
    if not SCHEDULE_RE.fullmatch(value):
        _fail(
            f"{_show(value)} is not an EventBridge schedule; expected cron(<6 fields>) or "
            "rate(<n> <unit>), e.g. cron(0 9 * * ? *)"
        )
    return value


ORIGIN_RE = re.compile(r"https://(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+(:\d{1,5})?")
SCHEDULE_RE = re.compile(r"cron\(\S+( \S+){5}\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\)")
Origin = Annotated[str, AfterValidator(_check_origin)]
Schedule = Annotated[str, AfterValidator(_check_schedule)]


class StorageConfig(BaseModel):
    """Bucket products: archive period, purge schedule and notices, Synapse integration.

    None of these values reaches a product template: the shared bucket functions read them.
    """

    model_config = _STRICT

    archive_days: int = Field(
        default=30,
        ge=1,
        le=365,
        description="Days a terminated product's bucket stays archived before its purge, 1..365.",
    )
    notice_days: int = Field(
        default=7,
        ge=1,
        le=60,
        description="Days before the purge the owner is notified, 1..60 (at most archive_days).",
    )
    purge_schedule: Schedule = Field(
        default="cron(0 9 * * ? *)",
        description="When the purge function runs (EventBridge cron() or rate(), UTC).",
    )
    purge_dry_run: bool = Field(
        default=False,
        description="true: the purge only logs what it would notify and delete.",
    )
    notification_sender: Email | None = Field(
        default=None,
        description=(
            "SES-verified sender of purge notices; defaults to operators.notification_email."
        ),
    )
    access_log_days: int = Field(
        default=365,
        ge=1,
        le=3653,
        description="Days S3 server access logs of product buckets are kept, 1..3653.",
    )
    synapse_account_id: AccountId = Field(
        default="325565585839",
        description="AWS account of the Synapse service that links Synapse buckets.",
    )
    synapse_origins: Annotated[list[Origin], _unique("origin")] = Field(
        default_factory=lambda: ["https://www.synapse.org"],
        min_length=1,
        description="Web origins allowed by the CORS rule of Synapse buckets (https only).",
    )

    @model_validator(mode="after")
    def _notice_within_archive(self) -> StorageConfig:
        if self.notice_days > self.archive_days:
            _raise_all(
                [
                    (
                        ("notice_days",),
                        f"{self.notice_days} is longer than archive_days ({self.archive_days}); "
                        "must be at most archive_days",
                        self.notice_days,
                    )
                ]
            )
        return self


class CreateVpcNetwork(BaseModel):
    """The catalog creates its own VPC."""

    model_config = _STRICT

    mode: Literal["create"] = Field(description="'create': the catalog creates a VPC.")
    cidr: Cidr = Field(description="IPv4 CIDR block of the new VPC, /16 to /24.")
    max_azs: int = Field(default=2, ge=2, le=6, description="Availability zones to use, 2..6.")
    nat_gateways: int = Field(
        default=1, ge=0, le=6, description="NAT gateways, 0..6 and at most max_azs."
    )

    @model_validator(mode="after")
    def _nat_within_azs(self) -> CreateVpcNetwork:
        if self.nat_gateways > self.max_azs:
            _raise_all(
                [
                    (
                        ("nat_gateways",),
                        f"nat_gateways {self.nat_gateways} is more than max_azs {self.max_azs}; "
                        f"allowed: 0..{self.max_azs} (at most one NAT gateway per AZ)",
                        self.nat_gateways,
                    )
                ]
            )
        return self


class ExistingNetwork(BaseModel):
    """The catalog uses a VPC that already exists in the stage account."""

    model_config = _STRICT

    mode: Literal["existing"] = Field(description="'existing': use a VPC that already exists.")
    vpc_id: VpcId = Field(description="ID of the existing VPC, e.g. vpc-0123456789abcdef0.")
    private_subnet_ids: Annotated[list[SubnetId], _unique("subnet ID")] = Field(
        min_length=1, description="Private subnets of that VPC for instances (at least one)."
    )
    vpc_cidr: ExistingVpcCidr | None = Field(
        default=None,
        description=(
            "Primary IPv4 CIDR block of the VPC; required with create_endpoints (the endpoints "
            "admit HTTPS from it)."
        ),
    )
    create_endpoints: bool = Field(
        default=False,
        description="Create the VPC interface endpoints (SSM etc.) the products need.",
    )

    @model_validator(mode="after")
    def _cidr_for_endpoints(self) -> ExistingNetwork:
        if self.create_endpoints and self.vpc_cidr is None:
            _raise_all(
                [
                    (
                        ("vpc_cidr",),
                        "missing required key 'vpc_cidr': with create_endpoints true, give the "
                        "VPC's IPv4 CIDR block (e.g. 10.20.0.0/16); the endpoints admit HTTPS "
                        "from it",
                        None,
                    )
                ]
            )
        return self


Network = Annotated[CreateVpcNetwork | ExistingNetwork, Field(discriminator=NETWORK_DISCRIMINATOR)]


class ProductPublication(BaseModel):
    """Which versions of one product this stage publishes."""

    model_config = _STRICT

    versions: Annotated[list[str], _unique("version")] = Field(
        min_length=1,
        description="Published versions, names from products/registry.py, in listed order.",
    )


class Principals(BaseModel):
    """IAM roles (of the stage account) whose users belong to a community."""

    model_config = _STRICT

    role_arns: Annotated[list[RoleArn], _unique("role ARN")] = Field(
        default_factory=list,
        description="Full role ARNs in the stage account; use these for roles with a path.",
    )
    role_names: Annotated[list[RoleName], _unique("role name", casefold=True)] = Field(
        default_factory=list,
        description="Role names (path '/') in the stage account, expanded to ARNs.",
    )
    role_patterns: Annotated[
        list[RolePattern],
        _unique("role pattern", casefold=True),
        Field(max_length=MAX_ROLE_PATTERNS),
    ] = Field(
        default_factory=list,
        description=(
            "Role path/name patterns with * and ? (IAM_PATTERN principals, at most 10), matched "
            "in the stage account and every account the portfolio is shared with, e.g. "
            "IAM Identity Center permission-set roles "
            "'aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Researchers_*'."
        ),
    )

    @model_validator(mode="after")
    def _not_empty_no_duplicates(self) -> Principals:
        if not self.role_arns and not self.role_names and not self.role_patterns:
            _fail(
                "empty principal list: give role_arns, role_names or role_patterns "
                "(at least one role)"
            )
        # IAM role names are unique per account, case-insensitively, whatever their path, so
        # two entries with the same name are the same role. (Exact duplicates were already
        # rejected per list; a foreign account is reported by CatalogConfig.)
        seen: dict[str, str] = {}
        errors: list[tuple[tuple[str | int, ...], str, Any]] = []
        entries = [
            (("role_arns", i), parse_role_arn(arn)[2], arn) for i, arn in enumerate(self.role_arns)
        ] + [(("role_names", i), name, name) for i, name in enumerate(self.role_names)]
        for loc, role, value in entries:
            where = f"{loc[0]}[{loc[1]}]"
            first = seen.setdefault(role.casefold(), where)
            if first != where:
                errors.append(
                    (loc, f"role {role!r} is already listed as {first}; list each role once", value)
                )
        _raise_all(errors)
        return self


class BudgetAlerts(BaseModel):
    """Percentages of the budgeted amount at which the recipients are emailed."""

    model_config = _STRICT

    actual: Annotated[list[AlertPercent], _unique("threshold")] = Field(
        default_factory=lambda: [50, 80, 100],
        description="Alert when actual spending exceeds these percentages (1..1000).",
    )
    forecasted: Annotated[list[AlertPercent], _unique("threshold")] = Field(
        default_factory=lambda: [100],
        description="Alert when forecasted spending for the period exceeds these percentages.",
    )


class MemberBudgets(BaseModel):
    """One budget per listed member, watching what that member launched in this community."""

    model_config = _STRICT

    members: Annotated[list[MemberName], _unique("member")] = Field(
        min_length=1,
        max_length=100,
        description=(
            "Role session names of the members to budget (what they sign in with); there is no "
            "lookup at synth, so list them here."
        ),
    )
    amount_usd: UsdAmount = Field(description="Budget per member and period, in USD.")
    period: BudgetPeriod = Field(
        default="MONTHLY", description="Budget period: MONTHLY, QUARTERLY or ANNUALLY."
    )
    alerts: BudgetAlerts = Field(
        default_factory=lambda: BudgetAlerts(actual=[80, 100], forecasted=[]),
        description="Thresholds of the member alerts (default: actual 80 and 100 %).",
    )
    amount_overrides: dict[MemberName, UsdAmount] = Field(
        default_factory=dict,
        description="Member -> budget in USD for members who need another amount.",
    )

    @model_validator(mode="after")
    def _overrides_for_listed_members(self) -> MemberBudgets:
        _raise_all(
            [
                (
                    ("amount_overrides", member),
                    f"unknown member {member!r}{did_you_mean(member, self.members)}; "
                    f"allowed: members listed in members ({', '.join(self.members)})",
                    member,
                )
                for member in self.amount_overrides
                if member not in self.members
            ]
        )
        _raise_all(_notification_count_errors(self.alerts, None))
        return self

    def amount_for(self, member: str) -> float:
        return self.amount_overrides.get(member, self.amount_usd)


class CommunityBudget(BaseModel):
    """What a community may spend per period, who is told, and what happens at the limit."""

    model_config = _STRICT

    amount_usd: UsdAmount = Field(description="Budgeted spending per period, in USD.")
    period: BudgetPeriod = Field(
        default="MONTHLY", description="Budget period: MONTHLY, QUARTERLY or ANNUALLY."
    )
    alerts: BudgetAlerts = Field(
        default_factory=BudgetAlerts,
        description="Alert thresholds (default: actual 50, 80, 100 %; forecasted 100 %).",
    )
    extra_recipients: Annotated[list[Email], _unique("recipient", casefold=True)] = Field(
        default_factory=list,
        max_length=BUDGET_EMAILS_MAX - 1,
        description="Who is emailed besides the community manager (at most 9 addresses).",
    )
    block_launches_at: int | None = Field(
        default=100,
        description=(
            "Percent of actual spending (1..100) at which the community's roles lose the right "
            "to launch or update products until the next period; null: never block."
        ),
    )
    stop_instances: bool = Field(
        default=False,
        description="Also stop the community's running instances when the block applies.",
    )
    member_budgets: MemberBudgets | None = Field(
        default=None, description="Optional budgets per member of the community."
    )

    @model_validator(mode="after")
    def _enforcement(self) -> CommunityBudget:
        errors: list[tuple[tuple[str | int, ...], str, Any]] = []
        block = self.block_launches_at
        if block is not None and not 1 <= block <= 100:
            errors.append(
                (
                    ("block_launches_at",),
                    f"got {block}; a block above 100 % lets the community spend more than its "
                    "budget before anything happens (raise amount_usd instead); allowed: 1..100, "
                    "or null to never block",
                    block,
                )
            )
        if self.stop_instances and block is None:
            errors.append(
                (
                    ("stop_instances",),
                    "stop_instances needs block_launches_at: instances are stopped when the "
                    "block applies; set block_launches_at (1..100) or stop_instances: false",
                    True,
                )
            )
        errors += _notification_count_errors(self.alerts, block)
        _raise_all(errors)
        return self

    def notification_thresholds(self) -> list[tuple[str, int]]:
        """(ACTUAL|FORECASTED, percent) of every notification, the block threshold included."""
        actual = set(self.alerts.actual)
        if self.block_launches_at is not None:
            actual.add(self.block_launches_at)
        return [("ACTUAL", t) for t in sorted(actual)] + [
            ("FORECASTED", t) for t in sorted(set(self.alerts.forecasted))
        ]


def _notification_count_errors(
    alerts: BudgetAlerts, block: int | None
) -> list[tuple[tuple[str | int, ...], str, Any]]:
    actual = set(alerts.actual) | ({block} if block is not None and 1 <= block <= 100 else set())
    count = len(actual) + len(alerts.forecasted)
    if count == 0:
        return [(("alerts",), "no alert threshold; give at least one actual or forecasted", None)]
    if count > BUDGET_NOTIFICATIONS_MAX:
        return [
            (
                ("alerts",),
                f"{count} notifications (actual, forecasted and the block threshold); AWS Budgets "
                f"allows at most {BUDGET_NOTIFICATIONS_MAX} per budget",
                None,
            )
        ]
    return []


class Sharing(BaseModel):
    """Other accounts of the organization that receive a community's portfolio."""

    model_config = _STRICT

    accounts: Annotated[list[AccountId], _unique("account")] = Field(
        default_factory=list,
        description="Account IDs the portfolio is shared with (they must accept the share).",
    )
    organizational_units: Annotated[list[OrganizationalUnitId], _unique("OU ID")] = Field(
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


class Community(BaseModel):
    """A group of researchers: one portfolio, its principals, products and cost centers."""

    model_config = _STRICT

    display_name: str = Field(
        min_length=1, max_length=100, description="Portfolio display name, unique per stage."
    )
    description: str = Field(default="", max_length=2000, description="Portfolio description.")
    principals: Principals = Field(description="Roles whose users belong to this community.")
    products: Annotated[list[str], _unique("product")] = Field(
        min_length=1, description="Product keys this community may launch (published ones)."
    )
    cost_centers: Annotated[list[CostCenter], _unique("cost center")] = Field(
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

    def role_arns_in(self, account: str, partition: str = "aws") -> list[str]:
        """role_arns plus role_names expanded to arn:<partition>:iam::<account>:role/<name>."""
        expanded = [
            f"arn:{partition}:iam::{account}:role/{name}" for name in self.principals.role_names
        ]
        return [*self.principals.role_arns, *expanded]

    def role_pattern_arns(self, partition: str = "aws") -> list[str]:
        """IAM_PATTERN principal ARNs: no account, so they match in every account shared with."""
        return [f"arn:{partition}:iam:::role/{p}" for p in self.principals.role_patterns]

    def role_names_resolved(self) -> list[str]:
        """The role name of every principal: last path segment of each ARN, then role_names."""
        return [parse_role_arn(arn)[2] for arn in self.principals.role_arns] + list(
            self.principals.role_names
        )

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


class SpokeAccount(BaseModel):
    """Settings of one spoke account that differ from the spokes' defaults."""

    model_config = _STRICT

    network: Network | None = Field(
        default=None,
        description="This account's VPC (mode create or existing); default: spokes.network.",
    )
    admin_role_arns: Annotated[list[RoleArn], _unique("role ARN")] = Field(
        default_factory=list,
        description=(
            "Break-glass administrator roles of this account, exempt from owner-only bucket "
            "policies like operators.admin_role_arns in the stage account (may be empty)."
        ),
    )


class SpokesConfig(BaseModel):
    """Recipient ("spoke") accounts: each gets a Spoke stack (shared infrastructure, launch
    roles, end-user policies) in the stage region, so shared portfolios launch there.

    Spoke accounts are every community's ``sharing.accounts`` plus ``member_accounts``.
    """

    model_config = _STRICT

    network: Network = Field(
        description=(
            "VPC of every spoke unless overridden under accounts; mode create (the same CIDR "
            "may be reused: every spoke has its own VPC) or existing."
        )
    )
    member_accounts: Annotated[list[AccountId], _unique("account")] = Field(
        default_factory=list,
        description=(
            "Accounts that receive portfolios through organizational_units or organization "
            "shares (OUs cannot be expanded at synth): list each account that launches."
        ),
    )
    accounts: dict[AccountId, SpokeAccount] = Field(
        default_factory=dict,
        description="Spoke account ID -> its own network or administrator roles.",
    )

    @model_validator(mode="after")
    def _admins_in_their_account(self) -> SpokesConfig:
        errors: list[tuple[tuple[str | int, ...], str, Any]] = []
        for account, spoke in self.accounts.items():
            for index, arn in enumerate(spoke.admin_role_arns):
                if parse_role_arn(arn)[1] != account:
                    errors.append(
                        (
                            ("accounts", account, "admin_role_arns", index),
                            f"role ARN {arn!r} is not in account {account}; allowed: roles of "
                            "the spoke account it is listed under",
                            arn,
                        )
                    )
        _raise_all(errors)
        return self

    def network_of(self, account: str) -> CreateVpcNetwork | ExistingNetwork:
        override = self.accounts.get(account)
        return override.network if override and override.network else self.network

    def admin_role_arns_of(self, account: str) -> list[str]:
        override = self.accounts.get(account)
        return list(override.admin_role_arns) if override else []


IMAGE_SCHEDULE_RE = re.compile(r"^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$")


def _check_image_schedule(value: str) -> str:
    if not IMAGE_SCHEDULE_RE.fullmatch(value):
        _fail(
            f"{_show(value)} is not an Image Builder schedule; allowed: cron(minutes hours "
            "day-of-month month day-of-week year), e.g. cron(0 6 ? * MON *)"
        )
    return value


ImageSchedule = Annotated[str, AfterValidator(_check_image_schedule)]


class ImageTarget(BaseModel):
    """Another account and region that receives this stage's images."""

    model_config = _STRICT

    account: AccountId = Field(description="12-digit account ID (quote it in YAML).")
    region: Region = Field(description="AWS region, e.g. us-east-1.")


class ImagesConfig(BaseModel):
    """EC2 Image Builder pipelines (the AMI stack). Without them products use AWS's public
    image parameters."""

    model_config = _STRICT

    build: bool = Field(
        default=False, description="Whether this stage runs the image pipelines (AMI stack)."
    )
    schedule: ImageSchedule = Field(
        default="cron(0 6 ? * MON *)",
        description=(
            "When pipelines check for a newer base image or component and rebuild (UTC), an "
            "Image Builder cron expression."
        ),
    )
    keep_last: int = Field(
        default=3, ge=1, le=50, description="Images kept per pipeline; older ones are deleted."
    )
    distribute_to: list[ImageTarget] = Field(
        default_factory=list,
        description=(
            "Other stage accounts and regions that receive the images and their SSM parameters "
            "(each must allow Image Builder's cross-account distribution)."
        ),
    )
    source_account: AccountId | None = Field(
        default=None,
        description=(
            "For a stage that receives images: the account whose pipelines build them (its "
            "image key must be usable by this stage's launch roles). Default: this account."
        ),
    )

    @model_validator(mode="after")
    def _build_or_receive(self) -> ImagesConfig:
        errors: list[tuple[tuple[str | int, ...], str, Any]] = []
        if self.build and self.source_account is not None:
            errors.append(
                (
                    ("source_account",),
                    "source_account is for stages that receive images; allowed: omit it "
                    "when build is true (a building stage publishes its own images)",
                    self.source_account,
                )
            )
        if self.distribute_to and not self.build:
            errors.append(
                (
                    ("distribute_to",),
                    "distribute_to needs build: true; allowed: an empty list for a stage that "
                    "does not build images",
                    None,
                )
            )
        seen: set[tuple[str, str]] = set()
        for index, target in enumerate(self.distribute_to):
            key = (target.account, target.region)
            if key in seen:
                errors.append(
                    (
                        ("distribute_to", index),
                        f"{target.account}/{target.region} is listed twice; allowed: each "
                        "account and region once",
                        None,
                    )
                )
            seen.add(key)
        if errors:
            _raise_all(errors)
        return self


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


def _check_certificate_arn(value: str) -> str:
    if not CERTIFICATE_ARN_RE.fullmatch(value):
        _fail(
            f"{_show(value)} is not an ACM certificate ARN; expected "
            "arn:aws:acm:<region>:<account>:certificate/<uuid>"
        )
    return value


def _check_secret_arn(value: str) -> str:
    if not SECRET_ARN_RE.fullmatch(value):
        _fail(
            f"{_show(value)} is not a Secrets Manager secret ARN; expected "
            "arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>"
        )
    return value


def _check_domain_name(value: str) -> str:
    if not DOMAIN_NAME_RE.fullmatch(value):
        _fail(
            f"{_show(value)} is not a DNS name; expected lower-case labels separated by dots, "
            "e.g. notebooks.example.org (no scheme, no path)"
        )
    return value


def _check_ipv4_cidr(value: str) -> str:
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        network = None
    if not IPV4_CIDR_RE.fullmatch(value) or network is None:
        _fail(f"{_show(value)} is not an IPv4 CIDR block with host bits zero, e.g. 203.0.113.0/24")
    return value


CertificateArn = Annotated[str, AfterValidator(_check_certificate_arn)]
SecretArn = Annotated[str, AfterValidator(_check_secret_arn)]
DomainName = Annotated[str, AfterValidator(_check_domain_name)]
Ipv4Cidr = Annotated[str, AfterValidator(_check_ipv4_cidr)]


class OidcProvider(BaseModel):
    """The OpenID Connect identity provider the notebook gateway signs users in with."""

    model_config = _STRICT

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

    model_config = _STRICT

    domain_name: DomainName = Field(
        description="DNS name users open, e.g. notebooks.example.org; point it at the gateway."
    )
    certificate_arn: CertificateArn = Field(
        description="ACM certificate for domain_name, in the stage account and region."
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
    allowed_cidrs: Annotated[list[Ipv4Cidr], _unique("CIDR")] = Field(
        default_factory=lambda: ["0.0.0.0/0"],
        min_length=1,
        max_length=MAX_NOTEBOOK_CIDRS,
        description="Client networks allowed to reach the gateway (IPv4 CIDRs).",
    )
    public_subnet_ids: Annotated[list[SubnetId], _unique("subnet ID")] = Field(
        default_factory=list,
        description=(
            "Public subnets (two or more AZs) for the gateway; required with an existing "
            "network, not allowed with a created one (its public subnets are used)."
        ),
    )


class SmokeTestConfig(BaseModel):
    """The post-deploy smoke test of each pipeline stage."""

    model_config = _STRICT

    role_name: RoleName = Field(
        default="research-catalog-smoke-test",
        description=(
            "Role in every stage account the smoke test assumes: it must trust the pipeline "
            "account and be a principal of a community that lists every published product."
        ),
    )
    timeout_minutes: int = Field(
        default=40, ge=5, le=120, description="Limit per launch or termination, 5..120 minutes."
    )


class DeliveryConfig(BaseModel):
    """The delivery pipeline (stacks/pipeline_stack.py). Only in base.yaml: it spans stages."""

    model_config = _STRICT

    account: AccountId = Field(description="Account of the pipeline (a tooling account).")
    region: Region = Field(description="Region of the pipeline.")
    connection_arn: ConnectionArn = Field(
        description="CodeConnections (CodeStar Connections) connection to the repository host."
    )
    repository: Repository = Field(description="Repository as owner/name, e.g. acme/catalog.")
    branch: str = Field(
        default="main", min_length=1, max_length=255, description="Branch the pipeline deploys."
    )
    pipeline_name: str = Field(
        default="research-catalog",
        pattern=r"^[A-Za-z0-9.@_-]{1,100}$",
        description="CodePipeline name, [A-Za-z0-9.@_-]{1,100}.",
    )
    stage_order: Annotated[list[StageName], _unique("stage")] = Field(
        min_length=1,
        description=(
            "Stages the pipeline deploys, in order. A stage may only publish product versions "
            "the stage before it publishes (promotion)."
        ),
    )
    approval_before: Annotated[list[StageName], _unique("stage")] = Field(
        default_factory=list,
        description="Stages that wait for a manual approval before they deploy, e.g. [prod].",
    )
    smoke_test: SmokeTestConfig = Field(
        default_factory=SmokeTestConfig, description="Post-deploy smoke test settings."
    )

    @model_validator(mode="after")
    def _approvals_name_pipeline_stages(self) -> DeliveryConfig:
        _raise_all(
            [
                (
                    ("approval_before", index),
                    f"stage {name!r} is not deployed by the pipeline"
                    f"{did_you_mean(name, self.stage_order)}; "
                    f"allowed: {', '.join(self.stage_order)} (from stage_order)",
                    name,
                )
                for index, name in enumerate(self.approval_before)
                if name not in self.stage_order
            ]
        )
        return self


class CatalogConfig(BaseModel):
    """The whole configuration of one stage: base.yaml deep-merged with <stage>.yaml."""

    model_config = _STRICT

    # Field order matters: the cross-field validators below read earlier fields.
    stage_name: StageName = Field(
        description="Stage name, set by the loader from the stage file name (not in YAML)."
    )
    stage: StageConfig = Field(description="Target account and region (per stage).")
    catalog: CatalogMetadata = Field(description="Provider and support details shown to users.")
    tags: dict[TagKey, TagValue] = Field(
        default_factory=dict, description="Extra tags applied to every stack."
    )
    operators: OperatorsConfig = Field(description="The team that runs the catalog.")
    network: Network = Field(description="VPC for provisioned products: mode create or existing.")
    storage: StorageConfig = Field(
        default_factory=StorageConfig,
        description="Bucket products: archive and purge, notices, Synapse.",
    )
    products: dict[str, ProductPublication] = Field(
        description="Published products of this stage: product key -> versions."
    )
    communities: dict[CommunityName, Community] = Field(
        description="Research communities of this stage: name -> community (per stage)."
    )
    images: ImagesConfig = Field(
        default_factory=ImagesConfig,
        description="Image pipelines: build here, receive from another account, or neither.",
    )
    notebooks: NotebookGatewayConfig | None = Field(
        default=None,
        description=(
            "Notebook gateway: HTTPS load balancer with OIDC sign-in in front of notebook "
            "workstations (per stage, optional; without it notebooks use port forwarding)."
        ),
    )
    delivery: DeliveryConfig | None = Field(
        default=None,
        description="Delivery pipeline promoting the stages in order (base.yaml only; optional).",
    )
    spokes: SpokesConfig | None = Field(
        default=None,
        # The rule "sharing needs spokes" must also run when the section is absent.
        validate_default=True,
        description=(
            "Accounts that receive shared portfolios get a Spoke stack (per stage; required "
            "when a community shares its portfolio)."
        ),
    )

    # ---- cross-field rules

    @field_validator("notebooks")
    @classmethod
    def _notebooks_in_stage_account(
        cls, notebooks: NotebookGatewayConfig | None, info: ValidationInfo
    ) -> NotebookGatewayConfig | None:
        stage = info.data.get("stage")
        network = info.data.get("network")
        if notebooks is None or not isinstance(stage, StageConfig):
            return notebooks
        errors: list[tuple[tuple[str | int, ...], str, Any]] = []
        for path, arn, pattern in (
            (("certificate_arn",), notebooks.certificate_arn, CERTIFICATE_ARN_RE),
            (("oidc", "client_secret_arn"), notebooks.oidc.client_secret_arn, SECRET_ARN_RE),
        ):
            match = pattern.fullmatch(arn)
            if match and (match["account"], match["region"]) != (stage.account, stage.region):
                errors.append(
                    (
                        path,
                        f"{arn!r} is in {match['account']}/{match['region']}; allowed: the "
                        f"stage account and region {stage.account}/{stage.region}",
                        arn,
                    )
                )
        if isinstance(network, ExistingNetwork) and len(notebooks.public_subnet_ids) < 2:
            errors.append(
                (
                    ("public_subnet_ids",),
                    "an existing network needs the gateway's public subnets; allowed: two or "
                    "more public subnet IDs in different availability zones",
                    notebooks.public_subnet_ids,
                )
            )
        if isinstance(network, CreateVpcNetwork) and notebooks.public_subnet_ids:
            errors.append(
                (
                    ("public_subnet_ids",),
                    "the catalog creates the network, so the gateway uses its public subnets; "
                    "allowed: omit public_subnet_ids",
                    notebooks.public_subnet_ids,
                )
            )
        _raise_all(errors)
        return notebooks

    @field_validator("operators")
    @classmethod
    def _admins_in_stage_account(
        cls, operators: OperatorsConfig, info: ValidationInfo
    ) -> OperatorsConfig:
        stage = info.data.get("stage")
        if isinstance(stage, StageConfig):
            _raise_all(
                [
                    (("admin_role_arns", i), message, arn)
                    for i, arn in enumerate(operators.admin_role_arns)
                    if (message := _foreign_arn_message(arn, stage, or_role_names=False))
                ]
            )
        return operators

    @field_validator("products")
    @classmethod
    def _products_in_registry(
        cls, products: dict[str, ProductPublication], info: ValidationInfo
    ) -> dict[str, ProductPublication]:
        registry = _registry(info)
        known = ", ".join(sorted(registry))
        errors: list[tuple[tuple[str | int, ...], str, Any]] = []
        for key, publication in products.items():
            if key not in registry:
                errors.append(
                    (
                        (key,),
                        f"unknown product {key!r}{did_you_mean(key, registry)}; allowed: {known}",
                        key,
                    )
                )
                continue
            versions = registry[key].version_names
            for index, version in enumerate(publication.versions):
                if version not in versions:
                    errors.append(
                        (
                            (key, "versions", index),
                            f"unknown version {version!r} of product {key!r}; "
                            f"allowed: {', '.join(versions)}",
                            version,
                        )
                    )
        _raise_all(errors)
        return products

    @field_validator("images")
    @classmethod
    def _images_in_stage_region(cls, images: ImagesConfig, info: ValidationInfo) -> ImagesConfig:
        stage = info.data.get("stage")
        if stage is None:
            return images
        errors: list[tuple[tuple[str | int, ...], str, Any]] = []
        for index, target in enumerate(images.distribute_to):
            # Image Builder encrypts the copies with the images key, which lives in one region.
            if target.region != stage.region:
                errors.append(
                    (
                        ("distribute_to", index, "region"),
                        f"{target.region} differs from the stage region; allowed: "
                        f"{stage.region} (build images in each region with its own stage)",
                        target.region,
                    )
                )
            if target.account == stage.account:
                errors.append(
                    (
                        ("distribute_to", index, "account"),
                        f"{target.account} is this stage's own account; allowed: other stage "
                        "accounts (this one always receives its images)",
                        target.account,
                    )
                )
        _raise_all(errors)
        return images

    @field_validator("communities")
    @classmethod
    def _communities_consistent(
        cls, communities: dict[str, Community], info: ValidationInfo
    ) -> dict[str, Community]:
        registry = _registry(info)
        known = ", ".join(sorted(registry))
        stage = info.data.get("stage")
        stage_name = info.data.get("stage_name")
        published = info.data.get("products")
        errors: list[tuple[tuple[str | int, ...], str, Any]] = []

        display_names: dict[str, str] = {}
        claimed: dict[tuple[str, str], str] = {}  # (account, role name casefolded) -> where
        member_count = 0
        for name, community in communities.items():
            folded = community.display_name.strip().casefold()
            if folded in display_names:
                errors.append(
                    (
                        (name, "display_name"),
                        f"display name {community.display_name!r} is already used by community "
                        f"{display_names[folded]!r}; display names must be unique",
                        community.display_name,
                    )
                )
            else:
                display_names[folded] = name

            for index, product in enumerate(community.products):
                if product not in registry:
                    errors.append(
                        (
                            (name, "products", index),
                            f"unknown product {product!r}{did_you_mean(product, registry)}; "
                            f"allowed: {known}",
                            product,
                        )
                    )
                elif isinstance(published, dict) and product not in published:
                    stage_file = _stage_file(info, str(stage_name))
                    errors.append(
                        (
                            (name, "products", index),
                            f"product {product!r} is not published in stage {stage_name!r}: "
                            f"add it under products in {stage_file}; published: "
                            f"{', '.join(published) or '(none)'}",
                            product,
                        )
                    )

            member_budgets = community.budget.member_budgets
            member_count += len(member_budgets.members) if member_budgets else 0
            if member_budgets is not None and member_count > MEMBER_BUDGETS_MAX:
                errors.append(
                    (
                        (name, "budget", "member_budgets", "members"),
                        f"{member_count} member budgets in this stage so far; allowed: at most "
                        f"{MEMBER_BUDGETS_MAX} in all communities (one CloudFormation stack "
                        "holds them)",
                        None,
                    )
                )
            if member_budgets is not None and isinstance(stage_name, str):
                for index, member in enumerate(member_budgets.members):
                    budget = budget_name(stage_name, name, member)
                    if len(budget) > BUDGET_NAME_MAX:
                        errors.append(
                            (
                                (name, "budget", "member_budgets", "members", index),
                                f"the budget name {budget!r} has {len(budget)} characters; AWS "
                                f"Budgets allows {BUDGET_NAME_MAX}: shorten the stage, community "
                                "or member name",
                                member,
                            )
                        )
            for index, pattern in enumerate(community.principals.role_patterns):
                for other_name, other in communities.items():
                    if other_name == name:
                        continue
                    claimed_names = [
                        role
                        for role in other.role_names_resolved()
                        if role_matches_pattern(role, pattern)
                    ]
                    same = [
                        p
                        for p in other.principals.role_patterns
                        if p.casefold() == pattern.casefold()
                    ]
                    if claimed_names or same:
                        errors.append(
                            (
                                (name, "principals", "role_patterns", index),
                                f"pattern {pattern!r} also matches "
                                f"{(claimed_names or same)[0]!r} of community {other_name!r}; "
                                "a role can belong to exactly one community",
                                pattern,
                            )
                        )
                        break

            if not isinstance(stage, StageConfig):
                continue
            for index, account in enumerate(community.sharing.accounts):
                if account == stage.account:
                    errors.append(
                        (
                            (name, "sharing", "accounts", index),
                            f"account {account} is the stage account itself; allowed: other "
                            "accounts of the organization",
                            account,
                        )
                    )
            roles: list[tuple[tuple[str | int, ...], str, str]] = []
            for index, arn in enumerate(community.principals.role_arns):
                loc: tuple[str | int, ...] = (name, "principals", "role_arns", index)
                message = _foreign_arn_message(arn, stage)
                if message:
                    errors.append((loc, message, arn))
                    continue
                _, account, role = parse_role_arn(arn)
                roles.append((loc, account, role))
            for index, role in enumerate(community.principals.role_names):
                roles.append(((name, "principals", "role_names", index), stage.account, role))
            for loc, account, role in roles:
                key = (account, role.casefold())
                where = f"communities.{name}.principals.{loc[2]}[{loc[3]}]"
                if key in claimed and not claimed[key].startswith(f"communities.{name}."):
                    errors.append(
                        (
                            loc,
                            f"role {role!r} is already claimed by {claimed[key]}; "
                            "a role can belong to exactly one community",
                            role,
                        )
                    )
                else:
                    claimed.setdefault(key, where)
        with_jobs = [name for name, c in communities.items() if JOBS_PRODUCT_KEY in c.products]
        if len(with_jobs) > MAX_JOB_COMMUNITIES:
            name = with_jobs[MAX_JOB_COMMUNITIES]
            errors.append(
                (
                    (name, "products", communities[name].products.index(JOBS_PRODUCT_KEY)),
                    f"at most {MAX_JOB_COMMUNITIES} communities may list {JOBS_PRODUCT_KEY!r}: "
                    "each gets 2 of the region's 50 AWS Batch compute environments and job "
                    "queues, a quota AWS does not raise; already listed by "
                    f"{', '.join(with_jobs[:MAX_JOB_COMMUNITIES])}",
                    JOBS_PRODUCT_KEY,
                )
            )
        _raise_all(errors)
        return communities

    @field_validator("spokes")
    @classmethod
    def _spokes_match_sharing(
        cls, spokes: SpokesConfig | None, info: ValidationInfo
    ) -> SpokesConfig | None:
        communities = info.data.get("communities")
        stage = info.data.get("stage")
        if not isinstance(communities, dict):
            return spokes
        shared_accounts = {
            account: name
            for name, community in communities.items()
            for account in community.sharing.accounts
        }
        wide = [
            name
            for name, community in communities.items()
            if community.sharing.organizational_units or community.sharing.organization
        ]
        if spokes is None:
            if shared_accounts or wide:
                sharing = next(iter(shared_accounts.values()), None) or wide[0]
                _fail(
                    f"missing section 'spokes': community {sharing!r} shares its portfolio, "
                    "and products launch only in accounts with a Spoke stack; add spokes: "
                    "{network: ..., member_accounts: [...]} (see config/dev.yaml)"
                )
            return spokes
        errors: list[tuple[tuple[str | int, ...], str, Any]] = []
        for index, account in enumerate(spokes.member_accounts):
            loc: tuple[str | int, ...] = ("member_accounts", index)
            if isinstance(stage, StageConfig) and account == stage.account:
                errors.append(
                    (
                        loc,
                        f"account {account} is the stage account itself; allowed: other "
                        "accounts of the organization",
                        account,
                    )
                )
            elif account in shared_accounts:
                errors.append(
                    (
                        loc,
                        f"account {account} is already a spoke through communities."
                        f"{shared_accounts[account]}.sharing.accounts; list each account once",
                        account,
                    )
                )
        if spokes.member_accounts and not wide:
            errors.append(
                (
                    ("member_accounts",),
                    "no community shares with organizational_units or an organization; "
                    "allowed: an empty list, or share a portfolio with the OU first",
                    None,
                )
            )
        known = [*shared_accounts, *spokes.member_accounts]
        for account in spokes.accounts:
            if account not in known:
                errors.append(
                    (
                        ("accounts", account),
                        f"account {account} is not a spoke; allowed: "
                        f"{', '.join(known) or '(none)'} (sharing.accounts of the communities "
                        "and spokes.member_accounts)",
                        account,
                    )
                )
        if not known:
            errors.append(
                (
                    (),
                    "no spoke account: no community shares with an account and "
                    "member_accounts is empty; remove the spokes section or list the accounts",
                    None,
                )
            )
        _raise_all(errors)
        return spokes

    # ---- conveniences for the stacks

    def spoke_accounts(self) -> list[str]:
        """Every spoke account, in config order: communities' sharing.accounts, then
        spokes.member_accounts."""
        if self.spokes is None:
            return []
        accounts = [a for c in self.communities.values() for a in c.sharing.accounts]
        return list(dict.fromkeys([*accounts, *self.spokes.member_accounts]))

    def spoke_communities(self, account: str) -> dict[str, Community]:
        """The communities whose portfolio reaches ``account`` (by account, OU or organization
        share; a member account is taken to be in every OU shared with)."""
        member = self.spokes is not None and account in self.spokes.member_accounts
        return {
            name: community
            for name, community in self.communities.items()
            if account in community.sharing.accounts
            or (
                member
                and (community.sharing.organizational_units or community.sharing.organization)
            )
        }

    def published_versions(self, product_key: str) -> tuple[str, ...]:
        """Versions of a product published in this stage, in listed order; () if none."""
        publication = self.products.get(product_key)
        return tuple(publication.versions) if publication else ()

    def communities_for(self, product_key: str) -> dict[str, Community]:
        """Communities (name -> community) that list the product, in file order."""
        return {
            name: community
            for name, community in self.communities.items()
            if product_key in community.products
        }

    def budget_name(self, community_name: str, member: str | None = None) -> str:
        return budget_name(self.stage_name, community_name, member)

    def member_principal_arns(self, community_name: str, member: str) -> list[str]:
        """The assumed-role ARN of ``member`` in each role of the community: the value products
        tag as the owner principal, so a member budget can only watch its own community's roles."""
        return [
            f"arn:{self.stage.partition}:sts::{self.stage.account}:assumed-role/{role}/{member}"
            for role in self.communities[community_name].role_names_resolved()
        ]

    def community_role_arns(self, community_name: str) -> list[str]:
        """Every principal ARN of a community, role_names expanded in the stage account."""
        return self.communities[community_name].role_arns_in(
            self.stage.account, self.stage.partition
        )


def budget_name(stage_name: str, community_name: str, member: str | None = None) -> str:
    """Budget names are account-wide: the stage keeps two stages of one account apart, and the
    '.' (not allowed in stage or community names) keeps member budgets apart from communities."""
    name = f"{BUDGET_NAME_PREFIX}-{stage_name}-{community_name}"
    return f"{name}.{member}" if member is not None else name


def _foreign_arn_message(arn: str, stage: StageConfig, *, or_role_names: bool = True) -> str | None:
    partition, account, role = parse_role_arn(arn)
    if account != stage.account:
        return (
            f"role ARN {arn!r} is in account {account}, not the stage account {stage.account}; "
            "the catalog only associates roles of its own account: use "
            f"arn:{stage.partition}:iam::{stage.account}:role/{role}"
            + (" or list it under role_names" if or_role_names else "")
        )
    if partition != stage.partition:
        return (
            f"role ARN {arn!r} is in partition {partition!r}; region {stage.region} is in "
            f"partition {stage.partition!r}"
        )
    return None
