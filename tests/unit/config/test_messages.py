"""config.messages: validation errors reported with file, line, dotted key and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.config.example_configs import (
    BASE,
    BASE_FILE,
    DEV,
    DEV_FILE,
    BadCase,
    as_params,
    assert_bad_input,
    edit,
    load_error,
    problem_line,
    write_config,
)

BAD_CASES: list[BadCase] = [
    (
        "unknown-top-level-key",
        "dev",
        [("stage:\n", "colour: blue\nstage:\n")],
        DEV_FILE,
        "colour",
        [
            "unknown key 'colour'",
            "allowed keys: stage, catalog, tags, operators, network, storage, products, "
            "sign_in, communities",
        ],
        1,
    ),
    (
        "unknown-top-level-key-in-base",
        "base",
        [("operators:\n", "operator:\n  x: 1\noperators:\n")],
        BASE_FILE,
        "operator",
        ["unknown key 'operator'", "did you mean 'operators'?", "allowed keys: stage, catalog"],
        1,
    ),
    (
        "unknown-nested-key",
        "dev",
        [("  region: us-east-1\n", "  region: us-east-1\n  zone: a\n")],
        DEV_FILE,
        "stage.zone",
        ["unknown key 'zone'", "allowed keys: account, region"],
        1,
    ),
    (
        "misspelt-nested-key-in-base",
        "base",
        [("support_email:", "support_mail:")],
        BASE_FILE,
        "catalog.support_mail",
        [
            "did you mean 'support_email'?",
            "allowed keys: provider_name, support_email, support_url, support_description, "
            "documentation_url",
        ],
        2,  # and support_email is now missing
    ),
    (
        "missing-required-key",
        "dev",
        [("    manager_email: challenge@example.org\n", "")],
        DEV_FILE,
        "communities.challenge.manager_email",
        ["missing required key 'manager_email'", "community manager contact email"],
        1,
    ),
    (
        "community-not-a-mapping",
        "dev",
        [("communities:\n", "communities:\n  extra: [a]\n")],
        DEV_FILE,
        "communities.extra",
        ["expected a mapping (key: value), got list"],
        1,
    ),
]


@pytest.mark.parametrize("case", as_params(BAD_CASES))
def test_bad_input_is_reported_with_file_key_and_allowed(tmp_path: Path, case: BadCase) -> None:
    assert_bad_input(tmp_path, case)


def test_error_names_the_line_of_the_key(tmp_path: Path) -> None:
    stage = edit(DEV, ("region: us-east-1", "region: mars-1"))
    error = load_error(write_config(tmp_path, stages={"dev": stage}))

    assert str(error).startswith("config/dev.yaml:3: stage.region: ")
    assert error.problems[0].line == 3
    assert error.problems[0].file == "config/dev.yaml"


def test_all_problems_of_both_files_are_reported_at_once(tmp_path: Path) -> None:
    base = edit(BASE, ("support_email: rc@example.org", "support_email: nope"))
    stage = edit(
        DEV,
        ("region: us-east-1", "region: nowhere"),
        ("cidr: 10.60.0.0/16", "cidr: 10.60.0.0/30"),
        ("display_name: Data Challenge", "display_name: Biomedical"),
    )
    error = load_error(write_config(tmp_path, base=base, stages={"dev": stage}))

    lines = str(error).splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("config/base.yaml:3: catalog.support_email: ")
    assert lines[1].startswith("config/dev.yaml:3: stage.region: ")
    assert lines[2].startswith("config/dev.yaml:6: network.cidr: ")
    assert lines[3].startswith("config/dev.yaml:20: communities.challenge.display_name: ")


def test_key_overridden_in_stage_file_is_blamed_on_the_stage_file(tmp_path: Path) -> None:
    stage = DEV + "catalog:\n  support_email: not-an-email\n"
    error = load_error(write_config(tmp_path, stages={"dev": stage}))

    assert problem_line(error, "catalog.support_email").startswith("config/dev.yaml:")


def test_missing_per_stage_keys_are_blamed_on_the_stage_file(tmp_path: Path) -> None:
    error = load_error(write_config(tmp_path, stages={"dev": ""}))

    for key in ("stage", "network", "communities"):
        line = problem_line(error, key)
        assert line.startswith("config/dev.yaml: "), line
        assert f"missing required key '{key}'" in line


def test_missing_shared_key_is_blamed_on_base(tmp_path: Path) -> None:
    base = edit(BASE, ("operators:\n  notification_email: ops@example.org\n", ""))
    error = load_error(write_config(tmp_path, base=base))

    assert problem_line(error, "operators").startswith("config/base.yaml: ")
