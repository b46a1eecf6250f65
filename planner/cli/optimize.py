"""``planner optimize``: plan a portfolio and write summary, periods and circuits."""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import pandas as pd

from planner.batch import ScenarioOutput, run_batch
from planner.cli.common import (
    EXIT_ERROR,
    EXIT_INFEASIBLE,
    EXIT_INVALID_INPUT,
    EXIT_OK,
    add_input_flags,
    add_provisioning_flags,
    input_paths,
    path_table,
    provisioning_paths,
)
from planner.cli.direct import ports_path, run_with_ports
from planner.cli.progress import Progress
from planner.domain import Status
from planner.economics import margins_wanted, read_partner_credit, with_margin_columns
from planner.engines import DEFAULT_ENGINE, ENGINES
from planner.inputs.provenance import RECORD_NAME, InputRecord, record_inputs
from planner.inputs.read import format_summary, read_inputs, write_atomically
from planner.inputs.validate import InputError, InputIssue, Inputs
from planner.provision import (
    MANIFESTS_DIR,
    ProvisioningInputs,
    check_regions,
    prepare_portfolio,
    read_provisioning,
    write_portfolio,
)
from planner.scenarios import (
    BASE,
    Scenario,
    ScenarioError,
    check_scenarios,
    parse_scenario,
    read_scenarios,
)

#: Non-optimal customers listed one per line after the run; the rest are counted.
LISTED_AT_MOST = 20

def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``optimize``."""
    parser = subparsers.add_parser(
        "optimize", help="plan every customer at least total cost",
        description="Plan every customer at least total cost. With no arguments, plans the "
                    "sample in ./data and writes ./out.")
    add_input_flags(parser, data_help="folder holding the five input files under their "
                                      "names (see docs/inputs.rst)")
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
    add_scenario_flags(parser)
    parser.add_argument("--forecast", type=Path, default=None, metavar="CSV",
                        help="forecast.csv of `planner demand`: also write risk.csv and a "
                             "months_at_risk column in summary.csv")
    add_provisioning_flags(parser)
    parser.add_argument("--no-manifests", action="store_true",
                        help="write only the CSV tables (`planner manifests --plan OUT` writes "
                             "the manifests later)")
    parser.add_argument("--ports", type=Path, default=None, metavar="FILE",
                        help="ExpressRoute Direct port pairs on offer (docs/direct.md; default: "
                             "DATA/ports.csv when it exists); customers are then planned "
                             "together and ports.csv, portfolio.csv and "
                             "pair_assignments.csv are written too")
    parser.set_defaults(func=run)


class _DeprecatedScenarios(argparse.Action):
    """``--scenarios``: the old name of ``--scenario-file``, kept for one release."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print("planner: --scenarios is deprecated and will be removed; use --scenario-file",
              file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_scenario_flags(parser: argparse.ArgumentParser) -> None:
    """``--scenario`` and ``--scenario-file`` (``--scenarios``, deprecated)."""
    parser.add_argument("--scenario", action="append", default=[], metavar="SPEC",
                        help="a scenario NAME[:growth=FACTOR,price=PERCENT]; repeat for "
                             "several; outputs go to OUT/NAME/ with one OUT/summary.csv")
    parser.add_argument("--scenario-file", dest="scenarios", type=Path, default=None,
                        metavar="CSV",
                        help="scenarios file with columns scenario, growth, price_pct")
    parser.add_argument("--scenarios", dest="scenarios", type=Path,
                        action=_DeprecatedScenarios, metavar="CSV",
                        help="deprecated name of --scenario-file")


