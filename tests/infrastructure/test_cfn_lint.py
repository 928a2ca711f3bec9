"""cfn-lint on every synthesized template, stacks and products: no errors, no warnings, and no
rule ignored anywhere (no ignore_checks in templates or config)."""

import subprocess
from pathlib import Path

import pytest

from tests.infrastructure import templates
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


def test_no_cfn_lint_configuration_file_ignores_rules() -> None:
    # cfn-lint would read one from the directory it runs in; clean verdicts are recorded by
    # template and cfn-lint version only (templates.cfn_lint), which holds with none.
    assert not (Path(__file__).resolve().parents[2] / ".cfnlintrc").exists()


def test_only_templates_found_clean_are_not_linted_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    linted: list[list[str]] = []

    def fake_cfn_lint(command: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        paths = command[3:]
        linted.append([Path(p).name for p in paths])
        findings = [
            f"{p}:1:1:1:2:E3001:bad resource" for p in paths if "bad" in Path(p).read_text()
        ]
        return subprocess.CompletedProcess(command, 2 if findings else 0, "\n".join(findings), "")

    monkeypatch.setattr(templates.subprocess, "run", fake_cfn_lint)
    monkeypatch.setattr(templates, "CFN_LINT_VERDICTS", tmp_path / "verdicts")
    good, bad = tmp_path / "good.template.json", tmp_path / "bad.template.json"
    good.write_text('{"Resources": {}}')
    bad.write_text('{"Resources": {"bad": {}}}')

    assert cfn_lint([good]) == ""
    assert cfn_lint([good]) == ""
    assert "E3001" in cfn_lint([good, bad])
    assert "E3001" in cfn_lint([bad])
    good.write_text('{"Resources": {"bad": {}}}')
    assert "E3001" in cfn_lint([good])
    assert linted == [
        ["good.template.json"],
        ["bad.template.json"],
        ["bad.template.json"],
        ["good.template.json"],
    ]
