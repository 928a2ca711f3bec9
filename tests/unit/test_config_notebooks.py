"""Config: the optional notebook gateway section, its defaults and its bad inputs."""

from pathlib import Path

import pytest

from config.loader import load_config
from tests.unit.test_config import (
    DEV,
    EXISTING_NETWORK,
    FAKE_REGISTRY,
    edit,
    load_error,
    problem_line,
    write_config,
)

NOTEBOOKS = """\
notebooks:
  domain_name: notebooks.example.org
  certificate_arn: "arn:aws:acm:us-east-1:111111111111:certificate/\
0a1b2c3d-4e5f-6789-abcd-ef0123456789"
  oidc:
    issuer: https://repo-prod.prod.sagebase.org/auth/v1
    authorization_endpoint: https://signin.synapse.org
    token_endpoint: https://repo-prod.prod.sagebase.org/auth/v1/oauth2/token
    user_info_endpoint: https://repo-prod.prod.sagebase.org/auth/v1/oauth2/userinfo
    client_id: "100001"
    client_secret_arn: arn:aws:secretsmanager:us-east-1:111111111111:secret:synapse-client-AbCdEf
"""

NETWORK_CREATE = "network:\n  mode: create\n  cidr: 10.60.0.0/16\n"


def _dev(*replacements: tuple[str, str], network: str | None = None) -> str:
    text = DEV + edit(NOTEBOOKS, *replacements)
    if network is not None:
        text = text.replace(NETWORK_CREATE, network)
    return text


def test_defaults(tmp_path: Path) -> None:
    config = load_config(
        "dev", write_config(tmp_path, stages={"dev": _dev()}), registry=FAKE_REGISTRY
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
            ("  oidc:\n", "  public_subnet_ids: [subnet-0123456789abcdef0]\n  oidc:\n"),
            "notebooks.public_subnet_ids",
            ["creates the network", "omit public_subnet_ids"],
            id="public-subnets-with-created-network",
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
    error = load_error(write_config(tmp_path, stages={"dev": _dev(replacement)}))
    line = problem_line(error, key)
    assert line.startswith("config/dev.yaml:"), line
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"


def test_existing_network_needs_public_subnets(tmp_path: Path) -> None:
    stage = _dev(network=EXISTING_NETWORK)
    error = load_error(write_config(tmp_path, stages={"dev": stage}))
    line = problem_line(error, "notebooks.public_subnet_ids")
    assert "two or more public subnet IDs" in line


def test_existing_network_with_public_subnets_loads(tmp_path: Path) -> None:
    stage = _dev(
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
