"""The delivery pipeline: stage order, approval before prod, smoke tests, the synth step, and
that the stages deploy exactly the stacks and product templates `make synth` produces."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from catalog_app import CDK_CLI_VERSION
from tests.infrastructure.templates import cfn_lint, violations
from tests.synth import EXAMPLE_CONFIG_DIR, SynthesizedStage, load_example

REPO_ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = REPO_ROOT / "product-stack-snapshots"


@dataclass
class PipelineAssembly:
    directory: Path
    template: dict[str, Any]
    report: dict[str, Any]
    app: Any


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> PipelineAssembly:
    from catalog_app import build_pipeline_app

    app = build_pipeline_app(
        context={"@aws-cdk/core:failSynthOnValidationErrors": False},
        outdir=str(tmp_path_factory.mktemp("cdk-pipeline")),
        config_dir=EXAMPLE_CONFIG_DIR,
    )
    assembly = app.synth()
    directory = Path(assembly.directory)
    report = directory / "validation-report.json"
    return PipelineAssembly(
        directory=directory,
        template=assembly.get_stack_by_name("research-catalog-pipeline").template,
        report=json.loads(report.read_text()) if report.exists() else {},
        app=app,
    )


def _stages(template: dict[str, Any]) -> list[dict[str, Any]]:
    [pipeline] = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"
    ]
    return list(pipeline["Properties"]["Stages"])


def _stage(template: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in _stages(template) if s["Name"] == name)


def _buildspec(template: dict[str, Any], action: dict[str, Any]) -> dict[str, Any]:
    project_ref = action["Configuration"]["ProjectName"]["Ref"]
    source = template["Resources"][project_ref]["Properties"]["Source"]["BuildSpec"]
    return dict(json.loads(source))


def _commands(buildspec: dict[str, Any]) -> list[str]:
    return [c for phase in buildspec["phases"].values() for c in phase.get("commands", [])]


def test_stages_deploy_in_config_order_after_self_mutation(pipeline: PipelineAssembly) -> None:
    names = [s["Name"] for s in _stages(pipeline.template)]
    assert names[:3] == ["Source", "Build", "UpdatePipeline"]
    order = load_example("dev").stages_in_order()
    assert [n for n in names if n.lower() in order] == [s.capitalize() for s in order]
    assert names.index("Dev") < names.index("Prod")


def _waves(template: dict[str, Any], stage: str) -> list[dict[str, Any]]:
    """The stage's pipeline stage followed by its waves of community stacks, in order."""
    names = [s["Name"] for s in _stages(template)]
    waves = [n for n in names if re.fullmatch(rf"{stage}Communities\d+", n)]
    assert waves == sorted(waves, key=lambda n: int(n.removeprefix(f"{stage}Communities")))
    assert all(names.index(w) > names.index(stage) for w in waves)
    return [_stage(template, n) for n in [stage, *waves]]


def test_prod_waits_for_a_manual_approval_after_the_dev_smoke_test(
    pipeline: PipelineAssembly,
) -> None:
    names = [s["Name"] for s in _stages(pipeline.template)]
    dev_waves = _waves(pipeline.template, "Dev")
    prod = _stage(pipeline.template, "Prod")["Actions"]
    approvals = [a for a in prod if a["ActionTypeId"]["Category"] == "Approval"]
    assert [a["Name"] for a in approvals] == ["Approve-prod"]
    deploys = [a for a in prod if a["ActionTypeId"]["Provider"] == "CloudFormation"]
    assert deploys and all(a["RunOrder"] > approvals[0]["RunOrder"] for a in deploys)
    # Every dev wave, the smoke test included, comes before the approval.
    (smoke_stage,) = [
        w["Name"] for w in dev_waves if any(a["Name"] == "SmokeTest-dev" for a in w["Actions"])
    ]
    assert names.index(smoke_stage) < names.index("Prod")
    assert all(names.index(w["Name"]) < names.index("Prod") for w in dev_waves)
    for wave in dev_waves:
        assert not [a for a in wave["Actions"] if a["ActionTypeId"]["Category"] == "Approval"]


