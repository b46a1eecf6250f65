"""Figures of what each customer earns the CSP (from :mod:`planner.economics`)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from planner.plots._style import figure


def margin_by_customer(margins: pd.DataFrame) -> go.Figure:
    """The CSP's margin over the horizon per customer, with its share of the price.

    Parameters
    ----------
    margins : pandas.DataFrame
        :func:`planner.economics.margin_by_customer` output (``customer_id``,
        ``margin_usd`` [USD], ``margin_pct`` [%]).

    Returns
    -------
    plotly.graph_objects.Figure
        One bar per customer, highest margin first; the hover shows the share.
    """
    fig = figure("Margin by customer", "Customer [id]", "Margin over the horizon [USD]")
    fig.add_trace(go.Bar(
        x=margins["customer_id"], y=margins["margin_usd"], name="margin",
        marker={"color": ["#54A24B" if m >= 0 else "#E45756" for m in margins["margin_usd"]]},
        customdata=margins[["margin_pct"]].to_numpy(),
        hovertemplate="%{x}: %{y:,.0f} USD (%{customdata[0]:.1f} % of the price)"
                      "<extra></extra>"))
    return fig
