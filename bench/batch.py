"""Benchmark of a portfolio batch run against the plain one-MILP-per-customer approach.

Generates the synthetic portfolio (``planner synth``'s generator), plans it with the default
engine on ``--jobs`` processes through the batch runner (checkpoint included) and writes the
three CSV files, then solves a sample of the same customers with ``engine="milp"`` (one PuLP
model per customer, in turn) and prints customers per second, wall time, peak memory and the
speed-up ratio.

Usage: ``python bench/batch.py --customers 10000 --months 36 [--jobs 2] [--sample 10]
[--scenarios 10]``. With ``--scenarios K`` the batch plans K scenarios of the portfolio
(``base``, then growth 1.1, 1.2, ... alternately with prices -10 %) in one run, as
``planner optimize --scenario ... --no-manifests`` does; ``--sample 0`` skips the MILP sample.
Besides wall time it prints the CPU time (user + system) of all its processes and the load
average, since the cores may be shared.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import planner
from planner.batch import run_batch
from planner.inputs.read import read_table, write_atomically
from planner.scenarios import BASE, Scenario
from planner.synth import synthesize

DATA = Path(__file__).resolve().parents[1] / "data"
FILES = ("customers.csv", "demand.csv", "catalog.csv", "egress_rates.csv", "inventory.csv")


def peak_mib() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest child [MiB] (Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, child


def cpu_s() -> tuple[float, float]:
    """CPU time [s], user and system: of this process and its finished children, and its own."""
    times = os.times()
    own = times.user + times.system
    return own + times.children_user + times.children_system, own


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sample", type=int, default=10,
                        help="customers solved with the plain MILP approach")
    parser.add_argument("--scenarios", type=int, default=1,
                        help="scenarios planned in one batch (a growth and price sweep)")
    args = parser.parse_args()
    scenarios = [BASE] + [Scenario(f"s{i}", growth=1 + 0.1 * ((i + 1) // 2),
                                   price_pct=-10.0 if i % 2 == 0 else 0.0)
                          for i in range(1, args.scenarios)]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
          f"Python {platform.python_version()}")
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        start = time.perf_counter()
        synthesize(args.customers, args.months, args.seed, read_table(DATA / "catalog.csv"),
                   read_table(DATA / "egress_rates.csv")).write(folder / "data")
        synth_s = time.perf_counter() - start

        start = time.perf_counter()
        inputs = planner.read_inputs(*(folder / "data" / name for name in FILES))
        read_s = time.perf_counter() - start
        start = time.perf_counter()
        cpu_start = cpu_s()
        outputs = run_batch(inputs, folder / "out.partial", jobs=args.jobs,
                            scenarios=scenarios)

        def write_all(out: Path) -> None:
            for output in outputs:
                (out / output.scenario.name).mkdir()
                output.write(out / output.scenario.name)

        write_atomically(folder / "out", write_all)
        batch_s = time.perf_counter() - start
        batch_cpu_s, main_cpu_s = (end - begin for end, begin in zip(cpu_s(), cpu_start,
                                                                       strict=True))
        load = os.getloadavg()
        own_mib, child_mib = peak_mib()
        statuses = outputs[0].summary["status"].value_counts().to_dict()

        problems = planner.build_problems(inputs)
        step = max(1, len(problems) // max(1, args.sample))
        sample = problems[::step][:args.sample]
        start = time.perf_counter()
        milp = [planner.plan_customer(p, "milp") for p in sample]
        milp_s = time.perf_counter() - start
        start = time.perf_counter()
        dp = [planner.plan_customer(p, "dp") for p in sample]
        dp_s = time.perf_counter() - start
        agree = sum(
            a.status == b.status and (a.total_usd is None
                                      or abs(a.total_usd - b.total_usd) <= 0.01)
            for a, b in zip(milp, dp, strict=True))

    n = args.customers * len(scenarios)
    batch_per_customer = batch_s / n
    milp_per_customer = milp_s / max(1, len(sample))
    print(f"portfolio: {args.customers} customers x {args.months} months (seed {args.seed}) x "
          f"{len(scenarios)} scenario(s) = {n} customer-plans, "
          f"generated in {synth_s:.1f} s; statuses {statuses}")
    print(f"read and validate: {read_s:.1f} s")
    print(f"batch (engine {planner.DEFAULT_ENGINE}, --jobs {args.jobs}, CSV tables written): "
          f"{batch_s:.1f} s wall, {n / batch_s:.1f} customer-plans/s; "
          f"{batch_cpu_s:.1f} s CPU (user + system, all processes), "
          f"{1000 * batch_cpu_s / n:.2f} ms per customer-plan; "
          f"{main_cpu_s:.1f} s of it in the main process")
    print(f"load average at the end of the batch (1, 5, 15 min): "
          f"{' '.join(f'{x:.2f}' for x in load)}")
    print(f"wall time read + batch: {read_s + batch_s:.1f} s")
    print(f"peak memory: {own_mib:.0f} MiB main process, {child_mib:.0f} MiB largest worker")
    if not sample:
        return
    print(f"plain approach (engine milp, one model per customer in turn) on {len(sample)} "
          f"customers: {milp_s:.1f} s, {milp_per_customer:.2f} s per customer "
          f"(engine dp serially on the same sample: {dp_s:.1f} s); "
          f"{agree}/{len(sample)} agree")
    print(f"speed-up of the batch over the plain approach: "
          f"{milp_per_customer / batch_per_customer:.0f}x")


if __name__ == "__main__":
    main()
