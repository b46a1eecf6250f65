"""``planner optimize`` with ExpressRoute Direct port pairs (``--ports`` or DATA/ports.csv).

The customers are then planned together (docs/direct.md) by branch-and-price, and the run
writes summary.csv, periods.csv (with prices and margins when the customers or the settings
ask for them), circuits.csv (with ``medium``), ports.csv, portfolio.csv,
pair_assignments.csv, the manifests (the customers' and the CSP's ports in
``manifests/_direct/``) and inputs.json. Scenarios each get their own coupled plan in
``OUT/<scenario>/``; ``--jobs N`` solves up to N scenarios at once (or, with one scenario,
searches up to N locations at once) and builds the manifests in N processes.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import pandas as pd

from planner.cli.common import (
    EXIT_ERROR,
    EXIT_INFEASIBLE,
    EXIT_INVALID_INPUT,
    EXIT_OK,
    data_folder,
    input_paths,
)
from planner.direct.outputs import DirectTables, direct_tables
from planner.direct.ports import PortOffer, read_ports
from planner.direct.problem import build_portfolio_problem
from planner.direct.scenario import direct_scenario
from planner.direct.solve import solve_portfolio
from planner.domain import Status
from planner.economics import margins_wanted, with_margin_columns
from planner.inputs.provenance import record_inputs
from planner.inputs.read import format_summary, write_atomically
from planner.inputs.validate import InputError, Inputs
from planner.provision import MANIFESTS_DIR
from planner.provision.direct import (
    DirectManifests,
    build_direct_portfolio,
    write_direct_manifests,
)
from planner.provision.portfolio import ProvisioningInputs
from planner.scenarios import BASE, Scenario, ScenarioError

PORTS_FILE = "ports.csv"
#: The default wall-time limit of the coupled search of one plan [s].
DEFAULT_TIME_LIMIT_S = 60.0


def _direct_manifests(plan: ScenarioPlan, provisioning: ProvisioningInputs,
                      jobs: int) -> DirectManifests:
    """The manifests of one plan's optimal customers and of the CSP's ports."""
    tables = plan.tables
    optimal = tables.summary.loc[tables.summary["status"] == Status.OPTIMAL,
                                 "customer_id"].tolist()
    assert tables.pair_plan is not None  # direct_tables always places the pairs
    return build_direct_portfolio(plan.inputs, tables.circuits, optimal, provisioning,
                                  tables.assignments, tables.ports, tables.pair_plan.held,
                                  tables.pair_plan.existing, jobs=jobs)


def ports_path(args: argparse.Namespace) -> Path | None:
    """``--ports``, else DATA/ports.csv when it exists and --customers was not given."""
    ports: Path | None = getattr(args, "ports", None)
    if ports is not None:
        return ports
    candidate = data_folder(args) / PORTS_FILE
    if args.customers is None and candidate.exists():
        return candidate
    return None


def unsupported(args: argparse.Namespace) -> list[str]:
    """The flags a run with ports does not take."""
    found = []
    if args.dask is not None:
        found.append("--dask")
    if args.engine != "dp":
        found.append("--engine (Direct plans use the dp engine)")
    return found


@dataclass
class ScenarioPlan:
    """One scenario's coupled plan, ready to write.

    Parameters
    ----------
    scenario : Scenario
        Which scenario (``base`` in a plain run).
    inputs : Inputs
        Its inputs.
    tables : DirectTables
        Its tables.
    manifests : DirectManifests or None
        Its manifests (None with --no-manifests).
    """

    scenario: Scenario
    inputs: Inputs
    tables: DirectTables
    manifests: DirectManifests | None = None


def solve_scenario(inputs: Inputs, offers: list[PortOffer], scenario: Scenario,
                   time_limit_s: float, verbose: bool = False, workers: int = 1
                   ) -> ScenarioPlan:
    """Plan one scenario with the pairs (run in a worker process with --jobs).

    ``workers`` processes search its locations at once.
    """
    scaled, scaled_offers = direct_scenario(inputs, offers, scenario)
    portfolio = build_portfolio_problem(scaled, scaled_offers)
    say = (lambda line: print(line, file=sys.stderr)) if verbose else None
    result = solve_portfolio(portfolio, time_limit_s=time_limit_s, progress=say,
                             workers=workers)
    return ScenarioPlan(scenario, scaled, direct_tables(portfolio, result, scaled.customers))


def solve_all(inputs: Inputs, offers: list[PortOffer], scenarios: list[Scenario],
              time_limit_s: float, jobs: int) -> list[ScenarioPlan]:
    """Every scenario's plan, in order; up to ``jobs`` at once.

    With one scenario (or ``jobs`` 1), ``jobs`` processes search its locations instead.
    """
    if jobs > 1 and len(scenarios) > 1:
        with ProcessPoolExecutor(max_workers=min(jobs, len(scenarios))) as pool:
            futures = [pool.submit(solve_scenario, inputs, offers, s, time_limit_s)
                       for s in scenarios]
            plans = []
            for scenario, future in zip(scenarios, futures, strict=True):
                plans.append(future.result())
                print(f"scenario {scenario.name}: solved", file=sys.stderr)
            return plans
    return [solve_scenario(inputs, offers, s, time_limit_s, verbose=True, workers=jobs)
            for s in scenarios]


def run_with_ports(args: argparse.Namespace, ports: Path) -> int:
    """Plan with Direct pairs, write the outputs atomically, print a summary."""
    from planner.cli.optimize import check_run, write_record

    flags = unsupported(args)
    if flags:
        print(f"planner: {', '.join(flags)} cannot be combined with Direct ports ({ports}); "
              "nothing written.", file=sys.stderr)
        return EXIT_INVALID_INPUT
    paths = input_paths(args)
    try:
        checked = check_run(args, manifests=not args.no_manifests)
        offers = read_ports(ports, checked.inputs, paths["inventory"])
        forecast = None
        if args.forecast is not None:
            from planner.demand.risk import read_forecast
            forecast = read_forecast(args.forecast)
        ports_record = record_inputs({"ports": ports}).files
    except ScenarioError as error:
        print(f"planner: invalid scenarios, nothing written.\n{error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    except InputError as error:
        print(f"planner: invalid input, nothing written.\n{error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    except OSError as error:
        print(f"planner: invalid input, nothing written.\n{ports}: cannot read it: {error}",
              file=sys.stderr)
        return EXIT_INVALID_INPUT
    record = replace(checked.record, files={**checked.record.files, **ports_record})
    scenario_mode = checked.scenarios is not None
    scenarios = checked.scenarios if checked.scenarios is not None else [BASE]
    limit = DEFAULT_TIME_LIMIT_S if args.time_limit is None else args.time_limit
    plans = solve_all(checked.inputs, offers, scenarios, limit, args.jobs)
    try:
        if checked.provisioning is not None:  # None: --no-manifests
            for plan in plans:
                plan.manifests = _direct_manifests(plan, checked.provisioning, args.jobs)
    except InputError as error:
        print(f"planner: invalid input, nothing written.\n{error}", file=sys.stderr)
        return EXIT_INVALID_INPUT

    def write(folder: Path) -> None:
        for plan in plans:
            target = folder / plan.scenario.name if scenario_mode else folder
            target.mkdir(exist_ok=True)
            plan.tables.write(target)
            if margins_wanted(plan.inputs.customers, checked.partner_credit_pct):
                add_margins(target, plan, checked.partner_credit_pct)
            scenario = asdict(plan.scenario) if scenario_mode else None
            write_record(target, replace(record, scenario=scenario))
            if forecast is not None:
                from planner.demand.risk import write_risk
                write_risk(target, forecast, plan.inputs.customers)
            if plan.manifests is not None:
                write_direct_manifests(target / MANIFESTS_DIR, plan.manifests, jobs=args.jobs)
        if scenario_mode:
            combined(plans, "summary").to_csv(folder / "summary.csv", index=False)
            combined(plans, "portfolio").to_csv(folder / "portfolio.csv", index=False)
            write_record(folder, replace(record, scenarios=[p.scenario.name for p in plans]))

    out = write_atomically(args.out, write)
    return report(plans, offers, out, scenario_mode, args.no_manifests)


def add_margins(folder: Path, plan: ScenarioPlan, partner_credit_pct: float) -> None:
    """Add price_usd and margin_usd to the written summary.csv and periods.csv."""
    periods = folder / "periods.csv"
    summary, text = with_margin_columns(plan.tables.summary, periods.read_text(encoding="utf-8"),
                                        plan.inputs.customers, partner_credit_pct)
    plan.tables.summary = summary
    format_summary(summary).to_csv(folder / "summary.csv", index=False)
    periods.write_text(text, encoding="utf-8")


def combined(plans: list[ScenarioPlan], table: str) -> pd.DataFrame:
    """Every scenario's summary or portfolio table with a leading ``scenario`` column."""
    frames = []
    for plan in plans:
        frame = (plan.tables.formatted_summary if table == "summary"
                 else plan.tables.formatted_portfolio)
        frames.append(frame.assign(scenario=plan.scenario.name))
    joined = pd.concat(frames, ignore_index=True)
    return joined[["scenario", *[c for c in joined.columns if c != "scenario"]]]


