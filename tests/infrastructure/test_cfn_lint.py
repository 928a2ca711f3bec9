"""cfn-lint on every synthesized template, stacks and products: no errors, no warnings, and no
rule ignored anywhere (no ignore_checks in templates or config)."""

from tests.infrastructure.templates import cfn_lint
from tests.synth import SynthesizedStage


def test_cfn_lint_is_clean(synthesized: dict[str, SynthesizedStage]) -> None:
    # One run over both stages, each distinct template once: product templates do not depend
    # on the stage, and every cfn-lint start loads its schemas again (about a second).
    distinct = {
        path.read_bytes(): path
        for stage in synthesized.values()
        for path in sorted(stage.directory.glob("*.template.json"))
    }
    templates = sorted(distinct.values())
    assert any(path.name.endswith(".product.template.json") for path in templates)
    assert {path.parent for path in templates} == {s.directory for s in synthesized.values()}
    assert cfn_lint(templates) == ""


def test_no_template_ignores_rules(stage: SynthesizedStage) -> None:
    for name, template in stage.all_templates().items():
        assert "cfn-lint" not in template.get("Metadata", {}), name
        for logical_id, resource in template.get("Resources", {}).items():
            assert "cfn-lint" not in resource.get("Metadata", {}), (name, logical_id)
