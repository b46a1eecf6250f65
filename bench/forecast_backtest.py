"""Backtest of ``planner demand``'s forecast on synthetic histories with known truth.

Draws ``--customers`` monthly histories (growth, yearly seasonality, noise, a step change for
a fifth of them; :mod:`planner.demand.backtest`) at each history length, hides each
customer's last ``--holdout`` months, forecasts them from the months before and prints, per
length, the MAPE of the median forecast, the MAPE of the naive last-value forecast and the
share of true values inside the 80 % interval (goal: 70 % to 90 %).

Usage: ``python bench/forecast_backtest.py [--customers 100] [--seed 0] [--holdout 6]``
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from planner.demand.backtest import backtest_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--holdout", type=int, default=6)
    parser.add_argument("--lengths", type=int, nargs="+", default=[36, 18, 9],
                        help="months of history in all (the fit sees LENGTH - HOLDOUT)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    start = time.perf_counter()
    table = backtest_table(args.customers, args.seed, args.holdout, tuple(args.lengths))
    print(f"{args.customers} customers per length, last {args.holdout} months hidden, "
          f"{time.perf_counter() - start:.0f} s")
    print("| months fitted | method | MAPE of median | MAPE of naive | inside 80 % interval |")
    print("|---|---|---|---|---|")
    for row in table.itertuples(index=False):
        print(f"| {row.months_fitted} | {row.method} | {row.mape_median_pct:.1f} % | "
              f"{row.mape_naive_pct:.1f} % | {row.coverage_80_pct:.1f} % |")


if __name__ == "__main__":
    main()
