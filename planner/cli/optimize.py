"""``planner optimize``: plan a portfolio and write summary, periods and circuits."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import pandas as pd

from planner.batch import (
    ScenarioOutput,
    check_scenarios,
    parse_scenario,
    read_scenarios,
    run_batch,
)
from planner.cli.manifests import MANIFESTS_DIR, add_provisioning_flags, provisioning_paths
from planner.cli.progress import Progress
from planner.io import format_summary, read_inputs, write_atomically
from planner.model import Status
from planner.planning import DEFAULT_ENGINE, ENGINES
from planner.provision import build_portfolio, read_provisioning, write_manifests
from planner.validate import InputError

#: Non-optimal customers listed one per line after the run; the rest are counted.
LISTED_AT_MOST = 20

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
                        help="wall-time limit per customer [s]; a customer that runs out "
                             "gets the status time_limit")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="plan on N local processes (default: 1)")
    parser.add_argument("--dask", default=None, metavar="ADDRESS",
                        help="plan on the Dask distributed cluster whose scheduler is at "
                             "ADDRESS, e.g. tcp://scheduler:8786 (needs the dask extra)")
    parser.add_argument("--scenario", action="append", default=[], metavar="SPEC",
                        help="a scenario NAME[:growth=FACTOR,price=PERCENT]; repeat for "
                             "several; outputs go to OUT/NAME/ with one OUT/summary.csv")
    parser.add_argument("--scenarios", type=Path, default=None, metavar="CSV",
                        help="scenarios file with columns scenario, growth, price_pct")
    add_provisioning_flags(parser)
    parser.add_argument("--no-manifests", action="store_true",
                        help="write only the CSV tables (`planner manifests --plan OUT` writes "
                             "the manifests later)")
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


def scenarios_of(args: argparse.Namespace) -> list | None:
    """The scenarios asked for, or None for a plain run.

    Raises
    ------
    ValueError
        When a scenario does not parse or names repeat.
    """
    scenarios = [parse_scenario(text) for text in args.scenario]
    if args.scenarios is not None:
        scenarios += read_scenarios(args.scenarios)
    return check_scenarios(scenarios) if scenarios else None


def checkpoint_folder(out: Path) -> Path:
    """Where a run into ``out`` keeps its checkpoint until the outputs are written."""
    return out.parent / f"{out.name}.partial"


def combined_summary(outputs: list[ScenarioOutput]) -> pd.DataFrame:
    """Every scenario's summary in one table with a leading ``scenario`` column."""
    frames = [format_summary(o.summary).assign(scenario=o.scenario.name) for o in outputs]
    table = pd.concat(frames, ignore_index=True)
    return table[["scenario", *[c for c in table.columns if c != "scenario"]]]


def report(outputs: list[ScenarioOutput], out: Path, scenario_mode: bool) -> None:
    """Print the counts per status and the customers that are not optimal."""
    listed = 0
    for output in outputs:
        summary = output.summary
        counts = summary["status"].value_counts()
        label = f"scenario {output.scenario.name}: " if scenario_mode else ""
        print(f"{label}planned {len(summary)} customers: "
              + ", ".join(f"{counts.get(s.value, 0)} {s.value}" for s in Status)
              + f"; total of optimal plans {summary['total_usd'].sum():,.2f} USD")
        for row in summary[summary["status"] != Status.OPTIMAL].itertuples(index=False):
            if listed < LISTED_AT_MOST:
                print(f"  {row.customer_id}: {row.status}: {row.message}")
            listed += 1
    if listed > LISTED_AT_MOST:
        print(f"  ... and {listed - LISTED_AT_MOST} more (see summary.csv)")
    print(f"written to {out}")


def exit_status(outputs: list[ScenarioOutput]) -> int:
    """0 all optimal; 4 some error or time limit; else 3 some infeasible."""
    from planner.cli import EXIT_ERROR, EXIT_INFEASIBLE, EXIT_OK

    statuses = set().union(*(set(o.summary["status"]) for o in outputs))
    if statuses & {Status.ERROR, Status.TIME_LIMIT}:
        return EXIT_ERROR
    if Status.INFEASIBLE in statuses:
        return EXIT_INFEASIBLE
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    """Plan, write the outputs atomically, print a summary; return the exit status.

    Finished customers are kept in a checkpoint beside the output folder (``OUT.partial``)
    until the outputs are written, so that the same command run again after an interruption
    resumes where it stopped.
    """
    from planner.cli import EXIT_INVALID_INPUT

    try:
        scenarios = scenarios_of(args)
    except (ValueError, OSError) as error:
        print(f"planner: invalid scenarios, nothing written.\n{error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    if args.jobs < 1:
        print("planner: --jobs must be at least 1", file=sys.stderr)
        return EXIT_INVALID_INPUT
    paths = input_paths(args)
    try:
        inputs = read_inputs(**paths)
        provisioning = read_provisioning(paths["customers"], *provisioning_paths(args))
    except InputError as error:
        print(f"planner: invalid input, nothing written.\n{error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    scenario_mode = scenarios is not None
    progress = Progress(len(inputs.customers) * (len(scenarios) if scenario_mode else 1))
    checkpoint = checkpoint_folder(args.out.resolve())
    counts = {"solved": 0, "resumed": 0}

    def solved(count: int) -> None:
        counts["solved"] += count
        progress.advance(count)

    def resumed(count: int) -> None:
        counts["resumed"] = count
        progress.skip(count)

    outputs = run_batch(inputs, checkpoint, **({"scenarios": scenarios} if scenario_mode else {}),
                        engine=args.engine, time_limit_s=args.time_limit, jobs=args.jobs,
                        dask_address=args.dask, progress=solved, resumed=resumed)
    if counts["resumed"]:
        print(f"resumed {counts['resumed']} customers from the checkpoint {checkpoint}; "
              f"solved {counts['solved']}")
    try:
        handoffs = []
        for output in [] if args.no_manifests else outputs:
            optimal = output.summary.loc[output.summary["status"] == Status.OPTIMAL,
                                         "customer_id"]
            handoffs.append(build_portfolio(output.inputs, output.circuits_frame(),
                                            optimal.tolist(), provisioning, jobs=args.jobs))
    except InputError as error:
        print(f"planner: invalid input, nothing written.\n{error}", file=sys.stderr)
        return EXIT_INVALID_INPUT

    def write(folder: Path) -> None:
        for index, output in enumerate(outputs):
            target = folder / output.scenario.name if scenario_mode else folder
            target.mkdir(exist_ok=True)
            output.write(target)
            if handoffs:
                write_manifests(target / MANIFESTS_DIR, *handoffs[index], jobs=args.jobs)
        if scenario_mode:
            combined_summary(outputs).to_csv(folder / "summary.csv", index=False)

    out = write_atomically(args.out, write)
    shutil.rmtree(checkpoint, ignore_errors=True)
    report(outputs, out, scenario_mode)
    return exit_status(outputs)
