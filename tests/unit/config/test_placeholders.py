"""config.placeholders: the example values an adopter must replace, listed with file, line and
key (`make check-config`); stacks/stage.py turns them into a deploy-time refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.placeholders import for_pipeline, for_stage, kind_of, main
from tests.unit.config.example_configs import (
    BASE,
    DELIVERY,
    DEV,
    PROD,
    edit,
    write_config,
)

REAL_BASE = edit(
    BASE,
    ("rc@example.org", "research-computing@institute.edu"),
    ("https://example.org/support", "https://help.institute.science/catalog"),
    ("https://example.org/docs", "https://github.com/institute/catalog/blob/main/docs"),
    ("ops@example.org", "ops@institute.science"),
)
REAL_DEV = edit(
    DEV,
    ('account: "111111111111"', 'account: "583920174655"'),
    ("arn:aws:iam::111111111111:role/BioUsers", "arn:aws:iam::583920174655:role/BioUsers"),
    ("bio@example.org", "bio@institute.science"),
    ('"{session}@example.org"', '"{session}@institute.science"'),
    ("challenge@example.org", "challenge@institute.science"),
)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("111111111111", "the example account ID 111111111111"),
        ("arn:aws:iam::222222222222:role/X", "the example account ID 222222222222"),
        ("arn:aws:iam::123456789012:role/X", "the example account ID 123456789012"),
        ("rc@example.org", "the domain example.org, reserved for documentation"),
        ("{session}@example.com", "the domain example.com, reserved for documentation"),
        ("https://example.net/help", "the domain example.net, reserved for documentation"),
        (
            "notebooks.dev.example.org",
            "the domain notebooks.dev.example.org, reserved for documentation",
        ),
        ("https://catalog.test/docs", "the domain catalog.test, reserved for documentation"),
        ("example-org/research-service-catalog", "the example GitHub organisation example-org"),
        ("vpc-0123456789abcdef0", "the made-up ID 0123456789abcdef"),
        ("subnet-0fedcba9876543210", "the made-up ID fedcba9876543210"),
    ],
)
def test_example_values_are_placeholders(value: str, kind: str) -> None:
    assert kind_of(value) == kind


@pytest.mark.parametrize(
    "value",
    [
        "583920174655",
        "arn:aws:iam::583920174655:role/ResearchCatalogUsers",
        "research-computing@institute.science",
        "https://www.synapse.org",
        "https://github.com/example-organisation/catalog",
        "rc@myexample.org",
        "10.60.0.0/16",
        "subnet-0a7c2e1f4b9d83e56",
        "325565585839",
        "test",
        "Environment test",
        "for example, the oncology group",
        "https://ci.test-lab.org",
    ],
)
def test_real_values_are_not(value: str) -> None:
    assert kind_of(value) is None


def test_each_placeholder_is_listed_with_its_file_line_and_key(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path, base=REAL_BASE + DELIVERY, stages={"dev": DEV})

    found = {p.key: p for p in for_stage("dev", config_dir)}

    assert sorted(found) == [
        "communities.bio.manager_email",
        "communities.bio.owner_email_template",
        "communities.bio.principals.role_arns[0]",
        "communities.challenge.manager_email",
        "stage.account",
    ]
    account = found["stage.account"]
    assert (account.file, account.line) == ("config/dev.yaml", 2)
    assert str(account) == (
        "config/dev.yaml:2: stage.account: '111111111111' holds the example account ID "
        "111111111111; replace it with your own"
    )


def test_a_base_value_the_stage_replaces_is_not_reported(tmp_path: Path) -> None:
    own = REAL_DEV + "catalog:\n  support_email: help@institute.edu\n"
    config_dir = write_config(tmp_path, base=BASE, stages={"dev": own})

    keys = {p.key for p in for_stage("dev", config_dir)}

    assert "catalog.support_email" not in keys
    assert "catalog.support_url" in keys


def test_the_pipeline_section_is_the_pipelines_not_a_stages(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path, base=REAL_BASE + DELIVERY, stages={"dev": REAL_DEV})

    assert for_stage("dev", config_dir) == []
    assert [p.key for p in for_pipeline(config_dir)] == [
        "delivery.account",
        "delivery.connection_arn",
    ]


def test_check_config_lists_them_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir = write_config(tmp_path, base=REAL_BASE, stages={"dev": DEV})

    assert main(["--stage", "dev"], config_dir=config_dir) == 1

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6
    assert lines[0].startswith("config/dev.yaml:")
    assert lines[-1] == (
        "5 placeholder(s) left in stage dev: cdk deploy refuses it until they are replaced "
        "(make check-config STAGE=dev lists them)"
    )


def test_check_config_passes_an_adopted_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir = write_config(tmp_path, base=REAL_BASE, stages={"dev": REAL_DEV})

    assert main(["--stage", "dev"], config_dir=config_dir) == 0
    assert capsys.readouterr().out == "No placeholder left in stage dev.\n"


def test_check_config_of_the_pipeline_covers_delivery_and_every_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prod = edit(
        REAL_DEV,
        ('account: "583920174655"', 'account: "222222222222"'),
        ("arn:aws:iam::583920174655:role/BioUsers", "arn:aws:iam::222222222222:role/BioUsers"),
    )
    config_dir = write_config(
        tmp_path, base=REAL_BASE + DELIVERY, stages={"dev": REAL_DEV, "prod": prod}
    )

    assert main(["--pipeline"], config_dir=config_dir) == 1

    out = capsys.readouterr().out
    assert "config/base.yaml:" in out and "delivery.account" in out
    assert "config/prod.yaml:2: stage.account" in out
    assert "config/dev.yaml" not in out


def test_an_invalid_stage_is_reported_as_a_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir = write_config(tmp_path, stages={"dev": DEV, "prod": PROD})
    assert main(["--stage", "qa"], config_dir=config_dir) == 2
    assert "unknown stage 'qa'" in capsys.readouterr().err
