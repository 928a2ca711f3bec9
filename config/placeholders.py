"""Placeholders left in the configuration: the example accounts, addresses and IDs the shipped
``config/`` holds, which every adopter replaces before deploying.

    python -m config.placeholders --stage prod     # make check-config STAGE=prod
    python -m config.placeholders --pipeline       # make check-config PIPELINE=true

lists each one with file, line and key and exits 1 if there is any. A stage's placeholders
are those of base.yaml and its stage file outside ``delivery``; the pipeline's are those of
``delivery`` and of every stage it deploys. Synth keeps working with placeholders (the tests
and the shipped example need it), but every stack of such a stage carries a CloudFormation
rule that fails ``cdk deploy`` (and the pipeline's deploy) with their list before anything
changes (stacks/stage.py).

What counts as a placeholder is what no real configuration holds: account IDs of one repeated
digit and AWS's documentation examples, names under the domains reserved for documentation
(example.com/.net/.org, .example, .test, .invalid, RFC 2606 and 6761), the example GitHub
organisation, and the obviously made-up resource IDs of the shipped files.

Pure Python: importing this module must not import aws_cdk.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.errors import ConfigError, show_short
from config.loader import load_config
from config.yaml_source import (
    BASE_FILE,
    CONFIG_DIR,
    Document,
    available_stages,
    deep_merge,
    read_document,
    render_key,
)

EXAMPLE_ACCOUNTS = re.compile(r"(?<!\d)((\d)\2{11}|123456789012|111122223333|444455556666)(?!\d)")
# A host name in a domain reserved for documentation (example.com/.net/.org, or a name under
# .example, .test or .invalid), at the start of the value or after an @ or ://.
EXAMPLE_DOMAIN = re.compile(
    r"(^|@|//)(([a-z0-9-]+\.)*example\.(com|net|org)|([a-z0-9-]+\.)+(example|test|invalid))"
    r"(?![a-z0-9.-])",
    re.IGNORECASE,
)
EXAMPLE_ORGANISATION = re.compile(r"(^|/)example-org(/|$)")
MADE_UP_IDS = re.compile(
    r"0123456789abcdef|fedcba9876543210|00000000-0000-0000-0000-000000000000|"
    r"0a1b2c3d-4e5f-6789-abcd-ef0123456789"
)
CHECKS = (
    (EXAMPLE_ACCOUNTS, "the example account ID {}"),
    (EXAMPLE_DOMAIN, "the domain {}, reserved for documentation"),
    (EXAMPLE_ORGANISATION, "the example GitHub organisation {}"),
    (MADE_UP_IDS, "the made-up ID {}"),
)
PIPELINE_KEY = "delivery"


@dataclass(frozen=True)
class Placeholder:
    file: str
    line: int | None
    key: str
    value: str
    kind: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        value = show_short(self.value)
        return f"{where}: {self.key}: {value} holds {self.kind}; replace it with your own"

    @property
    def short(self) -> str:
        """Key and value, for the message of the deploy-time refusal."""
        return f"{self.key} {show_short(self.value)}"


def kind_of(value: str) -> str | None:
    """What kind of placeholder a value is, or None for a real-looking one."""
    for pattern, kind in CHECKS:
        if match := pattern.search(value):
            return kind.format(match.group(0).strip("@/."))
    return None


def _scalars(
    node: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _scalars(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _scalars(value, (*path, index))
    elif node is not None and not isinstance(node, bool):
        yield path, str(node)


def _read(path: Path, config_dir: Path) -> Document:
    document, problems = read_document(path, config_dir)
    if document is None:
        raise ConfigError(problems)
    return document


def for_stage(stage: str, config_dir: Path = CONFIG_DIR) -> list[Placeholder]:
    """What the stage deploys: base.yaml merged with its stage file (as the loader merges
    them), delivery aside; each placeholder named in the file that sets it."""
    base = _read(config_dir / BASE_FILE, config_dir)
    staged = _read(config_dir / f"{stage}.yaml", config_dir)
    found = []
    for path, value in _scalars(deep_merge(base.data, staged.data)):
        if path[0] != PIPELINE_KEY and (kind := kind_of(value)):
            owner = staged if staged.has(path) else base
            found.append(Placeholder(owner.file, owner.line(path), render_key(path), value, kind))
    return found


def for_pipeline(config_dir: Path = CONFIG_DIR) -> list[Placeholder]:
    """The delivery section's own placeholders (the Pipeline stack)."""
    base = _read(config_dir / BASE_FILE, config_dir)
    return [
        Placeholder(base.file, base.line(path), render_key(path), value, kind)
        for path, value in _scalars(base.data.get(PIPELINE_KEY), (PIPELINE_KEY,))
        if (kind := kind_of(value))
    ]


def main(argv: Sequence[str] | None = None, *, config_dir: Path = CONFIG_DIR) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--stage", help="a stage: base.yaml and <stage>.yaml")
    target.add_argument(
        "--pipeline", action="store_true", help="the pipeline: delivery and every stage it deploys"
    )
    parser.add_argument(
        "--summary", action="store_true", help="one line, only if there are placeholders; exit 0"
    )
    args = parser.parse_args(argv)
    try:
        if args.pipeline:
            stages = available_stages(config_dir)
            stages = load_config(stages[0] if stages else None, config_dir).stages_in_order()
            found = for_pipeline(config_dir) + [
                p for stage in stages for p in for_stage(stage, config_dir)
            ]
            what = "the pipeline"
        else:
            load_config(args.stage, config_dir)  # an invalid stage says so first
            found = for_stage(args.stage, config_dir)
            what = f"stage {args.stage}"
    except ConfigError as error:
        print(f"Configuration error:\n{error}", file=sys.stderr)
        return 2
    # One line per placeholder, even where base.yaml is shared by several stages.
    lines = list(dict.fromkeys(str(placeholder) for placeholder in found))
    command = "make check-config " + ("PIPELINE=true" if args.pipeline else f"STAGE={args.stage}")
    summary = (
        f"{len(lines)} placeholder(s) left in {what}: cdk deploy refuses it until they are "
        f"replaced ({command} lists them)"
    )
    if args.summary:
        if lines:
            print(summary)
        return 0
    for line in lines:
        print(line)
    if lines:
        print(summary)
        return 1
    print(f"No placeholder left in {what}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
