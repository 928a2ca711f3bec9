"""A clean synth prints nothing but its result: no construct warning or message for the CLI to
print, and every feature flag of aws-cdk-lib decided in cdk.json (the CLI counts the ones left
unconfigured on every synth)."""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.synth import SynthesizedStage

REPO_ROOT = Path(__file__).resolve().parents[2]
# Flags set against the library's recommendation, each explained in docs/operations.md.
NOT_RECOMMENDED = {
    "@aws-cdk/core:defaultCrossStackReferences": "strong",
    "@aws-cdk/core:enableAdditionalMetadataCollection": False,
    "@aws-cdk/core:target-partitions": ["aws", "aws-cn", "aws-us-gov"],
}


def _manifest(stage: SynthesizedStage) -> dict[str, Any]:
    return dict(json.loads((stage.directory / "manifest.json").read_text()))


def _metadata(stage: SynthesizedStage, artifact: dict[str, Any]) -> dict[str, Any]:
    """An artifact's construct metadata: in the manifest, or in the file it names."""
    metadata = dict(artifact.get("metadata", {}))
    if "additionalMetadataFile" in artifact:
        extra = stage.directory / artifact["additionalMetadataFile"]
        metadata.update(json.loads(extra.read_text()))
    return metadata


def test_synth_leaves_no_message_for_the_cli_to_print(stage: SynthesizedStage) -> None:
    messages = [
        (path, entry["type"], str(entry.get("data"))[:200])
        for artifact in _manifest(stage)["artifacts"].values()
        for path, entries in _metadata(stage, artifact).items()
        for entry in entries
        if entry["type"] in ("aws:cdk:warning", "aws:cdk:info", "aws:cdk:error")
    ]
    assert messages == []


def test_every_feature_flag_is_decided_in_cdk_json(stage: SynthesizedStage) -> None:
    [report] = [
        artifact["properties"]["flags"]
        for artifact in _manifest(stage)["artifacts"].values()
        if artifact["type"] == "cdk:feature-flag-report"
    ]
    context = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    # As the CLI counts them: a flag left out behaves like its v2 default (false if none).
    undecided = [
        name
        for name, flag in report.items()
        if name not in context
        and flag.get("unconfiguredBehavesLike", {}).get("v2", False) != flag["recommendedValue"]
    ]
    assert undecided == []
    against_recommendation = {
        name: context[name]
        for name, flag in report.items()
        if name in context and context[name] != flag["recommendedValue"]
    }
    assert against_recommendation == NOT_RECOMMENDED
    operations = (REPO_ROOT / "docs" / "operations.md").read_text()
    assert all(f"`{name}`" in operations for name in NOT_RECOMMENDED)


def test_helper_apps_never_synthesize_themselves(monkeypatch: pytest.MonkeyPatch) -> None:
    # Under the CLI every App synthesizes itself on exit and adds a process listener; the
    # detached trees that compute snapshot names made Node.js warn of a listener leak
    # (MaxListenersExceededWarning) when the pipeline built 14 products.
    from aws_cdk import App, Stack
    from constructs import Construct

    from catalog_constructs.catalog import product

    created: list[dict[str, Any]] = []

    def recording_app(**kwargs: Any) -> App:
        created.append(kwargs)
        return App(**kwargs)

    monkeypatch.setattr(product, "App", recording_app)
    scope = Construct(Stack(App(auto_synth=False), "Catalog"), "LinuxDocker")
    product.stage_independent_snapshot_prefix(scope)  # type: ignore[arg-type]
    assert created == [{"auto_synth": False}]
