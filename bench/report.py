"""Benchmark of ``planner report`` on a large plan: time per stage, file size, peak memory.

Without ``--plan``, makes the plan first the way a user would (``planner synth`` then
``planner optimize --no-manifests --jobs 2``, not timed) in a temporary folder. Then reads
the plan folder, builds the report (portfolio sections and the default per-customer
sections, or ``--detail`` customers) and writes it, each timed, as ``planner report`` does.

Usage: ``python bench/report.py [--plan OUT | --customers 10000 --months 36] [--detail 5]``
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from planner.report import build_report, read_plan, write_report

DATA = Path(__file__).resolve().parents[1] / "data"


def make_plan(folder: Path, customers: int, months: int, seed: int, jobs: int) -> Path:
    """Synthesize a portfolio and plan it with the CLI; return the plan folder."""
    planner = [sys.executable, "-m", "planner"]
    subprocess.run([*planner, "synth", "--customers", str(customers), "--months", str(months),
                    "--seed", str(seed), "--data", str(DATA), "--out", str(folder / "data")],
                   check=True, stdout=subprocess.DEVNULL)
    plan = subprocess.run([*planner, "optimize", "--data", str(folder / "data"), "--out",
                           str(folder / "plan"), "--no-manifests", "--jobs", str(jobs)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if plan.returncode not in (0, 3):
        raise SystemExit(f"planner optimize failed with status {plan.returncode}")
    return folder / "plan"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, default=None, help="an existing plan folder")
    parser.add_argument("--customers", type=int, default=10000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--detail", type=int, default=None,
                        help="customers with their own section: the N costliest "
                             "(default: the report's own default)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
          f"Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as work:
        folder = args.plan
        if folder is None:
            start = time.perf_counter()
            folder = make_plan(Path(work), args.customers, args.months, args.seed, args.jobs)
            print(f"made the plan (synth + optimize, not part of the report) in "
                  f"{time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        plan = read_plan(folder)
        read_s = time.perf_counter() - start
        chosen = None
        if args.detail is not None:
            costly = plan.summary.sort_values("total_usd", ascending=False, kind="stable")
            chosen = list(costly["customer_id"].head(args.detail))
        start = time.perf_counter()
        report = build_report(plan, chosen)
        build_s = time.perf_counter() - start
        start = time.perf_counter()
        path = write_report(report, Path(work) / "report.html")
        write_s = time.perf_counter() - start
        size_mb = path.stat().st_size / 1e6
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"plan: {len(plan.summary):,} customers, {len(plan.periods):,} periods rows, "
          f"{len(plan.circuits):,} circuits rows")
    print(f"read {read_s:.1f} s, build {build_s:.1f} s, write {write_s:.2f} s, "
          f"total {read_s + build_s + write_s:.1f} s")
    print(f"report: {size_mb:.1f} MB ({report.figures} figures, {len(report.customers)} "
          f"customers in detail), peak memory {peak:.0f} MiB")


if __name__ == "__main__":
    main()
