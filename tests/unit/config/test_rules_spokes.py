"""config.rules.spokes: the spokes section against the sharing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.config.example_configs import (
    DEV,
    SPOKES,
    load_error,
    problem_line,
    shared_dev,
    write_config,
)


def test_sharing_without_spokes_is_an_error(tmp_path: Path) -> None:
    error = load_error(write_config(tmp_path, stages={"dev": shared_dev(spokes="")}))
    line = problem_line(error, "spokes")
    assert line.startswith("config/dev.yaml")
    assert "missing section 'spokes': community 'challenge' shares its portfolio" in line


@pytest.mark.parametrize(
    ("spokes", "key", "fragment"),
    [
        (
            '  member_accounts: ["111111111111"]\n',
            "spokes.member_accounts[0]",
            "is the stage account itself",
        ),
        (
            '  member_accounts: ["444444444444"]\n',
            "spokes.member_accounts[0]",
            "already a spoke through communities.challenge.sharing.accounts",
        ),
        (
            '  accounts:\n    "666666666666": {}\n',
            "spokes.accounts.666666666666",
            "is not a spoke; allowed: 444444444444",
        ),
    ],
)
def test_bad_spokes(tmp_path: Path, spokes: str, key: str, fragment: str) -> None:
    error = load_error(write_config(tmp_path, stages={"dev": shared_dev(spokes=SPOKES + spokes)}))
    line = problem_line(error, key)
    assert line.startswith("config/dev.yaml")
    assert fragment in line


def test_member_accounts_need_an_ou_or_organization_share(tmp_path: Path) -> None:
    only_accounts = '    sharing:\n      accounts: ["444444444444"]\n'
    spokes = SPOKES + '  member_accounts: ["555555555555"]\n'
    error = load_error(
        write_config(tmp_path, stages={"dev": shared_dev(sharing=only_accounts, spokes=spokes)})
    )
    assert "no community shares with organizational_units" in problem_line(
        error, "spokes.member_accounts"
    )


def test_spokes_without_any_spoke_account(tmp_path: Path) -> None:
    error = load_error(write_config(tmp_path, stages={"dev": DEV + SPOKES}))
    assert "no spoke account" in problem_line(error, "spokes")


def test_communities_per_spoke_are_limited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import config.rules.spokes

    monkeypatch.setattr(config.rules.spokes, "MAX_SPOKE_COMMUNITIES", 0)
    error = load_error(write_config(tmp_path, stages={"dev": shared_dev()}))
    line = problem_line(error, "spokes")
    assert "1 communities reach spoke account" in line
    assert "allowed: at most 0" in line
