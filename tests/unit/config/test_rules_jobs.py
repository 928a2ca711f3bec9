"""config.rules.jobs: the jobs section names communities that run scheduled jobs."""

from __future__ import annotations

import pydantic
import pytest
import yaml

from config import CatalogConfig
from tests.unit.config.example_configs import BASE, DEV, FAKE_REGISTRY, product_definition

REGISTRY = {**FAKE_REGISTRY, "scheduled-job": product_definition("scheduled-job", "v1")}


def _stage(jobs: dict) -> dict:
    data = yaml.safe_load(BASE) | yaml.safe_load(DEV) | {"stage_name": "dev"}
    data["products"]["scheduled-job"] = {"versions": ["v1"]}
    data["communities"]["bio"]["products"] = ["linux-docker", "scheduled-job"]
    data["jobs"] = jobs
    return data


def test_weights_and_legacy_queues_name_job_communities() -> None:
    config = CatalogConfig.model_validate(
        _stage({"weights": {"bio": 0.5}, "legacy_queues": ["bio"]}),
        context={"registry": REGISTRY},
    )
    assert config.jobs.weights == {"bio": 0.5}
    with pytest.raises(pydantic.ValidationError) as error:
        CatalogConfig.model_validate(
            _stage({"weights": {"challenge": 2}}), context={"registry": REGISTRY}
        )
    (problem,) = error.value.errors()
    assert problem["loc"] == ("jobs", "weights")
    assert problem["msg"] == (
        "'challenge' is not a community of this stage that lists 'scheduled-job'; allowed: bio"
    )


def test_weight_out_of_batch_range() -> None:
    with pytest.raises(pydantic.ValidationError) as error:
        CatalogConfig.model_validate(
            _stage({"weights": {"bio": 0}}), context={"registry": REGISTRY}
        )
    assert error.value.errors()[0]["loc"] == ("jobs", "weights", "bio")
