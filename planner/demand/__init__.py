"""Demand from measured traffic (SPEC section 7): telemetry -> history -> forecast -> risk.

>>> from planner import demand
>>> samples = demand.read_telemetry(["data/telemetry"])                  # doctest: +SKIP
>>> owners = demand.circuit_owners(pd.read_csv("data/inventory.csv"))   # doctest: +SKIP
>>> history = demand.monthly_history(samples, owners)                    # doctest: +SKIP
>>> forecast = demand.forecast_history(history.table, horizon=12)       # doctest: +SKIP
>>> demand.demand_from_forecast(forecast, customers, quantile=0.9)      # doctest: +SKIP
"""

from planner.demand.forecast import (
    FORECAST_COLUMNS,
    demand_from_forecast,
    forecast_history,
    forecast_series,
    quantile_peak,
)
from planner.demand.history import (
    HISTORY_COLUMNS,
    MIN_COVERAGE,
    History,
    circuit_owners,
    monthly_history,
)
from planner.demand.readers import read_file, read_telemetry
from planner.demand.risk import (
    AT_RISK_PROBABILITY,
    RISK_COLUMNS,
    months_at_risk,
    plan_risk,
    read_forecast,
    write_risk,
)

__all__ = [
    "AT_RISK_PROBABILITY",
    "FORECAST_COLUMNS",
    "HISTORY_COLUMNS",
    "MIN_COVERAGE",
    "RISK_COLUMNS",
    "History",
    "circuit_owners",
    "demand_from_forecast",
    "forecast_history",
    "forecast_series",
    "monthly_history",
    "months_at_risk",
    "plan_risk",
    "quantile_peak",
    "read_file",
    "read_forecast",
    "read_telemetry",
    "write_risk",
]
