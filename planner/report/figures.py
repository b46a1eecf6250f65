"""Figures only the report draws: forecast risk and Direct port pairs (from risk/ports.csv)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from planner.plots._style import MONTH_AXIS, figure


def risk_over_time(risk: pd.DataFrame, columns: Sequence[str],
                   title: str = "Forecast risk by month") -> go.Figure:
    """One customer's risk columns month by month, one line each.

    Parameters
    ----------
    risk : pandas.DataFrame
        The customer's rows of risk.csv (``period`` and the ``columns``, probabilities).
    columns : sequence of str
        The probability columns to draw.
    title : str
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        One line per column, in percent.
    """
    fig = figure(title, MONTH_AXIS, "Probability [%]")
    rows = risk.sort_values("period", kind="stable")
    for column in columns:
        fig.add_trace(go.Scatter(x=rows["period"], y=rows[column] * 100, name=column,
                                 mode="lines+markers"))
    fig.update_yaxes(range=[0, 100])
    return fig


def highest_risk(table: pd.DataFrame, column: str, title: str) -> go.Figure:
    """The customers with the highest risk in any month, largest first.

    Parameters
    ----------
    table : pandas.DataFrame
        ``customer_id`` and ``column`` (a probability).
    column : str
        The column to draw.
    title : str
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace, in percent.
    """
    fig = figure(title, "Customer [id]", "Highest monthly probability [%]")
    fig.add_trace(go.Bar(x=table["customer_id"], y=table[column] * 100, name=column))
    return fig


def direct_port_pairs(ports: pd.DataFrame) -> go.Figure:
    """Direct port pairs held each month, one line per location, size and billing.

    Parameters
    ----------
    ports : pandas.DataFrame
        Rows of ports.csv (``peering_location``, ``port_gbps``, ``billing``, ``period``,
        ``pairs``).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    fig = figure("ExpressRoute Direct port pairs held", MONTH_AXIS, "Pairs held [count]")
    keys = ["peering_location", "port_gbps", "billing"]
    for (location, size, billing), rows in ports.groupby(keys, sort=True):
        rows = rows.sort_values("period", kind="stable")
        fig.add_trace(go.Scatter(x=rows["period"], y=rows["pairs"], mode="lines+markers",
                                 line={"shape": "hv"},
                                 name=f"{location} {size:g} Gb/s {billing}"))
    return fig


def direct_port_load(ports: pd.DataFrame) -> go.Figure:
    """Bandwidth provisioned on Direct pairs against their capacity, over all locations.

    Parameters
    ----------
    ports : pandas.DataFrame
        Rows of ports.csv (``period``, ``provisioned_mbps``, ``capacity_mbps`` [Mb/s]).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    monthly = ports.groupby("period", sort=True)[["provisioned_mbps", "capacity_mbps"]].sum()
    fig = figure("Circuits provisioned on Direct pairs against their capacity", MONTH_AXIS,
                 "Bandwidth [Mb/s]")
    fig.add_trace(go.Bar(x=monthly.index, y=monthly["provisioned_mbps"], name="provisioned"))
    fig.add_trace(go.Scatter(x=monthly.index, y=monthly["capacity_mbps"], name="capacity",
                             mode="lines", line={"color": "black", "shape": "hv"}))
    return fig
