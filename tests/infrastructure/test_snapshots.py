"""syrupy JSON snapshots of every stack of every stage of the example organisation (community
stacks one snapshot per stage).

Asset hashes are masked: they change with any byte of handler code or product template, which
are checked on their own. Update with ``make update-snapshots`` and review the diff like code.

Product templates have no syrupy snapshot: ``product-stack-snapshots/`` holds the template of
every version, and ProductStackHistory locks the current one against it at every synth
(tests/infrastructure/test_versions.py).
"""

import re
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from tests.synth import STAGES, SynthesizedStage

ASSET_HASH = re.compile(r"[0-9a-f]{64}")


def masked(value: Any) -> Any:
    if isinstance(value, str):
        return ASSET_HASH.sub("<asset-hash>", value)
    if isinstance(value, dict):
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [masked(item) for item in value]
    return value


@pytest.fixture
def json_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("stage_name", STAGES)
@pytest.mark.parametrize("stack", ["Shared", "Catalog", "Cost"])
def test_stack_template(
    synthesized: dict[str, SynthesizedStage],
    stage_name: str,
    stack: str,
    json_snapshot: SnapshotAssertion,
) -> None:
    assert masked(synthesized[stage_name].stacks[stack]) == json_snapshot


def test_images_stack_template(
    synthesized: dict[str, SynthesizedStage], json_snapshot: SnapshotAssertion
) -> None:
    assert masked(synthesized["dev"].stacks["Images"]) == json_snapshot


def test_sign_in_stack_template(
    synthesized: dict[str, SynthesizedStage], json_snapshot: SnapshotAssertion
) -> None:
    assert masked(synthesized["dev"].stacks["SignIn"]) == json_snapshot


def test_spoke_stack_template(
    synthesized: dict[str, SynthesizedStage], json_snapshot: SnapshotAssertion
) -> None:
    assert masked(synthesized["dev"].stacks["Spoke444444444444"]) == json_snapshot


@pytest.mark.parametrize("stage_name", STAGES)
def test_community_stack_templates(
    synthesized: dict[str, SynthesizedStage], stage_name: str, json_snapshot: SnapshotAssertion
) -> None:
    """Every community stack of the stage, by stack ID (``Community-<name>``)."""
    assert masked(synthesized[stage_name].communities()) == json_snapshot
