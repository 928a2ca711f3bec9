"""Writes docs/configuration.md, the reference of every configuration key, from the models.

Each key's type, default and description come from its pydantic field (config/sections/), so
the reference cannot drift from what the loader accepts; the YAML comments in config/ are
the shipped example's and go when an adopter replaces it. ``python -m config.reference``
rewrites the page; ``--check`` fails if it is stale (the test suite runs that check).

Pure Python: importing this module must not import aws_cdk.
"""

from __future__ import annotations

import argparse
import sys
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from config.models import INJECTED_FIELDS, CatalogConfig

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "configuration.md"
# Keys whose values are mappings of names the organisation chooses.
NAMED = {"communities": "<community>", "products": "<product>", "accounts": "<account>"}

INTRO = """\
# Configuration reference

Generated from the configuration models (`config/sections/`) by `make docs`: every key the
loader accepts, its type, default and meaning. `config/base.yaml` is deep-merged with
`config/<stage>.yaml` (mappings key by key, lists and scalars replaced); the comments in the
shipped `config/` files show an example organisation. Rules between keys (`config/rules/`)
are checked as well and reported with file, line and key.
"""


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for argument in typing.get_args(annotation):
        yield from _models(argument)


def _type(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    arguments = [a for a in typing.get_args(annotation) if not isinstance(a, FieldInfo)]
    if origin is typing.Annotated:
        return _type(arguments[0])
    if origin in (typing.Union, types.UnionType):
        parts = [_type(a) for a in arguments if a is not type(None)]
        return " or ".join(dict.fromkeys(parts))
    if origin is Literal:
        return " or ".join(f"`{a}`" for a in arguments)
    if origin is list:
        return f"list of {_type(arguments[0])}"
    if origin is dict:
        return f"mapping of {_type(arguments[0])} to {_type(arguments[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping (below)"
    names = {str: "string", int: "integer", bool: "true or false", float: "number"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    value = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
    if value is PydanticUndefined or value is None:
        return "optional"
    if isinstance(value, BaseModel):
        return "see below"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value in ([], {}, ""):
        return "empty"
    return f"`{value}`"


def _sections(
    model: type[BaseModel], path: str, seen: frozenset[type[BaseModel]]
) -> Iterator[tuple[str, type[BaseModel]]]:
    yield path, model
    for name, field in model.model_fields.items():
        for sub in _models(field.annotation):
            if sub in seen:
                continue
            named = f".{NAMED[name]}" if name in NAMED and "dict" in repr(field.annotation) else ""
            yield from _sections(sub, f"{path}.{name}{named}".lstrip("."), seen | {sub})


def render() -> str:
    lines = [INTRO]
    done: set[tuple[str, type[BaseModel]]] = set()
    for path, model in _sections(CatalogConfig, "", frozenset({CatalogConfig})):
        if (path, model) in done:
            continue
        done.add((path, model))
        title = f"`{path}`" if path else "Top level"
        mode = model.model_fields.get("mode")
        if mode is not None:
            title += f" with `mode: {typing.get_args(mode.annotation)[0]}`"
        lines += ["", f"## {title}", "", (model.__doc__ or "").strip().splitlines()[0], ""]
        lines += ["| Key | Type | Default | Meaning |", "|---|---|---|---|"]
        for name, field in model.model_fields.items():
            if name in INJECTED_FIELDS:
                continue
            description = (field.description or "").replace("|", "\\|")
            lines.append(
                f"| `{name}` | {_type(field.annotation)} | {_default(field)} | {description} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the page is stale")
    args = parser.parse_args(argv)
    content = render()
    if args.check:
        if not PAGE.exists() or PAGE.read_text() != content:
            print(f"{PAGE.relative_to(ROOT)} is stale: run `make docs`", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(content)
    return 0


if __name__ == "__main__":
    sys.exit(main())
