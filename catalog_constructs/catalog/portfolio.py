"""One portfolio per community: who may launch, which products, with which cost centers."""

import hashlib
from collections.abc import Mapping

from aws_cdk import aws_servicecatalog as servicecatalog
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.catalog.admin.function import PortfolioShares
from catalog_constructs.catalog.end_user_access import EndUserPolicy
from config.sections.communities import Community
from config.sections.stage import StageConfig


class CostCenterTagOptions(Construct):
    """One TagOption per distinct CostCenter value across all communities.

    A TagOption's key and value are unique in an account, so two communities sharing a cost
    center must share the TagOption; each portfolio then associates the values it offers.
    """

    def __init__(self, scope: Construct, construct_id: str, *, values: list[str]) -> None:
        super().__init__(scope, construct_id)
        # Keyed by the value, not its position: adding a value leaves the others in place.
        self.by_value: dict[str, servicecatalog.CfnTagOption] = {
            value: servicecatalog.CfnTagOption(
                self,
                f"Value-{contract.cost_center_key(value)}",
                key=contract.COST_CENTER_TAG,
                value=value,
                active=True,
            )
            for value in values
        }


class CommunityPortfolio(Construct):
    """The community's portfolio: its principals, shares, end-user policy, CostCenter
    TagOptions and ``products``, each launched with its family's role named in
    ``launch_role_names``. The products and TagOptions live in the Catalog stack and come in as
    IDs (``product_ids``, ``tag_option_ids`` by value), so this construct sits in the
    community's own stack. ``scheduled_jobs``: the community may launch scheduled jobs, so its
    end-user policy lets members submit their own. ``volume_key_arn``: the key of product
    volumes (members start their own instances), a value the stack resolves without a
    cross-stack reference.

    Logical IDs derive from what each resource links (product key, principal, value), never
    from a position or a construct path outside this stack: adding or removing one leaves the
    others in place, and the templates are the same at the app's top level and in the
    pipeline's stages."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        community: Community,
        stage: StageConfig,
        provider_name: str,
        product_ids: Mapping[str, str],
        launch_role_names: Mapping[str, str],
        tag_option_ids: Mapping[str, str],
        admin: PortfolioShares | None,
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
        portfolio_id = self.portfolio.portfolio_id
        account = stage.account
        partition = stage.partition
        for role_arn in community.role_arns_in(account, partition):
            servicecatalog.CfnPortfolioPrincipalAssociation(
                self,
                f"Principal-{_key(role_arn)}",
                portfolio_id=portfolio_id,
                principal_arn=role_arn,
                principal_type="IAM",
            )
        # Matched in this account and, through shares with principals, in every recipient
        # account: IAM Identity Center permission-set roles have generated name suffixes.
        for pattern_arn in community.role_pattern_arns(partition):
            servicecatalog.CfnPortfolioPrincipalAssociation(
                self,
                f"PrincipalPattern-{_key(pattern_arn)}",
                portfolio_id=portfolio_id,
                principal_arn=pattern_arn,
                principal_type="IAM_PATTERN",
            )
        sharing = community.sharing
        targets = [
            *(("ACCOUNT", account) for account in sharing.accounts),
            *(("ORGANIZATIONAL_UNIT", ou) for ou in sharing.organizational_units),
            *([("ORGANIZATION", sharing.organization)] if sharing.organization else []),
        ]
        if targets:
            assert admin is not None, "a community that shares needs the catalog admin function"
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

        for value in community.cost_centers:
            servicecatalog.CfnTagOptionAssociation(
                self,
                f"CostCenter-{contract.cost_center_key(value)}",
                resource_id=portfolio_id,
                tag_option_id=tag_option_ids[value],
            )

        for key, product_id in product_ids.items():
            association = servicecatalog.CfnPortfolioProductAssociation(
                self, f"Product-{key}", portfolio_id=portfolio_id, product_id=product_id
            )
            # By name: Service Catalog uses the role of that name in the account that launches,
            # the stage account or a spoke (stacks/spoke_stack.py), which has the same roles.
            launch = servicecatalog.CfnLaunchRoleConstraint(
                self,
                f"LaunchRole-{key}",
                portfolio_id=portfolio_id,
                product_id=product_id,
                local_role_name=launch_role_names[key],
            )
            # Lets owners correct a CostCenter or add their own tags after launch.
            tag_updates = servicecatalog.CfnResourceUpdateConstraint(
                self,
                f"TagUpdates-{key}",
                portfolio_id=portfolio_id,
                product_id=product_id,
                tag_update_on_provisioned_product="ALLOWED",
            )
            # Constraints apply to a product of the portfolio only.
            launch.node.add_dependency(association)
            tag_updates.node.add_dependency(association)


def _key(arn: str) -> str:
    return hashlib.sha256(arn.encode()).hexdigest()[:8]
