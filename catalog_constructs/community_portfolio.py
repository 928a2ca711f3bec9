"""One portfolio per community: who may launch, which products, with which cost centers."""

from aws_cdk import aws_iam as iam, aws_servicecatalog as servicecatalog
from constructs import Construct

from catalog_constructs.catalog_product import CatalogProduct
from catalog_constructs.end_user_access import EndUserPolicy
from config.models import CatalogConfig, Community
from products.registry import JOBS_PRODUCT_KEY

COST_CENTER_KEY = "CostCenter"


class CostCenterTagOptions(Construct):
    """One TagOption per distinct CostCenter value across all communities.

    A TagOption's key and value are unique in an account, so two communities sharing a cost
    center must share the TagOption; each portfolio then associates the values it offers.
    """

    def __init__(self, scope: Construct, construct_id: str, *, values: list[str]) -> None:
        super().__init__(scope, construct_id)
        self.by_value: dict[str, servicecatalog.CfnTagOption] = {
            value: servicecatalog.CfnTagOption(
                self, f"Value{index}", key=COST_CENTER_KEY, value=value, active=True
            )
            for index, value in enumerate(values)
        }


class CommunityPortfolio(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        community: Community,
        config: CatalogConfig,
        products: dict[str, CatalogProduct],
        launch_roles: dict[str, iam.IRole],
        tag_options: CostCenterTagOptions,
    ) -> None:
        super().__init__(scope, construct_id)
        self.portfolio = servicecatalog.Portfolio(
            self,
            "Portfolio",
            display_name=community.display_name,
            provider_name=config.catalog.provider_name,
            description=(
                community.description
                or f"Research computing products for the {community.display_name} community. "
                f"Community manager: {community.manager_email}."
            ),
        )
        account = config.stage.account
        partition = config.stage.partition
        for index, role_arn in enumerate(community.role_arns_in(account, partition)):
            self.portfolio.give_access_to_role(
                iam.Role.from_role_arn(self, f"Principal{index}", role_arn, mutable=False)
            )
        EndUserPolicy(
            self,
            "EndUserAccess",
            community=name,
            role_names=community.role_names_resolved(),
            scheduled_jobs=JOBS_PRODUCT_KEY in community.products,
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
            self.portfolio.set_launch_role(product.product, launch_roles[key])
            # Lets owners correct a CostCenter or add their own tags after launch.
            self.portfolio.constrain_tag_updates(product.product, allow=True)
