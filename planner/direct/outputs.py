"""The tables of a plan with Direct pairs (docs/direct.md) and their re-check.

Every customer's plan is checked against the rules and re-costed before it is tabulated,
like every engine's plan; the pairs are re-checked from circuits.csv itself: per peering
location, billing and month, the bandwidth of the Direct circuits listed must fit the pairs
held in ports.csv.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pandas as pd

from planner.direct.assign import ASSIGNMENT_COLUMNS, PairPlan, assign_pairs
from planner.direct.problem import PortfolioProblem
from planner.direct.solve import OPTIMALITY_GAP_USD, PortfolioResult
from planner.domain import Status
from planner.inputs.read import format_summary, write_tables
from planner.planning import OBJECTIVE_TOLERANCE_USD, SUMMARY_COLUMNS
from planner.rules import broken_rules, plan_total
from planner.tables import (
    CIRCUIT_COLUMNS_WITH_MEDIUM,
    PERIOD_COLUMNS,
    circuit_rows,
    period_rows,
)

PORT_COLUMNS = ["peering_location", "port_gbps", "billing", "period", "pairs",
                "provisioned_mbps", "capacity_mbps", "monthly_usd", "setup_usd"]
PORTFOLIO_COLUMNS = ["status", "total_usd", "lower_bound_usd", "gap", "message"]
#: The table of which pair each Direct circuit rides (docs/direct.md, Pair assignment).
ASSIGNMENTS_FILE = "pair_assignments.csv"


@dataclass
class DirectTables:
    """The output tables of a plan with ports (numbers unrounded).

    Parameters
    ----------
    summary, periods, circuits : pandas.DataFrame
        As in docs/model.rst, Outputs; circuits has ``medium``.
    ports : pandas.DataFrame
        One row per pool of pairs and portfolio month.
    portfolio : pandas.DataFrame
        One row: status, total_usd, lower_bound_usd, gap [USD], message.
    assignments : pandas.DataFrame
        The pair each live Direct circuit rides each month (:data:`ASSIGNMENT_COLUMNS`).
    pair_plan : PairPlan or None
        The assignment with the pairs held each month (for the manifests).
    """

    summary: pd.DataFrame
    periods: pd.DataFrame
    circuits: pd.DataFrame
    ports: pd.DataFrame
    portfolio: pd.DataFrame
    assignments: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=ASSIGNMENT_COLUMNS))
    pair_plan: PairPlan | None = None

    def write(self, folder: Path) -> None:
        """Write the six CSV files into ``folder``."""
        write_tables(folder, self.summary, self.periods, self.circuits)
        assignments = self.assignments.copy()
        assignments["moved"] = ["true" if v else "false" for v in assignments["moved"]]
        assignments.to_csv(folder / ASSIGNMENTS_FILE, index=False, lineterminator="\n")
        ports = self.ports.copy()
        for column in ("monthly_usd", "setup_usd"):
            ports[column] = [f"{v:.2f}" for v in ports[column]]
        ports["provisioned_mbps"] = [f"{v:g}" for v in ports["provisioned_mbps"]]
        ports["capacity_mbps"] = [f"{v:g}" for v in ports["capacity_mbps"]]
        ports.to_csv(folder / "ports.csv", index=False)
        self.formatted_portfolio.to_csv(folder / "portfolio.csv", index=False)

    @property
    def formatted_portfolio(self) -> pd.DataFrame:
        """portfolio.csv as written (USD with two decimals)."""
        portfolio = self.portfolio.copy()
        for column in ("total_usd", "lower_bound_usd", "gap"):
            portfolio[column] = [f"{v:.2f}" for v in portfolio[column]]
        return portfolio

    @property
    def formatted_summary(self) -> pd.DataFrame:
        """summary.csv as written."""
        return format_summary(self.summary)


def port_rows(portfolio: PortfolioProblem, result: PortfolioResult) -> pd.DataFrame:
    """ports.csv: pairs held, Direct bandwidth, capacity and costs per pool and month."""
    rows = []
    for k, offer in enumerate(portfolio.offers):
        held = offer.existing_pairs
        for m, period in enumerate(portfolio.periods):
            pairs = int(result.pairs[k, m])
            rows.append({
                "peering_location": offer.key.peering_location,
                "port_gbps": offer.key.port_gbps, "billing": offer.key.billing,
                "period": period, "pairs": pairs,
                "provisioned_mbps": float(result.loads_mbps[k, m]),
                "capacity_mbps": pairs * offer.pair_capacity_mbps,
                "monthly_usd": pairs * offer.monthly_usd,
                "setup_usd": max(0, pairs - held) * offer.setup_usd})
            held = pairs
    return pd.DataFrame(rows, columns=PORT_COLUMNS)


def recheck_loads(circuits: pd.DataFrame, ports: pd.DataFrame,
                  customers: pd.DataFrame) -> list[str]:
    """Direct loads recomputed from circuits.csv that the pairs of ports.csv do not carry.

    Per peering location, billing (the circuits' family) and month, the bandwidth of the
    live Direct circuits (every action but ``retire``) must be at most the capacity of the
    pairs held there; with one port size per location and billing this is exactly the
    capacity rule of docs/direct.md.

    Returns
    -------
    list of str
        One message per location-month over capacity; empty when every month fits.
    """
    if circuits.empty:
        return []
    location = dict(zip(customers["customer_id"], customers["peering_location"], strict=True))
    live = circuits[(circuits["medium"] == "direct") & (circuits["action"] != "retire")]
    load = (live.assign(peering_location=live["customer_id"].map(location))
            .groupby(["peering_location", "family", "period"])["bandwidth_mbps"].sum())
    capacity = ports.groupby(["peering_location", "billing", "period"])["capacity_mbps"].sum()
    problems = []
    load_items = cast("Iterable[tuple[tuple[str, str, str], float]]", load.items())
    for (place, family, period), mbps in load_items:
        held = float(capacity.get((place, family, period), 0.0))
        if mbps > held + 1e-6:
            problems.append(f"{place} {family} {period}: Direct circuits of {mbps:g} Mb/s "
                            f"on pairs carrying {held:g} Mb/s")
    return problems


def direct_tables(portfolio: PortfolioProblem, result: PortfolioResult,
                  customers: pd.DataFrame) -> DirectTables:
    """Check, cost and tabulate a portfolio plan.

    Parameters
    ----------
    portfolio : PortfolioProblem
        The coupled problem.
    result : PortfolioResult
        Its plan.
    customers : pandas.DataFrame
        The validated customers table (for peering locations).

    Returns
    -------
    DirectTables
    """
    summary: list[dict[str, object]] = []
    periods: list[dict[str, object]] = []
    circuits: list[dict[str, object]] = []
    errors = []
    for position, engine in enumerate(result.results):
        coupled = portfolio.coupled.get(position)
        problem = coupled.problem if coupled is not None else portfolio.problems[position]
        cid = problem.customer_id
        if engine.status is not Status.OPTIMAL:
            summary.append({"customer_id": cid, "status": str(engine.status),
                            "total_usd": None, "message": engine.message})
            continue
        plans = list(engine.plans or [])
        broken = [f"{problem.periods[t]}: {' and '.join(b)}"
                  for t, plan in enumerate(plans) if (b := broken_rules(problem, t, plan))]
        total = plan_total(problem, plans)
        if broken or len(plans) != problem.months or (
                engine.objective_usd is not None
                and abs(total - engine.objective_usd) > OBJECTIVE_TOLERANCE_USD):
            message = "the portfolio plan breaks " + "; ".join(broken) if broken else (
                f"the plan costs {total:.2f} USD but the search reported "
                f"{engine.objective_usd}")
            errors.append(cid)
            summary.append({"customer_id": cid, "status": str(Status.ERROR),
                            "total_usd": None, "message": message})
            continue
        summary.append({"customer_id": cid, "status": str(Status.OPTIMAL), "total_usd": total,
                        "message": ""})
        periods.extend(period_rows(problem, plans))
        circuits.extend(circuit_rows(problem, plans, medium=True))
    summary_frame = pd.DataFrame(summary, columns=SUMMARY_COLUMNS)
    summary_frame["total_usd"] = summary_frame["total_usd"].astype(float)
    circuit_frame = pd.DataFrame(circuits, columns=CIRCUIT_COLUMNS_WITH_MEDIUM)
    ports = port_rows(portfolio, result)
    overloaded = recheck_loads(circuit_frame, ports, customers)
    held = {offer.key: [int(n) for n in result.pairs[k]]
            for k, offer in enumerate(portfolio.offers)}
    pair_plan = assign_pairs(
        portfolio.offers, list(portfolio.periods), held,
        pd.DataFrame(circuits, columns=[*CIRCUIT_COLUMNS_WITH_MEDIUM, "port_gbps"]), customers)
    assignments, unplaced = pair_plan.assignments, pair_plan.unplaced
    status, message = result.status, _portfolio_message(portfolio, result)
    moves = int(assignments["moved"].sum())
    if moves:
        message += f"; {moves} moves of a circuit to another pair ({ASSIGNMENTS_FILE})"
    if unplaced:
        message += (f"; {len(unplaced)} circuit-months fit on no single pair (first-fit "
                    f"decreasing), e.g. {unplaced[0]} ({ASSIGNMENTS_FILE})")
    if overloaded or errors:
        status = str(Status.ERROR)
        message = "; ".join([*overloaded, *(f"{c}: plan failed its check" for c in errors)])
    table = pd.DataFrame([{"status": status, "total_usd": result.total_usd,
                           "lower_bound_usd": result.lower_bound_usd,
                           "gap": result.gap_usd, "message": message}],
                         columns=PORTFOLIO_COLUMNS)
    return DirectTables(summary_frame, pd.DataFrame(periods, columns=PERIOD_COLUMNS),
                        circuit_frame, ports, table, assignments, pair_plan)


def _portfolio_message(portfolio: PortfolioProblem, result: PortfolioResult) -> str:
    on_direct = sum(1 for r in result.results if r.plans and any(
        p.port_gbps for p in r.plans))
    parts = [f"customers on Direct pairs: {on_direct}",
             f"independent plans {result.independent_usd:.2f} USD"]
    if result.status != "optimal":
        relative = result.gap_usd / max(1.0, abs(result.total_usd))
        parts.append(f"not proven optimal: gap {result.gap_usd:.2f} USD ({relative:.4%}) "
                     "when the search stopped")
    elif result.gap_usd > OPTIMALITY_GAP_USD:  # pragma: no cover - by construction
        parts.append("gap above 0.01 USD")
    if result.direct_only:
        parts.append("planned only thanks to Direct: " + ", ".join(result.direct_only))
    return "; ".join(parts)
