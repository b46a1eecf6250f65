"""Benchmark of ``planner demand`` at scale: telemetry -> history -> forecast.

Writes ``--circuits`` circuits x ``--days`` days of 5-minute samples as one plain CSV (the
synthetic generator of ``planner synth --telemetry``; not timed), then times reading it,
the monthly history and the forecast in a fresh process, and prints wall time per stage and
that process's peak resident memory.

Usage: ``python bench/demand_scale.py --circuits 1000 --days 90 [--gzip] [--keep DIR]``
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

import numpy as np
import pandas as pd

from planner.demand.telemetry import synthesize_telemetry, write_plain_csv


def portfolio(circuits: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Levels and inventory: customers of 1 to 3 circuits, 36 months of growing peaks."""
    rng = np.random.default_rng(seed)
    per_customer = rng.integers(1, 4, circuits)
    owners = np.repeat(np.arange(circuits), per_customer)[:circuits]
    inventory = pd.DataFrame({"customer_id": [f"cust-{o:05d}" for o in owners],
                              "circuit_name": [f"er-{i:05d}" for i in range(circuits)]})
    customers = inventory["customer_id"].unique()
    periods = [str(p) for p in pd.period_range("2027-01", periods=4, freq="M")]
    base = np.exp(rng.normal(np.log(400), 1.0, len(customers)))
    levels = pd.DataFrame({
        "customer_id": np.repeat(customers, len(periods)),
        "period": np.tile(periods, len(customers)),
        "peak_mbps": (base[:, None] * 1.02 ** np.arange(len(periods))).ravel(),
    })
    return levels, inventory


def timed(telemetry: Path, inventory: Path) -> None:
    """The timed part, run in its own process so that its peak memory is its own."""
    from planner.demand import circuit_owners, forecast_history, monthly_history, read_telemetry

    start = time.perf_counter()
    samples = read_telemetry([telemetry])
    read_s = time.perf_counter() - start
    history = monthly_history(samples, circuit_owners(pd.read_csv(inventory)))
    history_s = time.perf_counter() - start - read_s
    del samples
    forecast = forecast_history(history.table, 12)
    forecast_s = time.perf_counter() - start - read_s - history_s
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"read {read_s:.1f} s, history {history_s:.1f} s, forecast {forecast_s:.1f} s, "
          f"total {time.perf_counter() - start:.1f} s; peak memory {peak:,.0f} MiB; "
          f"{history.table['customer_id'].nunique()} customers, {len(history.table)} months, "
          f"{len(forecast)} forecast rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--circuits", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gzip", action="store_true", help="write and read plain.csv.gz")
    parser.add_argument("--keep", type=Path, default=None,
                        help="folder for the telemetry (kept; reused when present)")
    parser.add_argument("--timed", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.timed:
        timed(*args.timed)
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="demand-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    telemetry = folder / ("plain.csv.gz" if args.gzip else "plain.csv")
    inventory = folder / "inventory.csv"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    if not telemetry.exists():
        start = time.perf_counter()
        levels, circuits = portfolio(args.circuits, args.seed)
        samples = synthesize_telemetry(levels, circuits, "2027-01-01", args.days, args.seed)
        write_plain_csv(samples, telemetry)
        circuits.to_csv(inventory, index=False)
        print(f"wrote {len(samples):,} samples ({telemetry.stat().st_size / 2**20:,.0f} MiB) "
              f"in {time.perf_counter() - start:.0f} s (not timed)")
        del samples
    subprocess.run([sys.executable, __file__, "--timed", str(telemetry), str(inventory)],
                   check=True)


if __name__ == "__main__":
    main()
