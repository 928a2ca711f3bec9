"""The YAML files a stage is read from, with the line of every key.

`config/base.yaml` holds what every stage shares; `config/<stage>.yaml` holds the stage's own
settings and may override any base key (`deep_merge`). Each file is read with
`StrictYamlLoader` into a `Document` that remembers where each key is, so a problem can name
its file and line.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from config.errors import ConfigProblem, Loc, show_short

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO_ROOT / "config"
BASE_FILE = "base.yaml"


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
        self.positions: dict[Loc, int] = {}
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


MISSING = object()


def child(node: Any, segment: str | int) -> Any:
    """The item of a mapping or list at one key path segment, or MISSING."""
    if isinstance(node, dict) and segment in node:
        return node[segment]
    if isinstance(node, list) and isinstance(segment, int) and 0 <= segment < len(node):
        return node[segment]
    return MISSING


@dataclass(frozen=True)
class Document:
    """One YAML file as read: its data and the line of every key path."""

    file: str  # as shown in messages, e.g. config/dev.yaml
    data: dict[str, Any]
    positions: dict[Loc, int]

    def has(self, path: Loc) -> bool:
        """Whether this file sets the key path."""
        node: Any = self.data
        for segment in path:
            node = child(node, segment)
            if node is MISSING:
                return False
        return True

    def line(self, path: Loc) -> int | None:
        """The line of the key path, or of its nearest ancestor this file has."""
        for end in range(len(path), 0, -1):
            line = self.positions.get(path[:end])
            if line is not None:
                return line
        return None


def display(path: Path, config_dir: Path) -> str:
    """A config file as messages name it: relative to the repository, else config_dir/name."""
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return f"{config_dir.name}/{path.name}"


@functools.lru_cache(maxsize=64)
def _parse(text: str) -> tuple[Any, dict[Loc, int]]:
    """The data of a YAML text and the line of every key path. Kept per text: the loader
    composes in Python (PyYAML's C parser cannot record key lines), about 5 ms for a stage
    file, and one synth or test run reads the same files again and again. Errors are raised
    each time, never kept."""
    loader = StrictYamlLoader(text)
    try:
        return loader.get_single_data(), loader.positions
    finally:
        loader.dispose()


def _parsed(text: str) -> tuple[Any, dict[Loc, int]]:
    """``_parse`` with a copy the caller may change."""
    data, positions = _parse(text)
    return copy.deepcopy(data), dict(positions)


def read_document(path: Path, config_dir: Path) -> tuple[Document | None, list[ConfigProblem]]:
    """The file as a Document, or None and the problems that kept it from being read."""
    file = display(path, config_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, [ConfigProblem(file, f"cannot read file: {exc.strerror or exc}")]
    try:
        data, positions = _parsed(text)
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
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return None, [
            ConfigProblem(
                file,
                f"the top level must be a mapping of keys (like 'catalog:'), "
                f"not a {type_name(data)}",
                line=1,
            )
        ]
    return Document(file, data, positions), []


def available_stages(config_dir: Path = CONFIG_DIR) -> list[str]:
    """Every stage with a <name>.yaml in config_dir (base.yaml is not a stage), sorted."""
    return sorted(
        path.stem
        for path in Path(config_dir).glob("*.yaml")
        if path.name != BASE_FILE and path.is_file()
    )


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


_SIMPLE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def render_key(path: Sequence[str | int]) -> str:
    """Dotted key: communities.neuro.principals.role_arns[0]; odd keys as tags["aws:x"]."""
    out = ""
    for segment in path:
        if isinstance(segment, int) and not isinstance(segment, bool):
            out += f"[{segment}]"
        elif not isinstance(segment, str):
            out += f"[{show_short(segment)}]"
        elif _SIMPLE_KEY.fullmatch(segment):
            out += f".{segment}" if out else segment
        else:
            out += f'["{segment}"]'
    return out


def type_name(value: Any) -> str:
    """The YAML kind of a parsed value, as messages name it."""
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
