"""config.sections.catalog: provider and support details."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.config.example_configs import (
    BASE_FILE,
    BadCase,
    as_params,
    assert_bad_input,
)

BAD_CASES: list[BadCase] = [
    (
        "provider-name-too-long",
        "base",
        [("provider_name: Research Computing", "provider_name: " + "R" * 51)],
        BASE_FILE,
        "catalog.provider_name",
        ["got 51 characters", "allowed: 1..50 characters"],
        1,
    ),
    # aws-cdk-lib's CloudFormationProduct refuses these at synth with a jsii traceback.
    (
        "support-email-with-a-long-top-level-domain",
        "base",
        [("support_email: rc@example.org", "support_email: research-computing@institute.science")],
        BASE_FILE,
        "catalog.support_email",
        [
            "'research-computing@institute.science' is refused by the CDK as a product's support",
            "a top-level domain of 2 to 4 letters",
        ],
        1,
    ),
    (
        "support-email-with-characters-the-cdk-refuses",
        "base",
        [("support_email: rc@example.org", "support_email: rc!help@example.org")],
        BASE_FILE,
        "catalog.support_email",
        ["is refused by the CDK as a product's support e-mail"],
        1,
    ),
    (
        "support-url-not-https",
        "base",
        [("support_url: https://", "support_url: http://")],
        BASE_FILE,
        "catalog.support_url",
        ["is not an https URL"],
        1,
    ),
]


@pytest.mark.parametrize("case", as_params(BAD_CASES))
def test_bad_input_is_reported_with_file_key_and_allowed(tmp_path: Path, case: BadCase) -> None:
    assert_bad_input(tmp_path, case)
