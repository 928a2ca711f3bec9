"""`make promote`: publishes a version in a stage file with a minimal edit, and only when the
previous stage publishes it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from config import ConfigError, load_config
from delivery.promote import PromotionError, main, promote
from tests.unit.config.example_configs import BASE, DELIVERY, DEV, FAKE_REGISTRY, PROD, write_config

REPO_ROOT = Path(__file__).resolve().parents[3]
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
    ("key", "version", "stage", "message"),
    [
        ("linux-dockr", "v2", "prod", "unknown product 'linux-dockr'"),
        ("linux-docker", "v9", "prod", "unknown version 'v9' of 'linux-docker'; allowed: v1, v2"),
        ("linux-docker", "v2", "prdo", "unknown stage 'prdo' (did you mean 'prod'?); allowed"),
    ],
)
def test_promote_rejects_bad_requests(
    tmp_path: Path, key: str, version: str, stage: str, message: str
) -> None:
    with pytest.raises(PromotionError, match=re.escape(message)):
        promote(key, version, stage, config_dir=_config(tmp_path), registry=FAKE_REGISTRY)


def _main(config_dir: Path, *argv: str) -> int:
    return main(
        ["--product", argv[0], "--version", argv[1], "--stage", argv[2]], config_dir=config_dir
    )


def test_a_mistyped_stage_names_no_file_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir = _config(tmp_path)
    assert _main(config_dir, "linux-docker", "v2", "prdo") == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == "Cannot promote: unknown stage 'prdo' (did you mean 'prod'?); allowed: dev, prod"
    assert not (config_dir / "prdo.yaml").exists()


def test_a_version_already_published_is_not_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir = _config(tmp_path)
    before = (config_dir / "prod.yaml").read_text()
    assert _main(config_dir, "linux-docker", "v1", "prod") == 0
    assert (
        capsys.readouterr().out == "linux-docker v1 is already published in prod: nothing to do\n"
    )
    assert (config_dir / "prod.yaml").read_text() == before


def test_make_promote_without_its_variables_says_what_it_needs() -> None:
    # Checked before anything is installed; STAGE has to be explicit for a promotion.
    result = subprocess.run(
        ["make", "--no-print-directory", "promote", "PRODUCT=linux-docker", "VERSION=v2"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "make promote needs PRODUCT, VERSION and STAGE, e.g. make promote" in line
