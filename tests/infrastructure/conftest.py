"""Fixtures of the infrastructure tests (the synthesized stages come from tests/conftest.py)."""

import shutil
from collections.abc import Iterator
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


@pytest.fixture(scope="session", autouse=True)
def private_snapshot_directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Each test worker locks product versions against its own copy of the committed snapshots.

    ProductStackHistory compares the current version's template with its snapshot and then
    rewrites the file on every synth (aws-cdk-lib 2.275, ``_writeTemplateToSnapshot``), so a
    worker reading it while another rewrites it saw a half-written file and failed the lock.
    The copy holds the committed files, so a changed released template still fails here.
    """
    import stacks.catalog_stack

    copy = tmp_path_factory.mktemp("product-stack-snapshots")
    shutil.copytree(stacks.catalog_stack.SNAPSHOT_DIRECTORY, copy, dirs_exist_ok=True)
    patch = pytest.MonkeyPatch()
    patch.setattr(stacks.catalog_stack, "SNAPSHOT_DIRECTORY", copy)
    yield
    patch.undo()
