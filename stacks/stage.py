"""The stacks of one stage, built the same way at the app's top level (``cdk deploy --all -c
stage=X``) and inside a ``cdk.Stage`` of the delivery pipeline."""

from collections.abc import Sequence
from typing import Any

from aws_cdk import Environment, Stack, Stage
from constructs import Construct

from catalog_constructs.common.deploy_guard import refuse_deployment
from config.models import CatalogConfig
from stacks.ami_stack import AmiStack
from stacks.catalog_stack import CatalogStack
from stacks.cost_stack import CostStack
from stacks.shared_stack import SharedStack
from stacks.sign_in_stack import SignInStack
from stacks.spoke_stack import SpokeStack


def build_stage(
    scope: Construct, config: CatalogConfig, *, placeholders: Sequence[str] = ()
) -> tuple[SharedStack, CatalogStack]:
    """The stage's stacks, at the app's top level (``cdk deploy --all -c stage=X``) or inside a
    CatalogStage (the pipeline); construct ids and stack names are the same in both. With
    ``placeholders`` (config/placeholders.py) left, every stack refuses to deploy."""
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
    sign_in = None
    if config.sign_in is not None:
        # Before Catalog and Cost: they attach policies to its community roles by name.
        sign_in = SignInStack(
            app,
            "SignIn",
            config=config,
            stack_name=f"{prefix}-sign-in",
            description="Research catalog: sign-in service and the roles of sign-in communities",
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
    if sign_in is not None:
        catalog.add_stack_dependency(sign_in)
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
    if sign_in is not None:
        cost.add_stack_dependency(sign_in)
    extra: list[Stack] = [sign_in] if sign_in is not None else []
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
        extra.append(images)
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
        extra.append(spoke)
    if placeholders:
        for stack in [shared, catalog, cost, *extra]:
            refuse_deployment(
                stack,
                placeholders=placeholders,
                check_command=f"make check-config STAGE={config.stage_name}",
            )
    return shared, catalog


class CatalogStage(Stage):
    """One stage's stacks as a unit the pipeline deploys into the stage's account and region."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: CatalogConfig,
        placeholders: Sequence[str] = (),
    ) -> None:
        # No env on the Stage itself: ProductStacks inherit a Stage's env and would bake its
        # account into product templates. The stacks carry the stage's env instead.
        super().__init__(scope, construct_id)
        self.shared, self.catalog = build_stage(self, config, placeholders=placeholders)
