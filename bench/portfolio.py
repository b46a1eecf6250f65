"""Benchmark the Direct-pairs optimizer on a synthetic portfolio (SPEC section 8).

    python bench/portfolio.py --customers 1000 --locations 5 --time-limit 60 --gap 0.001

Prints the time of each phase (independent plans, pricing DPs, master LPs, integer
masters), the iterations, columns and nodes, the total, the bound and the gap.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from planner.direct.ports import read_ports
from planner.direct.problem import build_portfolio_problem
from planner.direct.solve import solve_portfolio
from planner.direct.synth import direct_catalog, synth_ports
from planner.inputs.read import read_inputs, read_table
from planner.synth import synthesize

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--locations", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--gap", type=float, default=0.001, help="relative gap to stop at")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        catalog = direct_catalog(read_table(ROOT / "data" / "catalog.csv"))
        portfolio = synthesize(args.customers, args.months, args.seed, catalog,
                               read_table(ROOT / "data" / "egress_rates.csv"))
        portfolio.write(folder / "in")
        synth_ports(portfolio.customers, args.locations).to_csv(folder / "in" / "ports.csv",
                                                                index=False)
        began = time.monotonic()
        inputs = read_inputs(*(folder / "in" / f"{n}.csv" for n in
                               ("customers", "demand", "catalog", "egress_rates", "inventory")))
        offers = read_ports(folder / "in" / "ports.csv", inputs)
        problem = build_portfolio_problem(inputs, offers)
        read_s = time.monotonic() - began
    began = time.monotonic()
    result = solve_portfolio(problem, time_limit_s=args.time_limit, relative_gap=args.gap,
                             progress=print)
    solve_s = time.monotonic() - began
    s = result.stats
    gap = result.gap_usd / max(1.0, result.total_usd)
    print(f"customers {args.customers}, months {args.months}, pools {len(offers)} at "
          f"{args.locations} locations, coupled customers {len(problem.coupled)}")
    print(f"read {read_s:.1f} s; solve {solve_s:.1f} s = independent {s.independent_s:.1f} s "
          f"+ pricing {s.pricing_s:.1f} s ({s.pricing_calls} DPs) + master LP "
          f"{s.master_s:.1f} s + integer master {s.integer_s:.1f} s + other")
    print(f"iterations {s.iterations}, columns {s.columns}, nodes {s.nodes}")
    print(f"status {result.status}: total {result.total_usd:,.2f} USD, bound "
          f"{result.lower_bound_usd:,.2f} USD, gap {result.gap_usd:,.2f} USD ({gap:.4%}); "
          f"independent plans {result.independent_usd:,.2f} USD")


if __name__ == "__main__":
    main()
