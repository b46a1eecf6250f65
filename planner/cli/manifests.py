"""``planner manifests``: write provisioning manifests again from a finished plan."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from planner.cli.progress import Progress
from planner.io import read_inputs, write_atomically
from planner.provision import FORMATS, build_portfolio, read_provisioning, write_manifests
from planner.provision.portfolio import RECORD_FILE, SETTINGS_FILE
from planner.validate import InputError, Problem

MANIFESTS_DIR = "manifests"


def add_provisioning_flags(parser: argparse.ArgumentParser) -> None:
    """The flags both ``optimize`` and ``manifests`` take for the provisioning inputs."""
    parser.add_argument("--provisioning", type=Path, default=None, metavar="FILE",
                        help=f"provisioning settings (default: DATA/{SETTINGS_FILE} when it "
                             "exists, else built-in defaults)")
    parser.add_argument("--allocations", type=Path, default=None, metavar="FILE",
                        help="peering allocations to keep, as a previous run's "
                             f"manifests/allocations.csv (default: DATA/{RECORD_FILE} when "
                             "it exists)")


def provisioning_paths(args: argparse.Namespace) -> tuple[Path | None, Path | None]:
    """The settings file and allocation record to use."""
    settings = args.provisioning or args.data / SETTINGS_FILE
    record = args.allocations or args.data / RECORD_FILE
    return ((settings if args.provisioning or settings.exists() else None),
            (record if args.allocations or record.exists() else None))


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``manifests``."""
    from planner.cli.optimize import FILES

    parser = subparsers.add_parser(
        "manifests", help="write provisioning manifests from a finished plan",
        description="Write OUT_DIR/manifests again from OUT_DIR/summary.csv and "
                    "circuits.csv, without solving.")
    parser.add_argument("--plan", required=True, type=Path, metavar="OUT_DIR",
                        help="folder written by 'planner optimize'")
    parser.add_argument("--format", nargs="+", choices=FORMATS, default=list(FORMATS),
                        dest="formats", help="formats to write (default: all)")
    parser.add_argument("--data", default="data", type=Path,
                        help="folder of the inputs the plan was made from (default: data)")
    for name, file in FILES.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=Path, default=None,
                            help=f"{file} to use instead of DATA/{file}")
    parser.add_argument("--no-inventory", action="store_true",
                        help="the plan was made without an inventory")
    parser.add_argument("--jobs", type=int, default=1,
                        help="processes writing customers' folders at once (default: 1); "
                             "the files do not depend on it")
    add_provisioning_flags(parser)
    parser.set_defaults(func=run)


def read_plan(folder: Path) -> tuple[list[str], pd.DataFrame]:
    """The optimal customers and the circuits table of a finished plan."""
    problems = []
    tables = {}
    for name in ("summary", "circuits"):
        path = folder / f"{name}.csv"
        try:
            tables[name] = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
            problems.append(Problem(str(path), 0, "", f"cannot read the plan: {error}"))
    if problems:
        raise InputError(problems)
    summary, circuits = tables["summary"], tables["circuits"]
    circuits["bandwidth_mbps"] = circuits["bandwidth_mbps"].astype(int)
    optimal = summary.loc[summary["status"] == "optimal", "customer_id"].tolist()
    return optimal, circuits


def run(args: argparse.Namespace) -> int:
    """Rebuild and write the manifests; return the exit status."""
    from planner.cli import EXIT_INVALID_INPUT, EXIT_OK
    from planner.cli.optimize import input_paths

    if args.jobs < 1:
        print("planner: --jobs must be at least 1", file=sys.stderr)
        return EXIT_INVALID_INPUT
    settings, record = provisioning_paths(args)
    try:
        inputs = read_inputs(**input_paths(args))
        provisioning = read_provisioning(input_paths(args)["customers"], settings, record)
        optimal, circuits = read_plan(args.plan)
        manifests, allocations = build_portfolio(inputs, circuits, optimal, provisioning,
                                                 jobs=args.jobs)
    except InputError as error:
        print(f"planner: invalid input, nothing written.\n{error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    formats = tuple(args.formats)
    progress = Progress(len(manifests), verb="wrote the manifests of")
    out = write_atomically(args.plan / MANIFESTS_DIR, lambda folder: write_manifests(
        folder, manifests, allocations, formats, jobs=args.jobs, progress=progress.advance))
    print(f"wrote {', '.join(formats)} manifests of {len(manifests)} customers to {out}")
    return EXIT_OK
