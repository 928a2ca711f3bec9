"""A spoke: an account that receives the stage's shared portfolios and launches products there.

Product templates need the shared infrastructure of :mod:`catalog_constructs.contract` in the
account they launch in, launch constraints name their role with LocalRoleName, and
self-service actions run as that launch role. A spoke is therefore the Shared stack of that
account (the same construct, configured for it) plus the launch roles of every published
product family under their fixed names, and one end-user managed policy per community whose
portfolio reaches the account, with a fixed name for IAM Identity Center permission sets.
"""

from aws_cdk import CfnOutput
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.catalog.end_user_access import EndUserPolicy
from catalog_constructs.catalog.launch_roles import LaunchRole
from config.models import CatalogConfig
from config.sections.images import ImagesConfig
from config.sections.stage import StageConfig
from products.registry import JOBS_PRODUCT_KEY, PRODUCTS
from stacks.community_stack import publish_community_document
from stacks.shared_stack import SharedStack


def spoke_config(config: CatalogConfig, account: str) -> CatalogConfig:
    """The stage config as seen from a spoke account: its own account, network and
    administrators; images from the account that builds them for the stage."""
    spokes = config.spokes
    assert spokes is not None
    return config.model_copy(
        update={
            "stage": StageConfig(account=account, region=config.stage.region),
            "network": spokes.network_of(account),
            "operators": config.operators.model_copy(
                update={"admin_role_arns": spokes.admin_role_arns_of(account)}
            ),
            # Launch roles may use the images key of the account whose pipelines build the
            # AMIs; a spoke builds none itself.
            "images": ImagesConfig(
                source_account=config.images.source_account or config.stage.account
            ),
            # The notebook gateway's certificate and secret live in the stage account; a
            # spoke's notebooks use port forwarding (its gateway parameter says disabled).
            "notebooks": None,
            # The sign-in service signs members into the stage account only, and its
            # communities cannot share: a spoke knows neither.
            "sign_in": None,
            "communities": {
                name: community
                for name, community in config.communities.items()
                if community.kind != "sign-in"
            },
        }
    )


class SpokeStack(SharedStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: CatalogConfig,
        account: str,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, config=spoke_config(config, account), **kwargs)
        families = sorted(
            {d.family for key, d in PRODUCTS.items() if config.published_versions(key)}
        )
        self.launch_roles = {
            family: LaunchRole(
                self,
                f"{family.capitalize()}LaunchRole",
                family=family,
                shared=self.resources,
                portfolio_account=config.stage.account,
            )
            for family in families
        }
        self.end_user_policies: dict[str, EndUserPolicy] = {}
        for name, community in config.spoke_communities(account).items():
            policy = EndUserPolicy(
                self,
                f"EndUserAccess-{name}",
                community=name,
                role_names=[],
                volume_key_arn=self.resources.ebs_key.key_arn,
                scheduled_jobs=JOBS_PRODUCT_KEY in community.products,
                managed_policy_name=contract.end_user_policy_name(name),
            )
            self.end_user_policies[name] = policy
            # The product-context function of this account recognises the community's roles.
            publish_community_document(self, name=name, config=config)
            CfnOutput(
                self,
                f"EndUserPolicy-{name}",
                value=contract.end_user_policy_name(name),
                description=(
                    f"Attach to the {name} community's roles in this account, or add it as a "
                    "customer managed policy to their IAM Identity Center permission set"
                ),
            )
