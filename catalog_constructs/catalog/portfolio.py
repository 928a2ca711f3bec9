"""One portfolio per community: who may launch, which products, with which cost centers."""

from aws_cdk import aws_iam as iam, aws_servicecatalog as servicecatalog
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.catalog.admin.function import CatalogAdminFunction
from catalog_constructs.catalog.end_user_access import EndUserPolicy
from catalog_constructs.catalog.product import CatalogProduct
from config.sections.communities import Community
from config.sections.stage import StageConfig


class CostCenterTagOptions(Construct):
    """One TagOption per distinct CostCenter value across all communities.

    A TagOption's key and value are unique in an account, so two communities sharing a cost
    center must share the TagOption; each portfolio then associates the values it offers.
    """

    def __init__(self, scope: Construct, construct_id: str, *, values: list[str]) -> None:
        super().__init__(scope, construct_id)
        self.by_value: dict[str, servicecatalog.CfnTagOption] = {
            value: servicecatalog.CfnTagOption(
                self, f"Value{index}", key=contract.COST_CENTER_TAG, value=value, active=True
            )
            for index, value in enumerate(values)
        }


class CommunityPortfolio(Construct):
    """The community's portfolio: its principals, shares, end-user policy, CostCenter
    TagOptions and ``products``, each launched with its family's role from ``launch_roles``.
    ``scheduled_jobs``: the community may launch scheduled jobs, so its end-user policy lets
    members submit their own. ``volume_key_arn``: the key of product volumes (members start
    their own instances)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        community: Community,
        stage: StageConfig,
        provider_name: str,
        products: dict[str, CatalogProduct],
        launch_roles: dict[str, iam.IRole],
        tag_options: CostCenterTagOptions,
        admin: CatalogAdminFunction,
        scheduled_jobs: bool,
        volume_key_arn: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.portfolio = servicecatalog.Portfolio(
            self,
            "Portfolio",
            display_name=community.display_name,
            provider_name=provider_name,
            description=(
                community.description
                or f"Research computing products for the {community.display_name} community. "
                f"Community manager: {community.manager_email}."
            ),
        )
        account = stage.account
        partition = stage.partition
        for index, role_arn in enumerate(community.role_arns_in(account, partition)):
            self.portfolio.give_access_to_role(
                iam.Role.from_role_arn(self, f"Principal{index}", role_arn, mutable=False)
            )
        # Matched in this account and, through shares with principals, in every recipient
        # account: IAM Identity Center permission-set roles have generated name suffixes.
        for index, pattern_arn in enumerate(community.role_pattern_arns(partition)):
            servicecatalog.CfnPortfolioPrincipalAssociation(
                self,
                f"PrincipalPattern{index}",
                portfolio_id=self.portfolio.portfolio_id,
                principal_arn=pattern_arn,
                principal_type="IAM_PATTERN",
            )
        sharing = community.sharing
        targets = [
            *(("ACCOUNT", account) for account in sharing.accounts),
            *(("ORGANIZATIONAL_UNIT", ou) for ou in sharing.organizational_units),
            *([("ORGANIZATION", sharing.organization)] if sharing.organization else []),
        ]
        for share_type, value in targets:
            admin.share_portfolio(
                self,
                f"Share-{value}",
                portfolio=self.portfolio,
                share_type=share_type,
                value=value,
            )
        EndUserPolicy(
            self,
            "EndUserAccess",
            community=name,
            role_names=community.role_names_resolved(),
            volume_key_arn=volume_key_arn,
            scheduled_jobs=scheduled_jobs,
        )

        for index, value in enumerate(community.cost_centers):
            servicecatalog.CfnTagOptionAssociation(
                self,
                f"CostCenter{index}",
                resource_id=self.portfolio.portfolio_id,
                tag_option_id=tag_options.by_value[value].ref,
            )

        for key, product in products.items():
            self.portfolio.add_product(product.product)
            # By name: Service Catalog uses the role of that name in the account that launches,
            # the stage account or a spoke (stacks/spoke_stack.py), which has the same roles.
            self.portfolio.set_local_launch_role(product.product, launch_roles[key])
            # Lets owners correct a CostCenter or add their own tags after launch.
            self.portfolio.constrain_tag_updates(product.product, allow=True)
