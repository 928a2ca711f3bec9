"""config.sections.budgets: community and member budgets."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import load_config
from tests.synth import EXAMPLE_CONFIG_DIR
from tests.unit.config.example_configs import (
    DEV,
    DEV_FILE,
    FAKE_REGISTRY,
    BadCase,
    as_params,
    assert_bad_input,
    edit,
    write_config,
)


def test_shipped_budgets() -> None:
    dev, prod = load_config("dev", EXAMPLE_CONFIG_DIR), load_config("prod", EXAMPLE_CONFIG_DIR)
    biomedical = dev.communities["biomedical"]
    challenge = dev.communities["challenge"]

    assert biomedical.budget.notification_thresholds() == [
        ("ACTUAL", 50),
        ("ACTUAL", 80),
        ("ACTUAL", 100),
        ("FORECASTED", 100),
    ]
    # The block threshold always has a notification, even when no alert asks for it.
    assert challenge.budget.block_launches_at == 90
    assert ("ACTUAL", 90) in challenge.budget.notification_thresholds()
    assert challenge.budget.stop_instances is True
    assert all(not c.budget.stop_instances for c in prod.communities.values())
    assert dev.budget_name("biomedical") == "research-catalog-dev-biomedical"
    assert dev.budget_name("biomedical", "jane.doe") == "research-catalog-dev-biomedical.jane.doe"


def test_budget_defaults(tmp_path: Path) -> None:
    config = load_config("dev", write_config(tmp_path), registry=FAKE_REGISTRY)
    budget = config.communities["challenge"].budget

    assert (budget.amount_usd, budget.period) == (250.0, "MONTHLY")
    assert (budget.alerts.actual, budget.alerts.forecasted) == ([50, 80, 100], [100])
    assert budget.block_launches_at == 100
    assert budget.stop_instances is False
    assert budget.member_budgets is None
    assert config.communities["challenge"].budget_recipients() == ["challenge@example.org"]


def test_member_budgets_watch_only_the_communitys_roles(tmp_path: Path) -> None:
    stage = edit(
        DEV,
        (
            "amount_usd: 1000\n",
            "amount_usd: 1000\n"
            "      extra_recipients: [BIO@example.org, pi@example.org]\n"
            "      member_budgets:\n        members: [jdoe, asmith]\n"
            "        amount_usd: 100\n        amount_overrides: {jdoe: 300}\n",
        ),
        (
            "role_arns: [arn:aws:iam::111111111111:role/BioUsers]",
            "role_arns: [arn:aws:iam::111111111111:role/lab/BioUsers]\n"
            "      role_names: [BioAdmins]",
        ),
    )
    config = load_config(
        "dev", write_config(tmp_path, stages={"dev": stage}), registry=FAKE_REGISTRY
    )
    bio = config.communities["bio"]
    members = bio.budget.member_budgets
    assert members is not None

    assert (members.amount_for("jdoe"), members.amount_for("asmith")) == (300.0, 100.0)
    assert (members.alerts.actual, members.alerts.forecasted) == ([80, 100], [])
    # STS drops the role path from assumed-role ARNs.
    assert config.member_principal_arns("bio", "jdoe") == [
        "arn:aws:sts::111111111111:assumed-role/BioUsers/jdoe",
        "arn:aws:sts::111111111111:assumed-role/BioAdmins/jdoe",
    ]
    # The member at every threshold, the manager from 100 % on; the manager listed once.
    assert bio.member_alert_recipients("jdoe", 80) == ["jdoe@example.org"]
    assert bio.member_alert_recipients("jdoe", 100) == ["jdoe@example.org", "bio@example.org"]
    assert bio.budget_recipients() == ["bio@example.org", "pi@example.org"]


def test_member_alerts_go_to_the_manager_without_an_email_template(tmp_path: Path) -> None:
    stage = edit(
        DEV,
        ('    owner_email_template: "{session}@example.org"\n', ""),
        (
            "amount_usd: 1000\n",
            "amount_usd: 1000\n      member_budgets:\n        members: [jdoe]\n"
            "        amount_usd: 100\n",
        ),
    )
    config = load_config(
        "dev", write_config(tmp_path, stages={"dev": stage}), registry=FAKE_REGISTRY
    )

    assert config.communities["bio"].member_alert_recipients("jdoe", 80) == ["bio@example.org"]


BAD_CASES: list[BadCase] = [
    (
        "community-without-budget",
        "dev",
        [("    budget:\n      amount_usd: 250\n", "")],
        DEV_FILE,
        "communities.challenge.budget",
        ["missing required key 'budget'", "spending limit, alerts and enforcement"],
        1,
    ),
    (
        "block-above-100-percent",
        "dev",
        [("amount_usd: 250\n", "amount_usd: 250\n      block_launches_at: 120\n")],
        DEV_FILE,
        "communities.challenge.budget.block_launches_at",
        ["got 120", "spend more than its budget", "allowed: 1..100, or null to never block"],
        1,
    ),
    (
        "stop-instances-without-block",
        "dev",
        [
            (
                "amount_usd: 250\n",
                "amount_usd: 250\n      block_launches_at: null\n      stop_instances: true\n",
            )
        ],
        DEV_FILE,
        "communities.challenge.budget.stop_instances",
        ["stop_instances needs block_launches_at", "stop_instances: false"],
        1,
    ),
    (
        "budget-amount-zero",
        "dev",
        [("amount_usd: 250\n", "amount_usd: 0\n")],
        DEV_FILE,
        "communities.challenge.budget.amount_usd",
        ["got 0", "allowed range: 0.01..1000000000"],
        1,
    ),
    (
        "alert-threshold-zero",
        "dev",
        [("amount_usd: 250\n", "amount_usd: 250\n      alerts: {actual: [0, 80]}\n")],
        DEV_FILE,
        "communities.challenge.budget.alerts.actual[0]",
        ["got 0", "allowed range: 1..1000"],
        1,
    ),
    (
        "too-many-notifications",
        "dev",
        [
            (
                "amount_usd: 250\n",
                "amount_usd: 250\n"
                "      alerts: {actual: [10, 20, 30, 40, 50, 60, 70, 80, 90], forecasted: [100]}\n",
            )
        ],
        DEV_FILE,
        "communities.challenge.budget.alerts",
        ["11 notifications", "at most 10 per budget"],
        1,
    ),
    (
        "bad-extra-recipient",
        "dev",
        [("amount_usd: 250\n", "amount_usd: 250\n      extra_recipients: [finance]\n")],
        DEV_FILE,
        "communities.challenge.budget.extra_recipients[0]",
        ["'finance' is not an email address"],
        1,
    ),
    (
        "member-budget-for-unknown-member",
        "dev",
        [
            (
                "amount_usd: 1000\n",
                "amount_usd: 1000\n      member_budgets:\n        members: [jdoe, asmith]\n"
                "        amount_usd: 100\n        amount_overrides: {jdo: 300}\n",
            )
        ],
        DEV_FILE,
        "communities.bio.budget.member_budgets.amount_overrides.jdo",
        ["unknown member 'jdo'", "did you mean 'jdoe'?", "allowed: members listed in members"],
        1,
    ),
    (
        "member-budget-invalid-time-unit",
        "dev",
        [
            (
                "amount_usd: 1000\n",
                "amount_usd: 1000\n      member_budgets:\n        members: [jdoe]\n"
                "        amount_usd: 100\n        period: YEAR\n",
            )
        ],
        DEV_FILE,
        "communities.bio.budget.member_budgets.period",
        ["got 'YEAR'", "allowed values: MONTHLY, QUARTERLY, ANNUALLY"],
        1,
    ),
    (
        "member-name-with-comma",
        "dev",
        [
            (
                "amount_usd: 1000\n",
                "amount_usd: 1000\n      member_budgets:\n        members: ['j,doe']\n"
                "        amount_usd: 100\n",
            )
        ],
        DEV_FILE,
        "communities.bio.budget.member_budgets.members[0]",
        ["member 'j,doe' is not a role session name", "no commas"],
        1,
    ),
]


@pytest.mark.parametrize("case", as_params(BAD_CASES))
def test_bad_input_is_reported_with_file_key_and_allowed(tmp_path: Path, case: BadCase) -> None:
    assert_bad_input(tmp_path, case)
