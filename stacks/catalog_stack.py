"""The catalog of one stage: products defined once with their launch roles, actions and the
stage's CostCenter TagOptions. Each community's portfolio is in its own stack
(stacks/community_stack.py), which finds these through SSM parameters."""

from pathlib import Path

from aws_cdk import DefaultStackSynthesizer, Stack, aws_ssm as ssm
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.catalog.admin.function import CatalogAdminFunction
from catalog_constructs.catalog.launch_roles import LaunchRole
from catalog_constructs.catalog.portfolio import CostCenterTagOptions
from catalog_constructs.catalog.product import CatalogProduct, ProductMetadata
from catalog_constructs.catalog.service_actions import Ec2ServiceActions
from catalog_constructs.shared.resources import SharedResources
from config.models import CatalogConfig
from products.catalog import PRODUCT_TEMPLATES
from products.registry import PRODUCTS

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
        # What community stacks read (contract names): no CloudFormation export ties a
        # community's stack to this one, so communities come and go on their own.
        parameters: list[tuple[str, str, str]] = [
            (
                "AdminFunctionParameter",
                contract.CATALOG_ADMIN_FUNCTION_PARAMETER,
                admin.function.attr_arn,
            ),
            ("AdminRoleParameter", contract.CATALOG_ADMIN_ROLE_PARAMETER, admin.role.role_name),
            *(
                (
                    f"ProductParameter-{key}",
                    contract.product_id_parameter(key),
                    product.product.product_id,
                )
                for key, product in products.items()
            ),
            *(
                (
                    f"CostCenterParameter-{contract.cost_center_key(value)}",
                    contract.cost_center_parameter(value),
                    tag_option.ref,
                )
                for value, tag_option in tag_options.by_value.items()
            ),
        ]
        for parameter_id, name, value in parameters:
            ssm.StringParameter(
                self,
                parameter_id,
                parameter_name=name,
                string_value=value,
                description="Read by research-catalog community stacks",
            )
