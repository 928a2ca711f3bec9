"""config.types: the scalar types shared by several sections."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import pydantic
import pytest

from config.types import cron_problem, matching, rate_problem, unique
from tests.unit.config.example_configs import (
    BASE_FILE,
    DEV_FILE,
    BadCase,
    as_params,
    assert_bad_input,
)

BAD_CASES: list[BadCase] = [
    (
        "malformed-role-arn",
        "dev",
        [("role/BioUsers", "user/BioUsers")],
        DEV_FILE,
        "communities.bio.principals.role_arns[0]",
        [
            "'arn:aws:iam::111111111111:user/BioUsers' is not an IAM role ARN",
            r"must match ^arn:aws(-[a-z]+)*:iam::\d{12}:role/(path/)*name$",
        ],
        1,
    ),
    (
        "account-not-12-digits",
        "dev",
        [('account: "111111111111"', 'account: "11111111111"')],
        DEV_FILE,
        "stage.account",
        ["'11111111111' is not a 12-digit AWS account ID", r"must match ^\d{12}$"],
        # no follow-up "role ARN in another account" noise while the account is invalid
        1,
    ),
    (
        "account-as-yaml-int",
        "dev",
        [('account: "111111111111"', "account: 111111111111")],
        DEV_FILE,
        "stage.account",
        ["got the YAML number 111111111111", "quote it: account IDs are 12-digit strings"],
        1,
    ),
    (
        "bad-region",
        "dev",
        [("region: us-east-1", "region: us-east")],
        DEV_FILE,
        "stage.region",
        ["'us-east' is not an AWS region name", r"must match ^[a-z]{2}(-gov)?-[a-z]+-\d$"],
        1,
    ),
    (
        "bad-role-name",
        "dev",
        [("role_names: [ChallengeUsers]", "role_names: [Challenge Users]")],
        DEV_FILE,
        "communities.challenge.principals.role_names[0]",
        ["'Challenge Users' is not an IAM role name", r"must match [\w+=,.@-]{1,64}"],
        1,
    ),
    (
        "bad-email",
        "dev",
        [("manager_email: bio@example.org", "manager_email: bio(at)example.org")],
        DEV_FILE,
        "communities.bio.manager_email",
        ["'bio(at)example.org' is not an email address", "expected name@example.org"],
        1,
    ),
    (
        "bad-email-in-base",
        "base",
        [("notification_email: ops@example.org", "notification_email: ops@localhost")],
        BASE_FILE,
        "operators.notification_email",
        ["'ops@localhost' is not an email address", "expected name@example.org"],
        1,
    ),
    (
        "tag-key-starting-with-aws",
        "dev",
        [("stage:\n", "tags:\n  aws:createdBy: me\nstage:\n")],
        DEV_FILE,
        'tags["aws:createdBy"]',
        ["tag key 'aws:createdBy' starts with 'aws:'", "reserves"],
        1,
    ),
    (
        "tag-key-reserved-by-the-catalog",
        "dev",
        [("stage:\n", "tags:\n  Community: everyone\nstage:\n")],
        DEV_FILE,
        "tags.Community",
        ["tag key 'Community' is reserved by the catalog", "choose another key"],
        1,
    ),
]


@pytest.mark.parametrize("case", as_params(BAD_CASES))
def test_bad_input_is_reported_with_file_key_and_allowed(tmp_path: Path, case: BadCase) -> None:
    assert_bad_input(tmp_path, case)


def test_matching_names_the_value_and_leaves_other_braces_alone() -> None:
    twice = matching(re.compile(r"^x{2}$"), "{value} is not xx; must match ^x{2}$")

    class Model(pydantic.BaseModel):
        value: Annotated[str, twice]

    assert Model(value="xx").value == "xx"
    with pytest.raises(pydantic.ValidationError) as info:
        Model(value="{value}")
    (error,) = info.value.errors()
    assert (error["type"], error["msg"]) == (
        "config_invalid",
        "'{value}' is not xx; must match ^x{2}$",
    )


def test_unique_reports_every_repeat_at_its_index() -> None:
    class Model(pydantic.BaseModel):
        names: Annotated[list[str], unique("name", casefold=True)]

    assert Model(names=["a", "b"]).names == ["a", "b"]
    with pytest.raises(pydantic.ValidationError) as info:
        Model(names=["a", "A", "b", "a"])
    assert [(error["loc"], error["msg"]) for error in info.value.errors()] == [
        (("names", 1), "duplicate name 'A' (also at [0]); each entry must appear once"),
        (("names", 3), "duplicate name 'a' (also at [0]); each entry must appear once"),
    ]


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 9 ? * MON *)",
        "cron(0 9 * * ? *)",
        "cron(0/15 * ? * * *)",
        "cron(0 9 ? * MON-FRI *)",
        "cron(30 2 1,15 JAN-MAR ? 2027)",
        "cron(0 9 L * ? *)",
        "cron(0 9 15W * ? *)",
        "cron(0 9 ? * 6#3 *)",
        "cron(0 9 ? * FRIL *)",
    ],
)
def test_cron_expressions_aws_accepts_pass(expression: str) -> None:
    assert cron_problem(expression) is None


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("cron(0 9 * * MON *)", "exactly one of the two is '?'"),
        ("cron(0 9 ? * ? *)", "exactly one of the two is '?'"),
        ("cron(0 9 * * *)", "six fields separated by single spaces"),
        ("cron(60 9 ? * MON *)", "has minutes '60'"),
        ("cron(0 24 ? * MON *)", "has hours '24'"),
        ("cron(0 9 32 * ? *)", "has day-of-month '32'"),
        ("cron(0 9 ? * 8 *)", "has day-of-week '8'"),
        ("cron(0 9 ? * MON/2 *)", "has day-of-week 'MON/2'"),
        ("cron(0 9 ? * MON 1969)", "has year '1969'"),
        ("cron(0 9 ? * 2#6 *)", "has day-of-week '2#6'"),
    ],
)
def test_cron_expressions_aws_refuses_are_explained(expression: str, fragment: str) -> None:
    assert fragment in (cron_problem(expression) or "")


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("rate(1 day)", None),
        ("rate(12 hours)", None),
        ("rate(1 days)", "needs the unit 'day' for 1 and 'days' otherwise"),
        ("rate(0 hours)", "is not a rate expression"),
        ("rate(2 weeks)", "is not a rate expression"),
    ],
)
def test_rate_expressions(expression: str, problem: str | None) -> None:
    found = rate_problem(expression)
    if problem is None:
        assert found is None
    else:
        assert problem in (found or "")
