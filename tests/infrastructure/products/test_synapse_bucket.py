"""The Synapse-bucket product (products/synapse_bucket/): its Synapse IDs and registration
steps; the bucket itself, shared with the private bucket, is tested in
tests/infrastructure/test_storage.py."""

import re
from typing import Any

import pytest

from products.synapse_bucket.definition import DEFINITION
from products.synapse_bucket.form import SYNAPSE_IDS
from tests.synth import SynthesizedStage


@pytest.fixture
def product(synthesized: dict[str, SynthesizedStage]) -> dict[str, Any]:
    return synthesized["dev"].products[DEFINITION.key]


def test_outputs(product: dict[str, Any]) -> None:
    assert set(product["Outputs"]) == {
        "BucketName",
        "BucketARN",
        "BucketUrl",
        "Documentation",
        "SynapseRegistration",
    }


@pytest.mark.parametrize(
    ("ids", "valid"),
    [
        ("3345678", True),
        ("3345678,3412345", True),
        ("", False),
        ("alice", False),
        ("3345678, 3412345", False),
        ("3345678,,3412345", False),
        (",".join(["1"] * 21), False),
    ],
)
def test_synapse_ids_validation(ids: str, valid: bool) -> None:
    assert SYNAPSE_IDS.allowed_pattern is not None
    assert bool(re.fullmatch(SYNAPSE_IDS.allowed_pattern, ids)) is valid
