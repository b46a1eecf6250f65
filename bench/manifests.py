"""Benchmark of writing the provisioning manifests of a synthetic portfolio.

Generates the synthetic portfolio (``planner synth``'s generator), plans it once with the
batch runner (or reads a plan written before with ``--plan``), then times building the
neutral manifests and writing all four formats with ``--jobs`` processes, twice, and prints
wall time, CPU time of all processes (user + system), the load average during each run,
files, bytes on disk (apparent and allocated, as ``du -s`` counts them), peak memory and
whether the two runs wrote identical bytes.

Usage: ``python bench/manifests.py --customers 10000 --months 36 [--jobs 2]
[--plan OUT_DIR --data DATA_DIR]``
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import resource
import shutil
import tempfile
import time
from pathlib import Path

import planner
from planner.batch import run_batch
from planner.cli.manifests import optimal_customers, read_plan
from planner.inputs.read import read_table
from planner.provision import FORMATS, prepare_portfolio, read_provisioning, write_portfolio
from planner.synth import synthesize

DATA = Path(__file__).resolve().parents[1] / "data"
FILES = ("customers.csv", "demand.csv", "catalog.csv", "egress_rates.csv", "inventory.csv")


def tree_figures(folder: Path) -> tuple[int, int, int, str]:
    """Files, apparent bytes, allocated bytes (files and folders) and a digest of all."""
    files = apparent = allocated = 0
    digest = hashlib.sha256()
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        allocated += Path(root).stat().st_blocks * 512  # folders count, as with du -s
        for name in sorted(names):
            path = Path(root) / name
            stat = path.stat()
            files += 1
            apparent += stat.st_size
            allocated += stat.st_blocks * 512
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return files, apparent, allocated, digest.hexdigest()


def _cpu_seconds() -> float:
    """User and system CPU time of this process and of its finished children [s]."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--plan", type=Path, default=None,
                        help="folder of a finished plan of --data (skips planning)")
    parser.add_argument("--data", type=Path, default=None,
                        help="inputs of --plan (default: a fresh synthetic portfolio)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
          f"Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        data = args.data
        if data is None:
            data = folder / "data"
            synthesize(args.customers, args.months, args.seed, read_table(DATA / "catalog.csv"),
                       read_table(DATA / "egress_rates.csv")).write(
                data, copies=tuple(DATA.glob("provisioning.*")))
        inputs = planner.read_inputs(*(data / name for name in FILES))
        if args.plan is None:
            start = time.perf_counter()
            output = run_batch(inputs, folder / "out.partial", jobs=args.jobs)[0]
            print(f"planning: {time.perf_counter() - start:.1f} s (not part of the figures)")
            optimal = output.summary.loc[output.summary["status"] == planner.Status.OPTIMAL,
                                         "customer_id"].tolist()
            circuits = output.circuits_frame()
        else:
            summary, circuits = read_plan(args.plan)
            optimal = optimal_customers(summary, inputs, args.plan)
        provisioning = read_provisioning(data / "customers.csv", data / "provisioning.toml")
        digests = []
        for run in (1, 2):
            out = folder / f"manifests-{run}"
            cpu_before = _cpu_seconds()
            start = time.perf_counter()
            portfolio = prepare_portfolio(inputs, circuits, optimal, provisioning)
            prepared = time.perf_counter() - start
            write_portfolio(out, portfolio, FORMATS, jobs=args.jobs)
            wall = time.perf_counter() - start
            cpu = _cpu_seconds() - cpu_before
            load = os.getloadavg()[0]
            files, apparent, allocated, digest = tree_figures(out)
            digests.append(digest)
            print(f"run {run}: {len(portfolio.work)} customers, formats {' '.join(FORMATS)}, "
                  f"jobs {args.jobs}: {wall:.1f} s wall ({prepared:.1f} s allocating and "
                  f"grouping in one process), {cpu:.1f} s CPU in all processes, load average "
                  f"{load:.1f} (1 min) at the end; {files} files, {apparent / 1e6:.0f} MB "
                  f"({allocated / 1e6:.0f} MB allocated on disk)")
            shutil.rmtree(out)
            del portfolio
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak memory: {own:.0f} MiB (this process), {child:.0f} MiB (largest worker)")
        print(f"identical bytes in both runs: {digests[0] == digests[1]}")


if __name__ == "__main__":
    main()
