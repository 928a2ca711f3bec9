"""`spokes:` the accounts that receive shared portfolios and launch products there."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from config.errors import Violation, raise_all
from config.sections.network import CreateVpcNetwork, ExistingNetwork, Network
from config.types import STRICT, AccountId, RoleArn, parse_role_arn, unique


class SpokeAccount(BaseModel):
    """Settings of one spoke account that differ from the spokes' defaults."""

    model_config = STRICT

    network: Network | None = Field(
        default=None,
        description="This account's VPC (mode create or existing); default: spokes.network.",
    )
    admin_role_arns: Annotated[list[RoleArn], unique("role ARN")] = Field(
        default_factory=list,
        description=(
            "Break-glass administrator roles of this account, exempt from owner-only bucket "
            "policies like operators.admin_role_arns in the stage account (may be empty)."
        ),
    )


class SpokesConfig(BaseModel):
    """Recipient ("spoke") accounts: each gets a Spoke stack (shared infrastructure, launch
    roles, end-user policies) in the stage region, so shared portfolios launch there.

    Spoke accounts are every community's ``sharing.accounts`` plus ``member_accounts``.
    """

    model_config = STRICT

    network: Network = Field(
        description=(
            "VPC of every spoke unless overridden under accounts; mode create (the same CIDR "
            "may be reused: every spoke has its own VPC) or existing."
        )
    )
    member_accounts: Annotated[list[AccountId], unique("account")] = Field(
        default_factory=list,
        description=(
            "Accounts that receive portfolios through organizational_units or organization "
            "shares (OUs cannot be expanded at synth): list each account that launches."
        ),
    )
    accounts: dict[AccountId, SpokeAccount] = Field(
        default_factory=dict,
        description="Spoke account ID -> its own network or administrator roles.",
    )

    @model_validator(mode="after")
    def _admins_in_their_account(self) -> SpokesConfig:
        violations: list[Violation] = []
        for account, spoke in self.accounts.items():
            for index, arn in enumerate(spoke.admin_role_arns):
                if parse_role_arn(arn)[1] != account:
                    violations.append(
                        (
                            ("accounts", account, "admin_role_arns", index),
                            f"role ARN {arn!r} is not in account {account}; allowed: roles of "
                            "the spoke account it is listed under",
                            arn,
                        )
                    )
        raise_all(violations)
        return self

    def network_of(self, account: str) -> CreateVpcNetwork | ExistingNetwork:
        override = self.accounts.get(account)
        return override.network if override and override.network else self.network

    def admin_role_arns_of(self, account: str) -> list[str]:
        override = self.accounts.get(account)
        return list(override.admin_role_arns) if override else []
