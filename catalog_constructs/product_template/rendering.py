"""Renders the script and Markdown files that product templates and product pages carry.

Scripts that run on instances and usage text live as real files (``.sh``, ``.ps1``, ``.md``) so
that editors, shellcheck and reviewers see them as what they are. Rendering one is plain text
substitution, done at synth:

- ``@NAME@`` is replaced with the value passed for ``NAME`` (upper case, digits, underscores).
  A line holding nothing but ``@NAME@`` takes a block: the value without its surrounding
  whitespace, or no line at all when the value is empty.
- Lines for the repository rather than the instance are dropped: notes to readers starting
  with ``#:`` and shellcheck directives (``# shellcheck ...``).
- Everything else is kept byte for byte. ``${Name}`` in a user-data script is CloudFormation's
  (``Fn::Sub``), substituted when the stack is deployed, not here.

A placeholder without a value, or a value no placeholder uses, is an error naming the file.
"""

import re
from pathlib import Path

PLACEHOLDER = re.compile(r"@([A-Z][A-Z0-9_]*)@")
REPOSITORY_LINE = re.compile(r"^\s*#(:|\s*shellcheck\s)")


def render_file(path: Path, **values: str) -> str:
    """The text of ``path`` with its placeholders replaced by ``values``."""
    used: set[str] = set()

    def value(name: str) -> str:
        if name not in values:
            raise ValueError(f"{path}: no value for placeholder @{name}@")
        used.add(name)
        return values[name]

    rendered = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if REPOSITORY_LINE.match(line):
            continue
        body = line.rstrip("\n")
        block = PLACEHOLDER.fullmatch(body)
        if block:
            text = value(block.group(1)).strip()
            if text:
                rendered.append(text + line[len(body) :])
            continue
        rendered.append(PLACEHOLDER.sub(lambda match: value(match.group(1)), line))
    unused = sorted(set(values) - used)
    if unused:
        raise ValueError(f"{path}: no placeholder for {', '.join(unused)}")
    return "".join(rendered)
