"""config.sections.products: the published versions of a stage."""

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
        "duplicate-version",
        "base",
        [("versions: [v1]", "versions: [v1, v1]")],
        BASE_FILE,
        "products.linux-docker.versions[1]",
        ["duplicate version 'v1' (also at [0])", "each entry must appear once"],
        1,
    ),
]


@pytest.mark.parametrize("case", as_params(BAD_CASES))
def test_bad_input_is_reported_with_file_key_and_allowed(tmp_path: Path, case: BadCase) -> None:
    assert_bad_input(tmp_path, case)
