"""config.rules.stages: a stage against the other stage files."""

from __future__ import annotations

from pathlib import Path

from config import load_config
from tests.unit.config.example_configs import (
    BASE,
    DELIVERY,
    DEV,
    FAKE_REGISTRY,
    PROD,
    STAGE_ORDER,
    edit,
    load_error,
    pipeline_config,
    problem_line,
    write_config,
)


def test_two_stages_cannot_target_one_account_and_region(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path, stages={"dev": DEV, "qa": DEV})
    message = str(load_error(config_dir, "qa"))
    assert "config/qa.yaml" in message
    assert "stage" in message
    assert "already the target of stage 'dev' (config/dev.yaml)" in message
    assert "allowed: one catalog stage per account and region" in message


def test_stages_in_one_account_but_different_regions_load(tmp_path: Path) -> None:
    other_region = edit(DEV, ("region: us-east-1", "region: eu-west-1"))
    config_dir = write_config(
        tmp_path, base=BASE + "stage_order: [dev, eu]\n", stages={"dev": DEV, "eu": other_region}
    )
    assert load_config("eu", config_dir, registry=FAKE_REGISTRY).stage.region == "eu-west-1"


def test_prod_listing_a_version_dev_does_not_publish_fails_clearly(tmp_path: Path) -> None:
    config_dir = pipeline_config(
        tmp_path, prod_extra="products:\n  linux-docker:\n    versions: [v1, v2]\n"
    )

    error = load_error(config_dir, "prod")

    line = problem_line(error, "products.linux-docker.versions[1]")
    assert line.startswith("config/prod.yaml:")
    assert "version 'v2' of product 'linux-docker' is not published in stage 'dev'" in line
    assert "(config/dev.yaml), which comes before 'prod' in stage_order" in line
    assert line.endswith("allowed: v1")


def test_prod_listing_a_product_dev_does_not_publish_fails(tmp_path: Path) -> None:
    config_dir = pipeline_config(
        tmp_path,
        prod_extra="products:\n  rstudio:\n    versions: [v1]\n",
    )

    line = problem_line(load_error(config_dir, "prod"), "products.rstudio.versions[0]")
    assert "allowed: (none: the product is not published there)" in line


def test_prod_may_publish_fewer_versions_than_dev(tmp_path: Path) -> None:
    config_dir = pipeline_config(tmp_path, base_products="    versions: [v1, v2]\n")
    (config_dir / "prod.yaml").write_text(PROD + "products:\n  linux-docker:\n    versions: [v2]\n")

    config = load_config("prod", config_dir, registry=FAKE_REGISTRY)
    assert config.published_versions("linux-docker") == ("v2",)


def test_the_first_stage_is_not_checked_against_others(tmp_path: Path) -> None:
    config_dir = pipeline_config(tmp_path)
    (config_dir / "dev.yaml").write_text(
        DEV + "products:\n  linux-docker:\n    versions: [v1, v2]\n"
    )

    assert load_config("dev", config_dir, registry=FAKE_REGISTRY).published_versions(
        "linux-docker"
    ) == ("v1", "v2")


def test_promotion_order_holds_without_a_pipeline(tmp_path: Path) -> None:
    # base.yaml tells cdk-deploy-only organisations to remove delivery: the rule stays.
    config_dir = write_config(
        tmp_path,
        base=BASE + STAGE_ORDER,
        stages={"dev": DEV, "prod": PROD + "products:\n  linux-docker:\n    versions: [v1, v2]\n"},
    )

    line = problem_line(load_error(config_dir, "prod"), "products.linux-docker.versions[1]")
    assert "version 'v2' of product 'linux-docker' is not published in stage 'dev'" in line


def test_several_stages_need_a_stage_order(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path, stages={"dev": DEV, "prod": PROD})

    error = load_error(config_dir, "prod")

    [problem] = error.problems
    assert (problem.file, problem.key) == ("config/base.yaml", "stage_order")
    assert "missing required key 'stage_order' (there is more than one stage)" in str(problem)
    assert str(problem).endswith("allowed stages: dev, prod")


def test_a_single_stage_needs_no_stage_order(tmp_path: Path) -> None:
    config = load_config("dev", write_config(tmp_path), registry=FAKE_REGISTRY)
    assert config.stage_order is None
    assert config.stages_in_order() == ["dev"]


def test_a_stage_left_out_of_stage_order_is_reported(tmp_path: Path) -> None:
    qa = edit(PROD, ('account: "222222222222"', 'account: "555555555555"'))
    config_dir = write_config(
        tmp_path, base=BASE + STAGE_ORDER, stages={"dev": DEV, "prod": PROD, "qa": qa}
    )

    line = problem_line(load_error(config_dir), "stage_order")
    assert line.startswith("config/base.yaml:")
    assert "stage 'qa' (config/qa.yaml) is not in stage_order" in line


def test_stage_order_in_a_stage_file_is_rejected(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path, base=BASE, stages={"dev": DEV + STAGE_ORDER})

    line = problem_line(load_error(config_dir), "stage_order")
    assert line.startswith("config/dev.yaml:")
    assert "set it in config/base.yaml instead" in line


def test_one_account_per_stage_is_reported_with_the_other_problems(tmp_path: Path) -> None:
    # Reported at once, not only after everything else is fixed.
    broken = edit(DEV, ("cidr: 10.60.0.0/16", "cidr: 10.60.0.0/33"))
    config_dir = write_config(tmp_path, stages={"dev": DEV, "qa": broken})

    message = str(load_error(config_dir, "qa"))
    assert "already the target of stage 'dev' (config/dev.yaml)" in message
    assert "network.cidr" in message


def test_unknown_stage_in_stage_order_is_reported(tmp_path: Path) -> None:
    config_dir = write_config(
        tmp_path,
        base=BASE + edit(DELIVERY, ("[dev, prod]", "[dev, prd]"), ("[prod]", "[prd]")),
        stages={"dev": DEV, "prod": PROD},
    )

    line = problem_line(load_error(config_dir), "stage_order[1]")
    assert line.startswith("config/base.yaml:")
    assert "no stage 'prd' (no config/prd.yaml) (did you mean 'prod'?); allowed: dev, prod" in line
