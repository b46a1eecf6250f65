"""``planner synth``: write a synthetic portfolio in the input formats of docs/inputs.rst."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from planner.direct.synth import direct_catalog, synth_ports
from planner.inputs.read import read_table
from planner.inputs.validate import InputError
from planner.synth import synthesize


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``synth``."""
    parser = subparsers.add_parser(
        "synth", help="write a synthetic portfolio for trials and benchmarks",
        description="Write customers.csv, demand.csv and inventory.csv of a synthetic "
                    "portfolio, with the catalog, egress rates and any provisioning settings "
                    "of --data, into --out. "
                    "The same seed gives the same files.")
    parser.add_argument("--customers", type=int, default=1000, help="customers (default: 1000)")
    parser.add_argument("--months", type=int, default=36, help="months (default: 36)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--start", default="2027-01", help="first month, YYYY-MM")
    parser.add_argument("--data", type=Path, default=Path("data"),
                        help="folder with catalog.csv and egress_rates.csv (default: data)")
    parser.add_argument("--out", type=Path, required=True, help="output folder (replaced)")
    parser.add_argument("--telemetry", action="store_true",
                        help="also write 5-minute traffic of the inventory's circuits, "
                             "following demand.csv from its first month, into OUT/telemetry/ "
                             "as a plain CSV, az monitor JSON and an hourly AzureMetrics CSV")
    parser.add_argument("--telemetry-days", type=int, default=90, metavar="DAYS",
                        help="days of telemetry (default: 90)")
    parser.add_argument("--ports", type=int, default=0, metavar="N",
                        help="also write ports.csv with 10 Gb/s Direct pairs at the N busiest "
                             "peering locations and add the Direct SKUs to catalog.csv "
                             "(default: 0, none)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Draw and write the portfolio; return the exit status."""
    from planner.cli import EXIT_INVALID_INPUT, EXIT_OK

    if args.customers < 1 or args.months < 1 or args.telemetry_days < 1 or args.ports < 0:
        print("planner synth: --customers, --months and --telemetry-days must be at least 1, "
              "--ports at least 0",
              file=sys.stderr)
        return EXIT_INVALID_INPUT
    try:
        catalog = read_table(args.data / "catalog.csv")
        egress_rates = read_table(args.data / "egress_rates.csv")
    except InputError as error:
        print(f"planner synth: nothing written.\n{error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    portfolio = synthesize(args.customers, args.months, args.seed, catalog, egress_rates,
                           start=args.start)
    settings = tuple(sorted(args.data.glob("provisioning.*")))
    with tempfile.TemporaryDirectory() as scratch:
        if args.ports:
            portfolio.catalog = direct_catalog(portfolio.catalog)
            ports = synth_ports(portfolio.customers, args.ports)
            ports.to_csv(Path(scratch) / "ports.csv", index=False, lineterminator="\n")
            settings = (*settings, Path(scratch) / "ports.csv")
        out = portfolio.write(args.out, copies=settings)
    print(f"wrote {len(portfolio.customers)} customers, {len(portfolio.demand)} demand rows "
          f"and {len(portfolio.inventory)} inventory circuits to {out}")
    if args.telemetry:
        from planner.demand.telemetry import write_synthetic_telemetry

        folder = write_synthetic_telemetry(portfolio, out / "telemetry", args.start,
                                           args.telemetry_days, args.seed)
        print(f"wrote {args.telemetry_days} days of 5-minute telemetry of "
              f"{len(portfolio.inventory)} circuits to {folder}")
    if args.ports:
        print(f"with Direct pairs at {ports['peering_location'].nunique()} locations in "
              f"{out / 'ports.csv'}")
    return EXIT_OK