def scenarios_of(args: argparse.Namespace) -> list[Scenario] | None:
    """The scenarios asked for, or None for a plain run.

    Raises
    ------
    InputError
        When a scenario does not parse, its file cannot be read or names repeat.
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


def with_margins(output: ScenarioOutput, partner_credit_pct: float) -> ScenarioOutput:
    """The output with price_usd and margin_usd in summary.csv and periods.csv."""
    summary, periods_csv = with_margin_columns(output.summary, output.periods_csv,
                                               output.inputs.customers, partner_credit_pct)
    return output.with_periods(summary, periods_csv)


def exit_status(outputs: list[ScenarioOutput]) -> int:
    """0 all optimal; 4 some error or time limit; else 3 some infeasible."""
    statuses = set().union(*(set(o.summary["status"]) for o in outputs))
    if statuses & {Status.ERROR, Status.TIME_LIMIT}:
        return EXIT_ERROR
    if Status.INFEASIBLE in statuses:
        return EXIT_INFEASIBLE
    return EXIT_OK


@dataclass
class CheckedRun:
    """Everything a run needs that can be checked without solving.

    Parameters
    ----------
    inputs : Inputs
        The validated input tables.
    scenarios : list of Scenario or None
        The scenarios, or None for a plain run.
    provisioning : ProvisioningInputs or None
        Manifest settings, checked against every customer; None with --no-manifests.
    record : InputRecord
        The files read, for ``OUT/inputs.json``.
    partner_credit_pct : float
        The CSP's partner earned credit [%] from the settings file (0 without one).
    """

    inputs: Inputs
    scenarios: list[Scenario] | None
    provisioning: ProvisioningInputs | None
    record: InputRecord
    partner_credit_pct: float = 0.0


def check_run(args: argparse.Namespace, *, manifests: bool) -> CheckedRun:
    """Read and check the inputs, scenarios and (for manifests) the settings.

    Raises
    ------
    PlannerError
        With every problem found, before anything is solved or written.
    """
    issues: list[InputIssue] = []
    try:
        scenarios = scenarios_of(args)
    except InputError as error:
        issues += error.issues
        scenarios = None
    paths = input_paths(args)
    settings, allocations = provisioning_paths(args)
    try:
        inputs = read_inputs(**paths)
    except InputError as error:
        raise InputError(issues + error.issues) from None
    partner_credit_pct = 0.0
    try:
        partner_credit_pct = read_partner_credit(settings)
    except InputError as error:
        issues += error.issues
    provisioning = None
    if manifests:
        try:
            provisioning = read_provisioning(paths["customers"], settings, allocations)
            check_regions(inputs, provisioning, inputs.customers["customer_id"].tolist())
        except InputError as error:
            issues += error.issues
    if issues:
        raise InputError(issues)
    try:
        record = record_inputs(path_table(paths, provisioning=settings, allocations=allocations))
    except OSError as error:
        raise InputError([InputIssue(str(error.filename), 0, "", f"cannot read it: {error}")]
                         ) from None
    return CheckedRun(inputs, scenarios, provisioning, record, partner_credit_pct)


def run(args: argparse.Namespace) -> int:
    """Plan, write the outputs atomically, print a summary; return the exit status.

    Everything that can be checked without solving is checked first. Finished customers are
    kept in a checkpoint beside the output folder (``OUT.partial``) until the outputs are
    written, so that the same command run again after an interruption resumes where it
    stopped.
    """
    if args.jobs < 1:
        print("planner: --jobs must be at least 1", file=sys.stderr)
        return EXIT_INVALID_INPUT
    ports = ports_path(args)
    if ports is not None:
        return run_with_ports(args, ports)
    try:
        checked = check_run(args, manifests=not args.no_manifests)
        forecast = None
        if args.forecast is not None:
            from planner.demand.risk import read_forecast
            forecast = read_forecast(args.forecast)
    except ScenarioError as error:
        print(f"planner: invalid scenarios, nothing written.\n{error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    except InputError as error:
        print(f"planner: invalid input, nothing written.\n{error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    inputs, scenarios = checked.inputs, checked.scenarios
    scenario_mode = scenarios is not None
    progress = Progress(len(inputs.customers) * (1 if scenarios is None else len(scenarios)))
    checkpoint = checkpoint_folder(args.out.resolve())
    counts = {"solved": 0, "resumed": 0}

    def solved(count: int) -> None:
        counts["solved"] += count
        progress.advance(count)

    def resumed(count: int) -> None:
        counts["resumed"] = count
        progress.skip(count)

    outputs = run_batch(inputs, checkpoint, scenarios=(BASE,) if scenarios is None else scenarios,
                        engine=args.engine, time_limit_s=args.time_limit, jobs=args.jobs,
                        dask_address=args.dask, progress=solved, resumed=resumed)
    if margins_wanted(inputs.customers, checked.partner_credit_pct):
        outputs = [with_margins(o, checked.partner_credit_pct) for o in outputs]
    if counts["resumed"]:
        print(f"resumed {counts['resumed']} customers from the checkpoint {checkpoint}; "
              f"solved {counts['solved']}")
    try:
        handoffs = []
        for output in [] if checked.provisioning is None else outputs:
            optimal = output.summary.loc[output.summary["status"] == Status.OPTIMAL,
                                         "customer_id"]
            assert checked.provisioning is not None  # the loop runs only with provisioning
            handoffs.append(prepare_portfolio(output.inputs, output.circuits_frame(),
                                              optimal.tolist(), checked.provisioning))
    except InputError as error:
        print(f"planner: invalid input, nothing written.\n{error}", file=sys.stderr)
        return EXIT_INVALID_INPUT

    def write(folder: Path) -> None:
        for index, output in enumerate(outputs):
            target = folder / output.scenario.name if scenario_mode else folder
            target.mkdir(exist_ok=True)
            output.write(target)
            scenario = asdict(output.scenario) if scenario_mode else None
            write_record(target, replace(checked.record, scenario=scenario))
            if forecast is not None:
                from planner.demand.risk import write_risk
                write_risk(target, forecast, output.inputs.customers)
            if handoffs:
                write_portfolio(target / MANIFESTS_DIR, handoffs[index], jobs=args.jobs)
        if scenario_mode:
            combined_summary(outputs).to_csv(folder / "summary.csv", index=False)
            write_record(folder, replace(checked.record,
                                         scenarios=[o.scenario.name for o in outputs]))

    out = write_atomically(args.out, write)
    shutil.rmtree(checkpoint, ignore_errors=True)
    report(outputs, out, scenario_mode)
    return exit_status(outputs)


def write_record(folder: Path, record: InputRecord) -> None:
    """Write ``inputs.json``: which inputs the plan in ``folder`` was made from."""
    (folder / RECORD_NAME).write_text(record.to_json(), encoding="utf-8", newline="\n")
