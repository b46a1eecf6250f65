"""Shared layout of the planner's figures."""

from __future__ import annotations

import plotly.graph_objects as go

MONTH_AXIS = "Month [YYYY-MM]"
COST_COLORS = {"circuit_usd": "#4C78A8", "egress_usd": "#F58518", "setup_usd": "#54A24B"}
COST_NAMES = {"circuit_usd": "circuits", "egress_usd": "egress", "setup_usd": "setup"}


def figure(title: str, x_title: str, y_title: str, **layout: object) -> go.Figure:
    """An empty figure with the title, the axis titles and the common layout."""
    fig = go.Figure()
    fig.update_layout(title={"text": title}, xaxis_title={"text": x_title},
                      yaxis_title={"text": y_title}, template="plotly_white",
                      legend={"orientation": "h", "y": -0.25}, margin={"t": 60}, **layout)
    return fig
