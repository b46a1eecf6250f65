"""What each customer earns the CSP: price to the customer and margin.

Two inputs, both optional:

- ``markup_pct`` of customers.csv: the price to the customer is the planned cost (the
  ``total_usd`` of periods.csv, at list prices) x (1 + markup_pct / 100); empty means 0, a
  negative value is a discount (at least -100).
- ``partner_earned_credit_pct`` of the ``[economics]`` table of the provisioning settings:
  the partner earned credit (PEC) the CSP receives on Azure consumption, a share of the
  circuit fees and metered egress it pays Microsoft. Setup costs (provider installation,
  cross-connects, migration work) are not Azure consumption and earn none. Default 0. Each
  CSP has its own figure (it depends on the partner agreement and on the CSP holding admin
  rights on the subscription every day); 15 % is the rate Partner Center samples show.

The CSP's cost is then ``total_usd - PEC x (circuit_usd + egress_usd)`` and its margin is
``price_usd - cost``. The plan itself is unchanged: it minimises the total at list prices as
docs/model.rst defines it.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd

from planner.inputs.validate import InputError, InputIssue
from planner.provision.settings import read_toml

SETTINGS_TABLE = "economics"
SETTINGS_KEY = "partner_earned_credit_pct"
MARGIN_COLUMNS = ["price_usd", "margin_usd"]


def read_partner_credit(path: str | Path | None) -> float:
    """The partner earned credit [%] of a provisioning settings file (0 without one).

    Raises
    ------
    InputError
        When the file is not TOML or the value is not a number in [0, 100].
    """
    if path is None:
        return 0.0
    file = str(path)
    data = read_toml(path)
    table = data.get(SETTINGS_TABLE, {})
    where = f"{SETTINGS_TABLE}.{SETTINGS_KEY}"
    if not isinstance(table, dict):
        raise InputError([InputIssue(file, 0, SETTINGS_TABLE, f"{SETTINGS_TABLE}: expected a "
                                                             "table")])
    value = table.get(SETTINGS_KEY, 0.0)
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or not math.isfinite(value) or not 0 <= value <= 100):
        raise InputError([InputIssue(file, 0, where, f"{where}: {value!r} is not a percentage "
                                                  "from 0 to 100")])
    return float(value)


def margins_wanted(customers: pd.DataFrame, partner_credit_pct: float) -> bool:
    """Whether price and margin columns are written: a markup or a credit is set."""
    markup = customers["markup_pct"] if "markup_pct" in customers else pd.Series([], dtype=object)
    return partner_credit_pct != 0 or bool(markup.notna().any())


def _markup(customers: pd.DataFrame) -> dict[str, float]:
    if "markup_pct" not in customers:
        return {}
    return {c: float(m) for c, m in zip(customers["customer_id"], customers["markup_pct"],
                                        strict=True) if m is not None and pd.notna(m)}


def period_margins(periods: pd.DataFrame, customers: pd.DataFrame,
                   partner_credit_pct: float) -> pd.DataFrame:
    """periods.csv rows with ``price_usd`` and ``margin_usd`` [USD] appended.

    Parameters
    ----------
    periods : pandas.DataFrame
        periods.csv rows with numeric ``circuit_usd``, ``egress_usd`` and ``total_usd``.
    customers : pandas.DataFrame
        Validated customers.csv (its ``markup_pct`` [%] may be missing or empty).
    partner_credit_pct : float
        Partner earned credit on circuit fees and egress [%].

    Returns
    -------
    pandas.DataFrame
        A copy with the two columns.
    """
    markup = periods["customer_id"].map(_markup(customers)).fillna(0.0).to_numpy(dtype=float)
    total = periods["total_usd"].to_numpy(dtype=float)
    azure = periods["circuit_usd"].to_numpy(dtype=float) + periods["egress_usd"].to_numpy(
        dtype=float)
    price = total * (1 + markup / 100)
    cost = total - partner_credit_pct / 100 * azure
    return periods.assign(price_usd=price, margin_usd=price - cost)


def summary_margins(summary: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
    """summary.csv rows with each optimal customer's ``price_usd`` and ``margin_usd``.

    Parameters
    ----------
    summary : pandas.DataFrame
        summary.csv rows (``customer_id``, ``status``, ...).
    periods : pandas.DataFrame
        The output of :func:`period_margins`.

    Returns
    -------
    pandas.DataFrame
        A copy with the two columns, NaN for customers that are not optimal.
    """
    sums = periods.groupby("customer_id", sort=False)[MARGIN_COLUMNS].sum()
    optimal = summary["status"].astype(str) == "optimal"
    out = summary.copy()
    for column in MARGIN_COLUMNS:
        values = summary["customer_id"].map(sums[column]).astype(float)
        out[column] = np.where(optimal, values, np.nan)
    return out


def margin_by_customer(summary: pd.DataFrame) -> pd.DataFrame:
    """Optimal customers' cost, price, margin [USD] and margin share of the price [%]."""
    table = summary.loc[summary["status"].astype(str) == "optimal",
                        ["customer_id", "total_usd", *MARGIN_COLUMNS]].copy()
    table["margin_pct"] = np.where(table["price_usd"] > 0,
                                   100 * table["margin_usd"] / table["price_usd"], np.nan)
    return table.sort_values("margin_usd", ascending=False).reset_index(drop=True)


def _money(values: pd.Series) -> list[str]:
    return [f"{v:.2f}" if pd.notna(v) else "" for v in values]


def with_margin_columns(summary: pd.DataFrame, periods_csv: str, customers: pd.DataFrame,
                        partner_credit_pct: float) -> tuple[pd.DataFrame, str]:
    """Add price and margin to a summary table and to periods.csv as written.

    The periods' figures are computed from the written (two-decimal) costs so that each
    row's price and margin follow from what the row shows; the summary sums them.

    Returns
    -------
    summary : pandas.DataFrame
        With ``price_usd`` and ``margin_usd`` as two-decimal text (empty unless optimal).
    periods_csv : str
        periods.csv text with the two columns appended.
    """
    text = pd.read_csv(io.StringIO(periods_csv), dtype=str, keep_default_na=False)
    numbers = text[["customer_id", "circuit_usd", "egress_usd", "total_usd"]].copy()
    for column in ("circuit_usd", "egress_usd", "total_usd"):
        numbers[column] = numbers[column].astype(float)
    priced = period_margins(numbers, customers, partner_credit_pct)
    out_periods = text.assign(price_usd=_money(priced["price_usd"]),
                              margin_usd=_money(priced["margin_usd"]))
    out_summary = summary_margins(summary, priced)
    for column in MARGIN_COLUMNS:
        out_summary[column] = _money(out_summary[column])
    return out_summary, out_periods.to_csv(index=False, lineterminator="\n")
