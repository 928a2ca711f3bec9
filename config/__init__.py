"""Typed per-stage configuration of the research service catalog.

    from config import load_config
    cfg = load_config("dev")   # config/base.yaml + config/dev.yaml, validated and frozen

Pure Python (pydantic + PyYAML): importing it never imports aws_cdk.
"""

from config.errors import ConfigError, ConfigProblem
from config.loader import load_config
from config.models import DEFAULT_STAGE, CatalogConfig
from config.sections.catalog import CatalogMetadata
from config.sections.communities import Community, Principals
from config.sections.network import CreateVpcNetwork, ExistingNetwork
from config.sections.operators import OperatorsConfig
from config.sections.products import ProductPublication
from config.sections.stage import StageConfig
from config.sections.storage import StorageConfig
from config.yaml_source import (
    CONFIG_DIR,
    DuplicateKeyError,
    StrictYamlLoader,
    available_stages,
    deep_merge,
)

__all__ = [
    "CONFIG_DIR",
    "DEFAULT_STAGE",
    "CatalogConfig",
    "CatalogMetadata",
    "Community",
    "ConfigError",
    "ConfigProblem",
    "CreateVpcNetwork",
    "DuplicateKeyError",
    "ExistingNetwork",
    "OperatorsConfig",
    "Principals",
    "ProductPublication",
    "StageConfig",
    "StorageConfig",
    "StrictYamlLoader",
    "available_stages",
    "deep_merge",
    "load_config",
]
