"""The risk a plan carries under a demand forecast.

For each customer and month present in both the plan and the forecast: the probability that
the month's peak exceeds the capacity at the customer's target utilization, and that it
exceeds the full capacity. The peak is taken as normal in ``log(1 + peak)`` with the
forecast's median and 80 % interval (see :func:`planner.demand.forecast.log_distribution`);
a flat forecast (no spread) gives probabilities of 0 or 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from planner.demand.forecast import FORECAST_COLUMNS, log_distribution
from planner.inputs.validate import InputError, InputIssue

RISK_COLUMNS = ["customer_id", "period", "capacity_mbps", "target_mbps", "peak_p50",
                "peak_p90", "p_over_target", "p_over_capacity"]
#: A month is at risk when the peak exceeds capacity x target_utilization with more than
#: this probability.
AT_RISK_PROBABILITY = 0.2


def exceedance(forecast: pd.DataFrame, threshold_mbps: np.ndarray) -> np.ndarray:
    """Probability that each forecast row's peak exceeds ``threshold_mbps`` [Mb/s]."""
    from scipy.special import ndtr

    centre, spread = log_distribution(forecast)
    limit = np.log1p(np.asarray(threshold_mbps, float))
    with np.errstate(divide="ignore", invalid="ignore"):
        probability = ndtr(-(limit - centre) / spread)
    exceeds: np.ndarray = np.where(spread > 0, probability, (centre > limit).astype(float))
    return exceeds


def plan_risk(forecast: pd.DataFrame, periods: pd.DataFrame, customers: pd.DataFrame
              ) -> pd.DataFrame:
    """risk.csv's rows for a plan.

    Parameters
    ----------
    forecast : pandas.DataFrame
        forecast.csv's table.
    periods : pandas.DataFrame
        The plan's periods.csv (``customer_id``, ``period``, ``capacity_mbps``).
    customers : pandas.DataFrame
        ``customer_id`` and ``target_utilization`` (empty means the default 0.8).

    Returns
    -------
    pandas.DataFrame
        customer_id, period, capacity_mbps, target_mbps [Mb/s], peak_p50, peak_p90 [Mb/s],
        p_over_target, p_over_capacity (0..1).
    """
    target = pd.to_numeric(customers["target_utilization"], errors="coerce").fillna(0.8)
    utilization = dict(zip(customers["customer_id"].astype(str), target, strict=True))
    plan = periods[["customer_id", "period", "capacity_mbps"]].astype(
        {"customer_id": str, "period": str})
    merged = plan.merge(forecast.astype({"customer_id": str, "period": str}),
                        on=["customer_id", "period"], how="inner")
    capacity = merged["capacity_mbps"].to_numpy(float)
    target_mbps = capacity * merged["customer_id"].map(utilization).fillna(0.8).to_numpy(float)
    return pd.DataFrame({
        "customer_id": merged["customer_id"], "period": merged["period"],
        "capacity_mbps": capacity, "target_mbps": target_mbps,
        "peak_p50": merged["peak_p50"], "peak_p90": merged["peak_p90"],
        "p_over_target": exceedance(merged, target_mbps),
        "p_over_capacity": exceedance(merged, capacity),
    })[RISK_COLUMNS]


def months_at_risk(risk: pd.DataFrame, customer_ids: pd.Series) -> list[str]:
    """Per customer, the months whose ``p_over_target`` exceeds :data:`AT_RISK_PROBABILITY`.

    Returns the count as text, empty for a customer without any forecast month in the plan.
    """
    flagged = (risk["p_over_target"] > AT_RISK_PROBABILITY).groupby(risk["customer_id"]).sum()
    return [str(int(flagged[c])) if c in flagged.index else "" for c in customer_ids]


def format_risk(risk: pd.DataFrame) -> pd.DataFrame:
    """risk.csv as written: Mb/s with 3 decimals, probabilities with 4."""
    out = risk.copy()
    for column in ("capacity_mbps", "target_mbps", "peak_p50", "peak_p90"):
        out[column] = [f"{v:.3f}" for v in out[column]]
    for column in ("p_over_target", "p_over_capacity"):
        out[column] = [f"{v:.4f}" for v in out[column]]
    return out


def read_forecast(path: str | Path) -> pd.DataFrame:
    """Read and check forecast.csv.

    Raises
    ------
    InputError
        Naming the file, row and column of every bad cell.
    """
    from planner.inputs.read import read_table

    file = str(path)
    raw = read_table(path)
    raw.columns = [str(c).strip() for c in raw.columns]
    issues = [InputIssue(file, 1, c, "required column is missing")
                for c in FORECAST_COLUMNS[:-2] if c not in raw.columns]
    if issues:
        raise InputError(issues)
    for column in ("customer_id", "period"):
        for index in np.flatnonzero(raw[column].str.strip() == ""):
            issues.append(InputIssue(file, int(index) + 2, column, "value is required"))
    bad_period = ~raw["period"].str.strip().str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")
    for index in np.flatnonzero(bad_period & (raw["period"].str.strip() != "")):
        issues.append(InputIssue(file, int(index) + 2, "period",
                                f"{raw['period'].iat[int(index)]!r} is not a month YYYY-MM"))
    numbers = {}
    for column in ("peak_p10", "peak_p50", "peak_p90"):
        values = pd.to_numeric(raw[column], errors="coerce").to_numpy(float)
        for index in np.flatnonzero(~(np.isfinite(values) & (values >= 0))):
            issues.append(InputIssue(file, int(index) + 2, column,
                                    f"{raw[column].iat[int(index)]!r} is not a number >= 0 [Mb/s]"))
        numbers[column] = values
    order_broken = (numbers["peak_p10"] > numbers["peak_p50"]) | (
        numbers["peak_p50"] > numbers["peak_p90"])
    for index in np.flatnonzero(order_broken):
        issues.append(InputIssue(file, int(index) + 2, "peak_p50",
                                "the quantiles must satisfy peak_p10 <= peak_p50 <= peak_p90"))
    duplicated = raw.duplicated(["customer_id", "period"]).to_numpy()
    for index in np.flatnonzero(duplicated):
        issues.append(InputIssue(file, int(index) + 2, "period",
                                f"customer {raw['customer_id'].iat[int(index)]!r} has this month "
                                "twice"))
    if issues:
        raise InputError(issues[:50])
    out = raw.assign(customer_id=raw["customer_id"].str.strip(),
                     period=raw["period"].str.strip(), **numbers)
    return out


def write_risk(folder: Path, forecast: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """Add risk.csv to a written plan and the ``months_at_risk`` column to its summary.csv.

    Parameters
    ----------
    folder : Path
        A folder holding the plan's summary.csv and periods.csv.
    forecast : pandas.DataFrame
        forecast.csv's table (:func:`read_forecast`).
    customers : pandas.DataFrame
        customers.csv (``customer_id``, ``target_utilization``).

    Returns
    -------
    pandas.DataFrame
        The risk table.
    """
    periods = pd.read_csv(folder / "periods.csv", dtype={"customer_id": str, "period": str},
                          keep_default_na=False)
    risk = plan_risk(forecast, periods, customers)
    format_risk(risk).to_csv(folder / "risk.csv", index=False)
    summary = pd.read_csv(folder / "summary.csv", dtype=str, keep_default_na=False)
    summary["months_at_risk"] = months_at_risk(risk, summary["customer_id"])
    summary.to_csv(folder / "summary.csv", index=False)
    return risk
