"""config.sections.delivery: the pipeline section."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import load_config
from tests.synth import EXAMPLE_CONFIG_DIR
from tests.unit.config.example_configs import (
    BASE,
    DELIVERY,
    DEV,
    FAKE_REGISTRY,
    PROD,
    edit,
    load_error,
    pipeline_config,
    problem_line,
    write_config,
)


def test_delivery_section_loads_with_defaults(tmp_path: Path) -> None:
    config = load_config("prod", pipeline_config(tmp_path), registry=FAKE_REGISTRY)

    assert config.delivery is not None
    assert config.stages_in_order() == ["dev", "prod"]
    assert config.delivery.branch == "main"
    assert config.delivery.smoke_test.role_name == "research-catalog-smoke-test"


def test_shipped_pipeline_promotes_dev_then_prod_with_approval() -> None:
    config = load_config("prod", EXAMPLE_CONFIG_DIR)
    assert config.delivery is not None
    assert config.stage_order == ["dev", "prod"]
    assert config.delivery.approval_before == ["prod"]


def test_approval_for_a_stage_outside_the_pipeline_is_reported(tmp_path: Path) -> None:
    config_dir = write_config(
        tmp_path,
        base=BASE + edit(DELIVERY, ("approval_before: [prod]", "approval_before: [staging]")),
        stages={"dev": DEV, "prod": PROD},
    )

    line = problem_line(load_error(config_dir), "delivery.approval_before[0]")
    assert "stage 'staging' is not deployed by the pipeline; allowed: dev, prod" in line


def test_stage_order_inside_delivery_says_where_it_moved(tmp_path: Path) -> None:
    moved = edit(
        DELIVERY,
        ("stage_order: [dev, prod]\n", ""),
        ("  approval_before", "  stage_order: [dev, prod]\n  approval_before"),
    )
    config_dir = write_config(tmp_path, base=BASE + moved, stages={"dev": DEV, "prod": PROD})

    line = problem_line(load_error(config_dir), "delivery.stage_order")
    assert line.startswith("config/base.yaml:")
    assert "move it to a top-level stage_order in base.yaml" in line


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("research_catalog", "cannot name the pipeline and its stack (<name>-pipeline)"),
        ("1catalog", "allowed: a letter, then letters, digits and hyphens"),
    ],
)
def test_pipeline_name_must_fit_the_stack_name(tmp_path: Path, name: str, fragment: str) -> None:
    # CodePipeline accepts both, but the CDK refuses the stack name research_catalog-pipeline.
    delivery = edit(DELIVERY, ("  approval_before", f"  pipeline_name: {name}\n  approval_before"))
    config_dir = write_config(tmp_path, base=BASE + delivery, stages={"dev": DEV, "prod": PROD})

    assert fragment in problem_line(load_error(config_dir), "delivery.pipeline_name")


@pytest.mark.parametrize(
    ("old", "new", "key", "fragment"),
    [
        (
            'connection_arn: "arn:aws:codeconnections',
            'connection_arn: "arn:aws:s3',
            "delivery.connection_arn",
            "is not a CodeConnections connection ARN",
        ),
        ("repository: acme/catalog", "repository: catalog", "delivery.repository", "owner/name"),
        ('account: "333333333333"', "account: 333333333333", "delivery.account", "quote it"),
    ],
)
def test_bad_delivery_values(tmp_path: Path, old: str, new: str, key: str, fragment: str) -> None:
    config_dir = write_config(tmp_path, base=BASE + edit(DELIVERY, (old, new)))

    assert fragment in problem_line(load_error(config_dir), key)