@pytest.mark.parametrize(("stage", "account"), [("Dev", "111111111111"), ("Prod", "222222222222")])
def test_each_stage_is_smoke_tested_after_it_deploys(
    pipeline: PipelineAssembly, stage: str, account: str
) -> None:
    """The stage's stacks deploy in its pipeline stage, its community stacks in waves of at most
    COMMUNITIES_PER_WAVE after it (CodePipeline's 50 actions per stage), and the smoke test runs
    once, after the last deploy of the last wave."""
    from stacks.pipeline_stack import COMMUNITIES_PER_WAVE

    config = load_example(stage.lower())
    waves = _waves(pipeline.template, stage)
    assert len(waves) == 1 + -(-len(config.communities) // COMMUNITIES_PER_WAVE)
    *earlier, last = waves
    [smoke] = [a for a in last["Actions"] if a["Name"].startswith("SmokeTest")]
    assert not [a for w in earlier for a in w["Actions"] if a["Name"].startswith("SmokeTest")]
    assert all(smoke["RunOrder"] > a["RunOrder"] for a in last["Actions"] if a is not smoke)
    deploys = [
        a for w in waves for a in w["Actions"] if a["ActionTypeId"]["Provider"] == "CloudFormation"
    ]
    community_stacks = sorted(
        a["Name"].split(".")[0]
        for w in waves[1:]
        for a in w["Actions"]
        if a["Name"].endswith(".Deploy")
    )
    assert community_stacks == sorted(
        f"research-catalog-{stage.lower()}-community-{name}" for name in config.communities
    )
    assert all(len(wave["Actions"]) <= 50 for wave in waves)
    # Each stack deploys into its stage's account through that account's bootstrap role; a
    # spoke stack into its spoke account, after the stage's Catalog stack.
    spokes = config.spoke_accounts()
    stage_deploys = [a for a in waves[0]["Actions"] if a in deploys]
    for action in deploys:
        spoke = next((s for s in spokes if f"-spoke-{s}." in action["Name"]), None)
        assert f":iam::{spoke or account}:role/cdk-" in json.dumps(action["RoleArn"]), action
        if spoke:
            catalog = [a for a in stage_deploys if "-catalog." in a["Name"]]
            assert catalog and all(action["RunOrder"] > a["RunOrder"] for a in catalog)
    assert len([a for a in deploys if "-spoke-" in a["Name"]]) == 2 * len(spokes)
    commands = _commands(_buildspec(pipeline.template, smoke))
    assert (
        f"make smoke STAGE={stage.lower()} "
        f"SMOKE_ROLE_ARN=arn:aws:iam::{account}:role/research-catalog-smoke-test"
    ) in commands


def test_synth_step_runs_the_developers_make_targets(pipeline: PipelineAssembly) -> None:
    [synth] = _stage(pipeline.template, "Build")["Actions"]
    commands = _commands(_buildspec(pipeline.template, synth))
    assert commands == ["make install", "make test", "make synth-pipeline"]


def test_every_build_step_runs_on_a_supported_node_lts(pipeline: PipelineAssembly) -> None:
    # Node.js 20 reached its end of life on 2026-04-30; 22 and 24 are the supported LTS lines.
    projects = [
        r["Properties"]
        for r in pipeline.template["Resources"].values()
        if r["Type"] == "AWS::CodeBuild::Project"
    ]
    assert projects
    for project in projects:
        assert project["Environment"]["Image"] == "aws/codebuild/standard:8.0"
        runtimes = json.loads(project["Source"]["BuildSpec"])["phases"]["install"]
        assert runtimes["runtime-versions"]["nodejs"] in ("22", "24"), project["Source"]


def test_self_mutation_uses_the_cli_version_of_package_json(pipeline: PipelineAssembly) -> None:
    [mutate] = _stage(pipeline.template, "UpdatePipeline")["Actions"]
    commands = _commands(_buildspec(pipeline.template, mutate))
    assert f"npm install -g aws-cdk@{CDK_CLI_VERSION}" in commands
    assert (
        json.loads((REPO_ROOT / "package.json").read_text())["devDependencies"]["aws-cdk"]
        == CDK_CLI_VERSION
    )


def test_artifacts_are_encrypted_with_a_rotated_cross_account_key(
    pipeline: PipelineAssembly,
) -> None:
    resources = pipeline.template["Resources"]
    [pipeline_resource] = [
        r for r in resources.values() if r["Type"] == "AWS::CodePipeline::Pipeline"
    ]
    store = pipeline_resource["Properties"]["ArtifactStore"]
    assert store["EncryptionKey"]["Type"] == "KMS"
    keys = [r for r in resources.values() if r["Type"] == "AWS::KMS::Key"]
    assert keys and all(k["Properties"]["EnableKeyRotation"] for k in keys)


def test_pipeline_has_no_unacknowledged_nag_findings(pipeline: PipelineAssembly) -> None:
    assert violations(pipeline.report) == []


def test_pipeline_template_passes_cfn_lint(pipeline: PipelineAssembly) -> None:
    assert cfn_lint([pipeline.directory / "Pipeline.template.json"]) == ""


@pytest.mark.parametrize("stage_name", ["dev", "prod"])
def test_stages_deploy_what_make_synth_produces(
    pipeline: PipelineAssembly, synthesized: dict[str, SynthesizedStage], stage_name: str
) -> None:
    """Same stacks as `cdk deploy -c stage=X` (so cdk-nag and cfn-lint on those cover the
    pipeline's), apart from the construct paths CDK writes into Name tags: no logical ID
    depends on where the stack sits, so a stage can move between the two (README)."""
    prefix = f"Pipeline/{stage_name.capitalize()}/"

    def normalized(text: str) -> Any:
        return json.loads(text.replace(prefix, ""))

    stage = stage_name.capitalize()
    directory = pipeline.directory / f"assembly-Pipeline-{stage}"
    for stack_id in synthesized[stage_name].stacks:
        # Community stacks deploy in waves of their own (Pipeline/<Stage>Communities<n>/).
        [path] = [
            p
            for p in pipeline.directory.glob(f"assembly-Pipeline-{stage}*/*.template.json")
            if re.fullmatch(
                rf"Pipeline{stage}(Communities\d+)?{stack_id.replace('-', '')}[0-9A-F]{{8}}",
                p.name.removesuffix(".template.json"),
            )
        ]
        text = re.sub(rf"Pipeline/{stage}Communities\d+/", "", path.read_text())
        assert normalized(text) == normalized(json.dumps(synthesized[stage_name].stacks[stack_id]))
    from products.docs import snapshot_path
    from products.registry import PRODUCTS

    products = sorted(directory.glob("*.product.template.json"))
    assert len(products) == len(PRODUCTS)
    for key, definition in PRODUCTS.items():
        [product] = [p for p in products if f"Catalog{definition.construct_id}Template" in p.name]
        snapshot = snapshot_path(definition.construct_id, definition.versions[-1].name)
        assert product.read_bytes() == snapshot.read_bytes(), key


def test_snapshot_prefix_does_not_depend_on_the_stage(
    pipeline: PipelineAssembly, synthesized: dict[str, SynthesizedStage]
) -> None:
    from aws_cdk import Names

    from catalog_constructs.catalog.product import stage_independent_snapshot_prefix
    from stacks.pipeline_stack import PipelineStack

    top_level = synthesized["dev"].app.node.find_child("Catalog").products["linux-docker"]
    history = top_level.node.find_child("History")
    expected = f"{Names.unique_id(history)}.{top_level.template.artifact_id}"
    assert stage_independent_snapshot_prefix(top_level) == expected

    stack = next(c for c in pipeline.app.node.children if isinstance(c, PipelineStack))
    in_stage = stack.stages[0].catalog.products["linux-docker"]
    assert stage_independent_snapshot_prefix(in_stage) == expected
    # Inside a Stage no ProductStackHistory runs: it would write a snapshot named after the
    # Stage's path instead of checking the committed one.
    assert in_stage.node.try_find_child("History") is None


def test_pipeline_without_delivery_section_fails_clearly(tmp_path: Path) -> None:
    from catalog_app import load_pipeline_configs
    from config import ConfigError

    for path in EXAMPLE_CONFIG_DIR.glob("*.yaml"):
        text = path.read_text()
        if path.name == "base.yaml":
            text = text[: text.index("\ndelivery:")] + "\n"
        (tmp_path / path.name).write_text(text)

    with pytest.raises(ConfigError, match=re.escape("config/base.yaml: delivery: missing section")):
        load_pipeline_configs(tmp_path)


def test_pipeline_loads_every_stage_in_order() -> None:
    from catalog_app import load_pipeline_configs

    assert [c.stage_name for c in load_pipeline_configs(EXAMPLE_CONFIG_DIR)] == ["dev", "prod"]


def test_smoke_steps_may_assume_only_their_stage_smoke_role(pipeline: PipelineAssembly) -> None:
    resources = pipeline.template["Resources"]
    assumed = sorted(
        json.dumps(statement["Resource"])
        for resource in resources.values()
        if resource["Type"] == "AWS::IAM::Policy"
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "sts:AssumeRole" and "smoke" in json.dumps(statement["Resource"])
    )
    assert assumed == [
        '"arn:aws:iam::111111111111:role/research-catalog-smoke-test"',
        '"arn:aws:iam::222222222222:role/research-catalog-smoke-test"',
    ]


def test_placeholders_keep_the_pipeline_and_its_stages_from_deploying(
    pipeline: PipelineAssembly,
) -> None:
    # The example organisation's delivery section keeps the example tooling account.
    rule = pipeline.template["Rules"]["PlaceholdersReplaced"]
    [assertion] = rule["Assertions"]
    assert "make check-config PIPELINE=true" in assertion["AssertDescription"]
    assert "delivery.account '333333333333'" in assertion["AssertDescription"]
    for stage in ("Dev", "Prod"):
        # The stage's own stacks and its community stacks, which deploy in waves of their own.
        templates = [
            *(pipeline.directory / f"assembly-Pipeline-{stage}").glob("*.template.json"),
            *(pipeline.directory / f"assembly-Pipeline-{stage}Communities1").glob(
                "*.template.json"
            ),
        ]
        stacks = [t for t in templates if not t.name.endswith(".product.template.json")]
        assert [t for t in stacks if "Community" in t.name]
        for path in stacks:
            description = json.loads(path.read_text())["Rules"]["PlaceholdersReplaced"][
                "Assertions"
            ][0]["AssertDescription"]
            assert f"make check-config STAGE={stage.lower()}" in description, path.name
