"""Benchmark the Direct-pairs optimizer on a synthetic portfolio (SPEC section 8).

    python bench/portfolio.py --customers 1000 --locations 5 --time-limit 60 --gap 0.001

Locations are searched by ``--workers`` processes at once (default 2, the two cores the
goal is set for); phase times add up over them.

Prints the machine and its load average, the wall and CPU time of each phase (independent
plans, pricing DPs, master LPs, integer masters), the iterations, columns, linking rows,
capacity cuts and nodes, each location's plan, bound and time, and the portfolio's total,
bound and gap.
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
PHASES = ("independent", "pricing", "master", "integer")


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as text."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_with_workers() -> float:
    """CPU time of this process and of its ended worker processes [s]."""
    spent = os.times()
    return spent.user + spent.system + spent.children_user + spent.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--locations", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--gap", type=float, default=0.001,
                        help="relative gap (of the portfolio total) to stop at")
    parser.add_argument("--no-link-rows", action="store_true",
                        help="solve without the linking rows (the weaker LP)")
    parser.add_argument("--workers", type=int, default=2,
                        help="processes searching locations at once")
    parser.add_argument("--no-cuts", action="store_true",
                        help="solve without the capacity cuts")
    parser.add_argument("--cpu-clock", action="store_true",
                        help="count the time limit in this process's CPU seconds (for a "
                             "machine others share)")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"python {platform.python_version()}; load average {load_average()}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        catalog = direct_catalog(read_table(ROOT / "data" / "catalog.csv"))
        portfolio = synthesize(args.customers, args.months, args.seed, catalog,
                               read_table(ROOT / "data" / "egress_rates.csv"))
        portfolio.write(folder / "in")
        synth_ports(portfolio.customers, args.locations).to_csv(folder / "in" / "ports.csv",
                                                                index=False)
        began, cpu = time.monotonic(), time.process_time()
        inputs = read_inputs(*(folder / "in" / f"{n}.csv" for n in
                               ("customers", "demand", "catalog", "egress_rates", "inventory")))
        offers = read_ports(folder / "in" / "ports.csv", inputs)
        problem = build_portfolio_problem(inputs, offers)
        read_s, read_cpu = time.monotonic() - began, time.process_time() - cpu
    began, cpu = time.monotonic(), cpu_with_workers()
    result = solve_portfolio(problem, time_limit_s=args.time_limit, relative_gap=args.gap,
                             link_rows=not args.no_link_rows,
                             capacity_cuts=not args.no_cuts, workers=args.workers,
                             progress=print,
                             clock=time.process_time if args.cpu_clock else time.monotonic)
    solve_s, solve_cpu = time.monotonic() - began, cpu_with_workers() - cpu
    s = result.stats
    print(f"customers {args.customers}, months {args.months}, pools {len(offers)} at "
          f"{args.locations} locations, coupled customers {len(problem.coupled)}")
    print(f"{'phase':<12} {'wall s':>8} {'cpu s':>8}")
    print(f"{'read':<12} {read_s:8.1f} {read_cpu:8.1f}")
    for phase in PHASES:
        print(f"{phase:<12} {s.wall_s.get(phase, 0.0):8.1f} {s.cpu_s.get(phase, 0.0):8.1f}")
    print(f"{'solve':<12} {solve_s:8.1f} {solve_cpu:8.1f}")
    print(f"iterations {s.iterations}, pricing DPs {s.pricing_calls}, columns {s.columns}, "
          f"linking rows {s.link_rows}, capacity cuts {s.cuts}, nodes {s.nodes}, dives {s.dives}")
    for loc in s.locations:
        print(f"{loc.location}: {loc.customers} customers, total {loc.total_usd:,.0f} USD, "
              f"bound {loc.lower_bound_usd:,.0f} USD, gap "
              f"{loc.total_usd - loc.lower_bound_usd:,.0f} USD; {loc.nodes} nodes, "
              f"{loc.wall_s:.1f} s wall, {loc.cpu_s:.1f} s CPU")
    gap = result.gap_usd / max(1.0, result.total_usd)
    coupled = sum(loc.total_usd for loc in s.locations)
    print(f"status {result.status}: total {result.total_usd:,.2f} USD, bound "
          f"{result.lower_bound_usd:,.2f} USD, gap {result.gap_usd:,.2f} USD ({gap:.4%} of "
          f"the total, {result.gap_usd / max(1.0, coupled):.4%} of the coupled locations' "
          f"{coupled:,.0f} USD); independent plans {result.independent_usd:,.2f} USD")
    print(f"load average at the end {load_average()}")


if __name__ == "__main__":
    main()
