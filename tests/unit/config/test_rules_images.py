"""config.rules.images: a catalog-image-only product (the notebook) is published only where an
image reaches, and a building stage distributes to every account its products launch in."""

from __future__ import annotations

from pathlib import Path

import pytest

from amis.images import CATALOG_IMAGE_ONLY, IMAGE_PRODUCTS, IMAGES
from config import ConfigError, load_config
from config.rules.images import building_stage_accounts
from tests.unit.config.example_configs import (
    BASE,
    DEV,
    FAKE_REGISTRY,
    PROD,
    STAGE_ORDER,
    edit,
    problem_line,
    product_definition,
    shared_dev,
    write_config,
)

REGISTRY = {**FAKE_REGISTRY, "notebook": product_definition("notebook", "v1")}
NOTEBOOK_BASE = BASE + "  notebook:\n    versions: [v1]\n" + STAGE_ORDER
BUILD = "images:\n  build: true\n"
BUILD_FOR_PROD = BUILD + '  distribute_to:\n    - {account: "222222222222", region: us-east-1}\n'
RECEIVE = 'images:\n  source_account: "111111111111"\n'


def with_notebook(stage: str) -> str:
    return stage.replace("products: [linux-docker]", "products: [linux-docker, notebook]")


def load(config_dir: Path, stage: str):  # type: ignore[no-untyped-def]
    return load_config(stage, config_dir, registry=REGISTRY)


def error(config_dir: Path, stage: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(config_dir, stage)
    return info.value


def test_every_image_names_the_products_that_launch_from_it() -> None:
    assert set(IMAGE_PRODUCTS) == set(IMAGES)
    assert {p for products in IMAGE_PRODUCTS.values() for p in products} >= CATALOG_IMAGE_ONLY


def test_a_building_stage_distributes_to_the_spokes_its_products_launch_in(tmp_path: Path) -> None:
    dev = with_notebook(shared_dev()) + BUILD
    config_dir = write_config(tmp_path, base=NOTEBOOK_BASE, stages={"dev": dev, "prod": PROD})

    config = load(config_dir, "dev")

    # 444444444444 is the challenge community's spoke (sharing.accounts), never listed under
    # images.distribute_to: the distribution follows from where products are published.
    assert building_stage_accounts(config) == {"111111111111", "444444444444"}


def test_a_stage_without_images_cannot_publish_the_notebook(tmp_path: Path) -> None:
    config_dir = write_config(
        tmp_path, base=NOTEBOOK_BASE, stages={"dev": with_notebook(DEV), "prod": PROD}
    )

    found = error(config_dir, "dev")

    line = problem_line(found, "communities.bio.products[1]")
    assert line.startswith("config/dev.yaml:")
    assert "'notebook' launches only from the catalog's 'notebook' image" in line
    assert "no image reaches account 111111111111 (the stage account)" in line
    assert "allowed: set images.build: true here" in line
    assert "or remove 'notebook' from this community's products" in line
    assert len(found.problems) == 2  # bio and challenge both list it


def test_a_receiving_stage_needs_the_building_stage_to_distribute_to_it(tmp_path: Path) -> None:
    stages = {"dev": DEV + BUILD, "prod": with_notebook(PROD) + RECEIVE}
    config_dir = write_config(tmp_path, base=NOTEBOOK_BASE, stages=stages)

    line = problem_line(error(config_dir, "prod"), "communities.challenge.products[1]")

    assert line.startswith("config/prod.yaml:")
    assert "no image reaches account 222222222222 (the stage account)" in line
    assert "the stage that builds them (config/dev.yaml) distributes to 111111111111" in line
    assert "allowed: list the account under images.distribute_to in config/dev.yaml" in line

    stages["dev"] = DEV + BUILD_FOR_PROD
    assert load(write_config(tmp_path, base=NOTEBOOK_BASE, stages=stages), "prod")


def test_a_receiving_stage_cannot_publish_the_notebook_to_a_spoke_no_image_reaches(
    tmp_path: Path,
) -> None:
    prod = with_notebook(
        edit(shared_dev(), ('account: "111111111111"', 'account: "222222222222"'))
    ).replace("arn:aws:iam::111111111111:role/BioUsers", "arn:aws:iam::222222222222:role/BioUsers")
    stages = {"dev": DEV + BUILD_FOR_PROD, "prod": prod + RECEIVE}
    config_dir = write_config(tmp_path, base=NOTEBOOK_BASE, stages=stages)

    found = error(config_dir, "prod")

    line = problem_line(found, "communities.challenge.products[1]")
    assert "no image reaches account 444444444444 (a spoke of community 'challenge')" in line
    assert "list the account under images.distribute_to in config/dev.yaml" in line
    assert len(found.problems) == 1  # the stage account itself is reached


def test_images_from_an_account_outside_the_configuration_reach_only_the_stage(
    tmp_path: Path,
) -> None:
    outside = 'images:\n  source_account: "999999999999"\n'
    stages = {"dev": with_notebook(shared_dev()) + outside, "prod": PROD}
    config_dir = write_config(tmp_path, base=NOTEBOOK_BASE, stages=stages)

    line = problem_line(error(config_dir, "dev"), "communities.challenge.products[1]")

    assert "no image reaches account 444444444444" in line
    assert "account 999999999999, which is not a stage of this configuration" in line
