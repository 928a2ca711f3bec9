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

import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from config.models import (
    DEFAULT_STAGE,
    INJECTED_FIELDS,
    NETWORK_DISCRIMINATOR,
    STAGE_NAME_RE,
    CatalogConfig,
    ProductRegistry,
    default_registry,
    did_you_mean,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO_ROOT / "config"
BASE_FILE = "base.yaml"
BASE_STAGE = "base"

# Top-level keys that span stages: only base.yaml may set them.
BASE_ONLY_KEYS = frozenset({"delivery"})

# Top-level keys that belong in the stage file: a missing one is reported against it.
PER_STAGE_KEYS = frozenset({"stage", "network", "communities", "spokes"})

Path_ = tuple[str | int, ...]


# --------------------------------------------------------------------------------------------
# errors


@dataclass(frozen=True)
class ConfigProblem:
    """One configuration problem: where (file, line, dotted key) and what."""

    file: str
    message: str
    key: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [part for part in (where, self.key, self.message) if part]
        return ": ".join(parts)


class ConfigError(Exception):
    """Invalid configuration. The message lists every problem, one per line."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


# --------------------------------------------------------------------------------------------
# YAML


class DuplicateKeyError(yaml.YAMLError):
    """A mapping defines the same key twice (PyYAML would silently keep the last)."""

    def __init__(self, duplicates: Sequence[tuple[str, int, int]]) -> None:
        self.duplicates = tuple(duplicates)  # (dotted key, line, first line)
        super().__init__(
            "\n".join(
                f"line {line}: duplicate key {key} (first defined at line {first})"
                for key, line, first in self.duplicates
            )
        )


class StrictYamlLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys and records where every key is.

    `positions` maps each key path (as tuples like ("communities", "x", "products", 0)) to
    its 1-based line. Duplicate keys raise DuplicateKeyError listing all of them.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.positions: dict[Path_, int] = {}
        self.duplicate_keys: list[tuple[str, int, int]] = []
        self._path: list[str | int] = []

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if parent is None or (isinstance(parent, yaml.MappingNode) and index is None):
            return super().compose_node(parent, index)  # the document root, or a mapping key
        if isinstance(index, yaml.Node):  # a mapping value; index is its key node
            segment: str | int = index.value if isinstance(index, yaml.ScalarNode) else "?"
            line = index.start_mark.line + 1
        else:  # a sequence item; index is its position
            segment = index
            line = -1
        self._path.append(segment)
        try:
            node = super().compose_node(parent, index)
        finally:
            path = tuple(self._path)
            self._path.pop()
        if line < 0 and node is not None:
            line = node.start_mark.line + 1
        self.positions.setdefault(path, line)
        return node

    def compose_mapping_node(self, anchor: Any) -> yaml.MappingNode:
        node: yaml.MappingNode = super().compose_mapping_node(anchor)
        first_seen: dict[tuple[str, str], int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            line = key_node.start_mark.line + 1
            identity = (key_node.tag, key_node.value)
            if identity in first_seen:
                key = render_key((*self._path, key_node.value))
                self.duplicate_keys.append((f"'{key}'", line, first_seen[identity]))
            else:
                first_seen[identity] = line
        return node

    def get_single_data(self) -> Any:
        data = super().get_single_data()
        if self.duplicate_keys:
            raise DuplicateKeyError(self.duplicate_keys)
        return data


@dataclass(frozen=True)
class _Document:
    file: str  # as shown in messages, e.g. config/dev.yaml
    data: dict[str, Any]
    positions: dict[Path_, int]


def _display(path: Path, config_dir: Path) -> str:
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return f"{config_dir.name}/{path.name}"


def _read_yaml(path: Path, config_dir: Path) -> tuple[_Document | None, list[ConfigProblem]]:
    file = _display(path, config_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, [ConfigProblem(file, f"cannot read file: {exc.strerror or exc}")]
    loader = StrictYamlLoader(text)
    try:
        data = loader.get_single_data()
    except DuplicateKeyError as exc:
        return None, [
            ConfigProblem(
                file,
                f"duplicate key {key} (first defined at line {first}); "
                "each key may appear once per mapping",
                line=line,
            )
            for key, line, first in exc.duplicates
        ]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = "; ".join(str(part) for part in (exc.context, exc.problem) if part)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        return None, [
            ConfigProblem(
                file, f"invalid YAML: {detail}{where}", line=mark.line + 1 if mark else None
            )
        ]
    except yaml.YAMLError as exc:
        return None, [ConfigProblem(file, f"invalid YAML: {exc}")]
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return None, [
            ConfigProblem(
                file,
                f"the top level must be a mapping of keys (like 'catalog:'), "
                f"not a {_type_name(data)}",
                line=1,
            )
        ]
    return _Document(file, data, loader.positions), []


# --------------------------------------------------------------------------------------------
# merging


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """A new dict: `override` over `base`. Mappings merge recursively key by key; lists,
    scalars and null from `override` replace the base value. Inputs are not modified."""
    merged: dict[str, Any] = {key: _copy(value) for key, value in base.items()}
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = _copy(value)
    return merged


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


# --------------------------------------------------------------------------------------------
# public API


def available_stages(config_dir: Path = CONFIG_DIR) -> list[str]:
    """Every stage with a <name>.yaml in config_dir (base.yaml is not a stage), sorted."""
    return sorted(
        path.stem
        for path in Path(config_dir).glob("*.yaml")
        if path.name != BASE_FILE and path.is_file()
    )


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
    stage_path = config_dir / f"{stage_name}.yaml"
    base_path = config_dir / BASE_FILE

    if (
        stage_name == BASE_STAGE
        or not STAGE_NAME_RE.fullmatch(stage_name)
        or (not stage_path.is_file())
    ):
        stages = ", ".join(available_stages(config_dir)) or "(none)"
        if stage_name == BASE_STAGE:
            reason = f"{_display(base_path, config_dir)} holds what every stage shares"
        elif not STAGE_NAME_RE.fullmatch(stage_name):
            reason = f"stage names must match {STAGE_NAME_RE.pattern}"
        else:
            reason = f"no {_display(stage_path, config_dir)}"
        raise ConfigError(
            [
                ConfigProblem(
                    "", f"unknown stage {stage_name!r}: {reason}; available stages: {stages}"
                )
            ]
        )

    base, base_problems = _read_yaml(base_path, config_dir)
    staged, stage_problems = _read_yaml(stage_path, config_dir)
    problems = base_problems + stage_problems
    for document in (base, staged):
        if document is None:
            continue
        for key in sorted(INJECTED_FIELDS & document.data.keys()):
            problems.append(
                ConfigProblem(
                    document.file,
                    f"'{key}' is set from the stage file name; remove it",
                    key=key,
                    line=document.positions.get((key,)),
                )
            )
    if staged is not None:
        for key in sorted(BASE_ONLY_KEYS & staged.data.keys()):
            problems.append(
                ConfigProblem(
                    staged.file,
                    f"'{key}' spans every stage; set it in {_display(base_path, config_dir)} "
                    "instead",
                    key=key,
                    line=staged.positions.get((key,)),
                )
            )
    if problems or base is None or staged is None:
        raise ConfigError(problems)

    merged = deep_merge(base.data, staged.data)
    merged["stage_name"] = stage_name
    context = {
        "registry": registry if registry is not None else default_registry(),
        "stage_file": staged.file,
    }
    try:
        config = CatalogConfig.model_validate(merged, context=context)
    except ValidationError as exc:
        found = [_problem(error, merged, base, staged) for error in exc.errors()]
        # base.yaml first, then the stage file, each in line order.
        found.sort(key=lambda p: (p.file != base.file, p.line or 0))
        raise ConfigError(found) from None
    _check_target_is_not_shared(config, staged, config_dir)
    _check_delivery(config, base, staged, config_dir)
    return config


def _check_delivery(
    config: CatalogConfig, base: _Document, staged: _Document, config_dir: Path
) -> None:
    """The pipeline's stages exist, and a stage publishes only versions the stage before it
    in ``delivery.stage_order`` publishes: a version reaches prod only after dev had it."""
    delivery = config.delivery
    if delivery is None:
        return
    stages = available_stages(config_dir)
    problems = [
        ConfigProblem(
            base.file,
            f"no stage {name!r} (no {_display(config_dir / f'{name}.yaml', config_dir)})"
            f"{did_you_mean(name, stages)}; allowed: {', '.join(stages)}",
            key=render_key(("delivery", "stage_order", index)),
            line=base.positions.get(("delivery", "stage_order", index)),
        )
        for index, name in enumerate(delivery.stage_order)
        if name not in stages
    ]
    if problems:
        raise ConfigError(problems)
    if config.stage_name not in delivery.stage_order:
        return
    position = delivery.stage_order.index(config.stage_name)
    if position == 0:
        return
    previous = delivery.stage_order[position - 1]
    previous_path = config_dir / f"{previous}.yaml"
    document, read_problems = _read_yaml(previous_path, config_dir)
    if document is None:
        raise ConfigError(read_problems)
    previous_products = deep_merge(base.data, document.data).get("products")
    allowed_by_product: dict[str, list[str]] = {}
    if isinstance(previous_products, dict):
        for key, publication in previous_products.items():
            versions = publication.get("versions") if isinstance(publication, dict) else None
            allowed_by_product[key] = [str(v) for v in versions or []]
    previous_file = _display(previous_path, config_dir)
    for key, publication in config.products.items():
        allowed = allowed_by_product.get(key, [])
        for index, version in enumerate(publication.versions):
            if version in allowed:
                continue
            path = ("products", key, "versions", index)
            document_ = staged if _exists(staged.data, path) else base
            problems.append(
                ConfigProblem(
                    document_.file,
                    f"version {version!r} of product {key!r} is not published in stage "
                    f"{previous!r} ({previous_file}), which comes before {config.stage_name!r} "
                    "in delivery.stage_order: publish and test it there first; allowed: "
                    f"{', '.join(allowed) or '(none: the product is not published there)'}",
                    key=render_key(path),
                    line=_line(document_, path),
                )
            )
    if problems:
        raise ConfigError(problems)


def _check_target_is_not_shared(config: CatalogConfig, staged: _Document, config_dir: Path) -> None:
    """Product templates find the shared stack by fixed SSM parameter and function names, so
    two stages in one account and region would overwrite each other's."""
    target = (config.stage.account, config.stage.region)
    for other in available_stages(config_dir):
        if other == config.stage_name:
            continue
        document, problems = _read_yaml(config_dir / f"{other}.yaml", config_dir)
        if document is None or problems:
            continue
        other_stage = document.data.get("stage")
        if not isinstance(other_stage, dict):
            continue
        if (str(other_stage.get("account")), str(other_stage.get("region"))) == target:
            raise ConfigError(
                [
                    ConfigProblem(
                        staged.file,
                        f"account {target[0]} and region {target[1]} are already the target of "
                        f"stage '{other}' ({_display(config_dir / f'{other}.yaml', config_dir)}); "
                        "allowed: one catalog stage per account and region",
                        key="stage",
                        line=staged.positions.get(("stage",)),
                    )
                ]
            )


# --------------------------------------------------------------------------------------------
# turning pydantic errors into readable problems


def _problem(
    error: Any, merged: dict[str, Any], base: _Document, staged: _Document
) -> ConfigProblem:
    loc: Path_ = tuple(error["loc"])
    kind: str = error["type"]
    data_path = _data_path(loc, merged)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        data_path = (*data_path, NETWORK_DISCRIMINATOR)

    document = _owner(data_path, kind, base, staged)
    line = _line(document, data_path)
    message = _message(kind, error, loc, data_path)
    return ConfigProblem(document.file, message, key=render_key(data_path), line=line)


def _data_path(loc: Path_, merged: dict[str, Any]) -> Path_:
    """The key path in the YAML data: pydantic's loc without union tags and '[key]' markers."""
    path: list[str | int] = []
    node: Any = merged
    for segment in loc:
        if segment == "[key]":
            continue
        if (
            isinstance(node, dict)
            and isinstance(segment, str)
            and segment not in node
            and node.get(NETWORK_DISCRIMINATOR) == segment
        ):
            continue  # the tag pydantic adds for a discriminated union member
        path.append(segment)
        node = _child(node, segment)
    return tuple(path)


_MISSING = object()


def _child(node: Any, segment: str | int) -> Any:
    if isinstance(node, dict) and segment in node:
        return node[segment]
    if isinstance(node, list) and isinstance(segment, int) and 0 <= segment < len(node):
        return node[segment]
    return _MISSING


def _exists(data: Any, path: Path_) -> bool:
    node = data
    for segment in path:
        node = _child(node, segment)
        if node is _MISSING:
            return False
    return True


def _owner(path: Path_, kind: str, base: _Document, staged: _Document) -> _Document:
    """The document that set the key: the stage file if the path is in it, else base."""
    if _exists(staged.data, path):
        return staged
    if _exists(base.data, path):
        return base
    # The key is absent (missing required key): blame the file holding its parent.
    parent = path[:-1]
    if parent and _exists(staged.data, parent):
        return staged
    if not parent and path and path[0] in PER_STAGE_KEYS:
        return staged
    if parent and _exists(base.data, parent):
        return base
    return staged if path and path[0] in PER_STAGE_KEYS else base


def _line(document: _Document, path: Path_) -> int | None:
    for end in range(len(path), 0, -1):
        line = document.positions.get(path[:end])
        if line is not None:
            return line
    return None


_SIMPLE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def render_key(path: Sequence[str | int]) -> str:
    """Dotted key: communities.neuro.principals.role_arns[0]; odd keys as tags["aws:x"]."""
    out = ""
    for segment in path:
        if isinstance(segment, int) and not isinstance(segment, bool):
            out += f"[{segment}]"
        elif not isinstance(segment, str):
            out += f"[{_show(segment)}]"
        elif _SIMPLE_KEY.fullmatch(segment):
            out += f".{segment}" if out else segment
        else:
            out += f'["{segment}"]'
    return out


_TYPE_NAMES = {
    "string_type": "a string",
    "int_type": "an integer",
    "bool_type": "true or false",
    "float_type": "a number",
    "list_type": "a list",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
}


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, list | tuple):
        return "list"
    return type(value).__name__


