"""``planner manifests``: write provisioning manifests again from a finished plan."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, cast

import pandas as pd

from planner.cli.common import (
    EXIT_INVALID_INPUT,
    EXIT_OK,
    InputPaths,
    add_input_flags,
    add_provisioning_flags,
    input_paths,
    path_table,
    provisioning_paths,
)
from planner.cli.progress import Progress
from planner.direct.assign import replay_pairs
from planner.direct.outputs import ASSIGNMENTS_FILE
from planner.direct.ports import read_ports
from planner.inputs.provenance import RECORD_NAME, InputRecord, read_record, resolve_recorded
from planner.inputs.read import read_inputs, write_atomically
from planner.inputs.validate import InputError, InputIssue, Inputs
from planner.provision import (
    FORMATS,
    MANIFESTS_DIR,
    prepare_portfolio,
    read_provisioning,
    write_portfolio,
)
from planner.provision.direct import build_direct_portfolio, write_direct_manifests
from planner.provision.portfolio import ProvisioningInputs
from planner.scenarios import Scenario, apply_scenario


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``manifests``."""
    parser = subparsers.add_parser(
        "manifests", help="write provisioning manifests from a finished plan",
        description="Write OUT_DIR/manifests again from OUT_DIR/summary.csv and "
                    f"circuits.csv, without solving. The inputs are those recorded in "
                    f"OUT_DIR/{RECORD_NAME}; a file named here must be the same as the "
                    "recorded one.")
    parser.add_argument("--plan", required=True, type=Path, metavar="OUT_DIR",
                        help="folder written by 'planner optimize'")
    parser.add_argument("--format", nargs="+", choices=FORMATS, default=list(FORMATS),
                        dest="formats", help="formats to write (default: all)")
    add_input_flags(parser, data_help="folder of the inputs the plan was made from, for a "
                                      f"plan without {RECORD_NAME}")
    parser.add_argument("--jobs", type=int, default=1,
                        help="processes writing customers' folders at once (default: 1); "
                             "the files do not depend on it")
    add_provisioning_flags(parser)
    parser.set_defaults(func=run)


