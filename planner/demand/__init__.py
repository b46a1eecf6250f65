"""Demand from measured traffic (docs/demand.md): telemetry -> history -> forecast -> risk.

>>> from planner import demand
>>> samples = demand.read_telemetry(["data/telemetry"])                  # doctest: +SKIP
>>> owners = demand.circuit_owners(pd.read_csv("data/inventory.csv"))   # doctest: +SKIP
>>> history = demand.monthly_history(samples, owners)                    # doctest: +SKIP
>>> forecast = demand.forecast_history(history.table, horizon=12)       # doctest: +SKIP
>>> demand.demand_from_forecast(forecast, customers, quantile=0.9)      # doctest: +SKIP
"""

from __future__ import annotations

import importlib

#: Public name -> the module that defines it; modules load on first use (PEP 562), so that
#: ``import planner.demand.history`` does not pull in statsmodels or Arrow.
_EXPORTS = {
    "FORECAST_COLUMNS": "forecast", "demand_from_forecast": "forecast",
    "forecast_history": "forecast", "forecast_series": "forecast", "quantile_peak": "forecast",
    "HISTORY_COLUMNS": "history", "MIN_COVERAGE": "history", "History": "history",
    "circuit_owners": "history", "monthly_history": "history",
    "read_file": "readers", "read_telemetry": "readers",
    "AT_RISK_PROBABILITY": "risk", "RISK_COLUMNS": "risk", "months_at_risk": "risk",
    "plan_risk": "risk", "read_forecast": "risk", "write_risk": "risk",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'planner.demand' has no attribute {name!r}")
    return getattr(importlib.import_module(f"planner.demand.{_EXPORTS[name]}"), name)


def __dir__() -> list[str]:
    return __all__
