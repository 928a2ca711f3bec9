"""The shipped ``config/`` is an example every adopter replaces with their own accounts,
communities and e-mails. The rest of the suite tests the code against the example organisation
in ``tests/example_org/``; here ``config/`` is checked only for what every valid configuration
must satisfy, so an adopter's own config keeps the suite green: every stage loads, synthesizes
with no unacknowledged cdk-nag finding and passes cfn-lint, and so does the pipeline when the
config has a ``delivery`` section; a stage still holding placeholders refuses to deploy, one
without does not."""

import json
from pathlib import Path

import pytest

from catalog_constructs.common.deploy_guard import RULE_ID
from config.loader import CONFIG_DIR, ConfigError, available_stages, load_config
from config.placeholders import for_stage
from tests.infrastructure.templates import cfn_lint, violations
from tests.synth import SynthesizedStage, synthesize


@pytest.fixture(scope="module", params=available_stages(CONFIG_DIR))
def shipped(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> SynthesizedStage:
    stage = request.param
    return synthesize(stage, tmp_path_factory.mktemp(f"shipped-{stage}"), config_dir=CONFIG_DIR)


def test_every_stage_synthesizes_without_unacknowledged_findings(shipped: SynthesizedStage) -> None:
    assert shipped.stacks, shipped.stage
    assert violations(shipped.report) == []


def test_every_stack_template_passes_cfn_lint(shipped: SynthesizedStage) -> None:
    # Product templates do not depend on the config (test_versions proves them the same in
    # every stage); test_cfn_lint lints them with the example organisation.
    stacks = [
        path
        for path in shipped.directory.glob("*.template.json")
        if not path.name.endswith(".product.template.json")
    ]
    assert stacks
    assert cfn_lint(sorted(stacks)) == ""


def test_stacks_refuse_to_deploy_exactly_when_placeholders_are_left(
    shipped: SynthesizedStage,
) -> None:
    # The shipped example keeps its placeholders; an adopter's own config has none left.
    placeholders = for_stage(shipped.stage, CONFIG_DIR)
    refusing = {name for name, t in shipped.stacks.items() if RULE_ID in t.get("Rules", {})}
    assert refusing == (set(shipped.stacks) if placeholders else set())


def test_the_pipeline_synthesizes_or_is_refused_clearly(tmp_path: Path) -> None:
    from catalog_app import build_pipeline_app

    stages = available_stages(CONFIG_DIR)
    if load_config(stages[0], CONFIG_DIR).delivery is None:
        # A cdk-deploy-only organisation: asking for the pipeline says what is missing.
        with pytest.raises(ConfigError, match="missing section 'delivery'"):
            build_pipeline_app(outdir=str(tmp_path))
        return
    app = build_pipeline_app(
        context={"@aws-cdk/core:failSynthOnValidationErrors": False}, outdir=str(tmp_path)
    )
    report = Path(app.synth().directory) / "validation-report.json"
    assert not report.exists() or violations(json.loads(report.read_text())) == []


def test_cost_page_figures_are_current(shipped: SynthesizedStage) -> None:
    """docs/cost.md shows what `make cost` prints for the shipped stages (like the product
    pages, a stale figure fails the build: run `make cost-docs`)."""
    from bench.fixed_cost import DOC, doc_section, report

    current = report(shipped.directory, f"Stage {shipped.stage}", markdown=True)
    section = doc_section(DOC.read_text(), shipped.stage)  # every stage has one
    assert section == current, "run `make cost-docs` and commit docs/cost.md"


def test_cost_page_figures_of_the_cheapest_safe_stage_are_current() -> None:
    """The cheapest safe dev configuration (docs/cost.md) is synthesized and priced as
    `make cost-docs` does; its figures on the page are current."""
    from bench.fixed_cost import DOC, doc_section, stage_report

    current = stage_report("dev", CONFIG_DIR, minimal=True, markdown=True)
    section = doc_section(DOC.read_text(), "minimal")
    assert section == current, "run `make cost-docs` and commit docs/cost.md"
