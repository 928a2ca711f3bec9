"""What a rule of `config.rules.RULES` reads besides the field it checks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationInfo

from config.errors import Violation
from config.sections.communities import Community
from config.sections.network import CreateVpcNetwork, ExistingNetwork
from config.sections.products import ProductPublication, ProductRegistry, default_registry
from config.sections.sign_in import SignInConfig
from config.sections.stage import StageConfig
from config.types import parse_role_arn

Communities = dict[str, Community]


@dataclass(frozen=True)
class Checked:
    """What a rule may read besides the field it checks: the fields validated before it
    (None when absent or invalid) and the validation context."""

    stage_name: str | None
    stage: StageConfig | None
    network: CreateVpcNetwork | ExistingNetwork | None
    products: dict[str, ProductPublication] | None
    communities: Communities | None
    sign_in: SignInConfig | None
    # False when the sign_in section is invalid (then sign_in is None although it was given).
    sign_in_known: bool
    stage_order: list[str] | None
    registry: ProductRegistry
    stage_file: str  # as messages name it, e.g. config/dev.yaml

    @classmethod
    def of(cls, info: ValidationInfo) -> Checked:
        data = info.data
        context = info.context if isinstance(info.context, Mapping) else {}
        registry = context.get("registry")
        stage_name = data.get("stage_name")
        stage = data.get("stage")
        network = data.get("network")
        products = data.get("products")
        communities = data.get("communities")
        sign_in = data.get("sign_in")
        stage_order = data.get("stage_order")
        return cls(
            stage_name=stage_name if isinstance(stage_name, str) else None,
            stage=stage if isinstance(stage, StageConfig) else None,
            network=network if isinstance(network, CreateVpcNetwork | ExistingNetwork) else None,
            products=products if isinstance(products, dict) else None,
            communities=communities if isinstance(communities, dict) else None,
            sign_in=sign_in if isinstance(sign_in, SignInConfig) else None,
            sign_in_known="sign_in" in data,
            stage_order=stage_order if isinstance(stage_order, list) else None,
            registry=registry if registry is not None else default_registry(),
            stage_file=str(context.get("stage_file") or f"config/{stage_name}.yaml"),
        )


def foreign_arn_message(arn: str, stage: StageConfig, *, or_role_names: bool = True) -> str | None:
    """Why a role ARN cannot be a principal of this stage (another account or partition), or
    None. `or_role_names`: the list it is in has a role_names sibling to suggest."""
    partition, account, role = parse_role_arn(arn)
    if account != stage.account:
        return (
            f"role ARN {arn!r} is in account {account}, not the stage account {stage.account}; "
            "the catalog only associates roles of its own account: use "
            f"arn:{stage.partition}:iam::{stage.account}:role/{role}"
            + (" or list it under role_names" if or_role_names else "")
        )
    if partition != stage.partition:
        return (
            f"role ARN {arn!r} is in partition {partition!r}; region {stage.region} is in "
            f"partition {stage.partition!r}"
        )
    return None


# A rule: (the value of the field it checks, what was validated before) -> violations, located
# relative to that field.
Rule = Callable[[Any, Checked], list[Violation]]
