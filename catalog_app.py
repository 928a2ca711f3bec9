"""The App for one stage, built the same way by ``app.py``, the tests and the benchmark."""

import json
from pathlib import Path
from typing import Any

import cdk_nag
from aws_cdk import App, Environment, Validations

from config.loader import load_config
from config.models import CatalogConfig
from stacks.ami_stack import AmiStack
from stacks.catalog_stack import CatalogStack
from stacks.cost_stack import CostStack
from stacks.shared_stack import SharedStack

STAGE_CONTEXT_KEY = "stage"
# cdk.json holds the feature flags; tests and the benchmark build the App without the CLI, so
# they read the same file: a flag seen only by the CLI would make product templates differ
# from their committed snapshots.
CDK_JSON_CONTEXT: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parent / "cdk.json").read_text()
)["context"]


def build_app(
    *, stage: str | None = None, context: dict[str, Any] | None = None, outdir: str | None = None
) -> App:
    """Load and validate the stage's config first, then build every stack of the stage."""
    app = App(context={**CDK_JSON_CONTEXT, **(context or {})}, outdir=outdir)
    stage_name = stage or app.node.try_get_context(STAGE_CONTEXT_KEY)
    config = load_config(stage_name)
    build_stage(app, config)
    # cdk-nag 3 runs as CDK policy-validation plugins; any finding not acknowledged next to
    # its construct fails synth.
    Validations.of(app).add_plugins(
        cdk_nag.AwsSolutionsChecks(app),
        cdk_nag.HIPAASecurityChecks(app),
        cdk_nag.NIST80053R5Checks(app),
    )
    return app


def build_stage(app: App, config: CatalogConfig) -> tuple[SharedStack, CatalogStack]:
    env = Environment(account=config.stage.account, region=config.stage.region)
    prefix = f"research-catalog-{config.stage_name}"
    # Stack tags, not Tags.of(): the Tags aspect would reach into the ProductStacks and make
    # product templates differ between stages.
    tags = {"research-catalog:stage": config.stage_name, **config.tags}
    shared = SharedStack(
        app,
        "Shared",
        config=config,
        env=env,
        stack_name=f"{prefix}-shared",
        description="Research catalog: network, keys, product boundary and shared handlers",
        termination_protection=True,
        tags=tags,
    )
    catalog = CatalogStack(
        app,
        "Catalog",
        config=config,
        shared=shared.resources,
        env=env,
        stack_name=f"{prefix}-catalog",
        description="Research catalog: community portfolios, products, launch roles",
        termination_protection=True,
        tags=tags,
    )
    catalog.add_stack_dependency(shared)
    cost = CostStack(
        app,
        "Cost",
        config=config,
        shared=shared.resources,
        env=env,
        stack_name=f"{prefix}-cost",
        description="Research catalog: community budgets, launch blocks, cost reports",
        termination_protection=True,
        tags=tags,
    )
    cost.add_stack_dependency(shared)
    if config.images.build:
        images = AmiStack(
            app,
            "Images",
            config=config,
            shared=shared.resources,
            env=env,
            stack_name=f"{prefix}-images",
            description="Research catalog: EC2 Image Builder pipelines of the workstation images",
            termination_protection=True,
            tags=tags,
        )
        images.add_stack_dependency(shared)
    return shared, catalog
