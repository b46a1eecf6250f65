"""Forecast each customer's monthly peak and egress with prediction intervals.

The model works on ``log(1 + x)`` of the monthly values, so growth is multiplicative, the
intervals are skewed upwards like real traffic and never fall below zero. By the number ``n``
of usable months (coverage >= 50 %, interior gaps interpolated):

- ``n >= 24``: ETS with additive errors, a damped additive trend and additive yearly
  seasonality (statsmodels ``ETSModel``; Holt-Winters damped in log space);
- ``12 <= n < 24``: the same without seasonality (Holt's damped trend);

  statsmodels' ETS intervals treat the fitted parameters and initial states as known, which
  makes them too narrow on a few years of months; they are widened by
  ``sqrt(n / (n - k)) x t(n - k) / z`` for the ``k`` fitted parameters and states;
- ``3 <= n < 12``: a straight-line trend by least squares with normal prediction
  intervals that widen with the uncertainty of the slope; the slope bounded to
  +-3 % a month and the scatter taken as at least 5 %, since a few months cannot tell
  growth from season and three points on a line say little about the next year;
- ``n < 3``: flat at the last usable month, all three quantiles equal (method ``flat``).

The 10 % and 90 % quantiles are the bounds of the model's 80 % prediction interval; the
median is the point forecast (the mean in log space).
"""

from __future__ import annotations

import warnings
from statistics import NormalDist

import numpy as np
import pandas as pd

from planner.demand.history import MIN_COVERAGE

FORECAST_COLUMNS = ["customer_id", "period", "peak_p10", "peak_p50", "peak_p90", "egress_p50",
                    "method"]
SEASONAL_MONTHS = 24
ETS_MONTHS = 12
TREND_MONTHS = 3
DEFAULT_HORIZON = 12
Z80 = NormalDist().inv_cdf(0.9)
#: A short history's trend is bounded to this growth or decline per month (in log terms,
#: about 43 % a year): a few months cannot tell growth from season.
MAX_SHORT_GROWTH = 0.03
#: ... and its month-to-month scatter taken as at least this (in log terms, about 5 %).
MIN_SHORT_SCALE = 0.05


def usable_series(rows: pd.DataFrame) -> tuple[int, np.ndarray, np.ndarray] | None:
    """A customer's usable months as consecutive series, or None without any.

    Parameters
    ----------
    rows : pandas.DataFrame
        The customer's history rows (``period``, ``peak_mbps``, ``egress_gb``, ``coverage``).

    Returns
    -------
    (int, numpy.ndarray, numpy.ndarray) or None
        Index of the first usable month (months since 1970-01), the peaks [Mb/s] and the
        egress [GB] from the first to the last usable month, months in between that are not
        usable interpolated linearly in log space.
    """
    month = np.array([_month_index(p) for p in rows["period"]])
    usable = (rows["coverage"].to_numpy(float) >= MIN_COVERAGE) & rows["peak_mbps"].notna(
    ).to_numpy()
    if not usable.any():
        return None
    first, last = month[usable].min(), month[usable].max()
    grid = np.arange(first, last + 1)
    series = []
    for column in ("peak_mbps", "egress_gb"):
        known = rows[column].to_numpy(float)[usable]
        filled = np.expm1(np.interp(grid, month[usable], np.log1p(known)))
        filled[month[usable] - first] = known
        series.append(filled)
    return int(first), series[0], series[1]


def _month_index(period: str) -> int:
    return int(period[:4]) * 12 + int(period[5:7]) - 1 - 1970 * 12


def _label(month: int) -> str:
    return f"{1970 + month // 12:04d}-{month % 12 + 1:02d}"