def read_plan(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The summary and circuits tables of a finished plan, as text.

    Raises
    ------
    InputError
        When either file cannot be read.
    """
    issues = []
    tables = {}
    for name in ("summary", "circuits"):
        path = folder / f"{name}.csv"
        try:
            tables[name] = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (OSError, UnicodeDecodeError, pd.errors.ParserError,
                pd.errors.EmptyDataError) as error:
            issues.append(InputIssue(str(path), 0, "", f"cannot read the plan: {error}"))
    if issues:
        raise InputError(issues)
    for name, columns in (("summary", ("customer_id", "status")),
                          ("circuits", ("customer_id", "period", "circuit_name", "site",
                                        "action", "tier", "family", "bandwidth_mbps"))):
        missing = [c for c in columns if c not in tables[name].columns]
        if missing:
            issues.append(InputIssue(str(folder / f"{name}.csv"), 1, missing[0],
                                    "required column is missing: not a plan's file"))
    if issues:
        raise InputError(issues)
    circuits = tables["circuits"]
    bandwidth = pd.to_numeric(circuits["bandwidth_mbps"], errors="coerce")
    bad = bandwidth.isna() | (bandwidth != bandwidth.round())
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0]) + 2
        raise InputError([InputIssue(str(folder / "circuits.csv"), row, "bandwidth_mbps",
                                  "not a whole number of Mb/s")])
    circuits["bandwidth_mbps"] = bandwidth.astype("int64")
    return tables["summary"], circuits


def optimal_customers(summary: pd.DataFrame, inputs: Inputs, plan: Path) -> list[str]:
    """The plan's optimal customers, each checked to be in the inputs.

    Raises
    ------
    InputError
        Naming each row of summary.csv whose customer the inputs do not hold.
    """
    known = set(inputs.customers["customer_id"])
    issues = []
    optimal = []
    for row_number, row in enumerate(summary.to_dict("records"), start=2):
        if row["status"] != "optimal":
            continue
        if row["customer_id"] not in known:
            issues.append(InputIssue(str(plan / "summary.csv"), row_number, "customer_id", (
                f"customer {row['customer_id']!r} is not in "
                f"{inputs.files.get('customers', 'customers.csv')}: the plan was made from "
                "other inputs")))
        optimal.append(row["customer_id"])
    if issues:
        raise InputError(issues)
    return optimal


def _paths(args: argparse.Namespace, record: InputRecord | None
           ) -> tuple[InputPaths, Path | None, Path | None]:
    if record is None:
        return input_paths(args), *provisioning_paths(args)
    given: dict[str, Path | None] = {name: getattr(args, name, None) for name in record.files}
    if args.data is not None:
        settings, allocations = provisioning_paths(args)
        defaults = path_table(input_paths(args), provisioning=settings,
                              allocations=allocations)
        given = {name: given[name] or defaults.get(name) for name in given}
    resolved = resolve_recorded(record, given, args.plan / RECORD_NAME)
    # Every record planner optimize writes names the four tables; only the inventory can be None.
    tables = cast(InputPaths, {name: resolved.get(name) for name in input_paths(args)})
    return tables, resolved.get("provisioning"), resolved.get("allocations")


def run(args: argparse.Namespace) -> int:
    """Rebuild and write the manifests; return the exit status."""
    if args.jobs < 1:
        print("planner: --jobs must be at least 1", file=sys.stderr)
        return EXIT_INVALID_INPUT
    try:
        record = read_record(args.plan)
        if record is not None and record.scenarios:
            raise InputError([InputIssue(str(args.plan / RECORD_NAME), 0, "", (
                "this plan holds scenarios " + ", ".join(record.scenarios)
                + f": write the manifests of one with --plan {args.plan / record.scenarios[0]}"
            ))])
        paths, settings, allocations = _paths(args, record)
        inputs = read_inputs(**paths)
        if record is not None and record.scenario is not None:
            # read_record checked the fields: name a str, growth and price_pct numbers.
            inputs = apply_scenario(inputs, Scenario(**cast(dict[str, Any], record.scenario)))
        provisioning = read_provisioning(paths["customers"], settings, allocations)
        summary, circuits = read_plan(args.plan)
        optimal = optimal_customers(summary, inputs, args.plan)
        if (args.plan / ASSIGNMENTS_FILE).exists():
            return _write_direct(args, record, inputs, provisioning, circuits, optimal)
        portfolio = prepare_portfolio(inputs, circuits, optimal, provisioning)
    except InputError as error:
        print(f"planner: invalid input, nothing written.\n{error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    formats = tuple(args.formats)
    progress = Progress(len(portfolio.work), verb="wrote the manifests of")
    out = write_atomically(args.plan / MANIFESTS_DIR, lambda folder: write_portfolio(
        folder, portfolio, formats, jobs=args.jobs, progress=progress.advance))
    print(f"wrote {', '.join(formats)} manifests of {len(portfolio.work)} customers to {out}")
    return EXIT_OK


def _write_direct(args: argparse.Namespace, record: InputRecord | None, inputs: Inputs,
                  provisioning: ProvisioningInputs, circuits: pd.DataFrame,
                  optimal: list[str]) -> int:
    """The manifests of a plan with Direct pairs, from its tables and its ports input.

    Raises
    ------
    InputError
        When the ports input is not recorded, a table cannot be read, or the pairs placed
        again differ from pair_assignments.csv.
    """
    recorded = None if record is None else record.files.get("ports")
    if recorded is None:
        raise InputError([InputIssue(str(args.plan / RECORD_NAME), 0, "files.ports", (
            f"a plan with Direct pairs ({ASSIGNMENTS_FILE}) needs its inputs.json with the "
            "ports file it was made from"))])
    paths = _paths(args, record)[0]
    offers = read_ports(recorded.path, inputs, paths.get("inventory"))
    tables = {}
    for name in ("ports.csv", ASSIGNMENTS_FILE):
        try:
            tables[name] = pd.read_csv(args.plan / name, keep_default_na=False,
                                       dtype={"period": str, "pair": str})
        except (OSError, UnicodeDecodeError, pd.errors.ParserError,
                pd.errors.EmptyDataError) as error:
            raise InputError([InputIssue(str(args.plan / name), 0, "",
                                      f"cannot read the plan: {error}")]) from None
    written = tables[ASSIGNMENTS_FILE]
    again = replay_pairs(offers, tables["ports.csv"], written)
    columns = ["customer_id", "circuit_name", "period", "pair"]
    if not again.assignments[columns].astype(str).equals(written[columns].astype(str)):
        raise InputError([InputIssue(str(args.plan / ASSIGNMENTS_FILE), 0, "pair", (
            "the pairs placed again from ports.csv differ from this table: the plan's "
            "files do not belong together"))])
    built = build_direct_portfolio(inputs, circuits, optimal, provisioning, written,
                                   tables["ports.csv"], again.held, again.existing,
                                   jobs=args.jobs)
    formats = tuple(args.formats)
    out = write_atomically(args.plan / MANIFESTS_DIR, lambda folder: write_direct_manifests(
        folder, built, formats, jobs=args.jobs))
    print(f"wrote {', '.join(formats)} manifests of {len(built.manifests)} customers and the "
          f"CSP's Direct ports to {out}")
    return EXIT_OK
