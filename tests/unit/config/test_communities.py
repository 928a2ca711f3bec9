"""config.sections.communities: principals, products, cost centers, owner emails, sharing."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import load_config
from tests.unit.config.example_configs import (
    DEV,
    DEV_FILE,
    FAKE_REGISTRY,
    MANAGER_LINE,
    ROLE_NAMES_LINE,
    SHARING,
    SPOKES,
    BadCase,
    as_params,
    assert_bad_input,
    challenge_problem,
    edit,
    write_config,
)


def test_community_principal_helpers(tmp_path: Path) -> None:
    stage = edit(
        DEV,
        (
            "role_arns: [arn:aws:iam::111111111111:role/BioUsers]",
            "role_arns: [arn:aws:iam::111111111111:role/team/a/BioUsers]\n"
            "      role_names: [BioAdmins]",
        ),
    )
    config = load_config(
        "dev", write_config(tmp_path, stages={"dev": stage}), registry=FAKE_REGISTRY
    )
    bio = config.communities["bio"]

    assert bio.role_arns_in("111111111111") == [
        "arn:aws:iam::111111111111:role/team/a/BioUsers",
        "arn:aws:iam::111111111111:role/BioAdmins",
    ]
    assert bio.role_arns_in("111111111111", "aws-us-gov")[1] == (
        "arn:aws-us-gov:iam::111111111111:role/BioAdmins"
    )
    assert bio.role_names_resolved() == ["BioUsers", "BioAdmins"]


BAD_CASES: list[BadCase] = [
    (
        "empty-principal-list",
        "dev",
        [("role_names: [ChallengeUsers]", "role_names: []")],
        DEV_FILE,
        "communities.challenge.principals",
        ["empty principal list: give role_arns, role_names or role_patterns"],
        1,
    ),
    (
        "same-role-twice-in-one-community",
        "dev",
        [
            (
                "role_arns: [arn:aws:iam::111111111111:role/BioUsers]",
                "role_arns: [arn:aws:iam::111111111111:role/BioUsers]\n"
                "      role_names: [BioUsers]",
            )
        ],
        DEV_FILE,
        "communities.bio.principals.role_names[0]",
        ["role 'BioUsers' is already listed as role_arns[0]"],
        1,
    ),
    (
        "owner-template-without-session",
        "dev",
        [
            (
                'owner_email_template: "{session}@example.org"',
                "owner_email_template: owner@example.org",
            )
        ],
        DEV_FILE,
        "communities.bio.owner_email_template",
        ["has no {session} placeholder", "must contain {session} and no other {placeholder}"],
        1,
    ),
    (
        "owner-template-with-other-placeholder",
        "dev",
        [('"{session}@example.org"', '"{session}.{dept}@example.org"')],
        DEV_FILE,
        "communities.bio.owner_email_template",
        ["uses {dept}", "must contain {session} and no other {placeholder}"],
        1,
    ),
    (
        "owner-template-not-an-email",
        "dev",
        [('"{session}@example.org"', '"{session}"')],
        DEV_FILE,
        "communities.bio.owner_email_template",
        ["does not produce an email address", "gives 'jane.doe'"],
        1,
    ),
    (
        "empty-cost-centers",
        "dev",
        [("cost_centers: [Data Challenge / 300000]", "cost_centers: []")],
        DEV_FILE,
        "communities.challenge.cost_centers",
        ["must not be empty", "at least 1 entry"],
        1,
    ),
    (
        "cost-center-as-yaml-int",
        "dev",
        [("cost_centers: [Data Challenge / 300000]", "cost_centers: [300000]")],
        DEV_FILE,
        "communities.challenge.cost_centers[0]",
        ["expected a string, got integer 300000", "quote it"],
        1,
    ),
    (
        "bad-community-name",
        "dev",
        [("  bio:\n", "  Bio_Med:\n")],
        DEV_FILE,
        "communities.Bio_Med",
        ["community name 'Bio_Med' is invalid", "must match ^[a-z][a-z0-9-]{1,30}$"],
        1,
    ),
]


@pytest.mark.parametrize("case", as_params(BAD_CASES))
def test_bad_input_is_reported_with_file_key_and_allowed(tmp_path: Path, case: BadCase) -> None:
    assert_bad_input(tmp_path, case)


def test_sharing_and_role_patterns_load(tmp_path: Path) -> None:
    dev = edit(
        DEV,
        (
            "      role_names: [ChallengeUsers]\n",
            "      role_names: [ChallengeUsers]\n"
            "      role_patterns: [aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Challenge_*]\n",
        ),
        (
            "    manager_email: challenge@example.org\n",
            "    manager_email: challenge@example.org\n" + SHARING,
        ),
    )
    dev += SPOKES
    config = load_config("dev", write_config(tmp_path, stages={"dev": dev}), registry=FAKE_REGISTRY)

    challenge = config.communities["challenge"]
    assert challenge.sharing.accounts == ["444444444444"]
    assert challenge.role_pattern_arns() == [
        "arn:aws:iam:::role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Challenge_*"
    ]


@pytest.mark.parametrize(
    ("sharing", "key", "fragment"),
    [
        (
            "      organizational_units: [ou-1]\n",
            "sharing.organizational_units[0]",
            "ou-ab12-cdef3456",
        ),
        ("      organization: org-1\n", "sharing.organization", "o-a1b2c3d4e5"),
    ],
)
def test_bad_sharing(tmp_path: Path, sharing: str, key: str, fragment: str) -> None:
    added = "    sharing:\n" + sharing
    line = challenge_problem(
        tmp_path, after=MANAGER_LINE, added=added, key=f"communities.challenge.{key}"
    )
    assert fragment in line


@pytest.mark.parametrize(
    ("patterns", "key", "fragment"),
    [
        ("['*']", "role_patterns[0]", "matches almost any role"),
        ("[Bad/Name/]", "role_patterns[0]", "is not a role name pattern"),
        (
            "[" + ", ".join(f"Pattern{i}_*" for i in range(11)) + "]",
            "role_patterns",
            "has 11 entries; allowed: at most 10 entries",
        ),
    ],
)
def test_bad_role_patterns(tmp_path: Path, patterns: str, key: str, fragment: str) -> None:
    added = f"      role_patterns: {patterns}\n"
    line = challenge_problem(
        tmp_path, after=ROLE_NAMES_LINE, added=added, key=f"communities.challenge.principals.{key}"
    )
    assert fragment in line
