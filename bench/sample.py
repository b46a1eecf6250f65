"""Time planning of the bundled sample (34 customers x up to 24 months) per engine.

Usage: ``python bench/sample.py [--engine dp|milp] [--time-limit SECONDS] [--only N]``.
Prints wall and CPU time per customer and in all (the engine's own seconds apart from the ``dp``
reference solves), CPU seconds of the process, the load average of the machine, how many
customers were proven optimal and, for another engine than ``dp``, how many of its optimal
totals equal the ``dp`` totals to the cent.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import planner
from planner.planning import plan_customer

DATA = Path(__file__).resolve().parents[1] / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=planner.ENGINES, default=planner.DEFAULT_ENGINE)
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--only", type=int, default=None, help="plan only the first N customers")
    args = parser.parse_args()
    start, cpu_start = time.perf_counter(), time.process_time()
    inputs = planner.read_inputs(*(DATA / f"{n}.csv" for n in
                                   ("customers", "demand", "catalog", "egress_rates",
                                    "inventory")))
    problems = planner.build_problems(inputs)[: args.only]
    loaded = time.perf_counter()
    by_status: dict[str, int] = {}
    by_mode: dict[str, float] = {}
    agree = disagree = 0
    engine_s = 0.0
    for problem in problems:
        began, cpu_began = time.perf_counter(), time.process_time()
        result = plan_customer(problem, args.engine, args.time_limit)
        spent = time.perf_counter() - began
        spent_cpu = time.process_time() - cpu_began
        engine_s += spent
        by_status[str(result.status)] = by_status.get(str(result.status), 0) + 1
        by_mode[problem.resiliency] = by_mode.get(problem.resiliency, 0.0) + spent
        if args.engine != "dp" and result.status is planner.Status.OPTIMAL:
            reference = plan_customer(problem, "dp")
            if round(reference.total_usd, 2) == round(result.total_usd, 2):
                agree += 1
            else:
                disagree += 1
        print(f"{problem.customer_id:28s} {problem.resiliency:9s} {problem.months:3d} months "
              f"{str(result.status):10s} {spent:8.3f} s wall {spent_cpu:8.3f} s CPU")
    total = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}")
    print(f"engine {args.engine}: {len(problems)} customers in {total:.1f} s wall "
          f"(loading {loaded - start:.2f} s; the engine itself {engine_s:.1f} s); "
          f"statuses {by_status}")
    print(f"CPU {cpu:.1f} s of this process; load average (1, 5, 15 min) at the end: {load} "
          f"on {os.cpu_count()} cores")
    if args.engine != "dp":
        print(f"optimal totals equal to dp's: {agree}; different: {disagree}")
    print("seconds by resiliency: " + ", ".join(f"{k} {v:.1f}" for k, v in by_mode.items()))


if __name__ == "__main__":
    main()
