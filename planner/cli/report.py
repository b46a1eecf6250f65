"""``planner report``: one self-contained HTML page of a finished plan."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``report``."""
    parser = subparsers.add_parser(
        "report", help="write a standalone HTML report of a finished plan",
        description="Write one HTML file (works offline, plotly.js embedded once) with the "
                    "portfolio's totals, costs, utilization, customers that cannot be served, "
                    "forecast risk and Direct ports when present, and a section per chosen "
                    "customer.")
    parser.add_argument("--plan", required=True, type=Path, metavar="OUT",
                        help="the plan folder `planner optimize` wrote")
    parser.add_argument("--out", default=Path("report.html"), type=Path,
                        help="HTML file to write (default: report.html)")
    parser.add_argument("--customers", nargs="+", default=None, metavar="ID",
                        help="customers that get their own section (default: every customer "
                             "of a plan of at most 40, else the 5 costliest)")
    parser.add_argument("--customers-csv", type=Path, default=None, metavar="CSV",
                        help="the customers.csv the plan was made from, for costs by peering "
                             "location (default: OUT/manifests/allocations.csv when present)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Read the plan, build the report and write it; return the exit status."""
    from planner.report import build_report, read_plan, write_report  # plotly loads slowly

    plan = read_plan(args.plan, args.customers_csv)
    report = build_report(plan, args.customers)
    path = write_report(report, args.out)
    size_mb = path.stat().st_size / 1e6
    print(f"wrote {path} ({size_mb:.1f} MB, {report.figures} figures, "
          f"{len(report.customers)} customers in detail)")
    return 0
