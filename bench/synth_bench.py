"""Synth benchmark: the full default-stage app against an empty CDK app, in the same run.

Each variant runs in a fresh Python process (as `cdk synth` does), alternating so machine
noise hits both alike. Prints the median of each and their ratio; the catalog's goal is a
ratio of at most 2.0.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMPTY_APP = "import aws_cdk as cdk\napp = cdk.App()\ncdk.Stack(app, 'Empty')\napp.synth()\n"


def run_once(command: list[str]) -> float:
    with tempfile.TemporaryDirectory() as outdir:
        env = {**os.environ, "CDK_OUTDIR": outdir}
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    variants = {
        "catalog app (default stage)": [sys.executable, "app.py"],
        "empty CDK app": [sys.executable, "-c", EMPTY_APP],
    }
    timings: dict[str, list[float]] = {name: [] for name in variants}
    run_once(variants["empty CDK app"])  # warm the file cache once
    for _ in range(args.runs):
        for name, command in variants.items():
            timings[name].append(run_once(command))
    medians = {name: statistics.median(values) for name, values in timings.items()}
    for name, values in timings.items():
        runs = ", ".join(f"{value:.2f}" for value in values)
        print(f"{name:30s} median {medians[name]:.2f} s  (runs: {runs})")
    ratio = medians["catalog app (default stage)"] / medians["empty CDK app"]
    print(f"ratio catalog/empty: {ratio:.2f} (goal <= 2.0)")


if __name__ == "__main__":
    main()
