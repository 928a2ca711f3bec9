"""The root of the configuration: `CatalogConfig`, one stage's sections composed.

Pure Python on purpose (no CDK import): a typo in a YAML file must fail in milliseconds with a
message naming the file and key, before any construct is built.

Every model is frozen and forbids unknown keys. Validation errors are raised with readable
messages that already say what is allowed; `config.loader` adds the file, line and dotted key.
Each section checks itself (config/sections/); the rules between sections are
`config.rules.RULES`, run here as validators of the fields they check.

The product registry (`products.registry.PRODUCTS`) is read from the validation context key
`"registry"` when given (tests pass a fake one), otherwise imported.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from config.errors import raise_all
from config.rules import RULES, check_field
from config.sections.budgets import budget_name
from config.sections.catalog import CatalogMetadata
from config.sections.communities import Community, CommunityName
from config.sections.delivery import DeliveryConfig
from config.sections.images import ImagesConfig
from config.sections.jobs import JobsConfig
from config.sections.network import Network
from config.sections.notebooks import NotebookGatewayConfig
from config.sections.operators import OperatorsConfig
from config.sections.products import ProductPublication
from config.sections.sign_in import SignInConfig
from config.sections.spokes import SpokesConfig
from config.sections.stage import StageConfig
from config.sections.storage import StorageConfig
from config.sections.studio_teams import DEFAULT_LIMIT_USD, StudioTeamsConfig
from config.types import STRICT, StageName, TagKey, TagValue, unique

DEFAULT_STAGE = "dev"

# Fields the loader sets itself; writing them in YAML is an error.
INJECTED_FIELDS = frozenset({"stage_name"})


class CatalogConfig(BaseModel):
    """The whole configuration of one stage: base.yaml deep-merged with <stage>.yaml."""

    model_config = STRICT

    # Field order matters: the rules of a field read the fields before it.
    stage_name: StageName = Field(
        description="Stage name, set by the loader from the stage file name (not in YAML)."
    )
    stage: StageConfig = Field(description="Target account and region (per stage).")
    catalog: CatalogMetadata = Field(description="Provider and support details shown to users.")
    tags: dict[TagKey, TagValue] = Field(
        default_factory=dict, description="Extra tags applied to every stack."
    )
    operators: OperatorsConfig = Field(description="The team that runs the catalog.")
    network: Network = Field(description="VPC for provisioned products: mode create or existing.")
    storage: StorageConfig = Field(
        default_factory=StorageConfig,
        description="Bucket products: archive and purge, notices, Synapse.",
    )
    products: dict[str, ProductPublication] = Field(
        description="Published products of this stage: product key -> versions."
    )
    sign_in: SignInConfig | None = Field(
        default=None,
        description=(
            "Sign-in service: researchers sign in with Synapse or another OIDC provider and "
            "reach the console and command line as themselves (per stage, optional; needed by "
            "communities of kind sign-in)."
        ),
    )
    communities: dict[CommunityName, Community] = Field(
        description="Research communities of this stage: name -> community (per stage)."
    )
    jobs: JobsConfig = Field(
        default_factory=JobsConfig,
        description="Scheduled jobs' pooled compute: capacity, community weights (optional).",
    )
    images: ImagesConfig = Field(
        default_factory=ImagesConfig,
        description="Image pipelines: build here, receive from another account, or neither.",
    )
    notebooks: NotebookGatewayConfig | None = Field(
        default=None,
        description=(
            "Notebook gateway: HTTPS load balancer with OIDC sign-in in front of notebook "
            "workstations (per stage, optional; without it notebooks use port forwarding)."
        ),
    )
    stage_order: Annotated[list[StageName], Field(min_length=1), unique("stage")] | None = Field(
        default=None,
        description=(
            "Every stage, in promotion order (base.yaml only; required with more than one "
            "stage): a stage publishes only product versions the stage before it publishes, "
            "and the pipeline deploys the stages in this order."
        ),
    )
    delivery: DeliveryConfig | None = Field(
        default=None,
        description="Delivery pipeline promoting the stages in order (base.yaml only; optional).",
    )
    studio_teams: StudioTeamsConfig = Field(
        default_factory=StudioTeamsConfig,
        # The rule comparing the limit with the community budgets must run on the default too.
        validate_default=True,
        description="Studio team product: the most a team budget may be (per stage).",
    )
    spokes: SpokesConfig | None = Field(
        default=None,
        # The rule "sharing needs spokes" must also run when the section is absent.
        validate_default=True,
        description=(
            "Accounts that receive shared portfolios get a Spoke stack (per stage; required "
            "when a community shares its portfolio)."
        ),
    )

    @field_validator("communities", mode="before")
    @classmethod
    def _communities_know_their_names(cls, value: Any) -> Any:
        """Each community learns its key (the name of the role a sign-in community gets)."""
        if not isinstance(value, dict):
            return value
        raise_all(
            [
                ((name, "name"), "is set from the community's key; remove it", raw["name"])
                for name, raw in value.items()
                if isinstance(raw, dict) and "name" in raw
            ]
        )
        return {
            name: {**raw, "name": name} if isinstance(raw, dict) else raw
            for name, raw in value.items()
        }

    @field_validator(*RULES)
    @classmethod
    def _rules(cls, value: Any, info: ValidationInfo) -> Any:
        raise_all(check_field(value, info))
        return value

    # ---- conveniences for the stacks

    def spoke_accounts(self) -> list[str]:
        """Every spoke account, in config order: communities' sharing.accounts, then
        spokes.member_accounts."""
        if self.spokes is None:
            return []
        accounts = [a for c in self.communities.values() for a in c.sharing.accounts]
        return list(dict.fromkeys([*accounts, *self.spokes.member_accounts]))

    def spoke_communities(self, account: str) -> dict[str, Community]:
        """The communities whose portfolio reaches ``account`` (by account, OU or organization
        share; a member account is taken to be in every OU shared with)."""
        member = self.spokes is not None and account in self.spokes.member_accounts
        return {
            name: community
            for name, community in self.communities.items()
            if account in community.sharing.accounts
            or (
                member
                and (community.sharing.organizational_units or community.sharing.organization)
            )
        }

    def stages_in_order(self) -> list[str]:
        """The promotion order: stage_order, or this stage alone when there is no other."""
        return list(self.stage_order) if self.stage_order else [self.stage_name]

    def published_versions(self, product_key: str) -> tuple[str, ...]:
        """Versions of a product published in this stage, in listed order; () if none."""
        publication = self.products.get(product_key)
        return tuple(publication.versions) if publication else ()

    def communities_for(self, product_key: str) -> dict[str, Community]:
        """Communities (name -> community) that list the product, in file order."""
        return {
            name: community
            for name, community in self.communities.items()
            if product_key in community.products
        }

    def product_accounts(self, product_key: str) -> dict[str, str]:
        """Accounts a product launches in -> where that comes from (for messages): the stage
        account when a community lists it, and each spoke account a listing community's
        portfolio reaches."""
        accounts: dict[str, str] = {}
        listing = self.communities_for(product_key)
        if listing:
            accounts[self.stage.account] = "the stage account"
        for account in self.spoke_accounts():
            reaching = [name for name in self.spoke_communities(account) if name in listing]
            if reaching:
                accounts.setdefault(account, f"a spoke of community {reaching[0]!r}")
        return accounts

    def studio_team_budget_limit(self) -> int:
        """The largest team budget a Studio team's owner may choose (studio_teams.max_budget_usd,
        else the smallest monthly budget of a community listing studio-team)."""
        if self.studio_teams.max_budget_usd is not None:
            return self.studio_teams.max_budget_usd
        budgets = [
            community.budget.amount_usd
            for community in self.communities_for("studio-team").values()
            if community.budget.period == "MONTHLY"
        ]
        return max(1, int(min(budgets))) if budgets else DEFAULT_LIMIT_USD

    def budget_name(self, community_name: str, member: str | None = None) -> str:
        return budget_name(self.stage_name, community_name, member)

    def member_principal_arns(self, community_name: str, member: str) -> list[str]:
        return self.communities[community_name].member_principal_arns(
            member, self.stage.account, self.stage.partition
        )

    def community_role_arns(self, community_name: str) -> list[str]:
        """Every principal ARN of a community, role_names expanded in the stage account."""
        return self.communities[community_name].role_arns_in(
            self.stage.account, self.stage.partition
        )