def _show(value: Any) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    else:
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _message(kind: str, error: Any, loc: Path_, data_path: Path_) -> str:
    ctx: dict[str, Any] = error.get("ctx") or {}
    value = error.get("input")
    resolved = _resolve(loc)
    last = data_path[-1] if data_path else ""

    if kind == "missing":
        description = (resolved.field.description or "") if resolved.field else ""
        if description[1:2].islower():
            description = description[0].lower() + description[1:]
        description = description.rstrip(".")
        return f"missing required key '{last}'" + (f" ({description})" if description else "")
    if kind == "extra_forbidden":
        return _unknown_key_message(str(last), loc)
    if kind == "union_tag_invalid":
        tags = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected_tags", ""))))
        return f"got {_show(ctx.get('tag'))}; allowed values: {tags}"
    if kind == "union_tag_not_found":
        tags = ", ".join(_union_tags(resolved.annotation))
        return f"missing required key '{NETWORK_DISCRIMINATOR}'; allowed values: {tags}"
    if kind == "literal_error":
        expected = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        return f"got {_show(value)}; allowed values: {expected or ctx.get('expected')}"
    if kind in _TYPE_NAMES:
        message = f"expected {_TYPE_NAMES[kind]}, got {_type_name(value)} {_show(value)}"
        if kind == "string_type" and isinstance(value, bool):
            message += "; quote it: YAML reads yes/no/on/off/true/false as booleans"
        elif kind == "string_type" and isinstance(value, int | float):
            message += "; quote it to make it a string"
        return message
    if kind in ("string_too_short", "string_too_long"):
        allowed = _range(resolved.metadata, ctx, "min_length", "max_length")
        return f"got {len(value)} characters; allowed: {allowed} characters"
    if kind in ("too_short", "too_long"):
        allowed = _range(resolved.metadata, ctx, "min_length", "max_length")
        count = len(value) if hasattr(value, "__len__") else ctx.get("actual_length")
        if count == 0:
            return f"must not be empty; allowed: {allowed} entries".replace(
                "at least 1 entries", "at least 1 entry"
            )
        return f"has {count} entries; allowed: {allowed} entries"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        allowed = _range(resolved.metadata, ctx, "ge", "le")
        return f"got {_show(value)}; allowed range: {allowed}"
    if kind == "string_pattern_mismatch":
        return f"got {_show(value)}; must match {ctx.get('pattern')}"
    message = str(error.get("msg", ""))
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if kind in ("config_invalid", "value_error", "assertion_error"):
        return message
    return f"{message} (got {_show(value)})"


