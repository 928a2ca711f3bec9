"""config.loader: loading the shipped stages, stage names, and what only one file may set."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from config import (
    CatalogConfig,
    ConfigError,
    CreateVpcNetwork,
    ExistingNetwork,
    load_config,
)
from tests.synth import EXAMPLE_CONFIG_DIR
from tests.unit.config.example_configs import (
    DELIVERY,
    DEV,
    DEV_FILE,
    FAKE_REGISTRY,
    REPO_ROOT,
    BadCase,
    as_params,
    assert_bad_input,
    load_error,
    problem_line,
    write_config,
)


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_example_stage_loads(stage: str) -> None:
    config = load_config(stage, EXAMPLE_CONFIG_DIR)

    assert isinstance(config, CatalogConfig)
    assert config.stage_name == stage
    assert config.catalog.provider_name == "Research Computing"
    assert config.catalog.documentation_url.startswith("https://")
    # dev publishes the newest linux-docker version before prod does.
    assert (
        config.published_versions("linux-docker")
        == {"dev": ("v1", "v2", "v3", "v4", "v5"), "prod": ("v1",)}[stage]
    )
    assert (
        set(config.communities)
        == {
            "dev": {"biomedical", "challenge", "consortium"},
            "prod": {"biomedical", "challenge"},
        }[stage]
    )
    for community in config.communities.values():
        for arn in community.role_arns_in(config.stage.account, config.stage.partition):
            assert f":iam::{config.stage.account}:role/" in arn


def test_example_stages_differ_where_they_should() -> None:
    dev, prod = load_config("dev", EXAMPLE_CONFIG_DIR), load_config("prod", EXAMPLE_CONFIG_DIR)

    assert (dev.stage.account, prod.stage.account) == ("111111111111", "222222222222")
    assert isinstance(dev.network, CreateVpcNetwork)
    assert dev.network.cidr == "10.60.0.0/16"
    assert isinstance(prod.network, ExistingNetwork)
    assert prod.network.create_endpoints is True
    assert prod.network.vpc_cidr is not None
    assert len(prod.network.private_subnet_ids) == 2
    # base tags survive, the stage's Environment tag is added
    assert dev.tags["Environment"] == "dev" and prod.tags["Environment"] == "prod"
    assert dev.tags["Application"] == prod.tags["Application"]


def test_default_stage_is_dev() -> None:
    assert load_config(None, EXAMPLE_CONFIG_DIR).stage_name == "dev"


def test_example_dev_communities() -> None:
    config = load_config("dev", EXAMPLE_CONFIG_DIR)
    biomedical = config.communities["biomedical"]
    challenge = config.communities["challenge"]

    assert biomedical.cost_centers == ["Oncology Lab / 101000", "Genomics Core / 102000"]
    assert biomedical.owner_email("jdoe") == "jdoe@example.org"
    assert challenge.display_name == "Data Challenge"
    assert challenge.owner_email("jdoe") is None
    assert config.community_role_arns("challenge") == [
        "arn:aws:iam::111111111111:role/DataChallengeParticipants"
    ]
    assert list(config.communities_for("linux-docker")) == ["biomedical", "challenge", "consortium"]
    assert config.community_role_arns("consortium") == [
        "arn:aws:iam::111111111111:role/research-catalog-sign-in-consortium"
    ]
    assert config.communities_for("not-a-product") == {}
    assert config.published_versions("not-a-product") == ()


def test_importing_and_loading_config_does_not_import_cdk() -> None:
    code = (
        f"import sys, config; config.load_config('dev', {str(EXAMPLE_CONFIG_DIR)!r}); "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'constructs', 'jsii')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)


def test_stage_file_overrides_one_nested_key_of_base(tmp_path: Path) -> None:
    stage = DEV + "catalog:\n  support_url: https://dev.example.org/help\n"
    config_dir = write_config(tmp_path, stages={"dev": stage})

    config = load_config("dev", config_dir, registry=FAKE_REGISTRY)

    assert config.catalog.support_url == "https://dev.example.org/help"
    assert config.catalog.provider_name == "Research Computing"  # from base
    assert config.catalog.support_email == "rc@example.org"  # from base


def test_stage_file_replaces_a_base_list(tmp_path: Path) -> None:
    stage = DEV + "products:\n  linux-docker:\n    versions: [v2]\n  rstudio:\n    versions: [v1]\n"
    config_dir = write_config(tmp_path, stages={"dev": stage})

    config = load_config("dev", config_dir, registry=FAKE_REGISTRY)

    assert config.published_versions("linux-docker") == ("v2",)
    assert config.published_versions("rstudio") == ("v1",)


def test_minimal_config_defaults(tmp_path: Path) -> None:
    config = load_config("dev", write_config(tmp_path), registry=FAKE_REGISTRY)

    assert isinstance(config.network, CreateVpcNetwork)
    assert (config.network.max_azs, config.network.nat_gateways) == (2, 1)
    assert config.tags == {}
    assert config.operators.admin_role_arns == []
    assert config.communities["bio"].description == ""


BAD_CASES: list[BadCase] = [
    (
        "stage-name-written-in-yaml",
        "dev",
        [("stage:\n", "stage_name: prod\nstage:\n")],
        DEV_FILE,
        "stage_name",
        ["set from the stage file name; remove it"],
        1,
    ),
]


@pytest.mark.parametrize("case", as_params(BAD_CASES))
def test_bad_input_is_reported_with_file_key_and_allowed(tmp_path: Path, case: BadCase) -> None:
    assert_bad_input(tmp_path, case)


def test_unknown_stage(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path, stages={"dev": DEV, "prod": DEV})

    error = load_error(config_dir, stage="qa")

    assert str(error) == "unknown stage 'qa': no config/qa.yaml; available stages: dev, prod"


@pytest.mark.parametrize("stage", ["base", "../config/dev", "Dev"])
def test_stage_names_that_are_not_stages(tmp_path: Path, stage: str) -> None:
    config_dir = write_config(tmp_path)

    error = load_error(config_dir, stage=stage)

    assert str(error).startswith(f"unknown stage '{stage}': ")
    assert str(error).endswith("available stages: dev")


def test_unknown_stage_names_the_missing_file_and_the_stages() -> None:
    with pytest.raises(
        ConfigError,
        match=r"no tests/example_org/config/qa\.yaml; available stages: dev, prod$",
    ):
        load_config("qa", EXAMPLE_CONFIG_DIR)


def test_delivery_in_a_stage_file_is_rejected(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path, stages={"dev": DEV + DELIVERY})

    line = problem_line(load_error(config_dir), "delivery")
    assert line.startswith("config/dev.yaml:")
    assert "'delivery' spans every stage; set it in config/base.yaml instead" in line
