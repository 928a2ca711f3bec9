"""Catalog administration without CloudFormation resources: version guidance (deprecating
superseded versions) and portfolio shares with accounts, OUs or the organization.

One function in the Catalog stack serves both custom resource types (one module each in
``handler/catalog_admin_handlers/``). Its permissions grow with what it is given: each product
and portfolio adds its own ARN.
"""

from pathlib import Path

from aws_cdk import (
    CustomResource,
    aws_iam as iam,
    aws_kms as kms,
    aws_servicecatalog as servicecatalog,
)
from constructs import Construct

from catalog_constructs.common.function import CatalogFunction, ControlPlaneReasons
from catalog_constructs.common.nag import acknowledge, acknowledge_wildcard_resources

HANDLER_DIRECTORY = Path(__file__).parent / "handler"
VERSION_GUIDANCE = "Custom::VersionGuidance"
PORTFOLIO_SHARE = "Custom::PortfolioShare"


class CatalogAdminFunction(CatalogFunction):
    def __init__(self, scope: Construct, construct_id: str, *, logs_key: kms.IKey) -> None:
        super().__init__(
            scope,
            construct_id,
            code_directory=HANDLER_DIRECTORY,
            handler="index.handler",
            description="Custom resources: version guidance and portfolio shares",
            role_description="Deprecates superseded product versions and shares portfolios",
            policy_description="Catalog admin handler: version guidance and portfolio shares",
            logs_key=logs_key,
            # Organization shares are awaited for up to 13 minutes.
            timeout_seconds=900,
            reasons=ControlPlaneReasons(
                outside_vpc="It calls only the Service Catalog control plane and touches no "
                "research data.",
                no_dead_letter_queue="Only CloudFormation invokes it; every failure is reported "
                "back to CloudFormation as a FAILED custom-resource response.",
                no_reserved_concurrency="Reserved concurrency would fail to deploy in accounts "
                "with the default quota of 10 and is not needed: it runs only during "
                "deployments.",
            ),
        )

    def _resource(self, scope: Construct, construct_id: str, **properties: object) -> None:
        resource_type = properties.pop("resource_type")
        resource = CustomResource(
            scope,
            construct_id,
            service_token=self.function.attr_arn,
            resource_type=str(resource_type),
            properties=properties,
        )
        resource.node.add_dependency(self.policy)

    def deprecate_superseded_versions(
        self,
        scope: Construct,
        *,
        product: servicecatalog.CloudFormationProduct,
        current_version_name: str,
    ) -> None:
        """Every version of ``product`` but ``current_version_name`` gets Guidance DEPRECATED."""
        self.policy.add_statements(
            iam.PolicyStatement(
                actions=[
                    "servicecatalog:ListProvisioningArtifacts",
                    "servicecatalog:UpdateProvisioningArtifact",
                ],
                resources=[product.product_arn],
            )
        )
        cfn_product = product.node.default_child
        assert isinstance(cfn_product, servicecatalog.CfnCloudFormationProduct)
        self._resource(
            scope,
            "VersionGuidance",
            resource_type=VERSION_GUIDANCE,
            ProductId=product.product_id,
            CurrentVersionName=current_version_name,
            # Re-runs whenever a version is added or removed.
            ProvisioningArtifactIds=cfn_product.attr_provisioning_artifact_ids,
        )


class PortfolioShares(Construct):
    """Portfolio shares of a community stack, made by the Catalog stack's admin function
    (``function_arn``, whose role is ``role_name``). The share rights are a policy of this
    stack attached to that role and naming this community's portfolio only, so the function may
    share exactly the portfolios whose stacks granted it."""

    def __init__(
        self, scope: Construct, construct_id: str, *, function_arn: str, role_name: str
    ) -> None:
        super().__init__(scope, construct_id)
        self._function_arn = function_arn
        self._role = iam.Role.from_role_name(self, "Role", role_name, mutable=False)
        self._policy: iam.Policy | None = None

    def share_portfolio(
        self,
        scope: Construct,
        construct_id: str,
        *,
        portfolio: servicecatalog.IPortfolio,
        share_type: str,
        value: str,
    ) -> None:
        """Share with an account (ACCOUNT), OU (ORGANIZATIONAL_UNIT) or ORGANIZATION, with
        TagOptions and principals."""
        if self._policy is None:
            statements = [
                iam.PolicyStatement(
                    sid="ShareThisPortfolio",
                    actions=[
                        "servicecatalog:CreatePortfolioShare",
                        "servicecatalog:DeletePortfolioShare",
                        "servicecatalog:DescribePortfolioShares",
                        "servicecatalog:UpdatePortfolioShare",
                    ],
                    resources=[portfolio.portfolio_arn],
                ),
                iam.PolicyStatement(
                    sid="ShareStatusAndOrganization",
                    actions=[
                        "servicecatalog:DescribePortfolioShareStatus",
                        "organizations:DescribeOrganization",
                        "organizations:ListAccountsForParent",
                        "organizations:ListChildren",
                    ],
                    resources=["*"],
                ),
            ]
            self._policy = iam.Policy(self, "Policy", roles=[self._role], statements=statements)
            acknowledge_wildcard_resources(
                self._policy,
                statements,
                "Share status and the organization lookups Service Catalog makes for OU and "
                "organization shares are read-only and support no resource-level permissions.",
            )
            acknowledge(
                self._policy,
                ["HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy"],
                "The admin function's share rights on this community's portfolio live and die "
                "with the community's stack; a managed policy would outlive neither.",
            )
        resource = CustomResource(
            scope,
            construct_id,
            service_token=self._function_arn,
            resource_type=PORTFOLIO_SHARE,
            properties={"PortfolioId": portfolio.portfolio_id, "Type": share_type, "Value": value},
        )
        resource.node.add_dependency(self._policy)
