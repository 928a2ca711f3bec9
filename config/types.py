"""Constrained scalar types shared by several config sections.

Most are a regular expression and a message: `matching` builds those. The few that need more
(lengths, CIDR arithmetic, URL parsing) are functions of their own. A type used by one section
only lives in that section's module, built the same way.

Messages are final text: they say what was given and what is allowed.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, ConfigDict

from config.errors import Violation, fail, raise_all, show

# Every model: frozen, unknown keys rejected, no silent coercion ("3" is not 3).
STRICT = ConfigDict(extra="forbid", frozen=True, strict=True)

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
SUBNET_ID_RE = re.compile(r"^subnet-[0-9a-f]{8,17}$")
# AWS tag keys and values: Unicode letters, digits, white space and _ . : / = + - @
TAG_CHARS_RE = re.compile(r"^[\w\s.:/=+\-@]*$")
TAG_CHARS_ALLOWED = "letters, digits, spaces and _ . : / = + - @"


def matching(pattern: re.Pattern[str], message: str) -> AfterValidator:
    """A string check: the whole value must match `pattern`, else the error is `message` with
    `{value}` replaced by the value as written in YAML (no other placeholder, so regular
    expressions in the message need no escaping)."""

    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            fail(message.replace("{value}", show(value)))
        return value

    return AfterValidator(check)


def unique(what: str, *, casefold: bool = False) -> AfterValidator:
    """A list check: every entry once (compared case-insensitively with casefold)."""

    def check(items: list[str]) -> list[str]:
        seen: dict[str, int] = {}
        violations: list[Violation] = []
        for index, item in enumerate(items):
            key = item.casefold() if casefold else item
            if key in seen:
                violations.append(
                    (
                        (index,),
                        f"duplicate {what} {show(item)} (also at [{seen[key]}]); "
                        "each entry must appear once",
                        item,
                    )
                )
            else:
                seen[key] = index
        raise_all(violations)
        return items

    return AfterValidator(check)


def cidr(low: int, high: int) -> AfterValidator:
    """An IPv4 CIDR block written exactly (no host bits) with a prefix length in low..high."""

    def check(value: str) -> str:
        try:
            network = ipaddress.IPv4Network(value, strict=False)
        except ValueError:
            fail(f"{show(value)} is not an IPv4 CIDR block; expected e.g. 10.60.0.0/16")
        if "/" not in value:
            fail(f"{show(value)} has no prefix length; expected e.g. 10.60.0.0/16")
        if str(network) != value:
            fail(f"{show(value)} has host bits set; did you mean {network}?")
        if not low <= network.prefixlen <= high:
            fail(f"{show(value)} has prefix length /{network.prefixlen}; allowed: /{low}../{high}")
        return value

    return AfterValidator(check)


def _account_not_int(value: Any) -> Any:
    # Unquoted, YAML reads an account ID as a number (and drops leading zeros).
    if isinstance(value, int) and not isinstance(value, bool):
        fail(
            f"got the YAML number {value}; quote it: account IDs are 12-digit strings "
            '(pattern ^\\d{12}$), e.g. account: "111111111111"'
        )
    return value


def _check_email(value: str) -> str:
    if len(value) > 254 or not EMAIL_RE.fullmatch(value):
        fail(f"{show(value)} is not an email address; expected name@example.org")
    return value


def _check_https_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc or any(c.isspace() for c in value):
        fail(f"{show(value)} is not an https URL; expected https://host/path")
    return value


# Tag keys that decide who owns, reaches and pays for a product (the same list as
# catalog_constructs.contract.RESERVED_TAG_KEY_PATTERNS, a test compares them): launch roles
# refuse stack tags with them, so a stage tag with one would fail every launch.
RESERVED_TAG_KEYS = ("research-catalog:*", "Owner", "OwnerEmail", "Community")


def _check_tag_key(value: str) -> str:
    if not 1 <= len(value) <= 128:
        fail(f"tag key {show(value)} has {len(value)} characters; allowed: 1..128")
    if value.lower().startswith("aws:"):
        fail(f"tag key {show(value)} starts with 'aws:', which AWS reserves for its own tags")
    if any(fnmatch.fnmatchcase(value, pattern) for pattern in RESERVED_TAG_KEYS):
        fail(
            f"tag key {show(value)} is reserved by the catalog "
            f"({', '.join(RESERVED_TAG_KEYS)}: they decide who owns and pays for a product); "
            "choose another key"
        )
    if not TAG_CHARS_RE.fullmatch(value):
        fail(f"tag key {show(value)} has characters AWS rejects; allowed: {TAG_CHARS_ALLOWED}")
    return value


def _check_tag_value(value: str) -> str:
    if len(value) > 256:
        fail(f"tag value has {len(value)} characters; allowed: 0..256")
    if not TAG_CHARS_RE.fullmatch(value):
        fail(f"tag value {show(value)} has characters AWS rejects; allowed: {TAG_CHARS_ALLOWED}")
    return value


def _check_cost_center(value: str) -> str:
    # Cost centers become tag values of the launched products.
    if not 1 <= len(value) <= 256:
        fail(f"cost center has {len(value)} characters; allowed: 1..256")
    if not TAG_CHARS_RE.fullmatch(value):
        fail(
            f"cost center {show(value)} has characters AWS rejects in tag values; "
            f"allowed: {TAG_CHARS_ALLOWED}"
        )
    return value


AccountId = Annotated[
    str,
    BeforeValidator(_account_not_int),
    matching(ACCOUNT_RE, "{value} is not a 12-digit AWS account ID; must match ^\\d{12}$"),
]
Region = Annotated[
    str,
    matching(
        REGION_RE,
        "{value} is not an AWS region name; must match ^[a-z]{2}(-gov)?-[a-z]+-\\d$ "
        "(e.g. us-east-1, eu-west-2)",
    ),
]
Email = Annotated[str, AfterValidator(_check_email)]
HttpsUrl = Annotated[str, AfterValidator(_check_https_url)]
RoleArn = Annotated[
    str,
    matching(
        ROLE_ARN_RE,
        f"{{value}} is not an IAM role ARN; must match {ROLE_ARN_PATTERN} "
        f"with name {ROLE_NAME_PATTERN} (e.g. arn:aws:iam::111111111111:role/MyRole)",
    ),
]
RoleName = Annotated[
    str,
    matching(
        ROLE_NAME_RE,
        f"{{value}} is not an IAM role name; must match {ROLE_NAME_PATTERN} "
        "(a bare name without path; give roles with a path under role_arns)",
    ),
]
SubnetId = Annotated[
    str, matching(SUBNET_ID_RE, f"{{value}} is not a subnet ID; must match {SUBNET_ID_RE.pattern}")
]
StageName = Annotated[
    str,
    matching(STAGE_NAME_RE, f"stage name {{value}} is invalid; must match {STAGE_NAME_RE.pattern}"),
]
TagKey = Annotated[str, AfterValidator(_check_tag_key)]
TagValue = Annotated[str, AfterValidator(_check_tag_value)]
CostCenter = Annotated[str, AfterValidator(_check_cost_center)]


def parse_role_arn(arn: str) -> tuple[str, str, str]:
    """(partition, account, role name) of a valid role ARN."""
    match = ROLE_ARN_RE.fullmatch(arn)
    if match is None:
        raise ValueError(f"not an IAM role ARN: {arn!r}")
    return match["partition"], match["account"], match["name"]
