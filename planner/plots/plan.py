"""Figures of one customer's plan (its rows of periods.csv and circuits.csv)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from planner.plots._style import COST_COLORS, COST_NAMES, MONTH_AXIS, figure


def capacity_against_demand(periods: pd.DataFrame, circuits: pd.DataFrame,
                            title: str = "Capacity against demand") -> go.Figure:
    """Each month's circuits stacked by bandwidth, with the peak drawn over them.

    Parameters
    ----------
    periods : pandas.DataFrame
        One customer's rows of periods.csv (``period``, ``peak_mbps`` [Mb/s]).
    circuits : pandas.DataFrame
        Its rows of circuits.csv (``circuit_name``, ``period``, ``bandwidth_mbps`` [Mb/s],
        ``action``); ``retire`` rows are not drawn (the circuit is gone that month).
    title : str
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace per circuit, one line for the peak.
    """
    fig = figure(title, MONTH_AXIS, "Bandwidth [Mb/s]", barmode="stack")
    live = circuits[circuits["action"] != "retire"]
    for name in dict.fromkeys(live["circuit_name"]):
        rows = live[live["circuit_name"] == name]
        fig.add_trace(go.Bar(x=rows["period"], y=rows["bandwidth_mbps"], name=name,
                             customdata=rows[["tier", "family"]].to_numpy(),
                             hovertemplate="%{x}: %{y:,} Mb/s %{customdata[0]} "
                                           "%{customdata[1]}<extra>%{fullData.name}</extra>"))
    fig.add_trace(go.Scatter(x=periods["period"], y=periods["peak_mbps"], name="peak",
                             mode="lines+markers", line={"color": "black"}))
    return fig


def cost_by_month(periods: pd.DataFrame, title: str = "Cost by month") -> go.Figure:
    """Each month's cost stacked into circuit fees, egress and setup.

    Parameters
    ----------
    periods : pandas.DataFrame
        Rows of periods.csv (``period``, ``circuit_usd``, ``egress_usd``, ``setup_usd``
        [USD]); several customers' rows are summed per month.
    title : str
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace per cost part.
    """
    fig = figure(title, MONTH_AXIS, "Cost [USD]", barmode="stack")
    monthly = periods.groupby("period", sort=True)[list(COST_NAMES)].sum().reset_index()
    for part, label in COST_NAMES.items():
        fig.add_trace(go.Bar(x=monthly["period"], y=monthly[part], name=label,
                             marker={"color": COST_COLORS[part]}))
    return fig


def cost_change(comparison: pd.DataFrame, title: str = "What changed against the base plan"
                ) -> go.Figure:
    """Monthly cost of the what-if plan minus the base plan, with the changed months marked.

    Parameters
    ----------
    comparison : pandas.DataFrame
        :func:`planner.whatif.compare_periods` output (``period``, ``delta_usd`` [USD],
        ``changed``, and the circuits and capacity of both plans).
    title : str
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace of the cost difference.
    """
    fig = figure(title, MONTH_AXIS, "What-if minus base cost [USD]")
    text = [
        f"{b}→{w} circuits, {cb:,.0f}→{cw:,.0f} Mb/s" if changed else ""
        for b, w, cb, cw, changed in zip(
            comparison["circuits_base"], comparison["circuits_whatif"],
            comparison["capacity_mbps_base"], comparison["capacity_mbps_whatif"],
            comparison["changed"], strict=True)]
    colors = ["#E45756" if d > 0 else "#54A24B" for d in comparison["delta_usd"].fillna(0)]
    fig.add_trace(go.Bar(x=comparison["period"], y=comparison["delta_usd"], name="difference",
                         hovertext=text, marker={"color": colors}))
    return fig
