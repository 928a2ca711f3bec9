"""config.models: the root CatalogConfig and what every section model has in common."""

from __future__ import annotations

import importlib
import pkgutil

import pydantic
import pytest
import yaml

import config.models
import config.sections
from config import (
    CatalogConfig,
    load_config,
)
from tests.synth import EXAMPLE_CONFIG_DIR
from tests.unit.config.example_configs import (
    BASE,
    DEV,
    FAKE_REGISTRY,
)


def test_config_is_frozen() -> None:
    config = load_config("dev", EXAMPLE_CONFIG_DIR)
    with pytest.raises(pydantic.ValidationError):
        config.stage_name = "prod"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        config.stage.account = "999999999999"  # type: ignore[misc]


def test_every_model_field_is_described() -> None:
    modules = [config.models] + [
        importlib.import_module(f"config.sections.{info.name}")
        for info in pkgutil.iter_modules(config.sections.__path__)
    ]
    models = [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, pydantic.BaseModel)
        and value.__module__ == module.__name__
    ]
    assert len(models) >= 9
    for model in models:
        assert model.model_config.get("extra") == "forbid", model
        assert model.model_config.get("frozen") is True, model
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"


def test_models_validate_directly_with_a_fake_registry() -> None:
    data = yaml.safe_load(BASE) | yaml.safe_load(DEV) | {"stage_name": "dev"}
    data["products"]["rstudio"] = {"versions": ["v1"]}

    config = CatalogConfig.model_validate(data, context={"registry": FAKE_REGISTRY})
    assert config.published_versions("rstudio") == ("v1",)

    with pytest.raises(pydantic.ValidationError, match="unknown product 'rstudio'"):
        CatalogConfig.model_validate(
            data, context={"registry": {"linux-docker": FAKE_REGISTRY["linux-docker"]}}
        )
