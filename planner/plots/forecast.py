"""Figures of measured history, forecast and plan risk (:mod:`planner.demand` tables)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from planner.plots._style import MONTH_AXIS, figure


def forecast_fan(history: pd.DataFrame, forecast: pd.DataFrame, customer_id: str) -> go.Figure:
    """One customer's monthly peaks and forecast: the median and the 80 % interval as a fan.

    Parameters
    ----------
    history : pandas.DataFrame
        history.csv's table (peak_mbps [Mb/s], coverage); months under 50 % coverage are
        drawn hollow.
    forecast : pandas.DataFrame
        forecast.csv's table (peak_p10, peak_p50, peak_p90 [Mb/s]).
    customer_id : str
        The customer.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    past = history[history["customer_id"] == customer_id]
    ahead = forecast[forecast["customer_id"] == customer_id]
    method = str(ahead["method"].iat[0]) if len(ahead) else "none"
    fig = figure(f"{customer_id}: measured peak and forecast ({method})", MONTH_AXIS,
                 "Peak, 95th percentile of 5-minute values [Mb/s]")
    full = past["coverage"] >= 0.5
    fig.add_trace(go.Scatter(x=past["period"], y=past["peak_mbps"], mode="lines+markers",
                             name="measured", line={"color": "#4C78A8"},
                             marker={"symbol": ["circle" if f else "circle-open" for f in full]}))
    fig.add_trace(go.Scatter(x=ahead["period"], y=ahead["peak_p90"], mode="lines",
                             line={"width": 0}, showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=ahead["period"], y=ahead["peak_p10"], mode="lines",
                             line={"width": 0}, fill="tonexty",
                             fillcolor="rgba(245,133,24,0.25)", name="80 % interval"))
    fig.add_trace(go.Scatter(x=ahead["period"], y=ahead["peak_p50"], mode="lines",
                             name="median forecast", line={"color": "#F58518"}))
    return fig


def risk_by_month(risk: pd.DataFrame, customer_id: str) -> go.Figure:
    """One customer's monthly probabilities of exceeding the target and the full capacity.

    Parameters
    ----------
    risk : pandas.DataFrame
        risk.csv's table.
    customer_id : str
        The customer.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    rows = risk[risk["customer_id"] == customer_id]
    fig = figure(f"{customer_id}: risk of the plan", MONTH_AXIS, "Probability [%]")
    fig.add_trace(go.Bar(x=rows["period"], y=rows["p_over_target"] * 100,
                         name="peak above capacity x target utilization"))
    fig.add_trace(go.Bar(x=rows["period"], y=rows["p_over_capacity"] * 100,
                         name="peak above full capacity"))
    return fig
