"""The sign-in service of a stage and the roles of its sign-in communities (only where the
stage configures ``sign_in:``). Deployed before the Catalog and Cost stacks, which attach
policies to those roles by name."""

from aws_cdk import Stack
from constructs import Construct

from catalog_constructs.sign_in.service import SignInService
from config.models import CatalogConfig


class SignInStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: CatalogConfig, **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        assert config.sign_in is not None
        self.service = SignInService(
            self,
            "Service",
            config=config.sign_in,
            communities={
                name: community
                for name, community in config.communities.items()
                if community.kind == "sign-in"
            },
            stage=config.stage,
            catalog=config.catalog,
        )
