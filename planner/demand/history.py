"""Monthly history of each customer's measured traffic (docs/demand.md).

From the samples of :mod:`planner.demand.readers` to ``history.csv``: customer_id, period,
peak_mbps, egress_gb, coverage. Calendar months are UTC months.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.inputs.validate import InputError, InputIssue

BUCKET_S = 300
HISTORY_COLUMNS = ["customer_id", "period", "peak_mbps", "egress_gb", "coverage"]
#: A month with less of its 5-minute buckets measured is flagged and not used to fit.
MIN_COVERAGE = 0.5
DEFAULT_PERCENTILE = 95.0
BITS_PER_MBIT = 1e6
BITS_PER_GB = 8e9
#: Customer x 5-minute cells up to which the per-customer sums use a dense grid (8 bytes a
#: cell per array) instead of hashing timestamps.
DENSE_CELLS = 50_000_000
#: Samples handled at once (a chunk holds whole customers, so it may hold more).
CHUNK_ROWS = 2_000_000


@dataclass
class History:
    """The monthly history and what could not go into it.

    Parameters
    ----------
    table : pandas.DataFrame
        history.csv's rows: customer_id, period (``YYYY-MM``), peak_mbps [Mb/s], egress_gb
        [GB], coverage (share of the month's 5-minute buckets with data, 0..1). Months without
        any data between a customer's first and last measured month are present with
        coverage 0 and empty peak and egress.
    unmatched : pandas.DataFrame
        Circuits that no customer owns: circuit, samples, first, last (UTC timestamps).
    low_coverage : pandas.DataFrame
        The rows of ``table`` under :data:`MIN_COVERAGE`.
    """

    table: pd.DataFrame
    unmatched: pd.DataFrame
    low_coverage: pd.DataFrame


def circuit_owners(inventory: pd.DataFrame, file: str = "inventory.csv") -> dict[str, str]:
    """Map each circuit name, lower-cased (Azure names ignore case), to its customer.

    Raises
    ------
    InputError
        When a column is missing or a circuit is listed for two customers.
    """
    issues = [InputIssue(file, 1, c, "required column is missing")
                for c in ("customer_id", "circuit_name") if c not in inventory.columns]
    if issues:
        raise InputError(issues)
    owners: dict[str, str] = {}
    for index, (customer, circuit) in enumerate(zip(inventory["customer_id"].astype(str),
                                                    inventory["circuit_name"].astype(str),
                                                    strict=True)):
        key = circuit.strip().lower()
        if not key:
            continue
        if key in owners and owners[key] != customer.strip():
            issues.append(InputIssue(file, index + 2, "circuit_name",
                                    f"circuit {circuit!r} is also listed for {owners[key]!r}"))
        owners.setdefault(key, customer.strip())
    if issues:
        raise InputError(issues)
    return owners


def grouped_percentile(groups: np.ndarray, values: np.ndarray, q: float
                       ) -> tuple[np.ndarray, np.ndarray]:
    """The ``q``-th percentile of ``values`` in each group, as numpy's default ('linear').

    Parameters
    ----------
    groups : numpy.ndarray of int
        Group of each value.
    values : numpy.ndarray of float
        The values (no NaN).
    q : float
        Percentile in [0, 100].

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The distinct groups (sorted) and their percentiles.
    """
    order = np.lexsort((values, groups))
    sorted_groups, sorted_values = groups[order], values[order]
    keys, starts, counts = np.unique(sorted_groups, return_index=True, return_counts=True)
    position = (counts - 1) * (q / 100.0)
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, counts - 1)
    low, high = sorted_values[starts + below], sorted_values[starts + above]
    fraction = position - below
    # numpy's _lerp: exact at both ends.
    result = np.where(fraction >= 0.5, high - (high - low) * (1 - fraction),
                      low + (high - low) * fraction)
    return keys, result


def monthly_history(samples: pd.DataFrame, owners: dict[str, str],
                    percentile: float = DEFAULT_PERCENTILE) -> History:
    """Each customer's monthly peak, egress and coverage from its circuits' samples.

    Parameters
    ----------
    samples : pandas.DataFrame
        Samples as :func:`planner.demand.readers.read_telemetry` returns.
    owners : dict of str to str
        Lower-cased circuit name to customer (:func:`circuit_owners`).
    percentile : float
        The percentile of the month's 5-minute values that is its peak, in (0, 100].

    Returns
    -------
    History

    Notes
    -----
    Samples finer than 5 minutes are averaged per circuit into 5-minute buckets; coarser
    samples are used as they are, each covering its own interval. A customer's traffic at a
    timestamp is the sum over its circuits of each direction, and the larger direction counts.
    ``egress_gb`` integrates bits out over the covered time and divides by the coverage.
    """
    if not 0 < percentile <= 100:
        raise InputError([InputIssue("--percentile", 0, "", f"{percentile} is not in (0, 100]")])
    circuits = pd.Categorical(samples["circuit"])
    lowered = pd.Index(circuits.categories.astype(str)).str.lower()
    circuit_of_category = pd.factorize(lowered)[0]
    customer_names, customer_of_category = _codes(lowered.map(owners))
    codes = circuits.codes
    customer = customer_of_category[codes].astype(np.int32)
    matched = customer >= 0
    unmatched = _unmatched(samples[~matched])
    if not matched.any():
        empty = pd.DataFrame({c: [] for c in HISTORY_COLUMNS})
        return History(empty, unmatched, empty.copy())
    # Customers are independent: take them in chunks of rows, to bound the memory used.
    order = np.argsort(np.where(matched, customer, -1), kind="stable")
    order = order[np.count_nonzero(~matched):]
    del matched
    columns = {"stamp": samples["timestamp"].to_numpy(), "interval": samples[
        "interval_s"].to_numpy(), "bits_in": samples["bits_in"].to_numpy(),
        "bits_out": samples["bits_out"].to_numpy()}
    sorted_customer = customer[order]
    starts = np.searchsorted(sorted_customer, np.arange(len(customer_names) + 1))
    tables = []
    first = 0
    while first < len(customer_names):
        last = int(np.searchsorted(starts, starts[first] + CHUNK_ROWS, side="right")) - 1
        last = max(last, first + 1)
        rows = order[starts[first]:starts[last]]
        part = {name: values[rows] for name, values in columns.items()}
        tables.append(_chunk_history(
            sorted_customer[starts[first]:starts[last]] - first,
            circuit_of_category[codes[rows]].astype(np.int64), **part,
            names=customer_names[first:last], percentile=percentile))
        first = last
    table = pd.concat(tables, ignore_index=True)
    return History(table, unmatched,
                   table[table["coverage"] < MIN_COVERAGE].reset_index(drop=True))


def _chunk_history(customer: np.ndarray, circuit: np.ndarray, stamp: np.ndarray,
                   interval: np.ndarray, bits_in: np.ndarray, bits_out: np.ndarray,
                   names: np.ndarray, percentile: float) -> pd.DataFrame:
    """history.csv's rows of some customers (``customer`` indexes ``names``)."""
    interval = interval.astype(np.int64)
    fine = interval < BUCKET_S
    if fine.any():
        stamp = np.where(fine, stamp - stamp % BUCKET_S, stamp)
        interval = np.maximum(interval, BUCKET_S)
    del fine
    origin = stamp.min()
    span = int(stamp.max() - origin + 1)
    # Per circuit and 5-minute bucket (or coarser sample): the mean of each direction.
    keys = circuit * span + (stamp - origin)
    if not bool(np.all(keys[1:] > keys[:-1])):      # else each row is a bucket of its own
        group, first = _factorize(keys)
        bits_in, bits_out = _mean(group, bits_in), _mean(group, bits_out)
        customer, stamp, interval = customer[first], stamp[first], interval[first]
    # Per customer and timestamp: the sum over its circuits of each direction.
    width = span // BUCKET_S + 1
    offset = stamp - origin
    if len(names) * width <= DENSE_CELLS and not bool(np.any(offset % BUCKET_S)):
        cells = customer.astype(np.int64) * width + offset // BUCKET_S
        counts = np.bincount(cells, minlength=len(names) * width)
        present = np.flatnonzero(counts)
        in_sum = _sum(cells, bits_in, counts)[present]
        out_sum = _sum(cells, bits_out, counts)[present]
        mean_interval = np.bincount(cells, weights=interval)[present] / counts[present]
        return _months(present // width, origin + present % width * BUCKET_S,
                       np.round(mean_interval).astype(np.int64), in_sum, out_sum,
                       names, percentile)
    group, first = _factorize(customer.astype(np.int64) * span + offset)
    counts = np.bincount(group)
    bits_in, bits_out = _sum(group, bits_in, counts), _sum(group, bits_out, counts)
    return _months(customer[first].astype(np.int64), stamp[first], interval[first], bits_in,
                   bits_out, names, percentile)


def _codes(owners: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """The distinct customers (sorted) and each circuit's customer code (-1 for none)."""
    values = owners.to_numpy(object)
    known = pd.notna(values)
    names = np.array(sorted(set(values[known])), dtype=object)
    position = {name: i for i, name in enumerate(names)}
    return names, np.array([position[v] if k else -1 for v, k in zip(values, known,
                                                                     strict=True)], np.int64)


def _factorize(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group code of each key and the index of one row of each group."""
    group, uniques = pd.factorize(keys, sort=False)
    first = np.empty(len(uniques), np.int64)
    first[group[::-1]] = np.arange(len(keys) - 1, -1, -1)
    return group, first


def _mean(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Mean of the measured (not NaN) values per group; NaN for a group without any."""
    measured = ~np.isnan(values)
    total = np.bincount(group, weights=np.where(measured, values, 0.0))
    count = np.bincount(group, weights=measured.astype(float), minlength=len(total))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def _sum(group: np.ndarray, values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Sum of the measured (not NaN) values per group; NaN for a group without any.

    ``rows`` is the number of rows of each group (``np.bincount(group)``).
    """
    missing = np.isnan(values)
    if not missing.any():
        return np.bincount(group, weights=values, minlength=len(rows)).astype(float)
    total = np.bincount(group, weights=np.where(missing, 0.0, values), minlength=len(rows))
    measured = rows - np.bincount(group, weights=missing, minlength=len(rows))
    return np.where(measured > 0, total, np.nan)


def _months(customer: np.ndarray, stamp: np.ndarray, interval: np.ndarray, bits_in: np.ndarray,
            bits_out: np.ndarray, names: np.ndarray, percentile: float) -> pd.DataFrame:
    month = stamp.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
    value = np.fmax(bits_in, bits_out) / BITS_PER_MBIT
    measured = ~np.isnan(value)
    first_month, last_month = month.min(), month.max()
    span = last_month - first_month + 1
    group = customer * span + (month - first_month)
    keys, peaks = grouped_percentile(group[measured], value[measured], percentile)
    covered = np.bincount(group[measured], weights=interval[measured].astype(float),
                          minlength=len(names) * span)
    out_bits = np.bincount(group, weights=np.nan_to_num(bits_out) * interval,
                           minlength=len(names) * span)
    customer_of, month_of = keys // span, keys % span + first_month
    month_start = month_of.astype("datetime64[M]").astype("datetime64[s]").astype(np.int64)
    month_end = (month_of + 1).astype("datetime64[M]").astype("datetime64[s]").astype(np.int64)
    month_seconds = (month_end - month_start).astype(float)
    share = covered[keys] / month_seconds
    coverage = np.minimum(share, 1.0)
    egress = out_bits[keys] / BITS_PER_GB / share
    table = pd.DataFrame({"customer": customer_of, "month": month_of, "peak_mbps": peaks,
                          "egress_gb": egress, "coverage": coverage})
    table = _fill_gaps(table)
    table.insert(0, "customer_id", names[table.pop("customer").to_numpy()])
    table.insert(1, "period", _period_labels(table.pop("month").to_numpy()))
    table = table.sort_values(["customer_id", "period"], kind="stable").reset_index(drop=True)
    return table[HISTORY_COLUMNS]


def _fill_gaps(table: pd.DataFrame) -> pd.DataFrame:
    """Add months without data (coverage 0) between a customer's first and last month."""
    bounds = table.groupby("customer")["month"].agg(["min", "max"])
    lengths = (bounds["max"] - bounds["min"] + 1).to_numpy()
    full = pd.DataFrame({
        "customer": np.repeat(bounds.index.to_numpy(), lengths),
        "month": np.concatenate([np.arange(a, b + 1) for a, b in
                                 zip(bounds["min"], bounds["max"], strict=True)]),
    })
    merged = full.merge(table, on=["customer", "month"], how="left")
    merged["coverage"] = merged["coverage"].fillna(0.0)
    return merged


def _period_labels(months: np.ndarray) -> np.ndarray:
    """``YYYY-MM`` of months counted from 1970-01."""
    return np.array([f"{1970 + m // 12:04d}-{m % 12 + 1:02d}" for m in months.tolist()],
                    dtype=object)


def _unmatched(samples: pd.DataFrame) -> pd.DataFrame:
    if samples.empty:
        return pd.DataFrame({"circuit": [], "samples": [], "first": [], "last": []})
    grouped = samples.groupby(samples["circuit"].astype(str), sort=True)["timestamp"].agg(
        ["count", "min", "max"])
    return pd.DataFrame({
        "circuit": grouped.index.to_numpy(object),
        "samples": grouped["count"].to_numpy(np.int64),
        "first": pd.to_datetime(grouped["min"].to_numpy(), unit="s", utc=True),
        "last": pd.to_datetime(grouped["max"].to_numpy(), unit="s", utc=True),
    })


def format_history(table: pd.DataFrame) -> pd.DataFrame:
    """history.csv as written: Mb/s and GB with 3 decimals, coverage with 4; empty if none."""
    out = table.copy()
    out["peak_mbps"] = [f"{v:.3f}" if pd.notna(v) else "" for v in out["peak_mbps"]]
    out["egress_gb"] = [f"{v:.3f}" if pd.notna(v) else "" for v in out["egress_gb"]]
    out["coverage"] = [f"{v:.4f}" for v in out["coverage"]]
    return out
