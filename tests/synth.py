"""Synthesizing a stage for the tests: its stacks, product templates and cdk-nag report.

The suite tests the code against an example organisation it owns, ``tests/example_org/``: the
shipped ``config/`` is an example adopters replace, and
``tests/infrastructure/test_shipped_config.py`` checks it only for what every valid
configuration must satisfy.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from config.models import CatalogConfig

STAGES = ("dev", "prod")
EXAMPLE_CONFIG_DIR = Path(__file__).resolve().parent / "example_org" / "config"


def load_example(stage: str | None = None) -> "CatalogConfig":
    """A stage of the example organisation, validated."""
    from config.loader import load_config

    return load_config(stage, EXAMPLE_CONFIG_DIR)


@dataclass
class SynthesizedStage:
    stage: str
    directory: Path
    stacks: dict[str, dict[str, Any]] = field(default_factory=dict)
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    product_files: dict[str, Path] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    app: Any = None
    config: Any = None

    def all_templates(self) -> dict[str, dict[str, Any]]:
        return {**self.stacks, **self.products}

    def communities(self) -> dict[str, dict[str, Any]]:
        """The community stacks' templates, by stack ID (``Community-<name>``)."""
        return {k: t for k, t in self.stacks.items() if k.startswith("Community-")}

    def merged(self, stack: str) -> dict[str, Any]:
        """``stack``'s template with every community stack's resources and parameters added:
        what the Catalog (or Cost) stack held before communities got stacks of their own.
        Logical IDs are prefixed with the community stack's ID where they would collide."""
        merged = {
            "Parameters": dict(self.stacks[stack].get("Parameters", {})),
            "Resources": dict(self.stacks[stack].get("Resources", {})),
        }
        for stack_id, template in self.communities().items():
            for section in ("Parameters", "Resources"):
                for logical_id, value in template.get(section, {}).items():
                    key = (
                        logical_id
                        if logical_id not in merged[section]
                        else f"{stack_id}.{logical_id}"
                    )
                    merged[section][key] = value
        return merged


def synthesize(stage: str, outdir: Path, config_dir: Path = EXAMPLE_CONFIG_DIR) -> SynthesizedStage:
    from catalog_app import build_app, synth
    from config.loader import load_config
    from stacks.catalog_stack import CatalogStack

    # Findings are asserted from the report instead of aborting synth, so the test names them.
    app = build_app(
        stage=stage,
        context={"@aws-cdk/core:failSynthOnValidationErrors": False},
        outdir=str(outdir),
        config_dir=config_dir,
    )
    assembly = synth(app)
    result = SynthesizedStage(
        stage=stage,
        directory=Path(assembly.directory),
        app=app,
        config=load_config(stage, config_dir),
    )
    for artifact in assembly.stacks:
        result.stacks[artifact.id] = artifact.template
    catalog = next(c for c in app.node.children if isinstance(c, CatalogStack))
    for key, product in catalog.products.items():
        path = result.directory / product.template.template_file
        result.product_files[key] = path
        result.products[key] = json.loads(path.read_text())
    report = result.directory / "validation-report.json"
    result.report = json.loads(report.read_text()) if report.exists() else {}
    return result
