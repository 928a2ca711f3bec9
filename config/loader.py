"""Load, merge and validate the per-stage catalog configuration.

    config = load_config("prod")       # config/base.yaml deep-merged with config/prod.yaml

`config/base.yaml` holds what every stage shares; `config/<stage>.yaml` holds the stage's own
settings and may override any base key. Mappings merge key by key, recursively; lists and
scalars from the stage file replace the base value.

Every problem is reported at once in one `ConfigError`, one per line, as

    config/dev.yaml:14: communities.neuro.principals.role_arns[0]: <what is wrong and allowed>

The file is the one that set the offending key (the stage file when the key path is in it,
otherwise base.yaml); the line is where the key is (or its parent, for a missing key).

Pure Python: importing this module must not import aws_cdk.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from config.errors import ConfigError, ConfigProblem
from config.messages import problem
from config.models import DEFAULT_STAGE, INJECTED_FIELDS, CatalogConfig
from config.rules import FILE_RULES, STAGE_RULES
from config.rules.stages import StageFiles
from config.sections.products import ProductRegistry, default_registry
from config.types import STAGE_NAME_RE
from config.yaml_source import (
    BASE_FILE,
    CONFIG_DIR,
    Document,
    available_stages,
    deep_merge,
    display,
    read_document,
)

BASE_STAGE = "base"

# Top-level keys that span stages: only base.yaml may set them.
BASE_ONLY_KEYS = frozenset({"delivery", "stage_order"})


def load_config(
    stage: str | None = None,
    config_dir: Path = CONFIG_DIR,
    *,
    registry: ProductRegistry | None = None,
) -> CatalogConfig:
    """Load base.yaml deep-merged with <stage>.yaml (stage None means 'dev') and validate it.

    `registry` defaults to products.registry.PRODUCTS. Raises ConfigError listing every
    problem.
    """
    config_dir = Path(config_dir)
    stage_name = DEFAULT_STAGE if stage is None else stage
    _check_stage_exists(stage_name, config_dir)
    files = _read_stage(stage_name, config_dir)

    merged = deep_merge(files.base.data, files.staged.data)
    merged["stage_name"] = stage_name
    context = {
        "registry": registry if registry is not None else default_registry(),
        "stage_file": files.staged.file,
    }
    early = [found for rule in FILE_RULES for found in rule(files)]
    try:
        config = CatalogConfig.model_validate(merged, context=context)
    except ValidationError as exc:
        found = early + [problem(error, merged, files.base, files.staged) for error in exc.errors()]
        # base.yaml first, then the stage file, each in line order.
        found.sort(key=lambda p: (p.file != files.base.file, p.line or 0))
        raise ConfigError(found) from None
    if early:
        raise ConfigError(early)
    for rule in STAGE_RULES:
        if problems := rule(config, files):
            raise ConfigError(problems)
    return config


def _check_stage_exists(stage_name: str, config_dir: Path) -> None:
    stage_path = config_dir / f"{stage_name}.yaml"
    if stage_name == BASE_STAGE:
        reason = f"{display(config_dir / BASE_FILE, config_dir)} holds what every stage shares"
    elif not STAGE_NAME_RE.fullmatch(stage_name):
        reason = f"stage names must match {STAGE_NAME_RE.pattern}"
    elif not stage_path.is_file():
        reason = f"no {display(stage_path, config_dir)}"
    else:
        return
    stages = ", ".join(available_stages(config_dir)) or "(none)"
    raise ConfigError(
        [ConfigProblem("", f"unknown stage {stage_name!r}: {reason}; available stages: {stages}")]
    )


def _read_stage(stage_name: str, config_dir: Path) -> StageFiles:
    """base.yaml and the stage file, read; every problem of either is raised at once."""
    base_path = config_dir / BASE_FILE
    base, base_problems = read_document(base_path, config_dir)
    staged, stage_problems = read_document(config_dir / f"{stage_name}.yaml", config_dir)
    problems = base_problems + stage_problems
    for document in (base, staged):
        if document is not None:
            problems += _keys_not_allowed(
                document, INJECTED_FIELDS, "is set from the stage file name; remove it"
            )
    if staged is not None:
        problems += _keys_not_allowed(
            staged,
            BASE_ONLY_KEYS,
            f"spans every stage; set it in {display(base_path, config_dir)} instead",
        )
    if problems or base is None or staged is None:
        raise ConfigError(problems)
    return StageFiles(base, staged, config_dir)


def _keys_not_allowed(document: Document, keys: frozenset[str], why: str) -> list[ConfigProblem]:
    return [
        ConfigProblem(document.file, f"'{key}' {why}", key=key, line=document.positions.get((key,)))
        for key in sorted(keys & document.data.keys())
    ]
