"""config.sections.images: building, receiving and distributing images."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.config.example_configs import (
    DEV,
    load_error,
    problem_line,
    write_config,
)

IMAGES_CASES = {
    "build and receive": (
        'images:\n  build: true\n  source_account: "222222222222"\n',
        "images.source_account",
        "allowed: omit it when build is true",
    ),
    "distribute without building": (
        'images:\n  distribute_to:\n    - account: "222222222222"\n      region: us-east-1\n',
        "images.distribute_to",
        "distribute_to needs build: true",
    ),
    "target listed twice": (
        "images:\n  build: true\n  distribute_to:\n"
        '    - {account: "222222222222", region: us-east-1}\n'
        '    - {account: "222222222222", region: us-east-1}\n',
        "images.distribute_to[1]",
        "allowed: each account and region once",
    ),
    "bad schedule": (
        "images:\n  schedule: rate(7 days)\n",
        "images.schedule",
        "allowed: cron(minutes hours day-of-month month day-of-week year)",
    ),
    # Six fields used to be enough; Image Builder refuses both day fields set.
    "schedule with both day fields": (
        "images:\n  schedule: cron(0 9 * * MON *)\n",
        "images.schedule",
        "has day-of-month '*' and day-of-week 'MON'; allowed: exactly one of the two is '?'",
    ),
    "schedule with a month out of range": (
        "images:\n  schedule: cron(0 6 ? 13 MON *)\n",
        "images.schedule",
        "has month '13'; allowed: 1-12 or JAN-DEC",
    ),
    "keep too many": ("images:\n  keep_last: 500\n", "images.keep_last", "50"),
    "bad source account": (
        'images:\n  source_account: "12345"\n',
        "images.source_account",
        "12",
    ),
}


@pytest.mark.parametrize("case", sorted(IMAGES_CASES))
def test_bad_images_config_is_reported(tmp_path: Path, case: str) -> None:
    text, key, allowed = IMAGES_CASES[case]
    config_dir = write_config(tmp_path, stages={"dev": DEV + text})
    line = problem_line(load_error(config_dir), key)
    assert "config/dev.yaml" in line
    assert allowed in line
