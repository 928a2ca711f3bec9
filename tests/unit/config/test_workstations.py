"""config.sections.workstations and config.rules.workstations: patching and data-disk backups."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import load_config
from tests.unit.config.example_configs import (
    BASE,
    BASE_FILE,
    FAKE_REGISTRY,
    BadCase,
    as_params,
    assert_bad_input,
    edit,
    write_config,
)


def test_workstations_defaults(tmp_path: Path) -> None:
    config = load_config("dev", write_config(tmp_path), registry=FAKE_REGISTRY)
    assert config.workstations.patching.timezone == "UTC"
    assert config.workstations.patching.reboot == "RebootIfNeeded"
    assert config.workstations.backups.enabled is True
    assert config.workstations.backups.keep * config.workstations.backups.every_hours >= 24


def _workstations(text: str) -> list[tuple[str, str]]:
    return [("products:\n", f"workstations:\n{text}products:\n")]


BAD_CASES: list[BadCase] = [
    (
        "workstations-unknown-timezone",
        "base",
        _workstations("  patching:\n    timezone: Europe/Lndon\n"),
        BASE_FILE,
        "workstations.patching.timezone",
        ["is not an IANA time zone", "Europe/London"],
        1,
    ),
    (
        "workstations-bad-backup-time",
        "base",
        _workstations("  backups:\n    at: '25:00'\n"),
        BASE_FILE,
        "workstations.backups.at",
        ["is not a time of day", "HH:MM"],
        1,
    ),
    (
        "workstations-unsupported-interval",
        "base",
        _workstations("  backups:\n    every_hours: 5\n"),
        BASE_FILE,
        "workstations.backups.every_hours",
        ["24"],
        1,
    ),
    # config.rules.workstations.backups_cover_a_day
    (
        "workstations-backups-shorter-than-a-day",
        "base",
        _workstations("  backups:\n    every_hours: 4\n    keep: 3\n"),
        BASE_FILE,
        "workstations.backups.keep",
        ["reach back 12 hours", "at least 6 (a day)"],
        1,
    ),
    # config.rules.workstations.backups_outside_patch_windows: 03:00 Europe/London is 03:00
    # UTC in winter (Sunday and Wednesday windows).
    (
        "workstations-backup-during-a-patch-window",
        "base",
        _workstations("  patching:\n    timezone: Europe/London\n  backups:\n    at: '03:30'\n"),
        BASE_FILE,
        "workstations.backups.at",
        ["falls in the patch window(s) Sunday-0300, Wednesday-0300", "outside"],
        1,
    ),
]


@pytest.mark.parametrize("case", as_params(BAD_CASES))
def test_bad_input_is_reported_with_file_key_and_allowed(tmp_path: Path, case: BadCase) -> None:
    assert_bad_input(tmp_path, case)


def test_a_backup_time_outside_the_windows_in_summer_and_winter_passes(tmp_path: Path) -> None:
    base = edit(
        BASE,
        *_workstations("  patching:\n    timezone: Europe/London\n  backups:\n    at: '04:30'\n"),
    )
    config = load_config("dev", write_config(tmp_path, base=base), registry=FAKE_REGISTRY)
    assert config.workstations.backups.at == "04:30"


def test_an_unquoted_time_is_a_time(tmp_path: Path) -> None:
    """The catalog's YAML reader keeps 01:00 a string (YAML 1.1 would read 60)."""
    base = edit(BASE, *_workstations("  backups:\n    at: 02:30\n"))
    config = load_config("dev", write_config(tmp_path, base=base), registry=FAKE_REGISTRY)
    assert config.workstations.backups.at == "02:30"