def forecast_series(values: np.ndarray, horizon: int, alpha: float = 0.2
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Forecast one monthly series ``horizon`` months ahead.

    Parameters
    ----------
    values : numpy.ndarray
        Consecutive monthly values (>= 0), oldest first.
    horizon : int
        Months to forecast (>= 1).
    alpha : float
        One minus the coverage of the interval (0.2: the 10 % and 90 % quantiles).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray, str)
        Lower quantile, median and upper quantile per month ahead, and the method's name
        (``ets-damped-seasonal``, ``ets-damped``, ``trend`` or ``flat``).
    """
    logs = np.log1p(np.asarray(values, float))
    n = len(logs)
    if n >= ETS_MONTHS and np.ptp(logs) > 0:
        result = _ets(logs, horizon, alpha, seasonal=n >= SEASONAL_MONTHS)
        if result is not None:
            return result
    if n >= TREND_MONTHS:
        return _trend(logs, horizon, alpha)
    flat = np.full(horizon, float(np.asarray(values, float)[-1]))
    return flat, flat.copy(), flat.copy(), "flat"


def _ets(logs: np.ndarray, horizon: int, alpha: float, seasonal: bool
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, str] | None:
    from scipy import stats
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    series = pd.Series(logs, index=pd.period_range("2000-01", periods=len(logs), freq="M"))
    model = ETSModel(series, error="add", trend="add", damped_trend=True,
                     seasonal="add" if seasonal else None,
                     seasonal_periods=12 if seasonal else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fitted = model.fit(disp=False)
            frame = fitted.get_prediction(start=len(logs), end=len(logs) + horizon - 1
                                          ).summary_frame(alpha=alpha)
        except (ValueError, np.linalg.LinAlgError):
            return None
    residual_df = fitted.nobs - fitted.df_model
    if residual_df < 2:
        return None
    # statsmodels' intervals take the fitted parameters and states as known; widen them by
    # the degrees of freedom the fit used and a Student-t quantile, as for a regression.
    widening = (np.sqrt(fitted.nobs / residual_df) * stats.t.ppf(1 - alpha / 2, residual_df)
                / NormalDist().inv_cdf(1 - alpha / 2))
    mean = frame["mean"].to_numpy(float)
    half = (frame["pi_upper"].to_numpy(float) - frame["pi_lower"].to_numpy(float)) / 2
    low, high = mean - widening * half, mean + widening * half
    if not np.all(np.isfinite([mean, low, high])):
        return None
    name = "ets-damped-seasonal" if seasonal else "ets-damped"
    return np.expm1(low).clip(0), np.expm1(mean).clip(0), np.expm1(high).clip(0), name


def _trend(logs: np.ndarray, horizon: int, alpha: float
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    n = len(logs)
    t = np.arange(n, dtype=float)
    slope, intercept = np.polyfit(t, logs, 1)
    residual = logs - (intercept + slope * t)
    scale = max(np.sqrt(residual @ residual / (n - 2)), MIN_SHORT_SCALE)
    bounded = float(np.clip(slope, -MAX_SHORT_GROWTH, MAX_SHORT_GROWTH))
    intercept += (slope - bounded) * t.mean()
    slope = bounded
    ahead = np.arange(n, n + horizon, dtype=float)
    centre = intercept + slope * ahead
    spread = scale * np.sqrt(1 + 1 / n + (ahead - t.mean()) ** 2 / ((t - t.mean()) ** 2).sum())
    width = NormalDist().inv_cdf(1 - alpha / 2) * spread
    return (np.expm1(centre - width).clip(0), np.expm1(centre).clip(0),
            np.expm1(centre + width).clip(0), "trend")


def forecast_history(history: pd.DataFrame, horizon: int = DEFAULT_HORIZON) -> pd.DataFrame:
    """Forecast every customer of a monthly history for ``horizon`` months.

    Parameters
    ----------
    history : pandas.DataFrame
        history.csv's table (:class:`planner.demand.history.History` ``.table``).
    horizon : int
        Months to forecast after each customer's last usable month (>= 1).

    Returns
    -------
    pandas.DataFrame
        forecast.csv's rows: customer_id, period, peak_p10, peak_p50, peak_p90 [Mb/s],
        egress_p50 [GB], method. Customers without a usable month are left out.
    """
    rows = []
    for customer, group in history.groupby("customer_id", sort=True):
        series = usable_series(group)
        if series is None:
            continue
        first, peaks, egress = series
        low, median, high, method = forecast_series(peaks, horizon)
        egress_median = forecast_series(egress, horizon)[1]
        start = first + len(peaks)
        rows.append(pd.DataFrame({
            "customer_id": customer,
            "period": [_label(m) for m in range(start, start + horizon)],
            "peak_p10": low, "peak_p50": median, "peak_p90": high,
            "egress_p50": egress_median, "method": method,
        }))
    if not rows:
        return pd.DataFrame({c: [] for c in FORECAST_COLUMNS})
    return pd.concat(rows, ignore_index=True)[FORECAST_COLUMNS]


def quantile_peak(forecast: pd.DataFrame, quantile: float) -> np.ndarray:
    """The peak [Mb/s] at ``quantile`` of each forecast row.

    The forecast distribution is taken as normal in ``log(1 + x)`` with median ``peak_p50``
    and 10 %/90 % quantiles ``peak_p10``/``peak_p90`` (the spread is the mean of the two
    half-widths, the model's intervals being symmetric in log space).
    """
    centre, spread = log_distribution(forecast)
    return np.expm1(centre + spread * NormalDist().inv_cdf(quantile))


def log_distribution(forecast: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of ``log(1 + peak)`` of each forecast row."""
    low = np.log1p(forecast["peak_p10"].to_numpy(float))
    centre = np.log1p(forecast["peak_p50"].to_numpy(float))
    high = np.log1p(forecast["peak_p90"].to_numpy(float))
    return centre, (high - low) / (2 * Z80)


def demand_from_forecast(forecast: pd.DataFrame, customers: pd.DataFrame | None = None,
                         quantile: float = 0.9) -> pd.DataFrame:
    """demand.csv (docs/inputs.rst) from a forecast.

    Parameters
    ----------
    forecast : pandas.DataFrame
        forecast.csv's table.
    customers : pandas.DataFrame, optional
        customers.csv; each customer's ``vnets`` fill the column (empty without it, which
        the planner reads as the customer's vnets).
    quantile : float
        The quantile of the peak to plan for, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        customer_id, period, peak_mbps (rounded up to whole Mb/s), egress_gb (median,
        whole GB), vnets.
    """
    peak = np.ceil(np.round(quantile_peak(forecast, quantile), 6))
    vnets = pd.Series("", index=forecast.index, dtype=object)
    if customers is not None and "vnets" in customers.columns:
        counts = pd.to_numeric(customers["vnets"], errors="coerce")
        table = dict(zip(customers["customer_id"].astype(str).str.strip(),
                         [str(int(v)) if np.isfinite(v) else "" for v in counts], strict=True))
        vnets = forecast["customer_id"].map(table).fillna("")
    return pd.DataFrame({
        "customer_id": forecast["customer_id"].to_numpy(object),
        "period": forecast["period"].to_numpy(object),
        "peak_mbps": peak.astype(np.int64),
        "egress_gb": np.round(forecast["egress_p50"].to_numpy(float)).astype(np.int64),
        "vnets": vnets.to_numpy(object),
    })


def format_forecast(forecast: pd.DataFrame) -> pd.DataFrame:
    """forecast.csv as written: Mb/s and GB with 3 decimals."""
    out = forecast.copy()
    for column in ("peak_p10", "peak_p50", "peak_p90", "egress_p50"):
        out[column] = [f"{v:.3f}" for v in out[column]]
    return out