def _range(metadata: Sequence[Any], ctx: Mapping[str, Any], low_name: str, high_name: str) -> str:
    low = ctx.get(low_name)
    high = ctx.get(high_name)
    for item in metadata:
        low = getattr(item, low_name, None) if low is None else low
        high = getattr(item, high_name, None) if high is None else high
    if low is not None and high is not None:
        return f"{low}..{high}"
    if low is not None:
        return f"at least {low}"
    return f"at most {high}"


def _unknown_key_message(key: str, loc: Path_) -> str:
    parent = _resolve(loc[:-1])
    model = parent.model_type
    if model is None:
        return f"unknown key {key!r}"
    allowed = [name for name in model.model_fields if name not in INJECTED_FIELDS]
    message = f"unknown key {key!r}{did_you_mean(key, allowed)}; allowed keys: {', '.join(allowed)}"
    if parent.tag is not None:
        owners = [
            _literal_value(other.model_fields[NETWORK_DISCRIMINATOR].annotation)
            for other in parent.alternatives
            if key in other.model_fields
        ]
        hint = did_you_mean(key, allowed) if not owners else ""
        message = (
            f"unknown key {key!r} for {NETWORK_DISCRIMINATOR} {parent.tag!r}{hint}; "
            f"allowed keys: {', '.join(allowed)}"
        )
        if owners:
            message += f" ({key!r} belongs to {NETWORK_DISCRIMINATOR} {owners[0]!r})"
    return message


