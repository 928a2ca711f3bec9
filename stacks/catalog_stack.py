"""The catalog of one stage: products defined once, one portfolio per community."""

from pathlib import Path

from aws_cdk import DefaultStackSynthesizer, Stack
from constructs import Construct

from catalog_constructs.catalog.admin.function import CatalogAdminFunction
from catalog_constructs.catalog.launch_roles import LaunchRole
from catalog_constructs.catalog.portfolio import CommunityPortfolio, CostCenterTagOptions
from catalog_constructs.catalog.product import CatalogProduct, ProductMetadata
from catalog_constructs.catalog.service_actions import Ec2ServiceActions
from catalog_constructs.shared.resources import SharedResources
from config.models import CatalogConfig
from products.catalog import PRODUCT_TEMPLATES
from products.registry import JOBS_PRODUCT_KEY, PRODUCTS

SNAPSHOT_DIRECTORY = Path(__file__).resolve().parent.parent / "product-stack-snapshots"


class CatalogStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: CatalogConfig,
        shared: SharedResources,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        template_bucket = self.format_arn(
            service="s3",
            region="",
            account="",
            resource=DefaultStackSynthesizer.DEFAULT_FILE_ASSETS_BUCKET_NAME.replace(
                "${Qualifier}", DefaultStackSynthesizer.DEFAULT_QUALIFIER
            )
            .replace("${AWS::AccountId}", self.account)
            .replace("${AWS::Region}", self.region),
        )

        admin = CatalogAdminFunction(self, "Admin", logs_key=shared.logs_key)
        self.products: dict[str, CatalogProduct] = {}
        products = self.products
        launch_roles: dict[str, LaunchRole] = {}
        for key, definition in PRODUCTS.items():
            published = config.published_versions(key)
            if not published:
                continue
            products[key] = CatalogProduct(
                self,
                definition.construct_id,
                versions=definition.versions,
                metadata=ProductMetadata(
                    display_name=definition.display_name,
                    description=definition.description,
                    provider_name=config.catalog.provider_name,
                    support_email=config.catalog.support_email,
                    support_url=config.catalog.support_url,
                    support_description=config.catalog.support_description,
                ),
                template_factory=PRODUCT_TEMPLATES[key].stack_class,
                published_versions=published,
                snapshot_directory=SNAPSHOT_DIRECTORY,
                key=key,
                definition_file=f"products/{definition.package}/definition.py",
            )
            admin.deprecate_superseded_versions(
                products[key],
                product=products[key].product,
                current_version_name=[v for v in definition.version_names if v in published][-1],
            )
            if definition.family not in launch_roles:
                launch_roles[definition.family] = LaunchRole(
                    self,
                    f"{definition.family.capitalize()}LaunchRole",
                    family=definition.family,
                    shared=shared,
                    product_template_bucket_arns=[template_bucket],
                )

        service_actions = Ec2ServiceActions(self, "Ec2ServiceActions")
        for key, product in products.items():
            if PRODUCTS[key].family == "ec2":
                service_actions.associate(
                    product, product=product.product, version_count=product.version_count
                )

        tag_options = CostCenterTagOptions(
            self,
            "CostCenters",
            values=sorted({value for c in config.communities.values() for value in c.cost_centers}),
        )
        for name, community in config.communities.items():
            CommunityPortfolio(
                self,
                f"Community-{name}",
                name=name,
                community=community,
                stage=config.stage,
                provider_name=config.catalog.provider_name,
                products={key: products[key] for key in community.products},
                launch_roles={
                    key: launch_roles[PRODUCTS[key].family].role for key in community.products
                },
                tag_options=tag_options,
                admin=admin,
                scheduled_jobs=JOBS_PRODUCT_KEY in community.products,
                volume_key_arn=shared.ebs_key.key_arn,
            )
