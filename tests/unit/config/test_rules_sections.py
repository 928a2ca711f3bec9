"""config.rules.sections: operators, products, images and notebooks against the stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import load_config
from tests.unit.config.example_configs import (
    BASE,
    BASE_FILE,
    DEV,
    DEV_FILE,
    EXISTING_NETWORK,
    FAKE_REGISTRY,
    BadCase,
    as_params,
    assert_bad_input,
    edit,
    load_error,
    notebooks_dev,
    problem_line,
    write_config,
)

BAD_CASES: list[BadCase] = [
    (
        "unknown-product-in-products",
        "dev",
        [("communities:", "products:\n  rstudoi:\n    versions: [v1]\ncommunities:")],
        DEV_FILE,
        "products.rstudoi",
        ["unknown product 'rstudoi'", "did you mean 'rstudio'?", "allowed: linux-docker, rstudio"],
        1,
    ),
    (
        "unknown-version",
        "base",
        [("versions: [v1]", "versions: [v1, v3]")],
        BASE_FILE,
        "products.linux-docker.versions[1]",
        ["unknown version 'v3' of product 'linux-docker'", "allowed: v1, v2"],
        1,
    ),
]


@pytest.mark.parametrize("case", as_params(BAD_CASES))
def test_bad_input_is_reported_with_file_key_and_allowed(tmp_path: Path, case: BadCase) -> None:
    assert_bad_input(tmp_path, case)


IMAGES_CASES = {
    "target in another region": (
        "images:\n  build: true\n  distribute_to:\n"
        '    - {account: "222222222222", region: eu-west-1}\n',
        "images.distribute_to[0].region",
        "allowed: us-east-1",
    ),
    "target is the stage account": (
        "images:\n  build: true\n  distribute_to:\n"
        '    - {account: "111111111111", region: us-east-1}\n',
        "images.distribute_to[0].account",
        "allowed: other stage accounts",
    ),
}


@pytest.mark.parametrize("case", sorted(IMAGES_CASES))
def test_bad_images_config_is_reported(tmp_path: Path, case: str) -> None:
    text, key, allowed = IMAGES_CASES[case]
    config_dir = write_config(tmp_path, stages={"dev": DEV + text})
    line = problem_line(load_error(config_dir), key)
    assert "config/dev.yaml" in line
    assert allowed in line


@pytest.mark.parametrize(
    ("replacement", "key", "fragments"),
    [
        pytest.param(
            ("acm:us-east-1:111111111111", "acm:us-east-1:999999999999"),
            "notebooks.certificate_arn",
            ["999999999999/us-east-1", "stage account and region 111111111111/us-east-1"],
            id="certificate-other-account",
        ),
        pytest.param(
            ("secretsmanager:us-east-1", "secretsmanager:eu-west-1"),
            "notebooks.oidc.client_secret_arn",
            ["eu-west-1", "stage account and region"],
            id="secret-other-region",
        ),
        pytest.param(
            ("  oidc:\n", "  public_subnet_ids: [subnet-0123456789abcdef0]\n  oidc:\n"),
            "notebooks.public_subnet_ids",
            ["creates the network", "omit public_subnet_ids"],
            id="public-subnets-with-created-network",
        ),
    ],
)
def test_bad_input_names_file_key_and_allowed(
    tmp_path: Path, replacement: tuple[str, str], key: str, fragments: list[str]
) -> None:
    error = load_error(write_config(tmp_path, stages={"dev": notebooks_dev(replacement)}))
    line = problem_line(error, key)
    assert line.startswith("config/dev.yaml:"), line
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"


def test_existing_network_needs_public_subnets(tmp_path: Path) -> None:
    stage = notebooks_dev(network=EXISTING_NETWORK)
    error = load_error(write_config(tmp_path, stages={"dev": stage}))
    line = problem_line(error, "notebooks.public_subnet_ids")
    assert "two or more public subnet IDs" in line


def test_existing_network_with_public_subnets_loads(tmp_path: Path) -> None:
    stage = notebooks_dev(
        (
            "  oidc:\n",
            "  public_subnet_ids: [subnet-0123456789abcdef1, subnet-0123456789abcdef2]\n  oidc:\n",
        ),
        network=EXISTING_NETWORK,
    )
    config = load_config(
        "dev", write_config(tmp_path, stages={"dev": stage}), registry=FAKE_REGISTRY
    )
    assert config.notebooks is not None
    assert len(config.notebooks.public_subnet_ids) == 2


def test_operator_admins_are_roles_of_the_stage_account(tmp_path: Path) -> None:
    base = edit(
        BASE,
        (
            "  notification_email: ops@example.org\n",
            "  notification_email: ops@example.org\n"
            "  admin_role_arns:\n"
            "    - arn:aws:iam::333333333333:role/Admin\n"
            "    - arn:aws-us-gov:iam::111111111111:role/GovAdmin\n"
            "    - arn:aws:iam::111111111111:role/BreakGlass\n",
        ),
    )
    error = load_error(write_config(tmp_path, base=base))

    assert len(error.problems) == 2, str(error)
    account = problem_line(error, "operators.admin_role_arns[0]")
    assert account.startswith("config/base.yaml:9: ")
    # Operators have no role_names list to suggest instead.
    assert account.endswith(
        "role ARN 'arn:aws:iam::333333333333:role/Admin' is in account 333333333333, not the "
        "stage account 111111111111; the catalog only associates roles of its own account: "
        "use arn:aws:iam::111111111111:role/Admin"
    )
    partition = problem_line(error, "operators.admin_role_arns[1]")
    assert partition.endswith(
        "role ARN 'arn:aws-us-gov:iam::111111111111:role/GovAdmin' is in partition "
        "'aws-us-gov'; region us-east-1 is in partition 'aws'"
    )
