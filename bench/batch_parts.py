"""Where a batch worker's time goes, per customer-plan, in one process.

Draws the synthetic portfolio (seed 1), takes its first ``--customers`` customers under the
ten scenarios of ``bench/batch.py --scenarios 10`` and times each step a worker takes for a
customer-plan, one step over all customer-plans at a time (CPU time of this process):
applying the scenario, the rule prechecks, the ``dp`` engine (of it: the state tables and
the compiled forward passes), the independent re-check of the rules, the costing with the
periods.csv rows, the circuits.csv rows and the checkpoint line.

Usage: ``python bench/batch_parts.py [--customers 1000] [--months 36]``.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import planner
from planner.batch import Record, scenario_problem
from planner.batch_rows import circuits_text, periods_text, rules_hold
from planner.diagnose import precheck
from planner.domain import Resiliency, Site
from planner.engines.dp import SiteTables, solve_dp
from planner.engines.dp._kernels import forward_one_site, forward_two_sites
from planner.inputs.read import read_table
from planner.scenarios import BASE, Scenario
from planner.synth import synthesize

DATA = Path(__file__).resolve().parents[1] / "data"


def cpu_ms(step: Callable[[], object], count: int) -> float:
    """CPU time of ``step`` [ms] per customer-plan."""
    start = time.process_time()
    step()
    return 1000 * (time.process_time() - start) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--months", type=int, default=36)
    args = parser.parse_args()
    portfolio = synthesize(args.customers, args.months, 1, read_table(DATA / "catalog.csv"),
                           read_table(DATA / "egress_rates.csv"))
    inputs = planner.validate_inputs(portfolio.customers, portfolio.demand,
                                     portfolio.catalog, portfolio.egress_rates,
                                     portfolio.inventory)
    scenarios = [BASE] + [Scenario(f"s{i}", growth=1 + 0.1 * ((i + 1) // 2),
                                   price_pct=-10.0 if i % 2 == 0 else 0.0)
                          for i in range(1, 10)]
    base = planner.build_problems(inputs)
    catalogs: dict = {}
    solve_dp(base[0])       # compiled kernels loaded before timing
    problems: list = []
    n = len(base) * len(scenarios)
    steps: dict[str, float] = {}
    steps["scenario applied"] = cpu_ms(lambda: problems.extend(
        scenario_problem(b, s, catalogs) for b in base for s in scenarios), n)
    steps["rule prechecks"] = cpu_ms(lambda: [precheck(p) for p in problems], n)
    results: list = []
    steps["dp engine, all of it"] = cpu_ms(
        lambda: results.extend(solve_dp(p) for p in problems), n)
    tables: list = []
    steps["  of it: state tables"] = cpu_ms(lambda: tables.extend(
        SiteTables(p, p.resiliency == Resiliency.MAXIMUM) for p in problems), n)

    def forward() -> None:
        for p, t in zip(problems, tables, strict=True):
            s = t.space
            if t.second is None:
                forward_one_site(t.first_arrival(Site.PRIMARY),
                                 np.ascontiguousarray(t.cost.transpose(1, 0, 2)),
                                 t.in_place, t.fresh(), s.moves, p.setup_usd)
            else:
                forward_two_sites(t.first_arrival(Site.PRIMARY), t.first_arrival(Site.SECONDARY),
                                  t.cost, t.second, t.in_place, t.fresh(), s.moves,
                                  p.setup_usd, 64)

    steps["  of it: forward passes (compiled)"] = cpu_ms(forward, n)
    planned = [(p, r.plans) for p, r in zip(problems, results, strict=True) if r.plans]
    steps["re-check of the rules"] = cpu_ms(lambda: [rules_hold(p, s) for p, s in planned], n)
    steps["costing and periods.csv rows"] = cpu_ms(
        lambda: [periods_text(p, s) for p, s in planned], n)
    steps["circuits.csv rows"] = cpu_ms(lambda: [circuits_text(p, s) for p, s in planned], n)
    steps["checkpoint line"] = cpu_ms(lambda: [Record(
        "s", p.customer_id, "optimal", 1.0, "",
        [[m.tier, m.family, list(m.at(Site.PRIMARY)), list(m.at(Site.SECONDARY))] for m in s]
    ).to_json() for p, s in planned], n)
    print(f"{len(base)} customers x {args.months} months x {len(scenarios)} scenarios = "
          f"{n} customer-plans; load average {os.getloadavg()[0]:.2f}")
    for name, ms in steps.items():
        print(f"{name:40s} {ms:6.3f} ms per customer-plan")
    top = [v for k, v in steps.items() if not k.startswith("  ")]
    print(f"{'sum of the steps':40s} {sum(top):6.3f} ms per customer-plan")


if __name__ == "__main__":
    main()
