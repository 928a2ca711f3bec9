"""Tests of the per-stage configuration (config/): loading, merging and error messages.

Pure Python and fast: nothing here imports aws_cdk.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pydantic
import pytest
import yaml

from config import (
    CatalogConfig,
    ConfigError,
    CreateVpcNetwork,
    DuplicateKeyError,
    ExistingNetwork,
    StrictYamlLoader,
    available_stages,
    deep_merge,
    load_config,
    models as config_models,
)
from products.registry import ProductDefinition, ProductVersion

REPO_ROOT = Path(__file__).resolve().parents[2]


def _product(key: str, *versions: str) -> ProductDefinition:
    return ProductDefinition(
        key=key,
        family="ec2",
        versions=tuple(ProductVersion(name=v, description=v) for v in versions),
    )


# A registry independent of the real one, so these tests do not change as products are added.
FAKE_REGISTRY = {
    "linux-docker": _product("linux-docker", "v1", "v2"),
    "rstudio": _product("rstudio", "v1"),
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
  challenge:
    display_name: Data Challenge
    principals:
      role_names: [ChallengeUsers]
    products: [linux-docker]
    cost_centers: [Data Challenge / 300000]
    manager_email: challenge@example.org
    budget:
      amount_usd: 250
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


# --------------------------------------------------------------------------------------------
# the shipped configuration


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_shipped_stage_loads(stage: str) -> None:
    config = load_config(stage)

    assert isinstance(config, CatalogConfig)
    assert config.stage_name == stage
    assert config.catalog.provider_name == "Research Computing"
    assert config.catalog.documentation_url.startswith("https://")
    # dev publishes the newest linux-docker version before prod does.
    assert (
        config.published_versions("linux-docker")
        == {"dev": ("v1", "v2", "v3", "v4"), "prod": ("v1",)}[stage]
    )
    assert set(config.communities) == {"biomedical", "challenge"}
    for community in config.communities.values():
        for arn in community.role_arns_in(config.stage.account, config.stage.partition):
            assert f":iam::{config.stage.account}:role/" in arn


def test_shipped_stages_differ_where_they_should() -> None:
    dev, prod = load_config("dev"), load_config("prod")

    assert (dev.stage.account, prod.stage.account) == ("111111111111", "222222222222")
    assert isinstance(dev.network, CreateVpcNetwork)
    assert dev.network.cidr == "10.60.0.0/16"
    assert isinstance(prod.network, ExistingNetwork)
    assert prod.network.create_endpoints is True
    assert prod.network.vpc_cidr is not None
    assert len(prod.network.private_subnet_ids) == 2
    # base tags survive, the stage's Environment tag is added
    assert dev.tags["Environment"] == "dev" and prod.tags["Environment"] == "prod"
    assert dev.tags["Application"] == prod.tags["Application"]


def test_default_stage_is_dev() -> None:
    assert load_config().stage_name == "dev"


def test_available_stages_lists_stage_files_not_base() -> None:
    stages = available_stages(REPO_ROOT / "config")
    assert {"dev", "prod"} <= set(stages)
    assert "base" not in stages
    assert stages == sorted(stages)


def test_shipped_dev_communities() -> None:
    config = load_config("dev")
    biomedical = config.communities["biomedical"]
    challenge = config.communities["challenge"]

    assert biomedical.cost_centers == ["Oncology Lab / 101000", "Genomics Core / 102000"]
    assert biomedical.owner_email("jdoe") == "jdoe@example.org"
    assert challenge.display_name == "Data Challenge"
    assert challenge.owner_email("jdoe") is None
    assert config.community_role_arns("challenge") == [
        "arn:aws:iam::111111111111:role/DataChallengeParticipants"
    ]
    assert list(config.communities_for("linux-docker")) == ["biomedical", "challenge"]
    assert config.communities_for("not-a-product") == {}
    assert config.published_versions("not-a-product") == ()


def test_config_is_frozen() -> None:
    config = load_config("dev")
    with pytest.raises(pydantic.ValidationError):
        config.stage_name = "prod"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        config.stage.account = "999999999999"  # type: ignore[misc]


def test_importing_and_loading_config_does_not_import_cdk() -> None:
    code = (
        "import sys, config; config.load_config('dev'); "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'constructs', 'jsii')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)


def test_every_model_field_is_described() -> None:
    import importlib
    import pkgutil

    import config.sections

    modules = [config_models] + [
        importlib.import_module(f"config.sections.{info.name}")
        for info in pkgutil.iter_modules(config.sections.__path__)
    ]
    models = [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, pydantic.BaseModel)
        and value.__module__ == module.__name__
    ]
    assert len(models) >= 9
    for model in models:
        assert model.model_config.get("extra") == "forbid", model
        assert model.model_config.get("frozen") is True, model
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"


# --------------------------------------------------------------------------------------------
# merging


def test_deep_merge_nested_override_keeps_siblings() -> None:
    base = {"catalog": {"provider_name": "RC", "support": {"email": "a@x.org", "url": "u"}}}
    override = {"catalog": {"support": {"email": "b@x.org"}}}

    merged = deep_merge(base, override)

    assert merged == {
        "catalog": {"provider_name": "RC", "support": {"email": "b@x.org", "url": "u"}}
    }
    assert base["catalog"]["support"]["email"] == "a@x.org"  # inputs untouched


def test_deep_merge_lists_and_scalars_replace() -> None:
    base = {"versions": ["v1", "v2"], "n": 1, "m": {"a": 1}, "s": "x"}
    override = {"versions": ["v3"], "n": 2, "m": "flat", "s": {"now": "a mapping"}}

    merged = deep_merge(base, override)

    assert merged == {"versions": ["v3"], "n": 2, "m": "flat", "s": {"now": "a mapping"}}


def test_deep_merge_result_does_not_share_lists_with_inputs() -> None:
    base = {"a": {"items": [1]}}
    merged = deep_merge(base, {})
    merged["a"]["items"].append(2)
    assert base == {"a": {"items": [1]}}


def test_stage_file_overrides_one_nested_key_of_base(tmp_path: Path) -> None:
    stage = DEV + "catalog:\n  support_url: https://dev.example.org/help\n"
    config_dir = write_config(tmp_path, stages={"dev": stage})

    config = load_config("dev", config_dir, registry=FAKE_REGISTRY)

    assert config.catalog.support_url == "https://dev.example.org/help"
    assert config.catalog.provider_name == "Research Computing"  # from base
    assert config.catalog.support_email == "rc@example.org"  # from base


def test_stage_file_replaces_a_base_list(tmp_path: Path) -> None:
    stage = DEV + "products:\n  linux-docker:\n    versions: [v2]\n  rstudio:\n    versions: [v1]\n"
    config_dir = write_config(tmp_path, stages={"dev": stage})

    config = load_config("dev", config_dir, registry=FAKE_REGISTRY)

    assert config.published_versions("linux-docker") == ("v2",)
    assert config.published_versions("rstudio") == ("v1",)


def test_minimal_config_defaults(tmp_path: Path) -> None:
    config = load_config("dev", write_config(tmp_path), registry=FAKE_REGISTRY)

    assert isinstance(config.network, CreateVpcNetwork)
    assert (config.network.max_azs, config.network.nat_gateways) == (2, 1)
    assert config.tags == {}
    assert config.operators.admin_role_arns == []
    assert config.communities["bio"].description == ""


def test_community_principal_helpers(tmp_path: Path) -> None:
    stage = edit(
        DEV,
        (
            "role_arns: [arn:aws:iam::111111111111:role/BioUsers]",
            "role_arns: [arn:aws:iam::111111111111:role/team/a/BioUsers]\n"
            "      role_names: [BioAdmins]",
        ),
    )
    config = load_config(
        "dev", write_config(tmp_path, stages={"dev": stage}), registry=FAKE_REGISTRY
    )
    bio = config.communities["bio"]

    assert bio.role_arns_in("111111111111") == [
        "arn:aws:iam::111111111111:role/team/a/BioUsers",
        "arn:aws:iam::111111111111:role/BioAdmins",
    ]
    assert bio.role_arns_in("111111111111", "aws-us-gov")[1] == (
        "arn:aws-us-gov:iam::111111111111:role/BioAdmins"
    )
    assert bio.role_names_resolved() == ["BioUsers", "BioAdmins"]


def test_models_validate_directly_with_a_fake_registry() -> None:
    data = yaml.safe_load(BASE) | yaml.safe_load(DEV) | {"stage_name": "dev"}
    data["products"]["rstudio"] = {"versions": ["v1"]}

    config = CatalogConfig.model_validate(data, context={"registry": FAKE_REGISTRY})
    assert config.published_versions("rstudio") == ("v1",)

    with pytest.raises(pydantic.ValidationError, match="unknown product 'rstudio'"):
        CatalogConfig.model_validate(
            data, context={"registry": {"linux-docker": FAKE_REGISTRY["linux-docker"]}}
        )


# --------------------------------------------------------------------------------------------
# bad input: each case breaks one thing and expects file, dotted key and what is allowed

DEV_FILE = "config/dev.yaml"
BASE_FILE = "config/base.yaml"

# (id, file edited, replacements, file blamed, dotted key, fragments, number of problems)
BAD_CASES = [
    (
        "unknown-top-level-key",
        "dev",
        [("stage:\n", "colour: blue\nstage:\n")],
        DEV_FILE,
        "colour",
        [
            "unknown key 'colour'",
            "allowed keys: stage, catalog, tags, operators, network, storage, products, "
            "communities",
        ],
        1,
    ),
    (
        "unknown-top-level-key-in-base",
        "base",
        [("operators:\n", "operator:\n  x: 1\noperators:\n")],
        BASE_FILE,
        "operator",
        ["unknown key 'operator'", "did you mean 'operators'?", "allowed keys: stage, catalog"],
        1,
    ),
    (
        "unknown-nested-key",
        "dev",
        [("  region: us-east-1\n", "  region: us-east-1\n  zone: a\n")],
        DEV_FILE,
        "stage.zone",
        ["unknown key 'zone'", "allowed keys: account, region"],
        1,
    ),
    (
        "misspelt-nested-key-in-base",
        "base",
        [("support_email:", "support_mail:")],
        BASE_FILE,
        "catalog.support_mail",
        [
            "did you mean 'support_email'?",
            "allowed keys: provider_name, support_email, support_url, support_description, "
            "documentation_url",
        ],
        2,  # and support_email is now missing
    ),
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
    (
        "duplicate-version",
        "base",
        [("versions: [v1]", "versions: [v1, v1]")],
        BASE_FILE,
        "products.linux-docker.versions[1]",
        ["duplicate version 'v1' (also at [0])", "each entry must appear once"],
        1,
    ),
    (
        "community-product-not-published",
        "dev",
        [("products: [linux-docker]", "products: [linux-docker, rstudio]")],
        DEV_FILE,
        "communities.bio.products[1]",
        [
            "product 'rstudio' is not published in stage 'dev': "
            "add it under products in config/dev.yaml"
        ],
        1,
    ),
    (
        "unknown-product-in-community",
        "dev",
        [("products: [linux-docker]", "products: [matlab]")],
        DEV_FILE,
        "communities.bio.products[0]",
        ["unknown product 'matlab'", "allowed: linux-docker, rstudio"],
        1,
    ),
    (
        "duplicate-display-name",
        "dev",
        [("display_name: Data Challenge", "display_name: biomedical")],
        DEV_FILE,
        "communities.challenge.display_name",
        ["display name 'biomedical' is already used by community 'bio'", "must be unique"],
        1,
    ),
    (
        "malformed-role-arn",
        "dev",
        [("role/BioUsers", "user/BioUsers")],
        DEV_FILE,
        "communities.bio.principals.role_arns[0]",
        [
            "'arn:aws:iam::111111111111:user/BioUsers' is not an IAM role ARN",
            r"must match ^arn:aws(-[a-z]+)*:iam::\d{12}:role/(path/)*name$",
        ],
        1,
    ),
    (
        "role-arn-in-another-account",
        "dev",
        [("arn:aws:iam::111111111111:role/BioUsers", "arn:aws:iam::333333333333:role/BioUsers")],
        DEV_FILE,
        "communities.bio.principals.role_arns[0]",
        [
            "is in account 333333333333, not the stage account 111111111111",
            "use arn:aws:iam::111111111111:role/BioUsers",
        ],
        1,
    ),
    (
        "account-not-12-digits",
        "dev",
        [('account: "111111111111"', 'account: "11111111111"')],
        DEV_FILE,
        "stage.account",
        ["'11111111111' is not a 12-digit AWS account ID", r"must match ^\d{12}$"],
        # no follow-up "role ARN in another account" noise while the account is invalid
        1,
    ),
    (
        "account-as-yaml-int",
        "dev",
        [('account: "111111111111"', "account: 111111111111")],
        DEV_FILE,
        "stage.account",
        ["got the YAML number 111111111111", "quote it: account IDs are 12-digit strings"],
        1,
    ),
    (
        "bad-region",
        "dev",
        [("region: us-east-1", "region: us-east")],
        DEV_FILE,
        "stage.region",
        ["'us-east' is not an AWS region name", r"must match ^[a-z]{2}(-gov)?-[a-z]+-\d$"],
        1,
    ),
    (
        "empty-principal-list",
        "dev",
        [("role_names: [ChallengeUsers]", "role_names: []")],
        DEV_FILE,
        "communities.challenge.principals",
        ["empty principal list: give role_arns, role_names or role_patterns"],
        1,
    ),
    (
        "role-claimed-by-two-communities",
        "dev",
        [("role_names: [ChallengeUsers]", "role_names: [biousers]")],
        DEV_FILE,
        "communities.challenge.principals.role_names[0]",
        [
            "role 'biousers' is already claimed by communities.bio.principals.role_arns[0]",
            "a role can belong to exactly one community",
        ],
        1,
    ),
    (
        "same-role-twice-in-one-community",
        "dev",
        [
            (
                "role_arns: [arn:aws:iam::111111111111:role/BioUsers]",
                "role_arns: [arn:aws:iam::111111111111:role/BioUsers]\n"
                "      role_names: [BioUsers]",
            )
        ],
        DEV_FILE,
        "communities.bio.principals.role_names[0]",
        ["role 'BioUsers' is already listed as role_arns[0]"],
        1,
    ),
    (
        "bad-role-name",
        "dev",
        [("role_names: [ChallengeUsers]", "role_names: [Challenge Users]")],
        DEV_FILE,
        "communities.challenge.principals.role_names[0]",
        ["'Challenge Users' is not an IAM role name", r"must match [\w+=,.@-]{1,64}"],
        1,
    ),
    (
        "bad-email",
        "dev",
        [("manager_email: bio@example.org", "manager_email: bio(at)example.org")],
        DEV_FILE,
        "communities.bio.manager_email",
        ["'bio(at)example.org' is not an email address", "expected name@example.org"],
        1,
    ),
    (
        "bad-email-in-base",
        "base",
        [("notification_email: ops@example.org", "notification_email: ops@localhost")],
        BASE_FILE,
        "operators.notification_email",
        ["'ops@localhost' is not an email address", "expected name@example.org"],
        1,
    ),
    (
        "owner-template-without-session",
        "dev",
        [
            (
                'owner_email_template: "{session}@example.org"',
                "owner_email_template: owner@example.org",
            )
        ],
        DEV_FILE,
        "communities.bio.owner_email_template",
        ["has no {session} placeholder", "must contain {session} and no other {placeholder}"],
        1,
    ),
    (
        "owner-template-with-other-placeholder",
        "dev",
        [('"{session}@example.org"', '"{session}.{dept}@example.org"')],
        DEV_FILE,
        "communities.bio.owner_email_template",
        ["uses {dept}", "must contain {session} and no other {placeholder}"],
        1,
    ),
    (
        "owner-template-not-an-email",
        "dev",
        [('"{session}@example.org"', '"{session}"')],
        DEV_FILE,
        "communities.bio.owner_email_template",
        ["does not produce an email address", "gives 'jane.doe'"],
        1,
    ),
    (
        "network-keys-of-both-modes",
        "dev",
        [("  cidr: 10.60.0.0/16\n", "  cidr: 10.60.0.0/16\n  vpc_id: vpc-0123456789abcdef0\n")],
        DEV_FILE,
        "network.vpc_id",
        [
            "unknown key 'vpc_id' for mode 'create'",
            "allowed keys: mode, cidr, max_azs, nat_gateways",
            "'vpc_id' belongs to mode 'existing'",
        ],
        1,
    ),
    (
        "bad-network-mode",
        "dev",
        [("mode: create", "mode: hybrid")],
        DEV_FILE,
        "network.mode",
        ["got 'hybrid'", "allowed values: create, existing"],
        1,
    ),
    (
        "missing-network-mode",
        "dev",
        [("  mode: create\n", "")],
        DEV_FILE,
        "network.mode",
        ["missing required key 'mode'", "allowed values: create, existing"],
        1,
    ),
    (
        "nat-gateways-more-than-azs",
        "dev",
        [("  cidr: 10.60.0.0/16\n", "  cidr: 10.60.0.0/16\n  max_azs: 2\n  nat_gateways: 3\n")],
        DEV_FILE,
        "network.nat_gateways",
        ["nat_gateways 3 is more than max_azs 2", "allowed: 0..2"],
        1,
    ),
    (
        "max-azs-out-of-range",
        "dev",
        [("  cidr: 10.60.0.0/16\n", "  cidr: 10.60.0.0/16\n  max_azs: 7\n")],
        DEV_FILE,
        "network.max_azs",
        ["got 7", "allowed range: 2..6"],
        1,
    ),
    (
        "max-azs-as-string",
        "dev",
        [("  cidr: 10.60.0.0/16\n", '  cidr: 10.60.0.0/16\n  max_azs: "3"\n')],
        DEV_FILE,
        "network.max_azs",
        ["expected an integer, got string '3'"],
        1,
    ),
    (
        "cidr-prefix-too-wide",
        "dev",
        [("cidr: 10.60.0.0/16", "cidr: 10.0.0.0/8")],
        DEV_FILE,
        "network.cidr",
        ["'10.0.0.0/8' has prefix length /8", "allowed: /16../24"],
        1,
    ),
    (
        "cidr-not-an-address",
        "dev",
        [("cidr: 10.60.0.0/16", "cidr: 10.60.0.300/16")],
        DEV_FILE,
        "network.cidr",
        ["'10.60.0.300/16' is not an IPv4 CIDR block", "expected e.g. 10.60.0.0/16"],
        1,
    ),
    (
        "cidr-host-bits-set",
        "dev",
        [("cidr: 10.60.0.0/16", "cidr: 10.60.1.0/16")],
        DEV_FILE,
        "network.cidr",
        ["has host bits set; did you mean 10.60.0.0/16?"],
        1,
    ),
    (
        "bad-subnet-id",
        "dev",
        [
            ("network:\n  mode: create\n  cidr: 10.60.0.0/16\n", EXISTING_NETWORK),
            ("[subnet-0123456789abcdef0]", "[subnet-0123456789abcdef0, subnet-XYZ]"),
        ],
        DEV_FILE,
        "network.private_subnet_ids[1]",
        ["'subnet-XYZ' is not a subnet ID", "must match ^subnet-[0-9a-f]{8,17}$"],
        1,
    ),
    (
        "no-subnets",
        "dev",
        [
            ("network:\n  mode: create\n  cidr: 10.60.0.0/16\n", EXISTING_NETWORK),
            ("[subnet-0123456789abcdef0]", "[]"),
        ],
        DEV_FILE,
        "network.private_subnet_ids",
        ["must not be empty", "at least 1 entry"],
        1,
    ),
    (
        "bad-vpc-id",
        "dev",
        [
            ("network:\n  mode: create\n  cidr: 10.60.0.0/16\n", EXISTING_NETWORK),
            ("vpc-0123456789abcdef0", "vpc-12"),
        ],
        DEV_FILE,
        "network.vpc_id",
        ["'vpc-12' is not a VPC ID", "must match ^vpc-[0-9a-f]{8,17}$"],
        1,
    ),
    (
        "endpoints-without-vpc-cidr",
        "dev",
        [
            ("network:\n  mode: create\n  cidr: 10.60.0.0/16\n", EXISTING_NETWORK),
            ("  vpc_id:", "  create_endpoints: true\n  vpc_id:"),
        ],
        DEV_FILE,
        "network.vpc_cidr",
        ["missing required key 'vpc_cidr'", "with create_endpoints true", "e.g. 10.20.0.0/16"],
        1,
    ),
    (
        "bad-existing-vpc-cidr",
        "dev",
        [
            ("network:\n  mode: create\n  cidr: 10.60.0.0/16\n", EXISTING_NETWORK),
            ("  vpc_id:", "  vpc_cidr: 10.20.0.0/29\n  vpc_id:"),
        ],
        DEV_FILE,
        "network.vpc_cidr",
        ["'10.20.0.0/29' has prefix length /29", "allowed: /16../28"],
        1,
    ),
    (
        "empty-cost-centers",
        "dev",
        [("cost_centers: [Data Challenge / 300000]", "cost_centers: []")],
        DEV_FILE,
        "communities.challenge.cost_centers",
        ["must not be empty", "at least 1 entry"],
        1,
    ),
    (
        "cost-center-as-yaml-int",
        "dev",
        [("cost_centers: [Data Challenge / 300000]", "cost_centers: [300000]")],
        DEV_FILE,
        "communities.challenge.cost_centers[0]",
        ["expected a string, got integer 300000", "quote it"],
        1,
    ),
    (
        "tag-key-starting-with-aws",
        "dev",
        [("stage:\n", "tags:\n  aws:createdBy: me\nstage:\n")],
        DEV_FILE,
        'tags["aws:createdBy"]',
        ["tag key 'aws:createdBy' starts with 'aws:'", "reserves"],
        1,
    ),
    (
        "bad-community-name",
        "dev",
        [("  bio:\n", "  Bio_Med:\n")],
        DEV_FILE,
        "communities.Bio_Med",
        ["community name 'Bio_Med' is invalid", "must match ^[a-z][a-z0-9-]{1,30}$"],
        1,
    ),
    (
        "missing-required-key",
        "dev",
        [("    manager_email: challenge@example.org\n", "")],
        DEV_FILE,
        "communities.challenge.manager_email",
        ["missing required key 'manager_email'", "community manager contact email"],
        1,
    ),
    (
        "provider-name-too-long",
        "base",
        [("provider_name: Research Computing", "provider_name: " + "R" * 51)],
        BASE_FILE,
        "catalog.provider_name",
        ["got 51 characters", "allowed: 1..50 characters"],
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
    (
        "community-not-a-mapping",
        "dev",
        [("communities:\n", "communities:\n  extra: [a]\n")],
        DEV_FILE,
        "communities.extra",
        ["expected a mapping (key: value), got list"],
        1,
    ),
    (
        "stage-name-written-in-yaml",
        "dev",
        [("stage:\n", "stage_name: prod\nstage:\n")],
        DEV_FILE,
        "stage_name",
        ["set from the stage file name; remove it"],
        1,
    ),
    # ---- budgets
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


def test_storage_defaults(tmp_path: Path) -> None:
    config = load_config("dev", write_config(tmp_path), registry=FAKE_REGISTRY)
    assert config.storage.archive_days == 30
    assert config.storage.notice_days == 7
    assert config.storage.synapse_account_id == "325565585839"
    assert config.storage.synapse_origins == ["https://www.synapse.org"]
    assert config.storage.purge_dry_run is False
    assert config.storage.notification_sender is None


@pytest.mark.parametrize(
    ("edited", "replacements", "file", "key", "fragments", "count"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_CASES],
)
def test_bad_input_is_reported_with_file_key_and_allowed(
    tmp_path: Path,
    edited: str,
    replacements: list[tuple[str, str]],
    file: str,
    key: str,
    fragments: list[str],
    count: int,
) -> None:
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


def test_error_names_the_line_of_the_key(tmp_path: Path) -> None:
    stage = edit(DEV, ("region: us-east-1", "region: mars-1"))
    error = load_error(write_config(tmp_path, stages={"dev": stage}))

    assert str(error).startswith("config/dev.yaml:3: stage.region: ")
    assert error.problems[0].line == 3
    assert error.problems[0].file == "config/dev.yaml"


def test_all_problems_of_both_files_are_reported_at_once(tmp_path: Path) -> None:
    base = edit(BASE, ("support_email: rc@example.org", "support_email: nope"))
    stage = edit(
        DEV,
        ("region: us-east-1", "region: nowhere"),
        ("cidr: 10.60.0.0/16", "cidr: 10.60.0.0/30"),
        ("display_name: Data Challenge", "display_name: Biomedical"),
    )
    error = load_error(write_config(tmp_path, base=base, stages={"dev": stage}))

    lines = str(error).splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("config/base.yaml:3: catalog.support_email: ")
    assert lines[1].startswith("config/dev.yaml:3: stage.region: ")
    assert lines[2].startswith("config/dev.yaml:6: network.cidr: ")
    assert lines[3].startswith("config/dev.yaml:19: communities.challenge.display_name: ")


def test_key_overridden_in_stage_file_is_blamed_on_the_stage_file(tmp_path: Path) -> None:
    stage = DEV + "catalog:\n  support_email: not-an-email\n"
    error = load_error(write_config(tmp_path, stages={"dev": stage}))

    assert problem_line(error, "catalog.support_email").startswith("config/dev.yaml:")


def test_missing_per_stage_keys_are_blamed_on_the_stage_file(tmp_path: Path) -> None:
    error = load_error(write_config(tmp_path, stages={"dev": ""}))

    for key in ("stage", "network", "communities"):
        line = problem_line(error, key)
        assert line.startswith("config/dev.yaml: "), line
        assert f"missing required key '{key}'" in line


def test_missing_shared_key_is_blamed_on_base(tmp_path: Path) -> None:
    base = edit(BASE, ("operators:\n  notification_email: ops@example.org\n", ""))
    error = load_error(write_config(tmp_path, base=base))

    assert problem_line(error, "operators").startswith("config/base.yaml: ")


def test_unknown_stage(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path, stages={"dev": DEV, "prod": DEV})

    error = load_error(config_dir, stage="qa")

    assert str(error) == "unknown stage 'qa': no config/qa.yaml; available stages: dev, prod"


@pytest.mark.parametrize("stage", ["base", "../config/dev", "Dev"])
def test_stage_names_that_are_not_stages(tmp_path: Path, stage: str) -> None:
    config_dir = write_config(tmp_path)

    error = load_error(config_dir, stage=stage)

    assert str(error).startswith(f"unknown stage '{stage}': ")
    assert str(error).endswith("available stages: dev")


def test_unknown_stage_in_the_real_config_dir() -> None:
    with pytest.raises(ConfigError, match=r"no config/qa\.yaml; available stages: .*dev.*prod"):
        load_config("qa")


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    stage = edit(DEV, ("region: us-east-1", "region: [us-east-1"))
    error = load_error(write_config(tmp_path, stages={"dev": stage}))

    assert len(error.problems) == 1
    assert str(error).startswith("config/dev.yaml:")
    assert "invalid YAML" in str(error)


def test_invalid_yaml_in_base_and_stage_both_reported(tmp_path: Path) -> None:
    base = BASE + "oops: : :\n"
    stage = DEV + "\tbad: tab\n"
    error = load_error(write_config(tmp_path, base=base, stages={"dev": stage}))

    files = [problem.file for problem in error.problems]
    assert files == ["config/base.yaml", "config/dev.yaml"]
    assert all("invalid YAML" in problem.message for problem in error.problems)


@pytest.mark.parametrize(("text", "kind"), [("- a\n- b\n", "list"), ("just text\n", "string")])
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str, kind: str) -> None:
    error = load_error(write_config(tmp_path, stages={"dev": text}))

    assert str(error) == (
        "config/dev.yaml:1: the top level must be a mapping of keys (like 'catalog:'), "
        f"not a {kind}"
    )


def test_duplicate_community_is_rejected(tmp_path: Path) -> None:
    # Without the strict loader PyYAML would keep the second 'bio' silently.
    stage = DEV + "  bio:\n    display_name: Shadow\n"
    error = load_error(write_config(tmp_path, stages={"dev": stage}))

    duplicate_line = len(DEV.splitlines()) + 1
    assert str(error) == (
        f"config/dev.yaml:{duplicate_line}: duplicate key 'communities.bio' "
        "(first defined at line 8); each key may appear once per mapping"
    )


def test_duplicate_keys_in_base_are_all_reported(tmp_path: Path) -> None:
    base = BASE + "catalog:\n  provider_name: Again\noperators: {}\n"
    error = load_error(write_config(tmp_path, base=base))

    assert [(p.file, p.line) for p in error.problems] == [
        ("config/base.yaml", 11),
        ("config/base.yaml", 13),
    ]
    assert "duplicate key 'catalog' (first defined at line 1)" in str(error)
    assert "duplicate key 'operators' (first defined at line 6)" in str(error)


def test_missing_base_file(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path)
    (config_dir / "base.yaml").unlink()

    error = load_error(config_dir)

    assert str(error).startswith("config/base.yaml: cannot read file")


# --------------------------------------------------------------------------------------------
# the strict YAML loader on its own


def test_strict_loader_rejects_duplicate_nested_keys() -> None:
    text = "a:\n  b: 1\n  c: 2\n  b: 3\n"
    with pytest.raises(
        DuplicateKeyError, match=r"line 4: duplicate key 'a\.b' \(first defined at line 2\)"
    ):
        yaml.load(text, Loader=StrictYamlLoader)


def test_strict_loader_allows_merge_keys_to_be_overridden() -> None:
    text = "defaults: &d\n  x: 1\n  y: 2\nitem:\n  <<: *d\n  y: 3\n"
    data = yaml.load(text, Loader=StrictYamlLoader)
    assert data["item"] == {"x": 1, "y": 3}


def test_strict_loader_is_safe() -> None:
    with pytest.raises(yaml.constructor.ConstructorError):
        yaml.load("!!python/object/apply:os.system ['true']", Loader=StrictYamlLoader)


def test_two_stages_cannot_target_one_account_and_region(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path, stages={"dev": DEV, "qa": DEV})
    message = str(load_error(config_dir, "qa"))
    assert "config/qa.yaml" in message
    assert "stage" in message
    assert "already the target of stage 'dev' (config/dev.yaml)" in message
    assert "allowed: one catalog stage per account and region" in message


def test_stages_in_one_account_but_different_regions_load(tmp_path: Path) -> None:
    other_region = edit(DEV, ("region: us-east-1", "region: eu-west-1"))
    config_dir = write_config(tmp_path, stages={"dev": DEV, "eu": other_region})
    assert load_config("eu", config_dir, registry=FAKE_REGISTRY).stage.region == "eu-west-1"


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
    "keep too many": ("images:\n  keep_last: 500\n", "images.keep_last", "50"),
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


def test_at_most_25_communities_may_list_scheduled_jobs() -> None:
    registry = {**FAKE_REGISTRY, "scheduled-job": _product("scheduled-job", "v1")}
    data = yaml.safe_load(BASE) | yaml.safe_load(DEV) | {"stage_name": "dev"}
    data["products"]["scheduled-job"] = {"versions": ["v1"]}
    template = data["communities"]["challenge"]
    data["communities"] = {
        f"team{number:02}": {
            **template,
            "display_name": f"Team {number}",
            "principals": {"role_names": [f"Team{number}"]},
            "products": ["linux-docker", "scheduled-job"],
        }
        for number in range(26)
    }
    with pytest.raises(pydantic.ValidationError) as error:
        CatalogConfig.model_validate(data, context={"registry": registry})
    (problem,) = error.value.errors()
    assert problem["loc"] == ("communities", "team25", "products", 1)
    assert problem["msg"].startswith("at most 25 communities may list 'scheduled-job'")

    del data["communities"]["team25"]
    config = CatalogConfig.model_validate(data, context={"registry": registry})
    assert len(config.communities_for("scheduled-job")) == 25


# --------------------------------------------------------------------------------------------
# budgets


def test_shipped_budgets() -> None:
    dev, prod = load_config("dev"), load_config("prod")
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


def test_budget_name_length_is_checked(tmp_path: Path) -> None:
    member = "a" * 64
    stage = edit(
        DEV,
        ("  bio:\n", "  bio-informatics-and-genomics-x:\n"),
        (
            "amount_usd: 1000\n",
            f"amount_usd: 1000\n      member_budgets:\n        members: [{member}]\n"
            "        amount_usd: 100\n",
        ),
    )
    error = load_error(write_config(tmp_path, stages={"dev": stage}))

    line = problem_line(
        error, "communities.bio-informatics-and-genomics-x.budget.member_budgets.members[0]"
    )
    assert "has 116 characters; AWS Budgets allows 100" in line


def test_member_budgets_per_stage_are_limited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def members(prefix: str) -> str:
        names = ", ".join(f"{prefix}{i}" for i in range(100))
        return (
            "amount_usd: 1000\n      member_budgets:\n"
            f"        members: [{names}]\n        amount_usd: 10\n"
        )

    stage = edit(DEV, ("amount_usd: 1000\n", members("a")), ("amount_usd: 250\n", members("b")))
    config_dir = write_config(tmp_path, stages={"dev": stage})
    assert load_config("dev", config_dir, registry=FAKE_REGISTRY)

    import config.rules.communities

    monkeypatch.setattr(config.rules.communities, "MEMBER_BUDGETS_MAX", 150)
    line = problem_line(
        load_error(config_dir), "communities.challenge.budget.member_budgets.members"
    )
    assert "200 member budgets in this stage so far; allowed: at most 150" in line


# --------------------------------------------------------------------------------------------
# delivery: pipeline section and the promotion rule

DELIVERY = """\
delivery:
  account: "333333333333"
  region: us-east-1
  connection_arn: "arn:aws:codeconnections:us-east-1:333333333333:connection/\
00000000-0000-0000-0000-000000000000"
  repository: acme/catalog
  stage_order: [dev, prod]
  approval_before: [prod]
