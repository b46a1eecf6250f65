"""Backtest of the forecast on synthetic monthly histories with known truth.

Each customer's monthly peak is ``base x growth^t x season(month) x step x noise``: growth
between -1 % and +4 % a month, one of the synthetic portfolio's seasonal profiles, a step
change (x0.6 to x1.6) at a random month for a fifth of the customers, and lognormal noise of
3 % to 12 %. The last ``holdout`` months of each customer are hidden, forecast from the rest,
and compared with what happened.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.demand.forecast import forecast_series
from planner.synth import SEASONS, month_labels

STEP_SHARE = 0.2


def synthetic_histories(customers: int, months: int, seed: int = 0,
                        start: str = "2024-01") -> pd.DataFrame:
    """Monthly histories (history.csv's columns, full coverage) with known dynamics.

    Parameters
    ----------
    customers : int
        Customers to draw.
    months : int
        Months of history each.
    seed : int
        Seed of the random generator.
    start : str
        First month, ``YYYY-MM``.

    Returns
    -------
    pandas.DataFrame
        customer_id, period, peak_mbps [Mb/s], egress_gb [GB], coverage (1.0).
    """
    rng = np.random.default_rng(seed)
    base = np.exp(rng.normal(np.log(400), 1.0, customers))
    growth = rng.uniform(-0.01, 0.04, customers)
    season = SEASONS[rng.integers(0, len(SEASONS), customers)]
    step_at = np.where(rng.random(customers) < STEP_SHARE,
                       rng.integers(1, months, customers), months + 1)
    step = rng.uniform(0.6, 1.6, customers)
    noise = rng.uniform(0.03, 0.12, customers)
    labels = month_labels(start, months)
    calendar = np.array([int(p[5:]) - 1 for p in labels])
    t = np.arange(months)
    peak = (base[:, None] * (1 + growth[:, None]) ** t * season[:, calendar]
            * np.where(t >= step_at[:, None], step[:, None], 1.0)
            * np.exp(rng.normal(0, noise[:, None], (customers, months))))
    egress = peak * rng.uniform(60, 160, customers)[:, None]
    return pd.DataFrame({
        "customer_id": np.repeat([f"bt-{i:04d}" for i in range(customers)], months),
        "period": np.tile(labels, customers),
        "peak_mbps": peak.ravel(), "egress_gb": egress.ravel(), "coverage": 1.0,
    })


def backtest(history: pd.DataFrame, holdout: int = 6) -> pd.DataFrame:
    """Forecast each customer's last ``holdout`` months from the months before them.

    Parameters
    ----------
    history : pandas.DataFrame
        Full-coverage monthly histories (``customer_id``, ``period``, ``peak_mbps``).
    holdout : int
        Months hidden at the end of each customer's history.

    Returns
    -------
    pandas.DataFrame
        One row per customer and hidden month: customer_id, ahead (1..holdout), truth,
        peak_p10, peak_p50, peak_p90, naive (the last known month), method.
    """
    rows = []
    for customer, group in history.groupby("customer_id", sort=True):
        values = group.sort_values("period")["peak_mbps"].to_numpy(float)
        known, hidden = values[:-holdout], values[-holdout:]
        low, median, high, method = forecast_series(known, holdout)
        rows.append(pd.DataFrame({
            "customer_id": customer, "ahead": np.arange(1, holdout + 1), "truth": hidden,
            "peak_p10": low, "peak_p50": median, "peak_p90": high,
            "naive": known[-1], "method": method,
        }))
    return pd.concat(rows, ignore_index=True)


def scores(results: pd.DataFrame) -> dict[str, float]:
    """MAPE of the median and of the naive forecast [%], and the 80 % interval's coverage [%].

    Parameters
    ----------
    results : pandas.DataFrame
        :func:`backtest`'s table.
    """
    truth = results["truth"].to_numpy(float)
    inside = (results["peak_p10"] <= results["truth"]) & (results["truth"] <= results["peak_p90"])
    return {
        "mape_median_pct": float(np.mean(np.abs(results["peak_p50"] - truth) / truth) * 100),
        "mape_naive_pct": float(np.mean(np.abs(results["naive"] - truth) / truth) * 100),
        "coverage_80_pct": float(inside.mean() * 100),
        "months": float(len(results)),
    }


def backtest_table(customers: int = 100, seed: int = 0, holdout: int = 6,
                   lengths: tuple[int, ...] = (36, 18, 9)) -> pd.DataFrame:
    """Backtest scores for several history lengths (one row each).

    Parameters
    ----------
    customers : int
        Synthetic customers per length.
    seed : int
        Seed of the histories.
    holdout : int
        Months hidden at the end.
    lengths : tuple of int
        Months of history in all (the fit sees ``length - holdout`` of them).

    Returns
    -------
    pandas.DataFrame
        months_fitted, method (the most common), mape_median_pct, mape_naive_pct,
        coverage_80_pct, months (hidden months scored).
    """
    rows = []
    for length in lengths:
        results = backtest(synthetic_histories(customers, length, seed), holdout)
        rows.append({"months_fitted": length - holdout,
                     "method": results["method"].mode().iat[0], **scores(results)})
    return pd.DataFrame(rows)
