"""Scaling benchmark: synthesize one stage with 2, 50 and 200 communities.

Each size is a generated configuration (:mod:`tests.scale_config`): the shipped ``config/``
with N communities, half copies of its first sign-in community (each its own Synapse team) and
half copies of its first other community (each its own role); own cost center each.
Every synth runs in a fresh Python process, as ``cdk synth`` does, with cdk-nag on. Prints per
size the median time, the marginal time per community against the smallest size and the
largest template (resources, bytes, parameters, outputs), then the ratio of the largest size
to the smallest (goal: at most 10).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.scale_config import write_scaled_config  # noqa: E402

SYNTH = (
    "import sys\n"
    "from pathlib import Path\n"
    "from catalog_app import build_app\n"
    "build_app(stage='dev', config_dir=Path(sys.argv[1]), outdir=sys.argv[2]).synth()\n"
)
GOAL_RATIO = 10.0


@dataclass(frozen=True)
class Largest:
    name: str
    resources: int
    size: int
    parameters: int
    outputs: int

    def describe(self) -> str:
        return (
            f"{self.name}: {self.resources} resources, {self.size:,} bytes, "
            f"{self.parameters} parameters, {self.outputs} outputs"
        )


def largest_template(outdir: Path) -> Largest:
    """The stack template (product templates excluded: they do not grow with communities)
    with the most resources."""
    found: list[Largest] = []
    for path in outdir.glob("*.template.json"):
        if path.name.endswith(".product.template.json"):
            continue
        text = path.read_text()
        template = json.loads(text)
        found.append(
            Largest(
                name=path.name.removesuffix(".template.json"),
                resources=len(template.get("Resources", {})),
                size=len(text.encode()),
                parameters=len(template.get("Parameters", {})),
                outputs=len(template.get("Outputs", {})),
            )
        )
    return max(found, key=lambda t: (t.resources, t.size))


def synth_once(config_dir: Path) -> tuple[float, Largest | None, str]:
    with tempfile.TemporaryDirectory() as outdir:
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", SYNTH, str(config_dir), outdir],
            cwd=ROOT,
            env={**os.environ, "CDK_VALIDATION": os.environ.get("CDK_VALIDATION", "false")},
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            lines = [line for line in result.stderr.splitlines() if line.strip()]
            return elapsed, None, lines[-1] if lines else f"exit {result.returncode}"
        return elapsed, largest_template(Path(outdir)), ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2, 50, 200])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    medians: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as work:
        for size in args.sizes:
            config_dir = write_scaled_config(Path(work) / f"c{size}", size)
            times: list[float] = []
            largest: Largest | None = None
            error = ""
            for _ in range(args.runs):
                elapsed, largest, error = synth_once(config_dir)
                if error:
                    break
                times.append(elapsed)
            if error:
                print(f"{size:4d} communities: synth FAILED: {error}")
                continue
            medians[size] = statistics.median(times)
            runs = ", ".join(f"{t:.1f}" for t in times)
            print(f"{size:4d} communities: median {medians[size]:6.1f} s  (runs: {runs})")
            assert largest is not None
            print(f"      largest template {largest.describe()}")
    sizes = sorted(medians)
    if len(sizes) >= 2:
        small, big = sizes[0], sizes[-1]
        for size in sizes[1:]:
            marginal = (medians[size] - medians[small]) / (size - small)
            print(f"marginal cost {small}->{size}: {marginal * 1000:.0f} ms per community")
        ratio = medians[big] / medians[small]
        print(f"ratio {big}/{small} communities: {ratio:.1f} (goal <= {GOAL_RATIO:.0f})")


if __name__ == "__main__":
    main()
