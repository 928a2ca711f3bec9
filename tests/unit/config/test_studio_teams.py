"""studio_teams: the largest team budget, defaulted from and checked against the communities'
monthly budgets (rule team_budget_within_community_budgets)."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, load_config
from tests.unit.config.example_configs import (
    BASE,
    DEV,
    FAKE_REGISTRY,
    edit,
    problem_line,
    product_definition,
    write_config,
)

REGISTRY = {**FAKE_REGISTRY, "studio-team": product_definition("studio-team", "v1")}
STUDIO_BASE = BASE + "  studio-team:\n    versions: [v1]\n"
STUDIO_DEV = edit(DEV, ("products: [linux-docker]", "products: [linux-docker, studio-team]"))


def load_error(config_dir: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config("dev", config_dir, registry=REGISTRY)
    return info.value


def test_the_limit_defaults_to_the_smallest_budget_of_a_listing_community(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path, base=STUDIO_BASE, stages={"dev": STUDIO_DEV})
    config = load_config("dev", config_dir, registry=REGISTRY)
    # bio (1000 USD) lists studio-team; challenge (250 USD) does not.
    assert config.studio_team_budget_limit() == 1000


def test_without_a_listing_community_the_default_is_1000(tmp_path: Path) -> None:
    config = load_config("dev", write_config(tmp_path), registry=REGISTRY)
    assert config.studio_team_budget_limit() == 1000


def test_an_explicit_limit_is_used(tmp_path: Path) -> None:
    dev = STUDIO_DEV + "studio_teams:\n  max_budget_usd: 300\n"
    config = load_config(
        "dev", write_config(tmp_path, base=STUDIO_BASE, stages={"dev": dev}), registry=REGISTRY
    )
    assert config.studio_team_budget_limit() == 300


def test_a_limit_above_a_community_budget_is_refused(tmp_path: Path) -> None:
    dev = STUDIO_DEV + "studio_teams:\n  max_budget_usd: 1500\n"
    config_dir = write_config(tmp_path, base=STUDIO_BASE, stages={"dev": dev})

    line = problem_line(load_error(config_dir), "studio_teams.max_budget_usd")

    assert line.startswith("config/dev.yaml:")
    assert "1500 exceeds the monthly budget of community 'bio' (1000 USD)" in line
    assert line.endswith("allowed: 1..1000")


def test_a_limit_beyond_what_the_form_allows_is_refused(tmp_path: Path) -> None:
    dev = DEV + "studio_teams:\n  max_budget_usd: 100001\n"
    line = problem_line(
        load_error(write_config(tmp_path, stages={"dev": dev})), "studio_teams.max_budget_usd"
    )
    assert "100000" in line
