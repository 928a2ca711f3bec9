"""config.sections.spokes: the accounts portfolios are shared with."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import load_config
from tests.unit.config.example_configs import (
    DEV,
    FAKE_REGISTRY,
    MEMBER_SPOKES,
    SPOKES,
    load_error,
    problem_line,
    shared_dev,
    write_config,
)


def test_spokes_are_the_shared_accounts_and_the_member_accounts(tmp_path: Path) -> None:
    config = load_config(
        "dev",
        write_config(tmp_path, stages={"dev": shared_dev(spokes=MEMBER_SPOKES)}),
        registry=FAKE_REGISTRY,
    )
    assert config.spoke_accounts() == ["444444444444", "555555555555"]
    spokes = config.spokes
    assert spokes is not None
    assert spokes.network_of("444444444444") == spokes.network
    assert spokes.network_of("555555555555").mode == "existing"
    assert spokes.admin_role_arns_of("444444444444") == []
    assert spokes.admin_role_arns_of("555555555555") == [
        "arn:aws:iam::555555555555:role/BreakGlass"
    ]
    # The member account is reached through the challenge community's OU share only.
    assert list(config.spoke_communities("555555555555")) == ["challenge"]
    assert list(config.spoke_communities("444444444444")) == ["challenge"]


def test_no_sharing_means_no_spokes(tmp_path: Path) -> None:
    config = load_config("dev", write_config(tmp_path, stages={"dev": DEV}), registry=FAKE_REGISTRY)
    assert config.spokes is None
    assert config.spoke_accounts() == []


@pytest.mark.parametrize(
    ("spokes", "key", "fragment"),
    [
        (
            '  member_accounts: ["1234"]\n',
            "spokes.member_accounts[0]",
            "12-digit",
        ),
        (
            '  accounts:\n    "444444444444":\n'
            "      admin_role_arns: [arn:aws:iam::111111111111:role/BreakGlass]\n",
            "spokes.accounts.444444444444.admin_role_arns[0]",
            "is not in account 444444444444",
        ),
        (
            '  accounts:\n    "444444444444":\n      network: {mode: create}\n',
            "spokes.accounts.444444444444.network.cidr",
            "missing",
        ),
        (
            "  regions: [eu-west-1]\n",
            "spokes.regions",
            "unknown key 'regions'; allowed keys: network",
        ),
    ],
)
def test_bad_spokes(tmp_path: Path, spokes: str, key: str, fragment: str) -> None:
    error = load_error(write_config(tmp_path, stages={"dev": shared_dev(spokes=SPOKES + spokes)}))
    line = problem_line(error, key)
    assert line.startswith("config/dev.yaml")
    assert fragment in line
