"""``planner prices``: saved Azure Retail Prices API pages -> catalog.csv and egress rates."""

from __future__ import annotations

import argparse
from pathlib import Path

from planner.azure.retail_prices import price_tables, read_retail_prices
from planner.inputs.read import write_atomically

#: Unknown meters printed one per line; the rest are in unused_meters.csv.
LISTED_AT_MOST = 20


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``prices``."""
    parser = subparsers.add_parser(
        "prices", help="turn saved Azure Retail Prices API pages into catalog.csv",
        description="Read saved Azure Retail Prices API pages (the JSON with Items, every "
                    "page the API returned) and write catalog.csv (with zone), "
                    "egress_rates.csv, the ExpressRoute Direct port-pair fees "
                    "(direct_ports.csv) and Direct circuit rows (direct_catalog.csv), and "
                    "unused_meters.csv listing every item not used and why.")
    parser.add_argument("--retail", type=Path, nargs="+", required=True, metavar="FILE",
                        help="saved API pages (JSON)")
    parser.add_argument("--out", type=Path, default=Path("prices"),
                        help="output folder, replaced as a whole (default: prices)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Read the pages, write the tables atomically, print what was used; return 0."""
    from planner.cli import EXIT_OK

    prices = read_retail_prices(args.retail)
    tables = price_tables(prices)

    def write(folder: Path) -> None:
        for name, table in tables.items():
            table.to_csv(folder / name, index=False, lineterminator="\n")

    out = write_atomically(args.out, write)
    print(f"read {prices.items} items from {len(args.retail)} file(s): "
          f"{len(prices.catalog)} catalog rows, {len(prices.egress_rates)} egress zones, "
          f"{len(prices.direct_ports)} Direct port fees, "
          f"{len(prices.direct_catalog)} Direct circuit rows")
    for reason, count in prices.unused["reason"].value_counts().sort_index().items():
        print(f"  not used: {count} x {reason}")
    unknown = prices.unknown
    if len(unknown):
        print(f"{len(unknown)} unknown meter(s), listed in unused_meters.csv:")
        for row in unknown.head(LISTED_AT_MOST).itertuples(index=False):
            print(f"  {row.file} {row.path}: {row.productName} / {row.meterName} "
                  f"({row.armRegionName}, {row.unitOfMeasure})")
        if len(unknown) > LISTED_AT_MOST:
            print(f"  ... and {len(unknown) - LISTED_AT_MOST} more")
    print(f"written to {out}")
    return EXIT_OK
