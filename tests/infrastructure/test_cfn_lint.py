"""cfn-lint on every synthesized template, stacks and products: no errors, no warnings, and no
rule ignored anywhere (no ignore_checks in templates or config)."""

import subprocess
import sys
from pathlib import Path

from tests.synth import SynthesizedStage


def test_cfn_lint_is_clean(stage: SynthesizedStage) -> None:
    templates = sorted(str(path) for path in stage.directory.glob("*.template.json"))
    assert any(name.endswith(".product.template.json") for name in templates)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--format", "parseable", *templates],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_no_template_ignores_rules(stage: SynthesizedStage) -> None:
    for name, template in stage.all_templates().items():
        assert "cfn-lint" not in template.get("Metadata", {}), name
        for logical_id, resource in template.get("Resources", {}).items():
            assert "cfn-lint" not in resource.get("Metadata", {}), (name, logical_id)