# ---- walking the model types along a pydantic loc


@dataclass
class _Resolved:
    annotation: Any = None
    field: FieldInfo | None = None
    metadata: tuple[Any, ...] = ()
    tag: str | None = None  # the union tag, when the value is a discriminated-union member
    alternatives: tuple[type[BaseModel], ...] = ()

    @property
    def model_type(self) -> type[BaseModel] | None:
        annotation = _strip(self.annotation)[0]
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation
        return None


def _strip(annotation: Any) -> tuple[Any, tuple[Any, ...]]:
    """Remove Annotated (keeping its metadata) and Optional."""
    metadata: tuple[Any, ...] = ()
    while True:
        if typing.get_origin(annotation) is typing.Annotated:
            metadata += tuple(annotation.__metadata__)
            annotation = typing.get_args(annotation)[0]
            continue
        members = _union_members(annotation)
        non_none = [member for member in members if member is not type(None)]
        if members and len(non_none) == 1:
            annotation = non_none[0]
            continue
        return annotation, metadata


def _union_members(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return ()


def _literal_value(annotation: Any) -> Any:
    args = typing.get_args(_strip(annotation)[0])
    return args[0] if args else None


def _union_tags(annotation: Any) -> list[str]:
    members = _union_members(_strip(annotation)[0])
    return [
        str(_literal_value(member.model_fields[NETWORK_DISCRIMINATOR].annotation))
        for member in members
        if isinstance(member, type)
        and issubclass(member, BaseModel)
        and NETWORK_DISCRIMINATOR in member.model_fields
    ]


def _resolve(loc: Path_) -> _Resolved:
    current = _Resolved(annotation=CatalogConfig)
    dict_key_type: Any = None
    for segment in loc:
        annotation = _strip(current.annotation)[0]
        if segment == "[key]":
            current = _Resolved(annotation=dict_key_type, metadata=_strip(dict_key_type)[1])
            continue
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(segment))
            if field is None:
                return _Resolved()
            current = _Resolved(
                annotation=field.annotation, field=field, metadata=tuple(field.metadata)
            )
        elif origin is dict and len(args) == 2:
            dict_key_type = args[0]
            current = _Resolved(annotation=args[1], metadata=_strip(args[1])[1])
        elif origin is list and args:
            current = _Resolved(annotation=args[0], metadata=_strip(args[0])[1])
        elif members := _union_members(annotation):
            models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
            chosen = [
                m
                for m in models
                if NETWORK_DISCRIMINATOR in m.model_fields
                and _literal_value(m.model_fields[NETWORK_DISCRIMINATOR].annotation) == segment
            ]
            if not chosen:
                return _Resolved()
            current = _Resolved(
                annotation=chosen[0],
                tag=str(segment),
                alternatives=tuple(m for m in models if m is not chosen[0]),
            )
        else:
            return _Resolved()
    return current
