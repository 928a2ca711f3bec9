"""Shared setup of the config tests: a small base and dev config written to a temporary
directory, a fake product registry, and helpers that load and pick the reported problems."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from config import ConfigError, load_config
from products.registry import ProductDefinition, ProductVersion

REPO_ROOT = Path(__file__).resolve().parents[3]


def product_definition(key: str, *versions: str) -> ProductDefinition:
    return ProductDefinition(
        key=key,
        family="ec2",
        versions=tuple(ProductVersion(name=v, description=v) for v in versions),
    )


FAKE_REGISTRY = {
    "linux-docker": product_definition("linux-docker", "v1", "v2"),
    "rstudio": product_definition("rstudio", "v1"),
}

BASE = """\
catalog:
  provider_name: Research Computing
  support_email: rc@example.org
  support_url: https://example.org/support
  documentation_url: https://example.org/docs
operators:
  notification_email: ops@example.org
products:
  linux-docker:
    versions: [v1]
"""

DEV = """\
stage:
  account: "111111111111"
  region: us-east-1
network:
  mode: create
  cidr: 10.60.0.0/16
communities:
  bio:
    display_name: Biomedical
    principals:
      role_arns: [arn:aws:iam::111111111111:role/BioUsers]
    products: [linux-docker]
    cost_centers: [Oncology Lab / 101000]
    manager_email: bio@example.org
    owner_email_template: "{session}@example.org"
    budget:
      amount_usd: 1000
    kind: saml
  challenge:
    display_name: Data Challenge
    principals:
      role_names: [ChallengeUsers]
    products: [linux-docker]
    cost_centers: [Data Challenge / 300000]
    manager_email: challenge@example.org
    budget:
      amount_usd: 250
    kind: saml
"""

EXISTING_NETWORK = """\
network:
  mode: existing
  vpc_id: vpc-0123456789abcdef0
  private_subnet_ids: [subnet-0123456789abcdef0]
"""


def write_config(tmp_path: Path, base: str = BASE, stages: dict[str, str] | None = None) -> Path:
    config_dir = tmp_path / "config"
    config_dir.mkdir(exist_ok=True)
    (config_dir / "base.yaml").write_text(base)
    for name, text in (stages if stages is not None else {"dev": DEV}).items():
        (config_dir / f"{name}.yaml").write_text(text)
    return config_dir


def edit(text: str, *replacements: tuple[str, str]) -> str:
    for old, new in replacements:
        assert old in text, f"test setup: {old!r} not in the YAML"
        text = text.replace(old, new, 1)
    return text


def load_error(config_dir: Path, stage: str = "dev") -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(stage, config_dir, registry=FAKE_REGISTRY)
    return info.value


def problem_line(error: ConfigError, key: str) -> str:
    """The one line of the error message about `key`."""
    lines = [line for line in str(error).splitlines() if f": {key}: " in line]
    assert len(lines) == 1, f"expected one problem for {key!r} in:\n{error}"
    return lines[0]


DEV_FILE = "config/dev.yaml"
BASE_FILE = "config/base.yaml"

# (id, file edited, replacements, file blamed, dotted key, fragments, number of problems)
BadCase = tuple[str, str, list[tuple[str, str]], str, str, list[str], int]


def as_params(cases: list[BadCase]) -> list[Any]:
    return [pytest.param(case, id=case[0]) for case in cases]


def assert_bad_input(tmp_path: Path, case: BadCase) -> None:
    """Break BASE or DEV as the case says; expect its file, dotted key and what is allowed."""
    _, edited, replacements, file, key, fragments, count = case
    base = edit(BASE, *replacements) if edited == "base" else BASE
    stage = edit(DEV, *replacements) if edited == "dev" else DEV
    config_dir = write_config(tmp_path, base=base, stages={"dev": stage})

    error = load_error(config_dir)

    line = problem_line(error, key)
    assert line.startswith(f"{file}:"), line
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"
    assert len(error.problems) == count, str(error)
    assert len(str(error).splitlines()) == count


# ---- the promotion order, the pipeline section

STAGE_ORDER = """\
stage_order: [dev, prod]
"""

DELIVERY = (
    STAGE_ORDER
    + """\
delivery:
  account: "333333333333"
  region: us-east-1
  connection_arn: "arn:aws:codeconnections:us-east-1:333333333333:connection/\
00000000-0000-0000-0000-000000000000"
  repository: acme/catalog
  approval_before: [prod]
"""
)

PROD = edit(
    DEV,
    ('account: "111111111111"', 'account: "222222222222"'),
    ("arn:aws:iam::111111111111:role/BioUsers", "arn:aws:iam::222222222222:role/BioUsers"),
)


def pipeline_config(tmp_path: Path, *, base_products: str = "", prod_extra: str = "") -> Path:
    base = BASE + DELIVERY
    if base_products:
        base = edit(base, ("    versions: [v1]\n", base_products))
    return write_config(tmp_path, base=base, stages={"dev": DEV, "prod": PROD + prod_extra})


# ---- sharing and spokes

SHARING = """\
    sharing:
      accounts: ["444444444444"]
      organizational_units: [ou-ab12-cdef3456]
"""


SPOKES = """\
spokes:
  network:
    mode: create
    cidr: 10.70.0.0/16
"""


def shared_dev(sharing: str = SHARING, spokes: str = SPOKES) -> str:
    return (
        edit(
            DEV,
            (
                "    manager_email: challenge@example.org\n",
                "    manager_email: challenge@example.org\n" + sharing,
            ),
        )
        + spokes
    )


MEMBER_SPOKES = (
    SPOKES
    + """\
  member_accounts: ["555555555555"]
  accounts:
    "555555555555":
      network:
        mode: existing
        vpc_id: vpc-0123456789abcdef0
        private_subnet_ids: [subnet-0123456789abcdef0]
      admin_role_arns: [arn:aws:iam::555555555555:role/BreakGlass]
"""
)


# ---- notebooks

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


def notebooks_dev(*replacements: tuple[str, str], network: str | None = None) -> str:
    text = DEV + edit(NOTEBOOKS, *replacements)
    if network is not None:
        text = text.replace(NETWORK_CREATE, network)
    return text


def challenge_problem(tmp_path: Path, *, after: str, added: str, key: str) -> str:
    """The error line for ``key`` once ``added`` follows the ``after`` line of the challenge
    community in DEV."""
    dev = edit(DEV, (after, after + added))
    return problem_line(load_error(write_config(tmp_path, stages={"dev": dev})), key)


MANAGER_LINE = "    manager_email: challenge@example.org\n"
ROLE_NAMES_LINE = "      role_names: [ChallengeUsers]\n"