def report(plans: list[ScenarioPlan], offers: list[PortOffer], out: Path,
           scenario_mode: bool, no_manifests: bool) -> int:
    """Print each plan's counts and portfolio line; return the run's exit status."""
    status = EXIT_OK
    places = len({o.key.peering_location for o in offers})
    for plan in plans:
        tables = plan.tables
        label = f"scenario {plan.scenario.name}: " if scenario_mode else ""
        row = tables.portfolio.iloc[0]
        counts = tables.summary["status"].value_counts()
        print(f"{label}planned {len(tables.summary)} customers with Direct pairs at {places} "
              "locations: " + ", ".join(f"{counts.get(s.value, 0)} {s.value}" for s in Status))
        print(f"{label}portfolio {row['status']}: total {row['total_usd']:,.2f} USD, bound "
              f"{row['lower_bound_usd']:,.2f} USD; {row['message']}")
        if plan.manifests is not None and plan.manifests.left_out:
            print(f"{label}no manifests for {', '.join(plan.manifests.left_out)}: a Direct "
                  "circuit of theirs fits on no single pair (pair_assignments.csv)")
        if row["status"] in (str(Status.ERROR), "feasible") or counts.get(Status.ERROR.value, 0):
            status = max(status, EXIT_ERROR)
        elif counts.get(Status.INFEASIBLE.value, 0):
            status = max(status, EXIT_INFEASIBLE)
    if no_manifests:
        print("manifests not written (--no-manifests)")
    print(f"written to {out}")
    return status
