"""``planner inventory``: the CSP's circuits as Azure lists them -> inventory.csv."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from planner.azure.inventory import DEFAULT_TAG, read_azure_inventory
from planner.inputs.read import read_table, write_atomically
from planner.inputs.schema import CUSTOMERS
from planner.inputs.validate import InputError, InputIssue, parse_table
from planner.provision.portfolio import SETTINGS_FILE
from planner.provision.settings import read_customer_options, read_settings

#: Findings printed one per line; the rest are in inventory_findings.csv.
LISTED_AT_MOST = 20


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``inventory``."""
    parser = subparsers.add_parser(
        "inventory", help="turn `az network express-route list` JSON into inventory.csv",
        description="Read the JSON of `az network express-route list` / `show` or ARM GETs "
                    "of expressRouteCircuits, match each circuit to a customer (by the "
                    "--tag tag, else by subscription ID) and write inventory.csv, "
                    "peering_allocations.csv (the private peerings' addresses and VLANs as "
                    "they are), direct_circuits.csv and inventory_findings.csv.")
    parser.add_argument("--from-az", type=Path, nargs="+", required=True, metavar="FILE",
                        dest="from_az", help="JSON files")
    parser.add_argument("--customers", type=Path, default=Path("data/customers.csv"),
                        help="customers.csv (default: data/customers.csv)")
    parser.add_argument("--tag", default=DEFAULT_TAG,
                        help=f"tag naming a circuit's customer_id (default: {DEFAULT_TAG})")
    parser.add_argument("--provisioning", type=Path, default=None, metavar="FILE",
                        help="provisioning settings whose resource-group names are checked "
                             "(default: provisioning.toml beside --customers, when it exists)")
    parser.add_argument("--out", type=Path, default=Path("inventory"),
                        help="output folder, replaced as a whole (default: inventory)")
    parser.set_defaults(func=run)


def read_customers(path: Path) -> pd.DataFrame:
    """customers.csv typed as the planner reads it.

    Raises
    ------
    InputError
        Naming file, row and column of every bad cell.
    """
    issues: list[InputIssue] = []
    table = parse_table(read_table(path), CUSTOMERS, str(path), issues)
    if issues:
        raise InputError(issues)
    for column in ("subscription_id", "secondary_peering_location"):
        table[column] = table[column].fillna("")
    return table


def resource_groups(customers_path: Path, settings_path: Path | None) -> dict[str, str]:
    """The resource group the manifests use for each customer (settings, then the column)."""
    default = customers_path.parent / SETTINGS_FILE
    settings = read_settings(settings_path or (default if default.exists() else None))
    options = read_customer_options(read_table(customers_path), str(customers_path))
    return {str(cid): str(group or "") or settings.resource_group.format(customer=cid)
            for cid, group in options["resource_group"].items()}


def run(args: argparse.Namespace) -> int:
    """Read, match, write atomically and report; return 0."""
    from planner.cli import EXIT_OK

    found = read_azure_inventory(args.from_az, read_customers(args.customers), args.tag,
                                 resource_groups(args.customers, args.provisioning))
    tables = {"inventory.csv": found.inventory,
              "peering_allocations.csv": found.allocations,
              "direct_circuits.csv": found.direct,
              "inventory_findings.csv": found.findings}

    def write(folder: Path) -> None:
        for name, table in tables.items():
            table.to_csv(folder / name, index=False, lineterminator="\n")

    out = write_atomically(args.out, write)
    customers = found.inventory["customer_id"].nunique()
    print(f"{len(found.inventory)} circuits of {customers} customers in inventory.csv, "
          f"{len(found.allocations)} private peerings kept, "
          f"{len(found.direct)} Direct circuits")
    if len(found.findings):
        print(f"{len(found.findings)} finding(s), in inventory_findings.csv:")
        for row in found.findings.head(LISTED_AT_MOST).itertuples(index=False):
            print(f"  {row.circuit_name} ({row.file} {row.path}): {row.finding}")
        if len(found.findings) > LISTED_AT_MOST:
            print(f"  ... and {len(found.findings) - LISTED_AT_MOST} more")
    print(f"written to {out}")
    return EXIT_OK
