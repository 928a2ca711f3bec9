"""Test-loop benchmark: the wall time of ``make test`` and ``make unit``, median of several runs.

The runs alternate between the targets, so machine noise hits both alike. The environment is
installed once before timing (``make install``), so the figures are the developer's loop: the
first run of a fresh clone also pays for the install, for mypy's empty cache and for linting
every template, which ``--cold`` measures separately (one run after removing the caches).
Goals: ``make test`` at most 60 s and ``make unit`` at most 15 s on the project's 2-core
machine.
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOALS = {"test": 60.0, "unit": 15.0}
# What a run reuses from the one before: tool caches, the test files' durations (their order)
# and the clean cfn-lint verdicts (tests/infrastructure/templates.py).
CACHES = (".mypy_cache", ".pytest_cache", ".ruff_cache", ".cache/cfn-lint-clean")


def run(target: str) -> float:
    started = time.perf_counter()
    result = subprocess.run(["make", target], cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"make {target} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--targets", nargs="+", default=list(GOALS), choices=list(GOALS))
    parser.add_argument("--cold", action="store_true", help="also time one run without caches")
    args = parser.parse_args()
    subprocess.run(["make", "install"], cwd=ROOT, check=True, capture_output=True)
    if args.cold:
        for cache in CACHES:
            shutil.rmtree(ROOT / cache, ignore_errors=True)
        print(f"make test with no tool cache: {run('test'):.1f} s")
    timings: dict[str, list[float]] = {target: [] for target in args.targets}
    for _ in range(args.runs):
        for target in args.targets:
            timings[target].append(run(target))
    for target, values in timings.items():
        median = statistics.median(values)
        runs = ", ".join(f"{value:.1f}" for value in values)
        verdict = "within" if median <= GOALS[target] else "over"
        print(
            f"make {target:5s} median {median:5.1f} s  (runs: {runs}; "
            f"goal <= {GOALS[target]:.0f} s: {verdict})"
        )


if __name__ == "__main__":
    main()
