"""`products:` which versions of which products a stage publishes, and the product registry
those names come from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Protocol

from pydantic import BaseModel, Field

from config.types import STRICT, unique


class ProductDefinitionLike(Protocol):
    @property
    def version_names(self) -> tuple[str, ...]: ...


# Product key -> definition; tests pass a fake one through the validation context.
ProductRegistry = Mapping[str, ProductDefinitionLike]


def default_registry() -> ProductRegistry:
    from products.registry import PRODUCTS  # pure Python, no CDK

    return PRODUCTS


class ProductPublication(BaseModel):
    """Which versions of one product this stage publishes."""

    model_config = STRICT

    versions: Annotated[list[str], unique("version")] = Field(
        min_length=1,
        description="Published versions in order, named in products/<package>/definition.py.",
    )
