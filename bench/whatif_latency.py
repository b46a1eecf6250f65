"""Latency of re-planning one 24-month customer after a what-if control moves.

Each sample is one fresh re-plan (no cache) under a different what-if, as the widget app
does when a control moves to a value it has not seen: a cycle of demand-growth, price,
target-utilization and setup-cost settings. Prints the median and the 95th percentile per
customer: a ``standard``, an ``n+1`` and a ``maximum`` one from the bundled sample.

    .venv/bin/python bench/whatif_latency.py [--repeats N]
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import time
from pathlib import Path

import planner
from planner.whatif import WhatIf, replan

DATA = Path(__file__).resolve().parent.parent / "data"
CUSTOMERS = {"standard": "contoso-eu", "n+1": "adatum-health", "maximum": "kestrel-energy"}
SETTINGS = [
    WhatIf(demand_growth_pct=50), WhatIf(price_change_pct=10), WhatIf(target_utilization=0.7),
    WhatIf(setup_usd=500), WhatIf(demand_growth_pct=100, price_change_pct=-10),
    WhatIf(target_utilization=0.9), WhatIf(demand_growth_pct=-50), WhatIf(billing="MeteredData"),
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=40, help="re-plans per customer")
    args = parser.parse_args()
    inputs = planner.read_folder(DATA)
    problems = {p.customer_id: p for p in planner.build_problems(inputs)}
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {args.repeats} re-plans per customer")
    print(f"{'resiliency':<11}{'customer':<17}{'months':>7}{'median ms':>11}{'p95 ms':>9}")
    for resiliency, customer_id in CUSTOMERS.items():
        problem = problems[customer_id]
        replan(problem, WhatIf())
        times = []
        for whatif in itertools.islice(itertools.cycle(SETTINGS), args.repeats):
            start = time.perf_counter()
            result = replan(problem, whatif)
            times.append((time.perf_counter() - start) * 1000)
            assert result.status is planner.Status.OPTIMAL, result.message
        print(f"{resiliency:<11}{customer_id:<17}{problem.months:>7}"
              f"{statistics.median(times):>11.0f}{percentile(times, 0.95):>9.0f}")


if __name__ == "__main__":
    main()
