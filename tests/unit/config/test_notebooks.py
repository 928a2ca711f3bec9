"""config.sections.notebooks: the optional notebook gateway, its defaults and bad inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import load_config
from tests.unit.config.example_configs import (
    FAKE_REGISTRY,
    load_error,
    notebooks_dev,
    problem_line,
    write_config,
)


def test_defaults(tmp_path: Path) -> None:
    config = load_config(
        "dev", write_config(tmp_path, stages={"dev": notebooks_dev()}), registry=FAKE_REGISTRY
    )
    assert config.notebooks is not None
    assert config.notebooks.owner_claim == "userid"
    assert config.notebooks.allowed_cidrs == ["0.0.0.0/0"]
    assert config.notebooks.oidc.scope == "openid"
    assert config.notebooks.public_subnet_ids == []


def test_the_section_is_optional(tmp_path: Path) -> None:
    config = load_config("dev", write_config(tmp_path), registry=FAKE_REGISTRY)
    assert config.notebooks is None


@pytest.mark.parametrize(
    ("replacement", "key", "fragments"),
    [
        pytest.param(
            ("notebooks.example.org", "https://notebooks.example.org"),
            "notebooks.domain_name",
            ["is not a DNS name", "no scheme"],
            id="domain-with-scheme",
        ),
        pytest.param(
            ("certificate/0a1b", "certificate/zz1b"),
            "notebooks.certificate_arn",
            ["is not an ACM certificate ARN"],
            id="certificate-malformed",
        ),
        pytest.param(
            ("client_secret_arn: arn:aws:secretsmanager", "client_secret_arn: plain-secret #"),
            "notebooks.oidc.client_secret_arn",
            ["is not a Secrets Manager secret ARN"],
            id="secret-as-value",
        ),
        pytest.param(
            ("issuer: https://", "issuer: http://"),
            "notebooks.oidc.issuer",
            ["https"],
            id="issuer-not-https",
        ),
        pytest.param(
            ("  oidc:\n", "  allowed_cidrs: [10.0.0.1/8]\n  oidc:\n"),
            "notebooks.allowed_cidrs[0]",
            ["host bits zero"],
            id="cidr-with-host-bits",
        ),
        pytest.param(
            ("  oidc:\n", "  owner_claim: 'user id'\n  oidc:\n"),
            "notebooks.owner_claim",
            ["must match"],
            id="claim-with-space",
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
