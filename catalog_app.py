"""The App for one stage, built the same way by ``app.py``, the tests and the benchmark; and the
App of the delivery pipeline, which deploys the same stacks through one ``cdk.Stage`` per stage."""

import json
import shutil
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import cdk_nag
from aws_cdk import App, Environment, Validations, cx_api

from catalog_constructs.catalog.product import released_template_changed
from catalog_constructs.common.deploy_guard import refuse_deployment
from config import CONFIG_DIR, ConfigError, ConfigProblem, available_stages, load_config
from config.models import CatalogConfig
from config.placeholders import for_pipeline, for_stage
from stacks.pipeline_stack import PipelineStack
from stacks.stage import build_stage

STAGE_CONTEXT_KEY = "stage"
PIPELINE_CONTEXT_KEY = "pipeline"
REPO_ROOT = Path(__file__).resolve().parent
# cdk.json holds the feature flags; tests and the benchmark build the App without the CLI, so
# they read the same file: a flag seen only by the CLI would make product templates differ
# from their committed snapshots.
CDK_JSON_CONTEXT: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
# The pipeline's self-mutation and asset steps install the same CLI developers run.
CDK_CLI_VERSION: str = json.loads((REPO_ROOT / "package.json").read_text())["devDependencies"][
    "aws-cdk"
]


def build_app(
    *,
    stage: str | None = None,
    context: dict[str, Any] | None = None,
    outdir: str | None = None,
    config_dir: Path = CONFIG_DIR,
) -> App:
    """Load and validate the stage's config first, then build every stack of the stage.
    ``config_dir``: the shipped ``config/``, or another organisation's (the tests' own)."""
    app = App(context={**CDK_JSON_CONTEXT, **(context or {})}, outdir=outdir)
    stage_name = stage or app.node.try_get_context(STAGE_CONTEXT_KEY)
    config = load_config(stage_name, config_dir)
    placeholders = [p.short for p in for_stage(config.stage_name, config_dir)]
    build_stage(app, config, placeholders=placeholders)
    _add_nag(app)
    return app


def build_pipeline_app(
    *,
    context: dict[str, Any] | None = None,
    outdir: str | None = None,
    config_dir: Path = CONFIG_DIR,
) -> App:
    """The delivery pipeline and, inside it, one CatalogStage per stage of ``stage_order``.
    Fails with a ConfigError when base.yaml has no delivery section."""
    app = App(context={**CDK_JSON_CONTEXT, **(context or {})}, outdir=outdir)
    configs = load_pipeline_configs(config_dir)
    delivery = configs[0].delivery
    assert delivery is not None
    pipeline = PipelineStack(
        app,
        "Pipeline",
        delivery=delivery,
        stage_configs=configs,
        stage_placeholders={
            c.stage_name: [p.short for p in for_stage(c.stage_name, config_dir)] for c in configs
        },
        cli_version=CDK_CLI_VERSION,
        env=Environment(account=delivery.account, region=delivery.region),
        stack_name=f"{delivery.pipeline_name}-pipeline",
        description="Research catalog: delivery pipeline promoting the stages in order",
        termination_protection=True,
    )
    if placeholders := [p.short for p in for_pipeline(config_dir)]:
        refuse_deployment(
            pipeline, placeholders=placeholders, check_command="make check-config PIPELINE=true"
        )
    _add_nag(app)
    return app


# What a synth writes into a cloud assembly directory (the CLI's cdk.out). The CLI never
# removes what an earlier synth wrote, so another stage's stacks (or the pipeline's) stayed
# beside the current ones; its lock files (*.lock) are the CLI's and stay.
ASSEMBLY_ENTRIES = (
    "manifest.json",
    "tree.json",
    "cdk.out",
    "validation-report.json",
    "error.txt",
    "*.template.json",
    "*.assets.json",
    "*.metadata.json",
    "*.dot",
    "asset.*",
    "assembly-*",
)


def clear_previous_assembly(outdir: Path) -> None:
    """Remove an earlier synth's output from ``outdir``; a directory that holds no cloud
    assembly (no manifest.json or cdk.out marker) is left alone."""
    if not ((outdir / "manifest.json").is_file() or (outdir / "cdk.out").is_file()):
        return
    for entry in outdir.iterdir():
        if not any(fnmatch(entry.name, pattern) for pattern in ASSEMBLY_ENTRIES):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def synth(app: App) -> cx_api.CloudAssembly:
    """``app.synth()``, with a changed released product template reported as
    ``ReleasedTemplateChanged`` (product, version, the file to edit) instead of the CDK's
    traceback."""
    try:
        return app.synth()
    except RuntimeError as error:
        changed = released_template_changed(app, error)
        if changed is None:
            raise
        raise changed from None


def load_pipeline_configs(config_dir: Path = CONFIG_DIR) -> list[CatalogConfig]:
    """The validated config of every stage the pipeline deploys, in deploy order."""
    # delivery: lives in base.yaml, so any stage's config carries it.
    stages = available_stages(config_dir)
    first = load_config(stages[0] if stages else None, config_dir)
    if first.delivery is None:
        raise ConfigError(
            [
                ConfigProblem(
                    "config/base.yaml",
                    "missing section 'delivery' (pipeline account, region, connection_arn, "
                    "repository): the pipeline is built from it",
                    key="delivery",
                )
            ]
        )
    return [load_config(name, config_dir) for name in first.stages_in_order()]


def _add_nag(app: App) -> None:
    # cdk-nag 3 runs as CDK policy-validation plugins; any finding not acknowledged next to
    # its construct fails synth.
    Validations.of(app).add_plugins(
        cdk_nag.AwsSolutionsChecks(app),
        cdk_nag.HIPAASecurityChecks(app),
        cdk_nag.NIST80053R5Checks(app),
    )
