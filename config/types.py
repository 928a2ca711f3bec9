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
from dataclasses import dataclass
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


# ---- cron() and rate() schedules (EventBridge and Image Builder read the same six fields)

MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


@dataclass(frozen=True)
class _CronField:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    step: bool = True  # n/m and */m
    day: bool = False  # ? allowed (exactly one of the two day fields must be ?)
    wildcards: str = ", - * /"

    def value(self, text: str) -> int | None:
        upper = text.upper()
        if upper in self.names:
            return self.low + self.names.index(upper)
        return int(text) if text.isdigit() else None

    def in_range(self, text: str) -> bool:
        number = self.value(text)
        return number is not None and self.low <= number <= self.high

    def item_ok(self, item: str) -> bool:
        """One comma-separated item: *, n, n-m, with /step where allowed, and the day forms
        (L, LW, nW, L-n for the day of the month; L, nL, n#k for the day of the week)."""
        if self.name == "day-of-month" and (
            item in ("L", "LW")
            or (item.endswith("W") and self.in_range(item[:-1]))
            or (item.startswith("L-") and item[2:].isdigit() and 1 <= int(item[2:]) <= 30)
        ):
            return True
        if self.name == "day-of-week":
            if item == "L" or (item.endswith("L") and self.in_range(item[:-1])):
                return True
            if "#" in item:
                day, _, week = item.partition("#")
                return self.in_range(day) and week in ("1", "2", "3", "4", "5")
        base, slash, step = item.partition("/")
        if slash and not (self.step and step.isdigit() and int(step) >= 1):
            return False
        if base == "*":
            return True
        first, dash, last = base.partition("-")
        if dash:
            return self.in_range(first) and self.in_range(last)
        return self.in_range(first)

    def allowed(self) -> str:
        names = f" or {self.names[0]}-{self.names[-1]}" if self.names else ""
        return f"{self.low}-{self.high}{names}, with {self.wildcards}"


CRON_FIELDS = (
    _CronField("minutes", 0, 59),
    _CronField("hours", 0, 23),
    _CronField("day-of-month", 1, 31, day=True, wildcards=", - * ? / L W"),
    _CronField("month", 1, 12, MONTH_NAMES),
    _CronField("day-of-week", 1, 7, DAY_NAMES, step=False, day=True, wildcards=", - * ? L #"),
    _CronField("year", 1970, 2199),
)
CRON_EXAMPLE = "cron(0 9 ? * MON *)"


def cron_problem(expression: str) -> str | None:
    """What is wrong with a cron(...) expression as EventBridge and Image Builder read it, or
    None. Both reject, at deploy time, an expression that sets both day fields."""
    inner = expression[len("cron(") : -1] if expression.startswith("cron(") else ""
    fields = inner.split(" ")
    if not expression.endswith(")") or len(fields) != len(CRON_FIELDS) or "" in fields:
        return (
            "is not a cron expression; allowed: cron(minutes hours day-of-month month "
            f"day-of-week year), six fields separated by single spaces, e.g. {CRON_EXAMPLE}"
        )
    for field, text in zip(CRON_FIELDS, fields, strict=True):
        if text == "?" and field.day:
            continue
        if not all(field.item_ok(item) for item in text.split(",")):
            return f"has {field.name} {text!r}; allowed: {field.allowed()}"
    days = (fields[2], fields[4])
    if days.count("?") != 1:
        return (
            f"has day-of-month {days[0]!r} and day-of-week {days[1]!r}; allowed: exactly one "
            "of the two is '?', e.g. cron(0 9 ? * MON *) (Mondays) or cron(0 9 1 * ? *) (the "
            "1st of each month)"
        )
    return None


RATE_RE = re.compile(r"rate\((?P<value>\d+) (?P<unit>minute|hour|day)(?P<plural>s?)\)")


def rate_problem(expression: str) -> str | None:
    """What is wrong with a rate(...) expression as EventBridge reads it, or None."""
    match = RATE_RE.fullmatch(expression)
    if match is None or int(match["value"]) < 1:
        return "is not a rate expression; allowed: rate(<n> <unit>), e.g. rate(12 hours)"
    if (int(match["value"]) == 1) == bool(match["plural"]):
        unit = match["unit"]
        return f"needs the unit {unit!r} for 1 and {unit + 's'!r} otherwise, e.g. rate(1 {unit})"
    return None


def _check_event_schedule(value: str) -> str:
    if value.startswith("rate("):
        problem = rate_problem(value)
    elif value.startswith("cron("):
        problem = cron_problem(value)
    else:
        problem = (
            "is not an EventBridge schedule; allowed: cron(minutes hours day-of-month month "
            "day-of-week year) or rate(<n> <unit>), in UTC, e.g. cron(0 9 * * ? *)"
        )
    if problem:
        fail(f"{show(value)} {problem}")
    return value


def _check_image_schedule(value: str) -> str:
    problem = cron_problem(value)
    if problem:
        fail(f"{show(value)} {problem} (Image Builder takes cron() only, in UTC)")
    return value


EventSchedule = Annotated[str, AfterValidator(_check_event_schedule)]
ImageSchedule = Annotated[str, AfterValidator(_check_image_schedule)]
