"""Typed per-stage configuration of the research service catalog.

    from config import load_config
    cfg = load_config("dev")   # config/base.yaml + config/dev.yaml, validated and frozen

Pure Python (pydantic + PyYAML): importing it never imports aws_cdk.
"""

from config.loader import (
    CONFIG_DIR,
    ConfigError,
    ConfigProblem,
    DuplicateKeyError,
    StrictYamlLoader,
    available_stages,
    deep_merge,
    load_config,
)
from config.models import (
    DEFAULT_STAGE,
    CatalogConfig,
    CatalogMetadata,
    Community,
    CreateVpcNetwork,
    ExistingNetwork,
    OperatorsConfig,
    Principals,
    ProductPublication,
    StageConfig,
    StorageConfig,
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
