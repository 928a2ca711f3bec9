"""Publish a product version in a stage: ``make promote PRODUCT=<key> VERSION=<v> STAGE=<name>``.

Edits ``config/<stage>.yaml`` as a reviewer would expect (one line changed, or one
``products:`` block appended, comments kept), then loads the stage: the promotion rule
(``stage_order``) rejects a version the previous stage does not publish, and the file
is restored. Commit the change like any other config change.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from config import CONFIG_DIR, ConfigError, available_stages, load_config
from config.errors import did_you_mean
from config.sections.products import ProductRegistry, default_registry
from config.yaml_source import display

FLOW_VERSIONS = re.compile(r"^(?P<indent>\s+)versions:\s*\[(?P<items>[^\]]*)\](?P<rest>.*)$")


class PromotionError(Exception):
    """A request that cannot be carried out; printed as one line."""


class AlreadyPublished(Exception):
    """Nothing to do: the stage publishes the version already."""


def _edit(text: str, key: str, versions: list[str]) -> str:
    """The stage file with the product's version list replaced, or a products block added."""
    rendered = f"[{', '.join(versions)}]"
    lines = text.splitlines(keepends=True)
    top = [i for i, line in enumerate(lines) if re.match(r"^products:\s*(#.*)?$", line)]
    if not top:
        block = f"\nproducts:\n  {key}:\n    versions: {rendered}\n"
        return text + ("" if text.endswith("\n") else "\n") + block
    product: int | None = None
    product_indent = 0
    for index in range(top[0] + 1, len(lines)):
        line = lines[index]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        if indent == 0:
            break  # the next top-level key
        if product is not None and indent <= product_indent:
            break  # the next product: ours had no [a, b] list
        if product is None and re.match(rf"^\s+{re.escape(key)}:\s*(#.*)?$", line):
            product, product_indent = index, indent
        elif product is not None and (match := FLOW_VERSIONS.match(line.rstrip("\n"))):
            lines[index] = f"{match['indent']}versions: {rendered}{match['rest']}\n"
            return "".join(lines)
    if product is None:
        lines.insert(top[0] + 1, f"  {key}:\n    versions: {rendered}\n")
        return "".join(lines)
    raise PromotionError(
        f"cannot edit products.{key}.versions in place (not a [a, b] list under products:); "
        "edit the stage file by hand"
    )


def promote(
    key: str,
    version: str,
    stage: str,
    *,
    config_dir: Path = CONFIG_DIR,
    registry: ProductRegistry | None = None,
) -> list[str]:
    """Publish ``version`` of product ``key`` in ``stage``; returns the new version list."""
    registry = registry if registry is not None else default_registry()
    if key not in registry:
        raise PromotionError(f"unknown product {key!r}; allowed: {', '.join(sorted(registry))}")
    known = registry[key].version_names
    if version not in known:
        raise PromotionError(f"unknown version {version!r} of {key!r}; allowed: {', '.join(known)}")
    stages = available_stages(config_dir)
    if stage not in stages:
        raise PromotionError(
            f"unknown stage {stage!r}{did_you_mean(stage, stages)}; allowed: {', '.join(stages)}"
        )
    config = load_config(stage, config_dir, registry=registry)
    published = list(config.published_versions(key))
    if version in published:
        raise AlreadyPublished(f"{key} {version} is already published in {stage}: nothing to do")
    # Registry order: the newest version last, as the catalog lists them.
    versions = [name for name in known if name in {*published, version}]
    path = Path(config_dir) / f"{stage}.yaml"
    original = path.read_text(encoding="utf-8")
    path.write_text(_edit(original, key, versions), encoding="utf-8")
    try:
        load_config(stage, config_dir, registry=registry)
    except ConfigError:
        path.write_text(original, encoding="utf-8")
        raise
    return versions


def main(argv: Sequence[str] | None = None, *, config_dir: Path = CONFIG_DIR) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--product", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--stage", required=True)
    args = parser.parse_args(argv)
    stage_file = display(Path(config_dir) / f"{args.stage}.yaml", Path(config_dir))
    try:
        versions = promote(args.product, args.version, args.stage, config_dir=config_dir)
    except AlreadyPublished as done:
        print(done)
        return 0
    except PromotionError as error:
        print(f"Cannot promote: {error}", file=sys.stderr)
        return 2
    except ConfigError as error:
        print(f"Cannot promote ({stage_file} left unchanged):\n{error}", file=sys.stderr)
        return 2
    print(f"{stage_file}: products.{args.product}.versions = {versions}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
