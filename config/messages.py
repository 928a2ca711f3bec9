"""Pydantic's validation errors as `ConfigProblem`s: the file that set the key, its line, the
dotted key, and a message that says what is allowed."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from config.errors import ConfigProblem, Loc, did_you_mean, show_short
from config.models import INJECTED_FIELDS, CatalogConfig
from config.sections.network import NETWORK_DISCRIMINATOR
from config.sections.sign_in import PROVIDER_DISCRIMINATOR
from config.yaml_source import Document, child, render_key, type_name

# The keys that choose the member of a discriminated union (network mode, provider kind).
DISCRIMINATORS = (NETWORK_DISCRIMINATOR, PROVIDER_DISCRIMINATOR)
# Top-level keys that belong in the stage file: a missing one is reported against it.
PER_STAGE_KEYS = frozenset({"stage", "network", "communities", "spokes"})


def problem(error: Any, merged: dict[str, Any], base: Document, staged: Document) -> ConfigProblem:
    """One error of `CatalogConfig.model_validate(merged)` as a problem of base or staged."""
    loc: Loc = tuple(error["loc"])
    kind: str = error["type"]
    data_path = _data_path(loc, merged)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        data_path = (*data_path, _discriminator(_resolve(loc).annotation))

    document = _owner(data_path, base, staged)
    line = document.line(data_path)
    message = _message(kind, error, loc, data_path)
    return ConfigProblem(document.file, message, key=render_key(data_path), line=line)


def _data_path(loc: Loc, merged: dict[str, Any]) -> Loc:
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
            and any(node.get(key) == segment for key in DISCRIMINATORS)
        ):
            continue  # the tag pydantic adds for a discriminated union member
        path.append(segment)
        node = child(node, segment)
    return tuple(path)


def _owner(path: Loc, base: Document, staged: Document) -> Document:
    """The document that set the key: the stage file if the path is in it, else base."""
    if staged.has(path):
        return staged
    if base.has(path):
        return base
    # The key is absent (missing required key): blame the file holding its parent.
    parent = path[:-1]
    if parent and staged.has(parent):
        return staged
    if not parent and path and path[0] in PER_STAGE_KEYS:
        return staged
    if parent and base.has(parent):
        return base
    return staged if path and path[0] in PER_STAGE_KEYS else base


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
_CHOICE_KINDS = ("union_tag_invalid", "union_tag_not_found", "literal_error")
_SIZE_KINDS = (
    "string_too_short",
    "string_too_long",
    "too_short",
    "too_long",
    "greater_than_equal",
    "less_than_equal",
    "greater_than",
    "less_than",
    "string_pattern_mismatch",
)


def _message(kind: str, error: Any, loc: Loc, data_path: Loc) -> str:
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
    if kind in _CHOICE_KINDS:
        return _choice_message(kind, ctx, value, resolved)
    if kind in _TYPE_NAMES:
        message = f"expected {_TYPE_NAMES[kind]}, got {type_name(value)} {show_short(value)}"
        if kind == "string_type" and isinstance(value, bool):
            message += "; quote it: YAML reads yes/no/on/off/true/false as booleans"
        elif kind == "string_type" and isinstance(value, int | float):
            message += "; quote it to make it a string"
        return message
    if kind in _SIZE_KINDS:
        return _size_message(kind, ctx, value, resolved)
    message = str(error.get("msg", ""))
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if kind in ("config_invalid", "value_error", "assertion_error"):
        return message
    return f"{message} (got {show_short(value)})"


def _choice_message(kind: str, ctx: Mapping[str, Any], value: Any, resolved: _Resolved) -> str:
    """A value outside a fixed set: a network mode, a budget period..."""
    if kind == "union_tag_invalid":
        tags = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected_tags", ""))))
        return f"got {show_short(ctx.get('tag'))}; allowed values: {tags}"
    if kind == "union_tag_not_found":
        tags = ", ".join(_union_tags(resolved.annotation))
        key = _discriminator(resolved.annotation)
        return f"missing required key '{key}'; allowed values: {tags}"
    expected = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
    return f"got {show_short(value)}; allowed values: {expected or ctx.get('expected')}"


def _size_message(kind: str, ctx: Mapping[str, Any], value: Any, resolved: _Resolved) -> str:
    """A length, count or number out of its range, or a string not matching its pattern."""
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
    if kind == "string_pattern_mismatch":
        return f"got {show_short(value)}; must match {ctx.get('pattern')}"
    allowed = _range(resolved.metadata, ctx, "ge", "le")
    return f"got {show_short(value)}; allowed range: {allowed}"


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


def _unknown_key_message(key: str, loc: Loc) -> str:
    parent = _resolve(loc[:-1])
    model = parent.model_type
    if model is None:
        return f"unknown key {key!r}"
    allowed = [name for name in model.model_fields if name not in INJECTED_FIELDS]
    message = f"unknown key {key!r}{did_you_mean(key, allowed)}; allowed keys: {', '.join(allowed)}"
    if parent.tag is not None:
        tag_key = _discriminator(model)
        owners = [
            _literal_value(other.model_fields[tag_key].annotation)
            for other in parent.alternatives
            if key in other.model_fields
        ]
        hint = did_you_mean(key, allowed) if not owners else ""
        message = (
            f"unknown key {key!r} for {tag_key} {parent.tag!r}{hint}; "
            f"allowed keys: {', '.join(allowed)}"
        )
        if owners:
            message += f" ({key!r} belongs to {tag_key} {owners[0]!r})"
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


def _discriminator(annotation: Any) -> str:
    """The key that chooses among a union's models (or tags a member model)."""
    members = _union_members(_strip(annotation)[0]) or (_strip(annotation)[0],)
    for key in DISCRIMINATORS:
        if any(
            isinstance(m, type) and issubclass(m, BaseModel) and key in m.model_fields
            for m in members
        ):
            return key
    return NETWORK_DISCRIMINATOR


def _union_tags(annotation: Any) -> list[str]:
    members = _union_members(_strip(annotation)[0])
    key = _discriminator(annotation)
    return [
        str(_literal_value(member.model_fields[key].annotation))
        for member in members
        if isinstance(member, type) and issubclass(member, BaseModel) and key in member.model_fields
    ]


def _resolve(loc: Loc) -> _Resolved:
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
            key = _discriminator(annotation)
            chosen = [
                m
                for m in models
                if key in m.model_fields
                and _literal_value(m.model_fields[key].annotation) == segment
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
