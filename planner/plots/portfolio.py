"""Figures of a planned portfolio (from :mod:`planner.insights` and :mod:`planner.whatif`)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from planner.plots._style import COST_COLORS, COST_NAMES, figure

GROUP_TITLES = {"customer_id": "Customer [id]", "tier": "Tier [name]",
                "family": "Billing family [name]", "peering_location": "Peering location [site]"}


def cost_by_group(breakdown: pd.DataFrame, by: str) -> go.Figure:
    """Total cost over the horizon per group, stacked into circuits, egress and setup.

    Parameters
    ----------
    breakdown : pandas.DataFrame
        :func:`planner.insights.cost_breakdown` output for ``by``.
    by : str
        The grouping column: ``customer_id``, ``tier``, ``family`` or ``peering_location``.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace per cost part.
    """
    label = GROUP_TITLES.get(by, f"{by} [name]")
    fig = figure(f"Total cost by {label.split(' [')[0].lower()}", label,
                 "Total cost over the horizon [USD]", barmode="stack")
    for part, name in COST_NAMES.items():
        fig.add_trace(go.Bar(x=breakdown[by], y=breakdown[part], name=name,
                             marker={"color": COST_COLORS[part]}))
    return fig


def utilization_spread(periods: pd.DataFrame, by: str = "tier",
                       max_points: int = 5000) -> go.Figure:
    """Spread of monthly peak utilization, one box per group.

    Parameters
    ----------
    periods : pandas.DataFrame
        Rows of periods.csv (``utilization`` as a share of capacity, and ``by``).
    by : str
        Grouping column, e.g. ``tier`` or ``family``.
    max_points : int
        A group with more customer-months than this is drawn from its quartiles, without
        its points, so that large portfolios give small figures.

    Returns
    -------
    plotly.graph_objects.Figure
        One box trace per group, utilization in percent.
    """
    label = GROUP_TITLES.get(by, f"{by} [name]")
    fig = figure("Peak utilization of capacity, month by month", label,
                 "Peak utilization [% of capacity]")
    for group, rows in periods.groupby(by, sort=True):
        percent = rows["utilization"].astype(float) * 100
        if len(rows) <= max_points:
            fig.add_trace(go.Box(y=percent, name=str(group), boxpoints="all",
                                 text=rows["customer_id"] + " " + rows["period"]))
            continue
        q1, median, q3 = (float(v) for v in percent.quantile([0.25, 0.5, 0.75]))
        reach = 1.5 * (q3 - q1)
        inside = percent[(percent >= q1 - reach) & (percent <= q3 + reach)]
        fig.add_trace(go.Box(x=[str(group)], q1=[q1], median=[median], q3=[q3],
                             lowerfence=[float(inside.min())], upperfence=[float(inside.max())],
                             mean=[float(percent.mean())], name=str(group),
                             hovertemplate=f"{len(rows):,} customer-months<extra>%{{x}}</extra>"))
    return fig


def rules_of_thumb_costs(table: pd.DataFrame) -> go.Figure:
    """Total cost of the optimal plan against each rule of thumb, over the same customers.

    Only customers every strategy can serve are summed, so the bars compare like with like.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`planner.whatif.rules_of_thumb_table` output.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace; the bars are ``optimal`` and each rule.
    """
    columns = ["optimal_usd"] + [c for c in table.columns
                                 if c.endswith("_usd") and not c.endswith("savings_usd")
                                 and c != "optimal_usd"]
    common = table.dropna(subset=columns)
    names = [c.removesuffix("_usd") for c in columns]
    totals = [float(common[c].sum()) for c in columns]
    fig = figure(f"Optimal plan against rules of thumb ({len(common)} customers all serve)",
                 "Strategy [name]", "Total cost over the horizon [USD]")
    fig.add_trace(go.Bar(x=names, y=totals, name="total", text=[f"{t:,.0f}" for t in totals]))
    return fig


def sensitivity(sweep_table: pd.DataFrame, x: str, x_title: str) -> go.Figure:
    """Total cost as one setting moves (a :func:`planner.whatif.sweep` table).

    Parameters
    ----------
    sweep_table : pandas.DataFrame
        ``x``, ``total_usd`` [USD] and ``infeasible`` [customers] per point.
    x : str
        The column that varies, e.g. ``target_utilization`` or ``price_change_pct``.
    x_title : str
        Its axis title with unit, e.g. ``"Target utilization [share of capacity]"``.

    Returns
    -------
    plotly.graph_objects.Figure
        One line of total cost; points where customers became infeasible say how many.
    """
    fig = figure(f"Sensitivity of total cost to {x_title.split(' [')[0].lower()}", x_title,
                 "Total cost of the feasible customers [USD]")
    notes = [f"{n} infeasible" if n else "" for n in sweep_table["infeasible"]]
    fig.add_trace(go.Scatter(x=sweep_table[x], y=sweep_table["total_usd"],
                             mode="lines+markers+text", text=notes, textposition="top center",
                             name="total cost"))
    return fig
