"""bench/scale_limits.py, the 200-community check of ``make bench-scale``: what it refuses,
shown on small hand-made assemblies (the real run synthesizes for about a minute)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.scale_limits import assembly_problems


def _assembly(directory: Path, stacks: dict[str, tuple[dict[str, Any], list[str]]]) -> Path:
    artifacts = {}
    for name, (template, dependencies) in stacks.items():
        (directory / f"{name}.template.json").write_text(json.dumps(template))
        artifacts[name] = {
            "type": "aws:cloudformation:stack",
            "properties": {"templateFile": f"{name}.template.json"},
            "dependencies": [*dependencies, f"{name}.assets"],
        }
    (directory / "manifest.json").write_text(json.dumps({"artifacts": artifacts}))
    return directory


def _resources(count: int) -> dict[str, Any]:
    return {f"Topic{i}": {"Type": "AWS::SNS::Topic"} for i in range(count)}


def test_templates_at_the_limits_pass(tmp_path: Path) -> None:
    template = {
        "Resources": _resources(500),
        "Parameters": {f"P{i}": {"Type": "String"} for i in range(200)},
        "Outputs": {f"O{i}": {"Value": "x"} for i in range(200)},
    }
    community = {"Resources": _resources(3)}
    directory = _assembly(
        tmp_path,
        {
            "Catalog": (template, ["Shared"]),
            "Community-a": (community, ["Catalog", "Cost"]),
        },
    )
    problems, sizes = assembly_problems(directory)
    assert problems == []
    assert sizes["Catalog.template.json"]["resources"] == 500


def test_every_limit_and_coupling_is_reported(tmp_path: Path) -> None:
    over = {
        "Resources": _resources(501),
        "Parameters": {f"P{i}": {"Type": "String"} for i in range(201)},
        "Outputs": {f"O{i}": {"Value": "x"} for i in range(201)},
        "Metadata": {"padding": "x" * 1_048_576},
    }
    coupled = {
        "Resources": {
            "T": {
                "Type": "AWS::SNS::Topic",
                "Properties": {
                    "DisplayName": {"Fn::ImportValue": "research-catalog-dev-catalog:Key"}
                },
            }
        },
        "Outputs": {"Arn": {"Value": "x", "Export": {"Name": "research-catalog-a-arn"}}},
    }
    directory = _assembly(
        tmp_path,
        {
            "Catalog": (over, ["Shared"]),
            "Community-a": (coupled, ["Catalog", "Cost", "Community-b"]),
            "Community-b": ({"Resources": _resources(1)}, ["Catalog", "Cost"]),
            # A sign-in community names the SignIn stack's role.
            "Community-c": ({"Resources": _resources(1)}, ["Catalog", "Cost", "SignIn"]),
        },
    )
    problems, _ = assembly_problems(directory)
    text = "\n".join(problems)
    for expected in (
        "Catalog.template.json: 501 resources, more than CloudFormation's 500",
        "Catalog.template.json: 201 parameters",
        "Catalog.template.json: 201 outputs",
        "bytes, more than CloudFormation's 1,048,576",
        "Community-a: depends on ['Catalog', 'Community-b', 'Cost'], not only Catalog, Cost "
        "(and SignIn)",
        "Community-a: imports a CloudFormation export",
        "Community-a: exports an output",
    ):
        assert expected in text
    assert not [p for p in problems if p.startswith(("Community-b", "Community-c"))]
