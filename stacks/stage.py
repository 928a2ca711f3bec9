"""The stacks of one stage, built the same way at the app's top level (``cdk deploy --all -c
stage=X``) and inside a ``cdk.Stage`` of the delivery pipeline."""

from collections.abc import Sequence
from typing import Any

from aws_cdk import Environment, Stack, Stage
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.common.deploy_guard import refuse_deployment
from config.models import CatalogConfig
from stacks.ami_stack import AmiStack
from stacks.catalog_stack import CatalogStack
from stacks.community_stack import CommunityStack
from stacks.cost_stack import CostStack
from stacks.shared_stack import SharedStack
from stacks.sign_in_stack import SignInStack
from stacks.spoke_stack import SpokeStack


def _stack_options(config: CatalogConfig) -> dict[str, Any]:
    env = Environment(account=config.stage.account, region=config.stage.region)
    # Stack tags, not Tags.of(): the Tags aspect would reach into the ProductStacks and make
    # product templates differ between stages.
    tags = {"research-catalog:stage": config.stage_name, **config.tags}
    return {"env": env, "termination_protection": True, "tags": tags}


def community_stack_id(name: str) -> str:
    return f"Community-{name}"


def guard(config: CatalogConfig, stacks: Sequence[Stack], placeholders: Sequence[str]) -> None:
    """With ``placeholders`` (config/placeholders.py) left, every stack refuses to deploy."""
    for stack in stacks if placeholders else ():
        refuse_deployment(
            stack,
            placeholders=placeholders,
            check_command=f"make check-config STAGE={config.stage_name}",
        )


def build_stage(
    scope: Construct,
    config: CatalogConfig,
    *,
    with_communities: bool = True,
    placeholders: Sequence[str] = (),
) -> tuple[SharedStack, CatalogStack]:
    """The stage's stacks, at the app's top level (``cdk deploy --all -c stage=X``) or inside a
    CatalogStage (the pipeline); construct ids and stack names are the same in both.
    ``with_communities``: also the community stacks (the pipeline deploys them in waves of
    their own, :func:`build_community_stacks`). With ``placeholders`` left, every stack
    refuses to deploy."""
    app = scope
    prefix = f"research-catalog-{config.stage_name}"
    options = _stack_options(config)
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
        # Before the community stacks of sign-in communities: they attach policies to its
        # community roles by name.
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
        description="Research catalog: products and versions, launch roles, actions, TagOptions",
        **options,
    )
    catalog.add_stack_dependency(shared)
    cost = CostStack(
        app,
        "Cost",
        config=config,
        shared=shared.resources,
        stack_name=f"{prefix}-cost",
        description="Research catalog: launch-block policy, budget enforcement, cost reports",
        **options,
    )
    cost.add_stack_dependency(shared)
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
    guard(config, [shared, catalog, cost, *extra], placeholders)
    if with_communities:
        for community in build_community_stacks(
            app, config, list(config.communities), placeholders=placeholders
        ):
            # Reads the Catalog and Cost stacks' parameters at deploy time.
            community.add_stack_dependency(catalog)
            community.add_stack_dependency(cost)
            if sign_in is not None and config.communities[community.community_name].kind == (
                "sign-in"
            ):
                # Its end-user policy, principal association and budget action name the role
                # the SignIn stack creates.
                community.add_stack_dependency(sign_in)
    return shared, catalog


def build_community_stacks(
    scope: Construct,
    config: CatalogConfig,
    names: list[str],
    *,
    placeholders: Sequence[str] = (),
) -> list[CommunityStack]:
    """One stack per community, named ``research-catalog-<stage>-community-<name>``; they
    depend on nothing but the SSM parameters of the Catalog and Cost stacks (and a sign-in
    community on its role in the SignIn stack)."""
    options = _stack_options(config)
    stacks = [
        CommunityStack(
            scope,
            community_stack_id(name),
            config=config,
            name=name,
            stack_name=contract.community_stack_name(config.stage_name, name),
            description=f"Research catalog: the {name} community's portfolio, budgets and reports",
            **options,
        )
        for name in names
    ]
    guard(config, stacks, placeholders)
    return stacks


class CatalogStage(Stage):
    """One stage's stacks as a unit the pipeline deploys into the stage's account and region:
    all but the community stacks (CommunitiesStage)."""

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
        self.shared, self.catalog = build_stage(
            self, config, with_communities=False, placeholders=placeholders
        )


class CommunitiesStage(Stage):
    """A wave of community stacks the pipeline deploys after the stage's CatalogStage (which
    holds the SignIn stack whose roles sign-in communities name). Their templates do not depend
    on the wave they are in (no logical ID derives from a path outside the stack), so a
    community may move between waves as communities come and go."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: CatalogConfig,
        names: list[str],
        placeholders: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.stacks = build_community_stacks(self, config, names, placeholders=placeholders)
