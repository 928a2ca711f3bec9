"""An organisation adopting the catalog edits a copy of the shipped ``config/`` the way the
README tells it to (its own accounts, e-mails and URLs, a new community, a promotion with
``make promote``) and keeps a green suite: the edited copy passes what every configuration
must pass, and no test but the shipped-config checks reads ``config/`` at all.

The edits work on whatever ``config/`` holds (the shipped example or an adopter's own), by
values and keys rather than by line: example values are replaced wherever they are, the new
community copies an existing one, and the promotion picks a version the stage before publishes.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from catalog_constructs.common.deploy_guard import RULE_ID
from config import available_stages, load_config
from config.placeholders import (
    EXAMPLE_ACCOUNTS,
    for_pipeline,
    for_stage,
)
from config.yaml_source import CONFIG_DIR
from delivery.promote import main as promote_main
from products.registry import PRODUCTS
from stacks.stage import community_stack_id
from tests.infrastructure.templates import cfn_lint, resources, violations
from tests.synth import SynthesizedStage, synthesize

REPO_ROOT = Path(__file__).resolve().parents[2]
TESTS = REPO_ROOT / "tests"
# The only tests that read config/: what any configuration must satisfy, and this one.
READ_CONFIG = {
    "tests/infrastructure/test_shipped_config.py",
    "tests/infrastructure/test_adopting.py",
}

# What the organisation writes instead of the example values.
OWN_VALUES = (
    (re.compile(r"example\.(org|com|net)"), "institute.edu"),
    (re.compile(r"example-org"), "institute-research"),
    (re.compile(r"0123456789abcdef"), "4c1e9a07b2d3f856"),
    (re.compile(r"fedcba9876543210"), "9e8d7c6b5a413021"),
    (re.compile(r"00000000-0000-0000-0000-000000000000"), "7d2469ff-514a-4e4f-9003-5ca4a43cdc41"),
    (re.compile(r"0a1b2c3d-4e5f-6789-abcd-ef0123456789"), "3f9c1b2a-7d4e-4a6b-8c5d-0e1f2a3b4c5d"),
)
NEW_COMMUNITY = "neuroscience"


@dataclass
class Adopted:
    config_dir: Path
    stage: str
    promoted: tuple[str, str]
    synthesized: SynthesizedStage


def _own_accounts(text: str, accounts: dict[str, str]) -> str:
    def own(match: re.Match[str]) -> str:
        # A distinct account per example account, as distinct as the examples were.
        return accounts.setdefault(match.group(0), f"{58392017 + 7919 * len(accounts):012d}")

    return EXAMPLE_ACCOUNTS.sub(own, text)


def _replace_example_values(config_dir: Path) -> None:
    accounts: dict[str, str] = {}
    for path in sorted(config_dir.glob("*.yaml")):
        text = _own_accounts(path.read_text(), accounts)
        for pattern, value in OWN_VALUES:
            text = pattern.sub(value, text)
        path.write_text(text)


def _add_community(config_dir: Path, stage: str) -> None:
    """A new community in the stage file: what an existing one has, under new roles."""
    path = config_dir / f"{stage}.yaml"
    data = yaml.safe_load(path.read_text())
    config = load_config(stage, config_dir)
    template = next(iter(config.communities.values()), None)
    community: dict[str, Any] = {
        "display_name": "Neuroscience",
        # Roles the institute's SAML identity provider federates into, named by its
        # RoleSessionName attribute.
        "kind": "saml",
        "principals": {"role_names": ["ResearchCatalogNeuroscienceUsers"]},
        "products": list(template.products if template else config.products),
        "cost_centers": ["Neuroimaging Lab / 410000"],
        "manager_email": "neuro-manager@institute.edu",
        "owner_email_template": "{session}@institute.edu",
        "budget": {"amount_usd": 750},
    }
    data.setdefault("communities", {})[NEW_COMMUNITY] = community
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _a_promotion(config_dir: Path, stage: str) -> tuple[str, str]:
    """A version the stage before ``stage`` publishes and ``stage`` does not, as README's
    `make promote PRODUCT=linux-docker VERSION=v2 STAGE=prod` is for the shipped example."""
    config = load_config(stage, config_dir)
    order = config.stages_in_order()
    before = load_config(order[order.index(stage) - 1], config_dir)
    for key in before.products:
        for version in before.published_versions(key):
            if version not in config.published_versions(key):
                return key, version
    pytest.skip(f"every version the stage before {stage} publishes is published there already")


@pytest.fixture(scope="module")
def adopted(tmp_path_factory: pytest.TempPathFactory) -> Adopted:
    config_dir = tmp_path_factory.mktemp("adopted") / "config"
    shutil.copytree(CONFIG_DIR, config_dir)
    _replace_example_values(config_dir)
    stages = load_config(available_stages(config_dir)[0], config_dir).stages_in_order()
    if len(stages) < 2:
        pytest.skip("a single stage: nothing to promote")
    stage = stages[1]
    _add_community(config_dir, stage)
    key, version = _a_promotion(config_dir, stage)
    assert (
        promote_main(
            ["--product", key, "--version", version, "--stage", stage], config_dir=config_dir
        )
        == 0
    )
    synthesized = synthesize(stage, tmp_path_factory.mktemp("adopted-cdk"), config_dir=config_dir)
    return Adopted(config_dir, stage, (key, version), synthesized)


def test_every_stage_of_the_adopted_config_loads_with_no_placeholder_left(
    adopted: Adopted,
) -> None:
    for stage in available_stages(adopted.config_dir):
        load_config(stage, adopted.config_dir)
        assert for_stage(stage, adopted.config_dir) == [], stage
    assert for_pipeline(adopted.config_dir) == []


def test_the_promoted_version_and_the_new_community_are_in_the_catalog(adopted: Adopted) -> None:
    key, version = adopted.promoted
    config = load_config(adopted.stage, adopted.config_dir)
    assert version in config.published_versions(key)
    catalog = adopted.synthesized.stacks["Catalog"]
    portfolios = {
        p["Properties"]["DisplayName"]
        for p in resources(
            adopted.synthesized.merged("Catalog"), "AWS::ServiceCatalog::Portfolio"
        ).values()
    }
    assert "Neuroscience" in portfolios
    [product] = [
        p
        for p in resources(catalog, "AWS::ServiceCatalog::CloudFormationProduct").values()
        if p["Properties"]["Name"] == PRODUCTS[key].display_name
    ]
    assert version in [v["Name"] for v in product["Properties"]["ProvisioningArtifactParameters"]]


def test_the_adopted_stage_passes_nag_and_cfn_lint_and_may_deploy(adopted: Adopted) -> None:
    stage = adopted.synthesized
    assert violations(stage.report) == []
    assert all(RULE_ID not in t.get("Rules", {}) for t in stage.stacks.values())
    # The edits land in the Catalog stack (the promoted version) and the new community's own
    # stack (its portfolio); the other stacks are linted for every configuration by
    # test_shipped_config.py.
    assert (
        cfn_lint(
            [
                stage.directory / "Catalog.template.json",
                stage.directory / f"{community_stack_id(NEW_COMMUNITY)}.template.json",
            ]
        )
        == ""
    )
    # Product templates do not depend on the configuration.
    assert all(json.loads(p.read_text()) for p in stage.product_files.values())


# ---- no other test reads config/

# Functions that read config/ unless given another directory: name -> the position of the
# directory argument (or None: keyword only).
READERS = {
    "load_config": 1,
    "available_stages": 0,
    "load_pipeline_configs": 0,
    "for_stage": 1,
    "for_pipeline": 0,
    "build_app": None,
    "build_pipeline_app": None,
    "promote": None,
}
# Modules whose main() reads config/ unless given config_dir.
READING_MAINS = {"delivery.smoke", "delivery.promote", "config.placeholders"}


def _reads_config(call: ast.Call, main_aliases: set[str], module_aliases: set[str]) -> bool:
    func = call.func
    name = (
        func.id
        if isinstance(func, ast.Name)
        else func.attr
        if isinstance(func, ast.Attribute)
        else ""
    )
    keywords = {k.arg for k in call.keywords}
    if "config_dir" in keywords:
        return False
    if name in READERS:
        position = READERS[name]
        return position is None or len(call.args) <= position
    if isinstance(func, ast.Name) and func.id in main_aliases:
        return True
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "main"
        and isinstance(func.value, ast.Name)
        and func.value.id in module_aliases
    )


def config_readers(root: Path) -> list[str]:
    """file:line of every use of config/ in the test modules under root, but the allowed."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root.parent).as_posix()
        if relative in READ_CONFIG:
            continue
        tree = ast.parse(path.read_text(), str(path))
        main_aliases: set[str] = set()
        module_aliases: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    if node.module in READING_MAINS and alias.name == "main":
                        main_aliases.add(alias.asname or alias.name)
                    if f"{node.module}.{alias.name}" in READING_MAINS:
                        module_aliases.add(alias.asname or alias.name)
        for node in ast.walk(tree):
            line = getattr(node, "lineno", 0)
            if isinstance(node, ast.Name | ast.alias) and "CONFIG_DIR" in (
                getattr(node, "id", None),
                getattr(node, "name", None),
            ):
                found.append(f"{relative}:{line}: names CONFIG_DIR")
            elif isinstance(node, ast.Call) and _reads_config(node, main_aliases, module_aliases):
                found.append(
                    f"{relative}:{line}: calls {ast.unparse(node.func)} without config_dir"
                )
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.search(r"load_config\(\s*'[^',]*'\s*\)", node.value)
            ):
                found.append(f"{relative}:{line}: runs load_config on config/")
    return found


def test_no_other_test_reads_config() -> None:
    # So replacing config/ with an organisation's own changes no other test's outcome.
    assert config_readers(TESTS) == []


def test_the_scan_finds_each_way_a_test_could_read_config(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_reads.py").write_text(
        "from config.loader import CONFIG_DIR\n"
        "from delivery import smoke\n"
        "from delivery.promote import main\n"
        "load_config('dev')\n"
        "build_app(stage='dev')\n"
        "smoke.main(['--stage', 'dev'])\n"
        "main(['--stage', 'dev'])\n"
        "code = \"config.load_config('dev')\"\n"
        "load_config('dev', EXAMPLE)\n"
        "build_app(stage='dev', config_dir=EXAMPLE)\n"
    )
    assert [line.split(": ", 1)[0] for line in config_readers(tests)] == [
        f"tests/test_reads.py:{n}" for n in (1, 4, 5, 6, 7, 8)
    ]
