"""The private-bucket product (products/private_bucket/); the bucket itself, shared with the
Synapse bucket, is tested in tests/infrastructure/test_storage.py."""

from typing import Any

import pytest

from products.private_bucket.definition import DEFINITION
from tests.synth import SynthesizedStage


@pytest.fixture
def product(synthesized: dict[str, SynthesizedStage]) -> dict[str, Any]:
    return synthesized["dev"].products[DEFINITION.key]


def test_outputs(product: dict[str, Any]) -> None:
    assert set(product["Outputs"]) == {"BucketName", "BucketARN", "BucketUrl", "Documentation"}
