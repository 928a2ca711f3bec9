"""Fixtures of the infrastructure tests (the synthesized stages come from tests/conftest.py)."""

from typing import Any

import pytest

from products.registry import PRODUCTS
from tests.synth import SynthesizedStage

# The products built on the Workstation construct: the EC2 family.
WORKSTATION_PRODUCTS = [key for key, definition in PRODUCTS.items() if definition.family == "ec2"]


@pytest.fixture(params=WORKSTATION_PRODUCTS)
def workstation_product(
    request: pytest.FixtureRequest, synthesized: dict[str, SynthesizedStage]
) -> dict[str, Any]:
    """The dev template of each workstation product in turn."""
    return synthesized["dev"].products[request.param]