"""

PROD = edit(
    DEV,
    ('account: "111111111111"', 'account: "222222222222"'),
    ("arn:aws:iam::111111111111:role/BioUsers", "arn:aws:iam::222222222222:role/BioUsers"),
)


def _pipeline_config(tmp_path: Path, *, base_products: str = "", prod_extra: str = "") -> Path:
    base = BASE + DELIVERY
    if base_products:
        base = edit(base, ("    versions: [v1]\n", base_products))
    return write_config(tmp_path, base=base, stages={"dev": DEV, "prod": PROD + prod_extra})


def test_delivery_section_loads_with_defaults(tmp_path: Path) -> None:
    config = load_config("prod", _pipeline_config(tmp_path), registry=FAKE_REGISTRY)

    assert config.delivery is not None
    assert config.delivery.stage_order == ["dev", "prod"]
    assert config.delivery.branch == "main"
    assert config.delivery.smoke_test.role_name == "research-catalog-smoke-test"


def test_shipped_pipeline_promotes_dev_then_prod_with_approval() -> None:
    config = load_config("prod")
    assert config.delivery is not None
    assert config.delivery.stage_order == ["dev", "prod"]
    assert config.delivery.approval_before == ["prod"]


def test_prod_listing_a_version_dev_does_not_publish_fails_clearly(tmp_path: Path) -> None:
    config_dir = _pipeline_config(
        tmp_path, prod_extra="products:\n  linux-docker:\n    versions: [v1, v2]\n"
    )

    error = load_error(config_dir, "prod")

    line = problem_line(error, "products.linux-docker.versions[1]")
    assert line.startswith("config/prod.yaml:")
    assert "version 'v2' of product 'linux-docker' is not published in stage 'dev'" in line
    assert "(config/dev.yaml), which comes before 'prod' in delivery.stage_order" in line
    assert line.endswith("allowed: v1")


def test_prod_listing_a_product_dev_does_not_publish_fails(tmp_path: Path) -> None:
    config_dir = _pipeline_config(
        tmp_path,
        prod_extra="products:\n  rstudio:\n    versions: [v1]\n",
    )

    line = problem_line(load_error(config_dir, "prod"), "products.rstudio.versions[0]")
    assert "allowed: (none: the product is not published there)" in line


def test_prod_may_publish_fewer_versions_than_dev(tmp_path: Path) -> None:
    config_dir = _pipeline_config(tmp_path, base_products="    versions: [v1, v2]\n")
    (config_dir / "prod.yaml").write_text(PROD + "products:\n  linux-docker:\n    versions: [v2]\n")

    config = load_config("prod", config_dir, registry=FAKE_REGISTRY)
    assert config.published_versions("linux-docker") == ("v2",)


def test_the_first_stage_is_not_checked_against_others(tmp_path: Path) -> None:
    config_dir = _pipeline_config(tmp_path)
    (config_dir / "dev.yaml").write_text(
        DEV + "products:\n  linux-docker:\n    versions: [v1, v2]\n"
    )

    assert load_config("dev", config_dir, registry=FAKE_REGISTRY).published_versions(
        "linux-docker"
    ) == ("v1", "v2")


def test_unknown_stage_in_stage_order_is_reported(tmp_path: Path) -> None:
    config_dir = write_config(
        tmp_path,
        base=BASE + edit(DELIVERY, ("[dev, prod]", "[dev, prd]"), ("[prod]", "[prd]")),
        stages={"dev": DEV, "prod": PROD},
    )

    line = problem_line(load_error(config_dir), "delivery.stage_order[1]")
    assert line.startswith("config/base.yaml:")
    assert "no stage 'prd' (no config/prd.yaml) (did you mean 'prod'?); allowed: dev, prod" in line


def test_approval_for_a_stage_outside_the_pipeline_is_reported(tmp_path: Path) -> None:
    config_dir = write_config(
        tmp_path,
        base=BASE + edit(DELIVERY, ("approval_before: [prod]", "approval_before: [staging]")),
        stages={"dev": DEV, "prod": PROD},
    )

    line = problem_line(load_error(config_dir), "delivery.approval_before[0]")
    assert "stage 'staging' is not deployed by the pipeline; allowed: dev, prod" in line


def test_delivery_in_a_stage_file_is_rejected(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path, stages={"dev": DEV + DELIVERY})

    line = problem_line(load_error(config_dir), "delivery")
    assert line.startswith("config/dev.yaml:")
    assert "'delivery' spans every stage; set it in config/base.yaml instead" in line


@pytest.mark.parametrize(
    ("old", "new", "key", "fragment"),
    [
        (
            'connection_arn: "arn:aws:codeconnections',
            'connection_arn: "arn:aws:s3',
            "delivery.connection_arn",
            "is not a CodeConnections connection ARN",
        ),
        ("repository: acme/catalog", "repository: catalog", "delivery.repository", "owner/name"),
        ('account: "333333333333"', "account: 333333333333", "delivery.account", "quote it"),
    ],
)
def test_bad_delivery_values(tmp_path: Path, old: str, new: str, key: str, fragment: str) -> None:
    config_dir = write_config(tmp_path, base=BASE + edit(DELIVERY, (old, new)))

    assert fragment in problem_line(load_error(config_dir), key)


# --------------------------------------------------------------------------------------------
# sharing and role patterns

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


def test_sharing_and_role_patterns_load(tmp_path: Path) -> None:
    dev = edit(
        DEV,
        (
            "      role_names: [ChallengeUsers]\n",
            "      role_names: [ChallengeUsers]\n"
            "      role_patterns: [aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Challenge_*]\n",
        ),
        (
            "    manager_email: challenge@example.org\n",
            "    manager_email: challenge@example.org\n" + SHARING,
        ),
    )
    dev += SPOKES
    config = load_config("dev", write_config(tmp_path, stages={"dev": dev}), registry=FAKE_REGISTRY)

    challenge = config.communities["challenge"]
    assert challenge.sharing.accounts == ["444444444444"]
    assert challenge.role_pattern_arns() == [
        "arn:aws:iam:::role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Challenge_*"
    ]


@pytest.mark.parametrize(
    ("sharing", "key", "fragment"),
    [
        (
            '      accounts: ["111111111111"]\n',
            "sharing.accounts[0]",
            "is the stage account itself",
        ),
        (
            "      organizational_units: [ou-1]\n",
            "sharing.organizational_units[0]",
            "ou-ab12-cdef3456",
        ),
        ("      organization: org-1\n", "sharing.organization", "o-a1b2c3d4e5"),
    ],
)
def test_bad_sharing(tmp_path: Path, sharing: str, key: str, fragment: str) -> None:
    dev = edit(
        DEV,
        (
            "    manager_email: challenge@example.org\n",
            "    manager_email: challenge@example.org\n    sharing:\n" + sharing,
        ),
    )
    error = load_error(write_config(tmp_path, stages={"dev": dev}))
    assert fragment in problem_line(error, f"communities.challenge.{key}")


@pytest.mark.parametrize(
    ("patterns", "key", "fragment"),
    [
        ("[BioUser*]", "role_patterns[0]", "also matches 'BioUsers' of community 'bio'"),
        ("['*']", "role_patterns[0]", "matches almost any role"),
        ("[Bad/Name/]", "role_patterns[0]", "is not a role name pattern"),
        (
            "[" + ", ".join(f"Pattern{i}_*" for i in range(11)) + "]",
            "role_patterns",
            "has 11 entries; allowed: at most 10 entries",
        ),
    ],
)
def test_bad_role_patterns(tmp_path: Path, patterns: str, key: str, fragment: str) -> None:
    dev = edit(
        DEV,
        (
            "      role_names: [ChallengeUsers]\n",
            f"      role_names: [ChallengeUsers]\n      role_patterns: {patterns}\n",
        ),
    )
    error = load_error(write_config(tmp_path, stages={"dev": dev}))
    assert fragment in problem_line(error, f"communities.challenge.principals.{key}")


# --------------------------------------------------------------------------------------------
# spokes: the accounts portfolios are shared with


def _shared_dev(sharing: str = SHARING, spokes: str = SPOKES) -> str:
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


def test_spokes_are_the_shared_accounts_and_the_member_accounts(tmp_path: Path) -> None:
    config = load_config(
        "dev",
        write_config(tmp_path, stages={"dev": _shared_dev(spokes=MEMBER_SPOKES)}),
        registry=FAKE_REGISTRY,
    )
    assert config.spoke_accounts() == ["444444444444", "555555555555"]
    spokes = config.spokes
    assert spokes is not None
    assert spokes.network_of("444444444444") == spokes.network
    assert spokes.network_of("555555555555").mode == "existing"
    assert spokes.admin_role_arns_of("444444444444") == []
    assert spokes.admin_role_arns_of("555555555555") == [
        "arn:aws:iam::555555555555:role/BreakGlass"
    ]
    # The member account is reached through the challenge community's OU share only.
    assert list(config.spoke_communities("555555555555")) == ["challenge"]
    assert list(config.spoke_communities("444444444444")) == ["challenge"]


def test_no_sharing_means_no_spokes(tmp_path: Path) -> None:
    config = load_config("dev", write_config(tmp_path, stages={"dev": DEV}), registry=FAKE_REGISTRY)
    assert config.spokes is None
    assert config.spoke_accounts() == []


def test_sharing_without_spokes_is_an_error(tmp_path: Path) -> None:
    error = load_error(write_config(tmp_path, stages={"dev": _shared_dev(spokes="")}))
    line = problem_line(error, "spokes")
    assert line.startswith("config/dev.yaml")
    assert "missing section 'spokes': community 'challenge' shares its portfolio" in line


@pytest.mark.parametrize(
    ("spokes", "key", "fragment"),
    [
        (
            '  member_accounts: ["111111111111"]\n',
            "spokes.member_accounts[0]",
            "is the stage account itself",
        ),
        (
            '  member_accounts: ["444444444444"]\n',
            "spokes.member_accounts[0]",
            "already a spoke through communities.challenge.sharing.accounts",
        ),
        (
            '  member_accounts: ["1234"]\n',
            "spokes.member_accounts[0]",
            "12-digit",
        ),
        (
            '  accounts:\n    "666666666666": {}\n',
            "spokes.accounts.666666666666",
            "is not a spoke; allowed: 444444444444",
        ),
        (
            '  accounts:\n    "444444444444":\n'
            "      admin_role_arns: [arn:aws:iam::111111111111:role/BreakGlass]\n",
            "spokes.accounts.444444444444.admin_role_arns[0]",
            "is not in account 444444444444",
        ),
        (
            '  accounts:\n    "444444444444":\n      network: {mode: create}\n',
            "spokes.accounts.444444444444.network.cidr",
            "missing",
        ),
        (
            "  regions: [eu-west-1]\n",
            "spokes.regions",
            "unknown key 'regions'; allowed keys: network",
        ),
    ],
)
def test_bad_spokes(tmp_path: Path, spokes: str, key: str, fragment: str) -> None:
    error = load_error(write_config(tmp_path, stages={"dev": _shared_dev(spokes=SPOKES + spokes)}))
    line = problem_line(error, key)
    assert line.startswith("config/dev.yaml")
    assert fragment in line


def test_member_accounts_need_an_ou_or_organization_share(tmp_path: Path) -> None:
    only_accounts = '    sharing:\n      accounts: ["444444444444"]\n'
    spokes = SPOKES + '  member_accounts: ["555555555555"]\n'
    error = load_error(
        write_config(tmp_path, stages={"dev": _shared_dev(sharing=only_accounts, spokes=spokes)})
    )
    assert "no community shares with organizational_units" in problem_line(
        error, "spokes.member_accounts"
    )


def test_spokes_without_any_spoke_account(tmp_path: Path) -> None:
    error = load_error(write_config(tmp_path, stages={"dev": DEV + SPOKES}))
    assert "no spoke account" in problem_line(error, "spokes")
