"""Plotly figures of demand and plans: one function per figure, each returning a Figure.

Every function takes tables (as :mod:`planner.insights`, :mod:`planner.whatif` and
:class:`planner.PlanResult` give them) and returns a ``plotly.graph_objects.Figure``; none
shows anything. Every axis title carries its unit in brackets.
"""

from planner.plots.demand import (
    demand_over_time,
    egress_against_break_even,
    growth_by_customer,
    peaks_against_ladder,
)
from planner.plots.economics import margin_by_customer
from planner.plots.plan import capacity_against_demand, cost_by_month, cost_change
from planner.plots.portfolio import (
    cost_by_group,
    rules_of_thumb_costs,
    sensitivity,
    utilization_spread,
)

__all__ = [
    "capacity_against_demand",
    "cost_by_group",
    "cost_by_month",
    "cost_change",
    "demand_over_time",
    "egress_against_break_even",
    "growth_by_customer",
    "margin_by_customer",
    "peaks_against_ladder",
    "rules_of_thumb_costs",
    "sensitivity",
    "utilization_spread",
]
