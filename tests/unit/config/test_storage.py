"""config.sections.storage: bucket archive, purge and Synapse settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import load_config
from tests.unit.config.example_configs import (
    BASE_FILE,
    FAKE_REGISTRY,
    BadCase,
    as_params,
    assert_bad_input,
    write_config,
)


def test_storage_defaults(tmp_path: Path) -> None:
    config = load_config("dev", write_config(tmp_path), registry=FAKE_REGISTRY)
    assert config.storage.archive_days == 30
    assert config.storage.notice_days == 7
    assert config.storage.synapse_account_id == "325565585839"
    assert config.storage.synapse_origins == ["https://www.synapse.org"]
    assert config.storage.purge_dry_run is False
    assert config.storage.notification_sender is None


BAD_CASES: list[BadCase] = [
    (
        "storage-archive-days-zero",
        "base",
        [("products:\n", "storage:\n  archive_days: 0\nproducts:\n")],
        BASE_FILE,
        "storage.archive_days",
        ["got 0; allowed range: 1..365"],
        1,
    ),
    (
        "storage-notice-longer-than-archive",
        "base",
        [("products:\n", "storage:\n  archive_days: 5\n  notice_days: 10\nproducts:\n")],
        BASE_FILE,
        "storage.notice_days",
        ["longer than archive_days (5)", "must be at most archive_days"],
        1,
    ),
    (
        "storage-bad-schedule",
        "base",
        [("products:\n", "storage:\n  purge_schedule: every day\nproducts:\n")],
        BASE_FILE,
        "storage.purge_schedule",
        ["is not an EventBridge schedule", "cron(0 9 * * ? *)"],
        1,
    ),
    # Passed the old six-fields check; EventBridge refuses both day fields set at deploy time.
    (
        "storage-schedule-with-both-day-fields",
        "base",
        [("products:\n", "storage:\n  purge_schedule: cron(0 9 * * MON *)\nproducts:\n")],
        BASE_FILE,
        "storage.purge_schedule",
        [
            "'cron(0 9 * * MON *)' has day-of-month '*' and day-of-week 'MON'",
            "allowed: exactly one of the two is '?', e.g. cron(0 9 ? * MON *)",
        ],
        1,
    ),
    (
        "storage-schedule-minute-out-of-range",
        "base",
        [("products:\n", "storage:\n  purge_schedule: cron(75 9 * * ? *)\nproducts:\n")],
        BASE_FILE,
        "storage.purge_schedule",
        ["has minutes '75'; allowed: 0-59, with , - * /"],
        1,
    ),
    (
        "storage-rate-unit-not-plural",
        "base",
        [("products:\n", "storage:\n  purge_schedule: rate(12 hour)\nproducts:\n")],
        BASE_FILE,
        "storage.purge_schedule",
        ["needs the unit 'hour' for 1 and 'hours' otherwise"],
        1,
    ),
    (
        "storage-origin-with-path",
        "base",
        [("products:\n", "storage:\n  synapse_origins: [https://www.synapse.org/x]\nproducts:\n")],
        BASE_FILE,
        "storage.synapse_origins[0]",
        ["is not a web origin", "https://host"],
        1,
    ),
    (
        "storage-origin-wildcard",
        "base",
        [("products:\n", "storage:\n  synapse_origins: ['*']\nproducts:\n")],
        BASE_FILE,
        "storage.synapse_origins[0]",
        ["is not a web origin"],
        1,
    ),
    (
        "storage-synapse-account-not-12-digits",
        "base",
        [("products:\n", "storage:\n  synapse_account_id: '32556558'\nproducts:\n")],
        BASE_FILE,
        "storage.synapse_account_id",
        ["12"],
        1,
    ),
    (
        "storage-unknown-key",
        "base",
        [("products:\n", "storage:\n  archive_period: 30\nproducts:\n")],
        BASE_FILE,
        "storage.archive_period",
        ["unknown key 'archive_period'", "archive_days"],
        1,
    ),
]


@pytest.mark.parametrize("case", as_params(BAD_CASES))
def test_bad_input_is_reported_with_file_key_and_allowed(tmp_path: Path, case: BadCase) -> None:
    assert_bad_input(tmp_path, case)
