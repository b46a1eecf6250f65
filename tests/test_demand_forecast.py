"""Forecast, demand.csv at a quantile, and the risk of a plan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.demand import (
    demand_from_forecast,
    forecast_history,
    forecast_series,
    months_at_risk,
    plan_risk,
)
from planner.demand.backtest import backtest, scores, synthetic_histories
from planner.demand.risk import exceedance


def history(values: list[float], coverage: list[float] | None = None,
            start: str = "2026-01") -> pd.DataFrame:
    periods = [str(p) for p in pd.period_range(start, periods=len(values), freq="M")]
    return pd.DataFrame({"customer_id": "c", "period": periods, "peak_mbps": values,
                         "egress_gb": [v * 100 for v in values],
                         "coverage": coverage or [1.0] * len(values)})


def test_fewer_than_three_usable_months_give_a_flat_forecast() -> None:
    table = forecast_history(history([100, 120, 500], [1.0, 1.0, 0.4]), horizon=4)
    assert table["period"].tolist() == ["2026-03", "2026-04", "2026-05", "2026-06"]
    assert (table["method"] == "flat").all()
    assert (table[["peak_p10", "peak_p50", "peak_p90"]] == 120).all(axis=None)


def test_short_trend_follows_growth_and_widens() -> None:
    values = [100 * 1.02 ** t for t in range(6)]
    low, median, high, method = forecast_series(np.array(values), 6)
    assert method == "trend"
    np.testing.assert_allclose(median, [100 * 1.02 ** t for t in range(6, 12)], rtol=0.01)
    assert np.all(low < median) and np.all(median < high)
    assert np.all(np.diff(high - low) > 0)


def test_seasonal_model_sees_the_december_peak() -> None:
    months = 36
    season = np.where(np.arange(months) % 12 == 11, 1.8, 1.0)
    rng = np.random.default_rng(1)
    values = 500 * 1.01 ** np.arange(months) * season * rng.lognormal(0, 0.02, months)
    low, median, high, method = forecast_series(values, 12)
    assert method == "ets-damped-seasonal"
    assert median[11] > 1.5 * median[10]
    assert np.all(low < median) and np.all(median < high)


def test_interior_low_coverage_month_is_interpolated() -> None:
    table = forecast_history(history([100, 999, 100, 100], [1, 0.2, 1, 1]), horizon=1)
    assert table["peak_p50"].iat[0] == pytest.approx(100, rel=0.02)


def test_demand_at_quantile_with_vnets() -> None:
    forecast = pd.DataFrame({"customer_id": ["c", "c"], "period": ["2027-01", "2027-02"],
                             "peak_p10": [80.0, 90.0], "peak_p50": [100.0, 110.0],
                             "peak_p90": [125.0, 134.2], "egress_p50": [1000.4, 1100.6],
                             "method": "trend"})
    customers = pd.DataFrame({"customer_id": ["c"], "vnets": ["3"]})
    high = demand_from_forecast(forecast, customers, 0.9)
    assert high["peak_mbps"].tolist() == [125, 135]
    assert high["egress_gb"].tolist() == [1000, 1101]
    assert high["vnets"].tolist() == ["3", "3"]
    assert demand_from_forecast(forecast, None, 0.5)["peak_mbps"].tolist() == [100, 110]


def test_exceedance_at_the_forecast_quantiles() -> None:
    forecast = pd.DataFrame({"peak_p10": [80.0, 50.0], "peak_p50": [100.0, 50.0],
                             "peak_p90": [125.0, 50.0]})
    # log(1 + x) is normal with these quantiles only approximately symmetric; the p50 is exact.
    np.testing.assert_allclose(exceedance(forecast, np.array([100.0, 49.0])), [0.5, 1.0])
    p = exceedance(forecast.iloc[:1], np.array([125.0]))[0]
    assert 0.08 < p < 0.12
    assert exceedance(forecast.iloc[1:], np.array([51.0]))[0] == 0.0


def test_plan_risk_and_months_at_risk() -> None:
    forecast = pd.DataFrame({"customer_id": "c", "period": ["2027-01", "2027-02", "2027-03"],
                             "peak_p10": 80.0, "peak_p50": 100.0, "peak_p90": 125.0,
                             "egress_p50": 0.0, "method": "trend"})
    periods = pd.DataFrame({"customer_id": "c", "period": ["2027-01", "2027-02", "2027-04"],
                            "capacity_mbps": [1000, 125, 125]})
    customers = pd.DataFrame({"customer_id": ["c", "d"], "target_utilization": [0.8, 0.5]})
    risk = plan_risk(forecast, periods, customers)
    assert risk["period"].tolist() == ["2027-01", "2027-02"]
    assert risk["target_mbps"].tolist() == [800.0, 100.0]
    assert risk["p_over_target"].iat[0] < 1e-6
    assert risk["p_over_target"].iat[1] == pytest.approx(0.5)
    assert months_at_risk(risk, pd.Series(["c", "d"])) == ["1", ""]


def test_backtest_scores_are_what_they_say() -> None:
    results = backtest(synthetic_histories(4, 12, seed=2), holdout=3)
    assert len(results) == 12
    score = scores(results)
    truth = results["truth"]
    assert score["mape_naive_pct"] == pytest.approx(
        100 * np.mean(np.abs(results["naive"] - truth) / truth))
    assert 0 <= score["coverage_80_pct"] <= 100


def test_certainty_costs_more_and_risks_less() -> None:
    from pathlib import Path

    from planner.demand.certainty import plan_at_quantiles
    from planner.plots.forecast import forecast_fan, risk_by_month

    data = Path(__file__).resolve().parents[1] / "data"
    customers = pd.read_csv(data / "customers.csv")
    periods = [str(p) for p in pd.period_range("2027-01", periods=6, freq="M")]
    median = np.array([600, 650, 700, 760, 820, 900], float)
    forecast = pd.DataFrame({"customer_id": "contoso-eu", "period": periods,
                             "peak_p10": median * 0.7, "peak_p50": median,
                             "peak_p90": median * 1.4, "egress_p50": 40000.0,
                             "method": "trend"})
    table = plan_at_quantiles(forecast, customers, pd.read_csv(data / "catalog.csv"),
                              pd.read_csv(data / "egress_rates.csv"), None, (0.5, 0.9))
    assert table["status"].tolist() == ["optimal", "optimal"]
    low, high = table.iloc[0], table.iloc[1]
    assert high["total_usd"] > low["total_usd"]
    assert high["worst_p_over_target"] <= 0.1 + 1e-9 < low["worst_p_over_target"]
    history = pd.DataFrame({"customer_id": "contoso-eu", "period": ["2026-12"],
                            "peak_mbps": [580.0], "egress_gb": [1.0], "coverage": [0.4]})
    assert len(forecast_fan(history, forecast, "contoso-eu").data) == 4
    risk = pd.DataFrame({"customer_id": "contoso-eu", "period": periods,
                         "p_over_target": 0.1, "p_over_capacity": 0.0})
    assert list(risk_by_month(risk, "contoso-eu").data[0].y) == [10.0] * 6
