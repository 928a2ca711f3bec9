"""Proves a refactoring changed no template: synthesizes every shipped stage and the delivery
pipeline at a git ref and in the working tree, and compares every template with asset hashes
masked.

Each tree is synthesized by its own ``app.py`` in a fresh process, the way ``cdk synth`` runs
it (context through ``CDK_CONTEXT_JSON``, output through ``CDK_OUTDIR``), so the comparison does
not depend on how either tree is laid out inside. Both trees are copied to the same scratch
path first: until released versions' assets were named after their version, the pipeline named
their asset steps after a hash of the snapshot file's absolute path, so a ref from before then
would differ there even when nothing else does.

Compared: every ``*.template.json`` of every assembly (stacks, product templates, the
pipeline's nested stage assemblies) by path, and the ``asset.*.json`` templates (released
versions, served from ``product-stack-snapshots/``) by content. Prints one line per
difference and exits 1 if there is any.

    python bench/compare_templates.py --ref main~3
"""

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ASSET_HASH = re.compile(r"[0-9a-f]{64}")
# The pipeline publishes each asset to "<asset hash>:<account>-<region>-<8 hex digits>", the
# digits a hash of the destination, whose object key is the asset hash: they change with the
# asset's content (aws-cdk-lib core/lib/stack-synthesizers/asset-manifest-builder.ts, destHash).
ASSET_DESTINATION = re.compile(r"(<asset-hash>:[\w-]+?-)[0-9a-f]{8}(?![0-9a-f])")
# The stages this comparison synthesizes, plus the pipeline app; a stage added or removed
# shows as a difference because its templates appear on one side only.
ASSEMBLIES: dict[str, dict[str, str]] = {
    "dev": {"stage": "dev"},
    "prod": {"stage": "prod"},
    "pipeline": {"pipeline": "true"},
}


def masked(value: Any) -> Any:
    if isinstance(value, str):
        return ASSET_DESTINATION.sub(r"\1<destination-hash>", ASSET_HASH.sub("<asset-hash>", value))
    if isinstance(value, dict):
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [masked(item) for item in value]
    return value


def synthesize(tree: Path, context: dict[str, str], outdir: Path) -> None:
    env = {
        **os.environ,
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps(context),
        "CDK_VALIDATION": "false",
    }
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=tree, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"synth failed in {tree} for {context}:\n{result.stderr[-4000:]}")


def templates(outdir: Path) -> tuple[dict[str, str], list[str]]:
    """Templates by path (masked, canonical JSON) and the sorted contents of asset templates."""
    by_path: dict[str, str] = {}
    assets: list[str] = []
    for path in sorted(outdir.rglob("*.json")):
        text = json.dumps(masked(json.loads(path.read_text())), indent=1, sort_keys=True)
        relative = ASSET_HASH.sub("<asset-hash>", str(path.relative_to(outdir)))
        if path.name.endswith(".template.json"):
            by_path[relative] = text
        elif path.name.startswith("asset.") and "Resources" in text:
            assets.append(text)
    return by_path, sorted(assets)


def materialize(ref: str | None, tree: Path) -> None:
    """The files of a git ref, or (None) the working tree's tracked and untracked files."""
    tree.mkdir()
    if ref is not None:
        archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
        return
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = tree / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def collect(ref: str | None, work: Path) -> dict[str, tuple[dict[str, str], list[str]]]:
    tree = work / "tree"
    materialize(ref, tree)
    collected = {}
    try:
        for name, context in ASSEMBLIES.items():
            outdir = work / ("before" if ref else "after") / name
            synthesize(tree, context, outdir)
            collected[name] = templates(outdir)
    finally:
        shutil.rmtree(tree)
    return collected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", default="HEAD", help="git ref to compare the working tree with")
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", args.ref], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    if not commit:
        sys.exit(f"unknown git ref: {args.ref}")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        before = collect(commit, work)
        after = collect(None, work)

    differences = 0
    compared = 0
    for name in ASSEMBLIES:
        old_paths, old_assets = before[name]
        new_paths, new_assets = after[name]
        for path in sorted(old_paths.keys() | new_paths.keys()):
            compared += 1
            old, new = old_paths.get(path), new_paths.get(path)
            if old == new:
                continue
            differences += 1
            if old is None or new is None:
                print(f"{name}: {path} only {'after' if old is None else 'before'}")
                continue
            diff = difflib.unified_diff(
                old.splitlines(), new.splitlines(), f"{commit}:{path}", f"tree:{path}", n=2
            )
            print(f"{name}: {path} differs")
            print("\n".join(list(diff)[:40]))
        compared += len(old_assets)
        if old_assets != new_assets:
            differences += 1
            print(f"{name}: released-version templates (assets) differ")
    print(
        f"{compared} templates compared between {commit} and the working tree: {differences} differ"
    )
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
