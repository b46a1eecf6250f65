"""Figures of the portfolio's demand (from :mod:`planner.insights` tables)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from planner.plots._style import MONTH_AXIS, figure


def demand_over_time(demand: pd.DataFrame, customers: Iterable[str] | None = None) -> go.Figure:
    """Peak demand per customer, month by month: one line per customer.

    Parameters
    ----------
    demand : pandas.DataFrame
        ``customer_id``, ``period``, ``peak_mbps`` [Mb/s] (e.g. :func:`insights.demand_table`).
    customers : iterable of str, optional
        The customers to draw; all by default.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    fig = figure("Peak demand per customer", MONTH_AXIS, "Peak demand [Mb/s]")
    chosen = list(customers) if customers is not None else list(
        dict.fromkeys(demand["customer_id"]))
    for cid in chosen:
        rows = demand[demand["customer_id"] == cid]
        fig.add_trace(go.Scatter(x=rows["period"], y=rows["peak_mbps"], mode="lines",
                                 name=cid))
    fig.update_yaxes(type="log")
    fig.update_layout(legend={"orientation": "v", "y": 1})
    return fig


def growth_by_customer(profile: pd.DataFrame) -> go.Figure:
    """Growth of each customer's peak over its horizon, largest first.

    Parameters
    ----------
    profile : pandas.DataFrame
        ``customer_id`` and ``growth_pct`` [%] (:func:`insights.customer_profile`).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    rows = profile.sort_values("growth_pct", ascending=False, kind="stable")
    fig = figure("Growth of peak demand, last month against first", "Customer [id]",
                 "Growth of peak demand [%]")
    fig.add_trace(go.Bar(x=rows["customer_id"], y=rows["growth_pct"], name="growth"))
    return fig


def peaks_against_ladder(profile: pd.DataFrame, ladder: Iterable[float]) -> go.Figure:
    """Bandwidth each customer needs at its target utilization, against the SKU sizes.

    Parameters
    ----------
    profile : pandas.DataFrame
        ``customer_id`` and ``needed_mbps`` [Mb/s] (:func:`insights.customer_profile`).
    ladder : iterable of float
        The catalog's bandwidths [Mb/s], drawn as horizontal lines.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    rows = profile.sort_values("needed_mbps", kind="stable")
    fig = figure("Highest peak / target utilization against the SKU ladder", "Customer [id]",
                 "Bandwidth needed [Mb/s]")
    fig.add_trace(go.Bar(x=rows["customer_id"], y=rows["needed_mbps"], name="needed"))
    for size in sorted(set(float(b) for b in ladder)):
        fig.add_hline(y=size, line={"dash": "dot", "width": 1, "color": "grey"})
        # On a log axis an annotation's y is the exponent, unlike a shape's.
        fig.add_annotation(y=np.log10(size), yref="y", x=1, xref="paper", xanchor="left",
                           text=f"{size:,.0f}", showarrow=False)
    fig.update_yaxes(type="log")
    return fig


def egress_against_break_even(profile: pd.DataFrame) -> go.Figure:
    """Each customer's mean monthly egress against its metered/unlimited break-even.

    Customers above the diagonal pay less on UnlimitedData at the size that carries their
    peak; those below, on MeteredData.

    Parameters
    ----------
    profile : pandas.DataFrame
        ``customer_id``, ``mean_egress_gb`` and ``break_even_gb`` [GB/month]
        (:func:`insights.customer_profile`).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    rows = profile[np.isfinite(profile["break_even_gb"].astype(float))]
    fig = figure("Egress against the metered/unlimited break-even",
                 "Break-even egress at the size that carries the peak [GB/month]",
                 "Mean egress [GB/month]")
    fig.add_trace(go.Scatter(x=rows["break_even_gb"], y=rows["mean_egress_gb"], mode="markers",
                             text=rows["customer_id"], name="customers",
                             hovertemplate="%{text}<br>break-even %{x:,.0f} GB"
                                           "<br>egress %{y:,.0f} GB<extra></extra>"))
    top = float(max(rows["break_even_gb"].max(), rows["mean_egress_gb"].max(), 1.0)) \
        if len(rows) else 1.0
    fig.add_trace(go.Scatter(x=[0, top], y=[0, top], mode="lines", name="break-even",
                             line={"dash": "dash", "color": "grey"}))
    return fig
