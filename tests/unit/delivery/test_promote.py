"""`make promote`: publishes a version in a stage file with a minimal edit, and only when the
previous stage publishes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, load_config
from delivery.promote import PromotionError, promote
from tests.unit.config.example_configs import BASE, DELIVERY, DEV, FAKE_REGISTRY, PROD, write_config

DEV_V2 = DEV + "# dev tries v2 first\nproducts:\n  linux-docker:\n    versions: [v1, v2]\n"


def _config(tmp_path: Path, dev: str = DEV_V2, prod: str = PROD) -> Path:
    return write_config(tmp_path, base=BASE + DELIVERY, stages={"dev": dev, "prod": prod})


def test_promote_appends_a_products_block_and_keeps_the_file(tmp_path: Path) -> None:
    config_dir = _config(tmp_path)
    before = (config_dir / "prod.yaml").read_text()

    assert promote("linux-docker", "v2", "prod", config_dir=config_dir, registry=FAKE_REGISTRY) == [
        "v1",
        "v2",
    ]

    after = (config_dir / "prod.yaml").read_text()
    assert after.startswith(before)
    assert after[len(before) :] == "\nproducts:\n  linux-docker:\n    versions: [v1, v2]\n"
    config = load_config("prod", config_dir, registry=FAKE_REGISTRY)
    assert config.published_versions("linux-docker") == ("v1", "v2")


def test_promote_edits_an_existing_list_in_place(tmp_path: Path) -> None:
    prod = PROD + "products:\n  linux-docker:\n    versions: [v1]   # keep v1 for old launches\n"
    config_dir = _config(tmp_path, prod=prod)

    promote("linux-docker", "v2", "prod", config_dir=config_dir, registry=FAKE_REGISTRY)

    assert (config_dir / "prod.yaml").read_text() == prod.replace(
        "versions: [v1]   #", "versions: [v1, v2]   #"
    )


def test_promote_refuses_a_version_the_previous_stage_lacks(tmp_path: Path) -> None:
    config_dir = _config(tmp_path, dev=DEV)
    before = (config_dir / "prod.yaml").read_text()

    with pytest.raises(ConfigError, match="not published in stage 'dev'"):
        promote("linux-docker", "v2", "prod", config_dir=config_dir, registry=FAKE_REGISTRY)

    assert (config_dir / "prod.yaml").read_text() == before


@pytest.mark.parametrize(
    ("key", "version", "message"),
    [
        ("linux-dockr", "v2", "unknown product 'linux-dockr'"),
        ("linux-docker", "v9", "unknown version 'v9' of 'linux-docker'; allowed: v1, v2"),
        ("linux-docker", "v1", "linux-docker v1 is already published in prod"),
    ],
)
def test_promote_rejects_bad_requests(tmp_path: Path, key: str, version: str, message: str) -> None:
    with pytest.raises(PromotionError, match=message):
        promote(key, version, "prod", config_dir=_config(tmp_path), registry=FAKE_REGISTRY)
