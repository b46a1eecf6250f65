"""The cost of certainty: one portfolio planned at several quantiles of its forecast."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from planner.demand.forecast import demand_from_forecast
from planner.demand.risk import AT_RISK_PROBABILITY, plan_risk


def plan_at_quantiles(forecast: pd.DataFrame, customers: pd.DataFrame, catalog: pd.DataFrame,
                      egress_rates: pd.DataFrame, inventory: pd.DataFrame | None = None,
                      quantiles: Sequence[float] = (0.5, 0.9)) -> pd.DataFrame:
    """Plan the forecast's customers at each quantile of the peak and weigh cost against risk.

    Parameters
    ----------
    forecast : pandas.DataFrame
        forecast.csv's table.
    customers, catalog, egress_rates : pandas.DataFrame
        As for :func:`planner.plan`; customers without a forecast are left out.
    inventory : pandas.DataFrame, optional
        Existing circuits (of any customers; those of the planned ones are used).
    quantiles : sequence of float
        Quantiles of the peak to plan for, each in (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per customer and quantile: customer_id, quantile, status, total_usd [USD],
        months_at_risk (months whose peak exceeds capacity x target_utilization with more
        than :data:`planner.demand.risk.AT_RISK_PROBABILITY`), worst_p_over_target and
        worst_p_over_capacity (the largest monthly probabilities).
    """
    from planner.planning import plan

    chosen = set(forecast["customer_id"])
    own = customers[customers["customer_id"].astype(str).isin(chosen)]
    circuits = None if inventory is None else inventory[
        inventory["customer_id"].astype(str).isin(chosen)]
    rows = []
    for quantile in quantiles:
        demand = demand_from_forecast(forecast, own, quantile)
        result = plan(own, demand, catalog, egress_rates, circuits)
        risk = plan_risk(forecast, result.periods, own)
        worst = risk.groupby("customer_id")[["p_over_target", "p_over_capacity"]].max()
        flagged = (risk["p_over_target"] > AT_RISK_PROBABILITY).groupby(
            risk["customer_id"]).sum()
        for row in result.summary.itertuples(index=False):
            rows.append({
                "customer_id": row.customer_id, "quantile": quantile, "status": row.status,
                "total_usd": row.total_usd,
                "months_at_risk": int(flagged.get(row.customer_id, 0)),
                "worst_p_over_target": float(worst["p_over_target"].get(row.customer_id,
                                                                         float("nan"))),
                "worst_p_over_capacity": float(worst["p_over_capacity"].get(row.customer_id,
                                                                             float("nan"))),
            })
    return pd.DataFrame(rows)
