"""The App for one stage, built the same way by ``app.py``, the tests and the benchmark; and the
App of the delivery pipeline, which deploys the same stacks through one ``cdk.Stage`` per stage."""

import json
from pathlib import Path
from typing import Any

import cdk_nag
from aws_cdk import App, Environment, Stage, Validations
from constructs import Construct

from config import CONFIG_DIR, ConfigError, ConfigProblem, available_stages, load_config
from config.models import CatalogConfig
from stacks.ami_stack import AmiStack
from stacks.catalog_stack import CatalogStack
from stacks.cost_stack import CostStack
from stacks.shared_stack import SharedStack
from stacks.spoke_stack import SpokeStack

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
    *, stage: str | None = None, context: dict[str, Any] | None = None, outdir: str | None = None
) -> App:
    """Load and validate the stage's config first, then build every stack of the stage."""
    app = App(context={**CDK_JSON_CONTEXT, **(context or {})}, outdir=outdir)
    stage_name = stage or app.node.try_get_context(STAGE_CONTEXT_KEY)
    config = load_config(stage_name)
    build_stage(app, config)
    _add_nag(app)
    return app


def build_pipeline_app(*, context: dict[str, Any] | None = None, outdir: str | None = None) -> App:
    """The delivery pipeline and, inside it, one CatalogStage per stage of
    ``delivery.stage_order``. Fails with a ConfigError when base.yaml has no delivery section."""
    from stacks.pipeline_stack import PipelineStack  # only the pipeline app needs CDK Pipelines

    app = App(context={**CDK_JSON_CONTEXT, **(context or {})}, outdir=outdir)
    configs = load_pipeline_configs()
    delivery = configs[0].delivery
    assert delivery is not None
    PipelineStack(
        app,
        "Pipeline",
        delivery=delivery,
        stage_configs=configs,
        cli_version=CDK_CLI_VERSION,
        env=Environment(account=delivery.account, region=delivery.region),
        stack_name=f"{delivery.pipeline_name}-pipeline",
        description="Research catalog: delivery pipeline promoting the stages in order",
        termination_protection=True,
    )
    _add_nag(app)
    return app


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
                    "repository, stage_order): the pipeline is built from it",
                    key="delivery",
                )
            ]
        )
    return [load_config(name, config_dir) for name in first.delivery.stage_order]


class CatalogStage(Stage):
    """One stage's stacks as a unit the pipeline deploys into the stage's account and region."""

    def __init__(self, scope: Construct, construct_id: str, *, config: CatalogConfig) -> None:
        # No env on the Stage itself: ProductStacks inherit a Stage's env and would bake its
        # account into product templates. The stacks carry the stage's env instead.
        super().__init__(scope, construct_id)
        self.shared, self.catalog = build_stage(self, config)


def _add_nag(app: App) -> None:
    # cdk-nag 3 runs as CDK policy-validation plugins; any finding not acknowledged next to
    # its construct fails synth.
    Validations.of(app).add_plugins(
        cdk_nag.AwsSolutionsChecks(app),
        cdk_nag.HIPAASecurityChecks(app),
        cdk_nag.NIST80053R5Checks(app),
    )


def build_stage(scope: Construct, config: CatalogConfig) -> tuple[SharedStack, CatalogStack]:
    """The stage's stacks, at the app's top level (``cdk deploy --all -c stage=X``) or inside a
    CatalogStage (the pipeline); construct ids and stack names are the same in both."""
    app = scope
    env = Environment(account=config.stage.account, region=config.stage.region)
    prefix = f"research-catalog-{config.stage_name}"
    # Stack tags, not Tags.of(): the Tags aspect would reach into the ProductStacks and make
    # product templates differ between stages.
    tags = {"research-catalog:stage": config.stage_name, **config.tags}
    options: dict[str, Any] = {"env": env, "termination_protection": True, "tags": tags}
    shared = SharedStack(
        app,
        "Shared",
        config=config,
        stack_name=f"{prefix}-shared",
        description="Research catalog: network, keys, product boundary and shared handlers",
        **options,
    )
    catalog = CatalogStack(
        app,
        "Catalog",
        config=config,
        shared=shared.resources,
        stack_name=f"{prefix}-catalog",
        description="Research catalog: community portfolios, products, launch roles",
        **options,
    )
    catalog.add_stack_dependency(shared)
    cost = CostStack(
        app,
        "Cost",
        config=config,
        shared=shared.resources,
        stack_name=f"{prefix}-cost",
        description="Research catalog: community budgets, launch blocks, cost reports",
        **options,
    )
    cost.add_stack_dependency(shared)
    if config.images.build:
        images = AmiStack(
            app,
            "Images",
            config=config,
            shared=shared.resources,
            stack_name=f"{prefix}-images",
            description="Research catalog: EC2 Image Builder pipelines of the workstation images",
            **options,
        )
        images.add_stack_dependency(shared)
    for account in config.spoke_accounts():
        spoke = SpokeStack(
            app,
            f"Spoke{account}",
            config=config,
            account=account,
            # The account keeps the pipeline's deploy actions of several spokes apart.
            stack_name=f"{prefix}-spoke-{account}",
            description="Research catalog spoke: shared infrastructure, launch roles and "
            "end-user policies for shared portfolios",
            **{**options, "env": Environment(account=account, region=config.stage.region)},
        )
        # After the stage's own stacks: a broken spoke never holds back the stage account.
        spoke.add_stack_dependency(catalog)
    return shared, catalog
