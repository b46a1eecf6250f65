"""``planner optimize``: plan a portfolio and write summary, periods and circuits."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from planner.cli.manifests import MANIFESTS_DIR, add_provisioning_flags, provisioning_paths
from planner.cli.progress import Progress
from planner.io import read_inputs, write_atomically, write_tables
from planner.model import Status, build_problems
from planner.planning import DEFAULT_ENGINE, ENGINES, assemble, plan_customer
from planner.provision import build_portfolio, read_provisioning, write_manifests
from planner.validate import InputError

FILES = {"customers": "customers.csv", "demand": "demand.csv", "catalog": "catalog.csv",
         "egress_rates": "egress_rates.csv", "inventory": "inventory.csv"}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``optimize``."""
    parser = subparsers.add_parser(
        "optimize", help="plan every customer at least total cost",
        description="Plan every customer at least total cost. With no arguments, plans the "
                    "sample in ./data and writes ./out.")
    parser.add_argument("--data", default="data", type=Path,
                        help="folder holding the five input files under their SPEC names "
                             "(default: data)")
    for name, file in FILES.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=Path, default=None,
                            help=f"{file} to use instead of DATA/{file}")
    parser.add_argument("--no-inventory", action="store_true",
                        help="plan as if no circuits existed yet")
    parser.add_argument("--out", default=Path("out"), type=Path,
                        help="output folder, replaced as a whole when the run completes "
                             "(default: out)")
    parser.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                        help=f"optimization engine (default: {DEFAULT_ENGINE})")
    parser.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                        help="wall-time limit per customer [s]")
    add_provisioning_flags(parser)
    parser.set_defaults(func=run)


def input_paths(args: argparse.Namespace) -> dict[str, Path | None]:
    """The five input paths: explicit flags, else the --data folder.

    The inventory of the --data folder is used only when it exists and --customers was
    not given (another portfolio's inventory would not match).
    """
    paths: dict[str, Path | None] = {}
    for name, file in FILES.items():
        paths[name] = getattr(args, name) or args.data / file
    if args.no_inventory:
        paths["inventory"] = None
    elif args.inventory is None and (args.customers is not None
                                     or not args.data.joinpath(FILES["inventory"]).exists()):
        paths["inventory"] = None
    return paths


def run(args: argparse.Namespace) -> int:
    """Plan, write the outputs atomically, print a summary; return the exit status."""
    from planner.cli import EXIT_ERROR, EXIT_INFEASIBLE, EXIT_INVALID_INPUT, EXIT_OK

    paths = input_paths(args)
    try:
        inputs = read_inputs(**paths)
        provisioning = read_provisioning(paths["customers"], *provisioning_paths(args))
    except InputError as error:
        print(f"planner: invalid input, nothing written.\n{error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    problems = build_problems(inputs)
    progress = Progress(len(problems))
    results = []
    for problem in problems:
        results.append(plan_customer(problem, args.engine, args.time_limit))
        progress.advance()
    result = assemble(results, inputs)
    optimal = result.summary.loc[result.summary["status"] == Status.OPTIMAL, "customer_id"]
    try:
        manifests, allocations = build_portfolio(inputs, result.circuits, optimal.tolist(),
                                                 provisioning)
    except InputError as error:
        print(f"planner: invalid input, nothing written.\n{error}", file=sys.stderr)
        return EXIT_INVALID_INPUT

    def write(folder: Path) -> None:
        write_tables(folder, result.summary, result.periods, result.circuits)
        write_manifests(folder / MANIFESTS_DIR, manifests, allocations)

    out = write_atomically(args.out, write)
    counts = result.summary["status"].value_counts()
    total = result.summary["total_usd"].sum()
    print(f"planned {len(result.summary)} customers: "
          + ", ".join(f"{counts.get(s.value, 0)} {s.value}" for s in Status)
          + f"; total of optimal plans {total:,.2f} USD; written to {out}")
    for row in result.summary.itertuples(index=False):
        if row.status != Status.OPTIMAL:
            print(f"  {row.customer_id}: {row.status}: {row.message}")
    if (result.summary["status"] == Status.ERROR).any():
        return EXIT_ERROR
    if (result.summary["status"] == Status.INFEASIBLE).any():
        return EXIT_INFEASIBLE
    return EXIT_OK
