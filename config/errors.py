"""What a configuration problem is, and how validators raise them.

`ConfigProblem` and `ConfigError` are what `load_config` reports: file, line, dotted key and a
message that says what is allowed. Validators raise pydantic errors whose messages are used
verbatim (`fail`, `raise_all`); `config.messages` turns those into problems.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

# A key path in the YAML data or a pydantic location, e.g. ("communities", "x", "products", 0).
Loc = tuple[str | int, ...]

# (location relative to the value being validated, message, offending value)
Violation = tuple[Loc, str, Any]


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


def error(message: str) -> PydanticCustomError:
    """A validation error whose message is used verbatim (no template context)."""
    return PydanticCustomError("config_invalid", message)


def fail(message: str) -> NoReturn:
    raise error(message)


def raise_all(violations: Sequence[Violation]) -> None:
    """Raise every (relative location, message, bad value) at once, if there are any.

    Raising a ValidationError inside a validator makes pydantic report each line error at
    the validator's own location plus the relative one given here.
    """
    if not violations:
        return
    details = [
        InitErrorDetails(type=error(message), loc=loc, input=value)
        for loc, message, value in violations
    ]
    raise ValidationError.from_exception_data("CatalogConfig", details)


def show(value: Any) -> str:
    """A value as a YAML author wrote it: strings quoted, true/false, null."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return repr(value)


def show_short(value: Any) -> str:
    """`show`, cut to 80 characters: for echoing input of any size back in a message."""
    text = show(value)
    return text if len(text) <= 80 else text[:77] + "..."


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' when a close match exists, else ''."""
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.7)
    return f" (did you mean '{close[0]}'?)" if close else ""
