"""The 200-community check (issue 16): synthesize a stage of 200 generated communities
(:mod:`tests.scale_config`, every product published to each, scheduled jobs included) and exit
non-zero if any template breaks a CloudFormation limit or the community stacks are not
independent of each other.

Checked for every template of the assembly (stacks and product templates): at most 500
resources, a 1 MB body, 200 parameters and 200 outputs. For every community stack: it depends
on the Catalog and Cost stacks only (and a sign-in community's on SignIn; ``cdk deploy`` and the
pipeline deploy it after them; no other community's stack needs it), imports no CloudFormation
export and exports nothing, so a community is added or removed without touching another stack.
Half the generated communities sign in: the SignIn stack's size is printed.

It belongs to ``make bench-scale`` rather than ``make test``: the synth alone takes about a
minute on a developer machine. ``python bench/scale_limits.py --communities 200``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalog_constructs.contract import (  # noqa: E402
    SIGN_IN_COMMUNITY_PARAMETER_ROOT as SIGN_IN_ENTRIES,
)
from tests.scale_config import write_scaled_config  # noqa: E402

# CloudFormation's quotas per template (the body through S3, as the CDK CLI uploads it).
LIMITS = {"resources": 500, "bytes": 1_048_576, "parameters": 200, "outputs": 200}
SYNTH = (
    "import sys\n"
    "from pathlib import Path\n"
    "from catalog_app import build_app\n"
    "build_app(stage='dev', config_dir=Path(sys.argv[1]), outdir=sys.argv[2]).synth()\n"
)


def measures(text: str) -> dict[str, int]:
    template = json.loads(text)
    return {
        "resources": len(template.get("Resources", {})),
        "bytes": len(text.encode()),
        "parameters": len(template.get("Parameters", {})),
        "outputs": len(template.get("Outputs", {})),
    }


def template_problems(name: str, text: str) -> list[str]:
    return [
        f"{name}: {value:,} {what}, more than CloudFormation's {LIMITS[what]:,}"
        for what, value in measures(text).items()
        if value > LIMITS[what]
    ]


def community_problems(name: str, text: str, dependencies: set[str]) -> list[str]:
    """A community stack depends on the Catalog and Cost stacks only (and a sign-in community's
    on the SignIn stack, whose role it names), and neither imports nor exports a value."""
    problems = []
    if not {"Catalog", "Cost"} <= dependencies <= {"Catalog", "Cost", "SignIn"}:
        problems.append(
            f"{name}: depends on {sorted(dependencies)}, not only Catalog, Cost (and SignIn)"
        )
    if "Fn::ImportValue" in text:
        problems.append(f"{name}: imports a CloudFormation export")
    outputs = json.loads(text).get("Outputs", {})
    if any("Export" in output for output in outputs.values()):
        problems.append(f"{name}: exports an output other stacks could lock")
    return problems


def assembly_problems(directory: Path) -> tuple[list[str], dict[str, dict[str, int]]]:
    """Every problem of the assembly, and the measures of each template by file name."""
    manifest = json.loads((directory / "manifest.json").read_text())
    problems: list[str] = []
    sizes: dict[str, dict[str, int]] = {}
    for path in sorted(directory.glob("*.template.json")):
        text = path.read_text()
        sizes[path.name] = measures(text)
        problems += template_problems(path.name, text)
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        if artifact.get("type") == "aws:cloudformation:stack" and artifact_id.startswith(
            "Community-"
        ):
            text = (directory / artifact["properties"]["templateFile"]).read_text()
            dependencies = {d for d in artifact.get("dependencies", []) if ".assets" not in d}
            problems += community_problems(artifact_id, text, dependencies)
    return problems, sizes


def sign_in_entries(directory: Path) -> int:
    """How many community stacks write an entry for the sign-in function."""
    count = 0
    for path in directory.glob("Community-*.template.json"):
        resources = json.loads(path.read_text()).get("Resources", {}).values()
        count += any(
            str(r.get("Properties", {}).get("Name", "")).startswith(SIGN_IN_ENTRIES)
            for r in resources
            if r.get("Type") == "AWS::SSM::Parameter"
        )
    return count


def summary(sizes: dict[str, dict[str, int]]) -> list[str]:
    """The largest value of each measure, with the template that has it."""
    lines = []
    for what in LIMITS:
        name, values = max(sizes.items(), key=lambda item: item[1][what])
        lines.append(f"  most {what}: {values[what]:,} of {LIMITS[what]:,} ({name})")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communities", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        config_dir = write_scaled_config(Path(work) / "config", args.communities)
        outdir = Path(work) / "out"
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", SYNTH, str(config_dir), str(outdir)],
            cwd=ROOT,
            env={**os.environ, "CDK_VALIDATION": os.environ.get("CDK_VALIDATION", "false")},
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            lines = [line for line in result.stderr.splitlines() if line.strip()]
            print(f"{args.communities} communities: synth FAILED after {elapsed:.0f} s:")
            print("  " + (lines[-1] if lines else f"exit {result.returncode}"))
            return 1
        problems, sizes = assembly_problems(outdir)
        signing_in = sign_in_entries(outdir)
    stacks = [n for n in sizes if not n.endswith(".product.template.json")]
    print(
        f"{args.communities} communities: synthesized in {elapsed:.0f} s, {len(stacks)} stacks "
        f"and {len(sizes) - len(stacks)} product templates"
    )
    print("\n".join(summary(sizes)))
    if "SignIn.template.json" in sizes:
        sign_in = sizes["SignIn.template.json"]
        print(
            f"  SignIn stack ({signing_in} sign-in communities, one role each): "
            f"{sign_in['resources']:,} resources, {sign_in['bytes']:,} bytes"
        )
    if problems:
        print(f"{len(problems)} problem(s):")
        print("\n".join(f"  {problem}" for problem in problems))
        return 1
    print("every template within CloudFormation's limits; community stacks independent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
