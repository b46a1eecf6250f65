"""The sections of a plan report, built from a :class:`PlanTables`.

Portfolio sections summarise every customer (top customers and aggregates, so a 10,000
customer plan stays small); per-customer sections are drawn for a chosen subset.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from planner import insights, plots
from planner.errors import PlannerError
from planner.report.figures import (
    direct_port_load,
    direct_port_pairs,
    highest_risk,
    risk_over_time,
)
from planner.report.page import Page, Section
from planner.report.plan_folder import PlanTables

#: Customers drawn in the cost-by-customer chart and table.
TOP_CUSTOMERS = 20
#: A plan with at most this many customers gets a section per customer by default; a larger
#: one gets sections for its costliest :data:`DEFAULT_DETAILED` customers.
DETAIL_ALL_UP_TO = 40
DEFAULT_DETAILED = 5
#: Customers without an optimal plan listed one per row; the rest are counted.
LISTED_NOT_SERVED = 100
COSTS = ["circuit_usd", "egress_usd", "setup_usd", "total_usd"]
ROLLOUT_COLUMNS = ["step", "period", "stage", "circuit_name", "site", "action", "tier",
                   "family", "bandwidth_mbps"]


@dataclass
class Report:
    """A built report.

    Parameters
    ----------
    html : str
        The whole self-contained page.
    figures : int
        Plotly figures on it.
    customers : list of str
        Customers that got their own section.
    """

    html: str
    figures: int
    customers: list[str]


def detailed_customers(plan: PlanTables, chosen: Sequence[str] | None) -> list[str]:
    """The customers that get their own section.

    Parameters
    ----------
    plan : PlanTables
        The plan.
    chosen : sequence of str, optional
        Customer ids asked for; None for the default (every customer of a small plan, else
        the costliest few).

    Raises
    ------
    PlannerError
        When a chosen id is not in summary.csv.
    """
    known = list(plan.summary["customer_id"])
    if chosen is not None:
        unknown = [c for c in chosen if c not in set(known)]
        if unknown:
            raise PlannerError(f"{plan.folder / 'summary.csv'}: no customer "
                               + ", ".join(repr(c) for c in unknown))
        return list(dict.fromkeys(chosen))
    if len(known) <= DETAIL_ALL_UP_TO:
        return known
    costly = plan.summary.sort_values("total_usd", ascending=False, kind="stable")
    return list(costly["customer_id"].head(DEFAULT_DETAILED))


def build_report(plan: PlanTables, customers: Sequence[str] | None = None,
                 title: str | None = None) -> Report:
    """Build the HTML report of a plan.

    Parameters
    ----------
    plan : PlanTables
        The plan (:func:`planner.report.read_plan`).
    customers : sequence of str, optional
        Customers that get their own section; see :func:`detailed_customers`.
    title : str, optional
        Page title; by default names the plan folder.

    Returns
    -------
    Report
    """
    detailed = detailed_customers(plan, customers)
    page = Page()
    sections = [_totals(page, plan), _costs(page, plan), _utilization(page, plan),
                _not_served(page, plan)]
    if plan.risk is not None:
        sections.append(_risk(page, plan.risk, plan.risk_columns))
    if plan.ports is not None:
        sections.append(_ports(page, plan.ports))
    sections.append(Section("customers", "Customers in detail", [page.paragraph(
        f"{len(detailed)} of {len(plan.summary):,} customers; `planner report --customers ID...`"
        " chooses others.", note=True)]))
    for index, customer_id in enumerate(detailed):
        sections.append(_customer(page, plan, customer_id, index))
    periods = plan.periods["period"]
    span = f"{periods.min()} to {periods.max()}" if len(periods) else "no months"
    subtitle = (f"Plan folder {plan.folder.name}: {len(plan.summary):,} customers, {span}. "
                "Costs in USD over the whole horizon unless stated.")
    html = page.render(title or f"ExpressRoute plan: {plan.folder.name}", subtitle, sections)
    return Report(html, page.figures, detailed)


def _status_counts(summary: pd.DataFrame) -> dict[str, int]:
    return {str(k): int(v) for k, v in summary["status"].value_counts().items()}


def _totals(page: Page, plan: PlanTables) -> Section:
    periods, circuits = plan.periods, plan.circuits
    counts = _status_counts(plan.summary)
    last = periods["period"].max() if len(periods) else None
    actions = circuits["action"].value_counts()
    rows = [("customers", f"{len(plan.summary):,}"),
            *((f"customers {status}", f"{n:,}") for status, n in counts.items()),
            ("total cost of the optimal plans [USD]", f"{plan.summary['total_usd'].sum():,.2f}"),
            ("of which circuit fees [USD]", f"{periods['circuit_usd'].sum():,.2f}"),
            ("of which metered egress [USD]", f"{periods['egress_usd'].sum():,.2f}"),
            ("of which setup [USD]", f"{periods['setup_usd'].sum():,.2f}")]
    if plan.ports is not None:
        fees = plan.ports["monthly_usd"].sum() + plan.ports["setup_usd"].sum()
        rows.append(("Direct port pair fees and setups [USD]", f"{fees:,.2f}"))
    if last is not None:
        final = periods[periods["period"] == last]
        rows += [(f"circuits in {last}", f"{int(final['circuits'].sum()):,}"),
                 (f"capacity in {last} [Mb/s]", f"{final['capacity_mbps'].sum():,.0f}")]
    rows += [(f"circuits to {action}", f"{int(actions.get(action, 0)):,}")
             for action in ("create", "upgrade", "retire")]
    table = pd.DataFrame(rows, columns=["figure", "value"])
    return Section("totals", "Portfolio totals", [
        page.table(table), page.figure(plots.cost_by_month(
            periods, title="Cost of the portfolio by month"))])


def _costs(page: Page, plan: PlanTables) -> Section:
    parts = []
    by_customer = insights.periods_cost_breakdown(plan.periods, "customer_id")
    total = float(by_customer["total_usd"].sum())
    top = by_customer.head(TOP_CUSTOMERS)
    if len(by_customer) > TOP_CUSTOMERS:
        parts.append(page.paragraph(f"The {TOP_CUSTOMERS} costliest of {len(by_customer):,} "
                                    "customers with a plan.", note=True))
    fig = plots.cost_by_group(top, "customer_id")
    parts.append(page.figure(fig))
    shown = top.assign(share_pct=top["total_usd"] / total * 100 if total else 0.0)
    parts.append(page.table(shown, money=COSTS, decimals={"share_pct": 1}))
    groups = ["tier", "family"]
    if plan.locations is not None:
        groups.append("peering_location")
    for by in groups:
        table = insights.periods_cost_breakdown(plan.periods, by, plan.locations)
        parts.append(page.figure(plots.cost_by_group(table, by)))
    if plan.locations is None:
        parts.append(page.paragraph(
            "Costs by peering location need the customers' locations: give "
            "--customers-csv, or plan with manifests (manifests/allocations.csv).", note=True))
    else:
        parts.append(page.paragraph("A customer's cost counts at its primary peering "
                                    "location.", note=True))
    return Section("costs", "Cost by customer, tier, family and location", parts)


def _utilization(page: Page, plan: PlanTables) -> Section:
    return Section("utilization", "Utilization spread", [
        page.paragraph("Peak over capacity in every customer-month; n+1 and maximum resiliency "
                       "run lower on purpose (a circuit or a site may fail).", note=True),
        *(page.figure(plots.utilization_spread(plan.periods, by=by).update_layout(
            title_text=f"Peak utilization of capacity, month by month, by {by}"))
          for by in ("tier", "family"))])


def _not_served(page: Page, plan: PlanTables) -> Section:
    summary = plan.summary
    rows = summary.loc[summary["status"] != "optimal", ["customer_id", "status", "message"]]
    if rows.empty:
        return Section("not-served", "Customers that cannot be served",
                       [page.paragraph("Every customer has an optimal plan.")])
    parts = [page.table(rows.head(LISTED_NOT_SERVED))]
    if len(rows) > LISTED_NOT_SERVED:
        parts.append(page.paragraph(f"... and {len(rows) - LISTED_NOT_SERVED:,} more: see "
                                    "summary.csv.", note=True))
    return Section("not-served", f"Customers that cannot be served ({len(rows):,})", parts)


def _risk(page: Page, risk: pd.DataFrame, columns: list[str]) -> Section:
    if not columns:
        return Section("risk", "Forecast risk",
                       [page.paragraph("risk.csv holds no column of probabilities.", note=True)])
    highest = risk.groupby("customer_id", sort=False)[columns].max().reset_index()
    first = columns[0]
    highest = highest.sort_values(first, ascending=False, kind="stable")
    top = highest.head(TOP_CUSTOMERS)
    return Section("risk", "Forecast risk", [
        page.paragraph(f"Customers with the highest {first} in any month (risk.csv).",
                       note=True),
        page.figure(highest_risk(top, first, f"Highest {first} of any month")),
        page.table(top, decimals=dict.fromkeys(columns, 3))])


def _ports(page: Page, ports: pd.DataFrame) -> Section:
    keys = ["peering_location", "port_gbps", "billing"]
    table = ports.groupby(keys, sort=True).agg(
        most_pairs=("pairs", "max"), monthly_usd=("monthly_usd", "sum"),
        setup_usd=("setup_usd", "sum")).reset_index()
    return Section("ports", "ExpressRoute Direct ports", [
        page.figure(direct_port_pairs(ports)), page.figure(direct_port_load(ports)),
        page.table(table, money=["monthly_usd", "setup_usd"])])


def _anchor(customer_id: str, index: int) -> str:
    return f"customer-{index + 1}-" + re.sub(r"[^A-Za-z0-9_-]+", "-", customer_id)[:60]


def _customer(page: Page, plan: PlanTables, customer_id: str, index: int) -> Section:
    row = plan.summary[plan.summary["customer_id"] == customer_id].iloc[0]
    anchor = _anchor(customer_id, index)
    if row["status"] != "optimal":
        return Section(anchor, customer_id, [page.paragraph(
            f"{row['status']}: {row['message']}")], level=3)
    periods = plan.periods[plan.periods["customer_id"] == customer_id]
    circuits = plan.circuits[plan.circuits["customer_id"] == customer_id]
    parts = [page.paragraph(f"Total {row['total_usd']:,.2f} USD over {len(periods)} months.")]
    parts.append(page.figure(plots.capacity_against_demand(
        periods, circuits, title=f"{customer_id}: capacity against demand")))
    parts.append(page.figure(plots.cost_by_month(periods, title=f"{customer_id}: cost by month")))
    rollout = insights.rollout_preview(circuits)[ROLLOUT_COLUMNS]
    parts.append(page.paragraph("Circuit changes in rollout order (each month: build first, "
                                "then retire):"))
    parts.append(page.table(rollout, decimals={"bandwidth_mbps": 0}) if len(rollout)
                 else page.paragraph("No circuit is created, upgraded or retired."))
    if plan.risk is not None and plan.risk_columns:
        risk = plan.risk[plan.risk["customer_id"] == customer_id]
        if len(risk):
            parts.append(page.figure(risk_over_time(
                risk, plan.risk_columns, title=f"{customer_id}: forecast risk by month")))
    return Section(anchor, customer_id, parts, level=3)
