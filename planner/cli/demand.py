"""``planner demand``: measured traffic to history.csv, forecast.csv and demand.csv."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from planner.demand.forecast import (
    DEFAULT_HORIZON,
    demand_from_forecast,
    forecast_history,
    format_forecast,
)
from planner.demand.history import (
    DEFAULT_PERCENTILE,
    MIN_COVERAGE,
    History,
    circuit_owners,
    format_history,
    monthly_history,
)
from planner.demand.readers import read_telemetry
from planner.inputs.read import read_table, write_atomically
from planner.inputs.validate import InputError, InputIssue

#: Circuits, months and customers listed one per line at most; the rest are counted.
LISTED_AT_MOST = 20


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``demand``."""
    parser = subparsers.add_parser(
        "demand", help="turn measured circuit traffic into history, forecast and demand.csv",
        description="Read circuit traffic (the JSON of `az monitor metrics list`, an "
                    "AzureMetrics CSV export or a plain CSV circuit_name,timestamp,"
                    "bits_in_per_s,bits_out_per_s; gzip accepted; folders are read whole), map "
                    "circuits to customers through inventory.csv and write history.csv, "
                    "forecast.csv, demand.csv, and the customers.csv and inventory.csv rows of "
                    "the forecast customers into --out.")
    parser.add_argument("telemetry", nargs="+", type=Path, help="telemetry files or folders")
    parser.add_argument("--data", default=Path("data"), type=Path,
                        help="folder with customers.csv and inventory.csv (default: data)")
    parser.add_argument("--customers", type=Path, default=None,
                        help="customers.csv to use instead of DATA/customers.csv")
    parser.add_argument("--inventory", type=Path, default=None,
                        help="inventory.csv to use instead of DATA/inventory.csv")
    parser.add_argument("--out", type=Path, default=Path("demand-out"),
                        help="output folder, replaced as a whole (default: demand-out)")
    parser.add_argument("--horizon", type=int, default=DEFAULT_HORIZON, metavar="MONTHS",
                        help=f"months to forecast after the last full month "
                             f"(default: {DEFAULT_HORIZON})")
    parser.add_argument("--quantile", type=float, default=0.9,
                        help="quantile of the forecast peak written to demand.csv "
                             "(default: 0.9)")
    parser.add_argument("--percentile", type=float, default=DEFAULT_PERCENTILE,
                        help="percentile of a month's 5-minute values that is its peak "
                             f"(default: {DEFAULT_PERCENTILE:g})")
    parser.set_defaults(func=run)


def _check_options(args: argparse.Namespace) -> None:
    issues = []
    if args.horizon < 1:
        issues.append(InputIssue("--horizon", 0, "", "must be at least 1 month"))
    if not 0 < args.quantile < 1:
        issues.append(InputIssue("--quantile", 0, "", "must be in (0, 1)"))
    if not 0 < args.percentile <= 100:
        issues.append(InputIssue("--percentile", 0, "", "must be in (0, 100]"))
    if issues:
        raise InputError(issues)


def _listed(lines: list[str], what: str) -> None:
    for line in lines[:LISTED_AT_MOST]:
        print(f"  {line}")
    if len(lines) > LISTED_AT_MOST:
        print(f"  ... and {len(lines) - LISTED_AT_MOST} more {what}")


def run(args: argparse.Namespace) -> int:
    """Read, compute, write the five files atomically, report; return the exit status."""
    from planner.cli import EXIT_INVALID_INPUT, EXIT_OK

    customers_path = args.customers or args.data / "customers.csv"
    inventory_path = args.inventory or args.data / "inventory.csv"
    try:
        _check_options(args)
        customers = read_table(customers_path)
        inventory = read_table(inventory_path)
        owners = circuit_owners(inventory, str(inventory_path))
        samples = read_telemetry(args.telemetry)
        if samples.empty:
            raise InputError([InputIssue("telemetry", 0, "", "the files hold no samples")])
        history = monthly_history(samples, owners, args.percentile)
        if history.table.empty:
            raise InputError([InputIssue(str(inventory_path), 0, "", (
                "no circuit of the telemetry belongs to a customer of this inventory"))])
    except InputError as error:
        print(f"planner demand: invalid input, nothing written.\n{error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    forecast = forecast_history(history.table, args.horizon)
    demand = demand_from_forecast(forecast, customers, args.quantile)
    chosen = set(forecast["customer_id"])
    customer_rows = customers[customers["customer_id"].str.strip().isin(chosen)]
    inventory_rows = inventory[inventory["customer_id"].str.strip().isin(chosen)]

    def write(folder: Path) -> None:
        format_history(history.table).to_csv(folder / "history.csv", index=False)
        format_forecast(forecast).to_csv(folder / "forecast.csv", index=False)
        demand.to_csv(folder / "demand.csv", index=False)
        customer_rows.to_csv(folder / "customers.csv", index=False)
        inventory_rows.to_csv(folder / "inventory.csv", index=False)

    out = write_atomically(args.out, write)
    report(history, forecast, customers, samples, out)
    return EXIT_OK


def report(history: History, forecast: pd.DataFrame, customers: pd.DataFrame,
           samples: pd.DataFrame, out: Path) -> None:
    """Print what was read, what was left out and why, and where the files are."""
    table = history.table
    print(f"read {len(samples):,} samples of {samples['circuit'].nunique():,} circuits; "
          f"history of {table['customer_id'].nunique():,} customers, {len(table):,} months")
    if len(history.unmatched):
        print(f"{len(history.unmatched)} circuit(s) belong to no customer of the inventory; "
              "their traffic is not counted:")
        _listed([f"{r.circuit}: {r.samples:,} samples, {r.first:%Y-%m-%d %H:%M} to "
                 f"{r.last:%Y-%m-%d %H:%M} UTC" for r in history.unmatched.itertuples()],
                "circuits")
    if len(history.low_coverage):
        print(f"{len(history.low_coverage)} month(s) under {MIN_COVERAGE:.0%} coverage, "
              "not used to fit:")
        _listed([f"{r.customer_id} {r.period}: coverage {r.coverage:.1%}"
                 for r in history.low_coverage.itertuples()], "months")
    missing = sorted(set(customers["customer_id"].str.strip()) - set(forecast["customer_id"]))
    if missing:
        print(f"{len(missing)} customer(s) of customers.csv have no usable traffic and no "
              "forecast (left out of the customers.csv written):")
        _listed(missing, "customers")
    methods = forecast.drop_duplicates("customer_id")["method"].value_counts()
    print("forecast methods: " + ", ".join(f"{count} {name}" for name, count in methods.items()))
    print(f"written to {out}")
