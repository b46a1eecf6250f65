"""What a Direct plan means: break-even, pair utilization, the plan beside the independent one.

Pure functions over the planner's tables, used by notebook 06.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import plotly.graph_objects as go

from planner.direct.outputs import DirectTables, direct_tables
from planner.direct.ports import PortOffer, read_ports
from planner.direct.problem import PortfolioProblem, build_portfolio_problem
from planner.direct.solve import PortfolioResult, solve_portfolio
from planner.domain import Tier
from planner.inputs.read import read_inputs
from planner.inputs.validate import Inputs


@dataclass
class DirectPlan:
    """A portfolio planned with Direct pairs.

    Parameters
    ----------
    inputs : Inputs
        The validated inputs.
    offers : list of PortOffer
        The pairs on offer.
    problem : PortfolioProblem
        The coupled problem.
    result : PortfolioResult
        The search's result.
    tables : DirectTables
        The output tables.
    """

    inputs: Inputs
    offers: list[PortOffer]
    problem: PortfolioProblem
    result: PortfolioResult
    tables: DirectTables


def plan_with_ports(data: Path, catalog: Path, ports: Path, time_limit_s: float = 60.0
                    ) -> DirectPlan:
    """Read a data folder, a catalog with Direct rows and a ports file, and plan them.

    Parameters
    ----------
    data : Path
        Folder with customers.csv, demand.csv, egress_rates.csv and inventory.csv.
    catalog : Path
        catalog.csv with the ``port_gbps`` column.
    ports : Path
        ports.csv.
    time_limit_s : float, default 60
        Limit of the coupled search [s].

    Returns
    -------
    DirectPlan
    """
    inventory = data / "inventory.csv"
    inputs = read_inputs(data / "customers.csv", data / "demand.csv", catalog,
                         data / "egress_rates.csv", inventory if inventory.exists() else None)
    offers = read_ports(ports, inputs)
    problem = build_portfolio_problem(inputs, offers)
    result = solve_portfolio(problem, time_limit_s=time_limit_s)
    return DirectPlan(inputs, offers, problem, result,
                      direct_tables(problem, result, inputs.customers))


def break_even(offer: PortOffer, catalog: pd.DataFrame) -> pd.DataFrame:
    """How many customers of one circuit each a pair needs before it pays, per provider SKU.

    A customer moving one provider circuit of ``bandwidth_mbps`` to a Standard Direct circuit
    saves the provider fee a month; one pair carries ``oversubscription x port`` of such
    circuits. Setups and egress are left out (they are the same on both media, or one-off).

    Parameters
    ----------
    offer : PortOffer
        The pairs.
    catalog : pandas.DataFrame
        Provider SKUs (the validated catalog).

    Returns
    -------
    pandas.DataFrame
        tier, family, bandwidth_mbps, provider_usd, customers_to_pay (at least this many
        such customers pay for one pair), customers_per_pair (at most this many fit).
    """
    rows = []
    r: Any  # a row of itertuples(): pandas-stubs types every field as any scalar
    same = catalog[(catalog["family"] == offer.key.billing) & (catalog["tier"] == Tier.STANDARD)]
    for r in same.sort_values("bandwidth_mbps").itertuples(index=False):
        fee = float(r.monthly_usd)
        rows.append({"tier": r.tier, "family": r.family, "bandwidth_mbps": int(r.bandwidth_mbps),
                     "provider_usd": fee,
                     "customers_to_pay": math.floor(offer.monthly_usd / fee) + 1 if fee else None,
                     "customers_per_pair": int(offer.pair_capacity_mbps
                                               // max(1000, int(r.bandwidth_mbps)))})
    return pd.DataFrame(rows)


def utilization(ports: pd.DataFrame) -> pd.DataFrame:
    """ports.csv with ``utilization`` = provisioned / capacity (0 without pairs)."""
    out = ports.copy()
    out["utilization"] = [p / c if c else 0.0 for p, c in
                          zip(out["provisioned_mbps"], out["capacity_mbps"], strict=True)]
    return out


def side_by_side(plan: DirectPlan) -> pd.DataFrame:
    """Each customer's total alone and in the Direct plan, with the media it uses [USD]."""
    alone = {r.customer_id: r.total_usd for r in plan.result.independent}
    media = plan.tables.circuits.groupby("customer_id")["medium"].agg(
        lambda m: "+".join(sorted(set(m))))
    out = plan.tables.summary[["customer_id", "status", "total_usd"]].copy()
    out["alone_usd"] = out["customer_id"].map(alone)
    out["medium"] = out["customer_id"].map(media).fillna("")
    out["change_usd"] = out["total_usd"] - out["alone_usd"]
    return out


def utilization_figure(ports: pd.DataFrame) -> go.Figure:
    """Line per pool: Direct bandwidth provisioned over the pairs' capacity, by month."""
    from planner.plots._style import MONTH_AXIS, figure

    table = utilization(ports)
    fig = figure("Direct pair utilization", MONTH_AXIS, "provisioned / capacity")
    for (place, gbps, billing), pool in table.groupby(
            ["peering_location", "port_gbps", "billing"], sort=True):
        fig.add_scatter(x=pool["period"], y=pool["utilization"], mode="lines+markers",
                        name=f"{place} {gbps} Gb/s {billing}")
    return fig
