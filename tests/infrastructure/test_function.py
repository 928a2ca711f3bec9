"""The catalog's Lambda functions as Lambda runs them: every ``CatalogFunction``'s Handler
resolves in its staged asset alone, and the code synth runs loads no AWS SDK."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
from aws_cdk import Stack

from catalog_constructs.common.function import CatalogFunction
from tests.synth import SynthesizedStage

ROOT = Path(__file__).resolve().parents[2]
SITE_PACKAGES = str(Path(boto3.__file__).resolve().parent.parent)
# What the Lambda Python runtime provides beyond the standard library: boto3 and what it needs
# (botocore reads certifi's CA bundle where certifi is installed).
RUNTIME_PACKAGES = {
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "dateutil",
    "urllib3",
    "six",
    "certifi",
}

# Runs in a fresh interpreter started with -I -S: no current directory, no PYTHONPATH, no site
# packages. Lambda puts the asset directory (/var/task) first and its runtime's boto3 after.
PROBE = """
import importlib, json, sys
asset, site_packages, handler = sys.argv[1:]
sys.path.insert(0, asset)
sys.path.append(site_packages)
module_name, _, attribute = handler.rpartition(".")
target = getattr(importlib.import_module(module_name), attribute, None)
loaded = {
    name.partition(".")[0]
    for name, module in list(sys.modules.items())
    if str(getattr(module, "__file__", None) or "").startswith(site_packages)
}
print(json.dumps({"callable": callable(target), "packages": sorted(loaded)}))
"""


def catalog_functions(stage: SynthesizedStage) -> dict[tuple[str, str], list[str]]:
    """``{(asset directory, Handler): [construct paths]}`` of every CatalogFunction, read from
    the synthesized templates."""
    found: dict[tuple[str, str], list[str]] = {}
    for construct in stage.app.node.find_all():
        if not isinstance(construct, CatalogFunction):
            continue
        stack = Stack.of(construct)
        logical_id = stack.resolve(construct.function.logical_id)
        properties = stage.stacks[stack.artifact_id]["Resources"][logical_id]["Properties"]
        asset_hash = properties["Code"]["S3Key"].removesuffix(".zip")
        asset = str(stage.directory / f"asset.{asset_hash}")
        found.setdefault((asset, properties["Handler"]), []).append(construct.node.path)
    return found


# Results by asset directory name (asset.<content hash>) and Handler: both stages stage the
# same code under the same hash, which needs probing once.
_PROBED: dict[tuple[str, str], dict[str, Any]] = {}


def lambda_import(asset: str, handler: str) -> dict[str, Any]:
    key = (Path(asset).name, handler)
    if key not in _PROBED:
        _PROBED[key] = _probe(asset, handler)
    return _PROBED[key]


def _probe(asset: str, handler: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", PROBE, asset, SITE_PACKAGES, handler],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0:
        return {"callable": False, "error": result.stderr.strip().splitlines()[-1:]}
    resolved: dict[str, Any] = json.loads(result.stdout)
    return resolved


def test_every_handler_resolves_the_way_lambda_imports_it(stage: SynthesizedStage) -> None:
    functions = catalog_functions(stage)
    handlers = {handler for _, handler in functions}
    # The Handler strings of the templates (asserted, so that a rename cannot go unnoticed).
    assert handlers == {
        "index.handler",
        "index.purge_handler",
        "cost_handlers.tags.handler",
        "cost_handlers.enforcement.handler",
        "cost_handlers.report.handler",
    }
    problems = {}
    for (asset, handler), paths in sorted(functions.items()):
        resolved = lambda_import(asset, handler)
        beyond_runtime = set(resolved.get("packages", [])) - RUNTIME_PACKAGES
        if not resolved["callable"] or beyond_runtime:
            problems[f"{paths[0]} ({handler})"] = {**resolved, "beyond_runtime": beyond_runtime}
    assert not problems


def test_synth_imports_no_aws_sdk() -> None:
    """Synth makes no AWS call. Every import statement of the code synth runs is checked at
    the source (tests/unit/test_layers.py, function-level ones included); here a fresh
    interpreter imports the app and every module the stages are built from, which brings in
    every library they use, and none of those may load the AWS SDK either."""
    script = """
import importlib, pkgutil, sys
import app, catalog_app
for package in ("config", "products", "stacks", "catalog_constructs", "amis"):
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, f"{package}."):
        if ".handler." not in f"{module.name}.":
            importlib.import_module(module.name)
loaded = {name.partition(".")[0] for name in sys.modules}
print(sorted(loaded & {"aws_cdk", "cdk_nag", "jsii", "pydantic", "yaml", "boto3", "botocore"}))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == str(
        ["aws_cdk", "cdk_nag", "jsii", "pydantic", "yaml"]  # the libraries synth uses, no SDK
    )
