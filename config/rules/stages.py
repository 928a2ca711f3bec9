"""Rules that compare a validated stage with the other stage files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from config.errors import ConfigProblem, did_you_mean
from config.yaml_source import (
    Document,
    available_stages,
    deep_merge,
    display,
    read_document,
    render_key,
)

if TYPE_CHECKING:
    from config.models import CatalogConfig


@dataclass(frozen=True)
class StageFiles:
    """The files a validated stage was read from, and the directory of the other stages."""

    base: Document
    staged: Document
    config_dir: Path

    @property
    def stage_name(self) -> str:
        return Path(self.staged.file).stem


def stage_target_not_shared(files: StageFiles) -> list[ConfigProblem]:
    """One stage per account and region: product templates find the shared stack by fixed SSM
    parameter and function names, so two stages there would overwrite each other's. Read from
    the files as written, so it is reported together with any other problem of the stage."""
    stage = deep_merge(files.base.data, files.staged.data).get("stage")
    if not isinstance(stage, dict) or "account" not in stage or "region" not in stage:
        return []
    target = (str(stage["account"]), str(stage["region"]))
    for other in available_stages(files.config_dir):
        if other == files.stage_name:
            continue
        other_path = files.config_dir / f"{other}.yaml"
        document, problems = read_document(other_path, files.config_dir)
        if document is None or problems:
            continue
        other_stage = document.data.get("stage")
        if not isinstance(other_stage, dict):
            continue
        if (str(other_stage.get("account")), str(other_stage.get("region"))) == target:
            return [
                ConfigProblem(
                    files.staged.file,
                    f"account {target[0]} and region {target[1]} are already the target of "
                    f"stage '{other}' ({display(other_path, files.config_dir)}); "
                    "allowed: one catalog stage per account and region",
                    key="stage",
                    line=files.staged.positions.get(("stage",)),
                )
            ]
    return []


def stage_order_lists_every_stage(config: CatalogConfig, files: StageFiles) -> list[ConfigProblem]:
    """stage_order names every stage file once, and only those: the promotion rule needs the
    place of each stage, with or without a pipeline. Optional with a single stage."""
    stages = available_stages(files.config_dir)
    order = config.stage_order
    if order is None:
        if len(stages) < 2:
            return []
        return [
            ConfigProblem(
                files.base.file,
                "missing required key 'stage_order' (there is more than one stage): list every "
                "stage once, in promotion order, e.g. stage_order: [dev, prod]; a stage may "
                "only publish product versions the stage before it publishes; allowed stages: "
                f"{', '.join(stages)}",
                key="stage_order",
            )
        ]
    problems = [
        ConfigProblem(
            files.base.file,
            f"no stage {name!r} (no {display(files.config_dir / f'{name}.yaml', files.config_dir)})"
            f"{did_you_mean(name, stages)}; allowed: {', '.join(stages)}",
            key=render_key(("stage_order", index)),
            line=files.base.positions.get(("stage_order", index)),
        )
        for index, name in enumerate(order)
        if name not in stages
    ]
    problems += [
        ConfigProblem(
            files.base.file,
            f"stage {name!r} ({display(files.config_dir / f'{name}.yaml', files.config_dir)}) is "
            "not in stage_order: it would publish versions no stage before it tested; allowed: "
            "list every stage once, in promotion order",
            key="stage_order",
            line=files.base.positions.get(("stage_order",)),
        )
        for name in stages
        if name not in order
    ]
    return problems


def versions_promoted_in_order(config: CatalogConfig, files: StageFiles) -> list[ConfigProblem]:
    """A stage publishes only versions the stage before it in stage_order publishes: a version
    reaches prod only after dev had it."""
    order = config.stages_in_order()
    if config.stage_name not in order:
        return []
    position = order.index(config.stage_name)
    if position == 0:
        return []
    previous = order[position - 1]
    previous_path = files.config_dir / f"{previous}.yaml"
    document, read_problems = read_document(previous_path, files.config_dir)
    if document is None:
        return read_problems
    allowed_by_product = _published_versions(deep_merge(files.base.data, document.data))
    previous_file = display(previous_path, files.config_dir)
    problems: list[ConfigProblem] = []
    for key, publication in config.products.items():
        allowed = allowed_by_product.get(key, [])
        for index, version in enumerate(publication.versions):
            if version in allowed:
                continue
            path = ("products", key, "versions", index)
            owner = files.staged if files.staged.has(path) else files.base
            problems.append(
                ConfigProblem(
                    owner.file,
                    f"version {version!r} of product {key!r} is not published in stage "
                    f"{previous!r} ({previous_file}), which comes before {config.stage_name!r} "
                    "in stage_order: publish and test it there first; allowed: "
                    f"{', '.join(allowed) or '(none: the product is not published there)'}",
                    key=render_key(path),
                    line=owner.line(path),
                )
            )
    return problems


def _published_versions(data: dict[str, Any]) -> dict[str, list[str]]:
    """Product key -> versions of unvalidated (merged) stage data, as far as it is readable."""
    products = data.get("products")
    if not isinstance(products, dict):
        return {}
    allowed: dict[str, list[str]] = {}
    for key, publication in products.items():
        versions = publication.get("versions") if isinstance(publication, dict) else None
        allowed[key] = [str(v) for v in versions or []]
    return allowed


StageRule = Callable[["CatalogConfig", StageFiles], list[ConfigProblem]]
FileRule = Callable[[StageFiles], list[ConfigProblem]]
