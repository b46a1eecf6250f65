"""Synthetic circuit traffic, and writers of the three telemetry formats of docs/demand.md.

:func:`synthesize_telemetry` draws 5-minute samples for circuits whose owners' monthly 95th
percentile should follow given levels: a working-day curve (low at night, high in office
hours, lower at weekends), per-sample noise, the customer's level split evenly over its
circuits, and an inbound/outbound ratio per customer. Everything is vectorised over
circuits x samples.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from planner.demand.readers import SAMPLE_COLUMNS
from planner.inputs.read import write_atomically
from planner.synth import Portfolio

INTERVAL_S = 300
NOISE_SIGMA = 0.08
RESOURCE_GROUP = "rg-expressroute"
ZERO_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
#: Fast gzip: telemetry files are large and written once.
GZIP_LEVEL = 3


def daily_shape(timestamps: np.ndarray) -> np.ndarray:
    """Relative traffic [1] at each timestamp [s, UTC]: office-hours hump, quieter weekends."""
    hour = (timestamps % 86400) / 3600.0
    weekday = ((timestamps // 86400) + 3) % 7          # 1970-01-01 was a Thursday
    hump = np.clip(np.sin(np.pi * (hour - 6.0) / 14.0), 0.0, None) ** 1.5
    shape = 0.3 + 0.7 * hump
    return np.where(weekday >= 5, 0.6 * shape, shape)


def _month_index(period: str) -> int:
    return int(period[:4]) * 12 + int(period[5:7]) - 1 - 1970 * 12


def synthesize_telemetry(levels: pd.DataFrame, inventory: pd.DataFrame, start: str, days: int,
                         seed: int = 0, interval_s: int = INTERVAL_S) -> pd.DataFrame:
    """Samples for every inventory circuit of the customers in ``levels``.

    Parameters
    ----------
    levels : pandas.DataFrame
        ``customer_id``, ``period`` (``YYYY-MM``), ``peak_mbps`` [Mb/s]: the 95th percentile
        each customer's traffic should have that month (a month outside the table takes the
        nearest month's level).
    inventory : pandas.DataFrame
        ``customer_id``, ``circuit_name``: the circuits that carry the traffic.
    start : str
        First day, ``YYYY-MM-DD`` (UTC midnight).
    days : int
        Days of samples (>= 1).
    seed : int
        Seed of the random generator.
    interval_s : int
        Sample interval [s].

    Returns
    -------
    pandas.DataFrame
        Samples as :func:`planner.demand.readers.read_telemetry` returns, circuit by circuit.
    """
    rng = np.random.default_rng(seed)
    known = set(levels["customer_id"].astype(str))
    circuits = inventory[inventory["customer_id"].astype(str).isin(known)]
    names = circuits["circuit_name"].astype(str).to_numpy(object)
    owner = circuits["customer_id"].astype(str).to_numpy(object)
    first = int(np.datetime64(start, "s").astype(np.int64))
    stamps = first + interval_s * np.arange(days * 86400 // interval_s, dtype=np.int64)
    month = stamps.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)

    customers = np.array(sorted(known), dtype=object)
    index = {c: i for i, c in enumerate(customers)}
    level_month = np.array([_month_index(p) for p in levels["period"].astype(str)])
    lo, hi = level_month.min(), level_month.max()
    grid = np.full((len(customers), hi - lo + 1), np.nan)
    grid[[index[c] for c in levels["customer_id"].astype(str)], level_month - lo] = (
        levels["peak_mbps"].to_numpy(float))
    grid = pd.DataFrame(grid).ffill(axis=1).bfill(axis=1).to_numpy()
    per_sample = grid[:, np.clip(month - lo, 0, hi - lo)]            # customers x samples

    shape = daily_shape(stamps)
    reference = np.percentile(shape * np.exp(rng.normal(0, NOISE_SIGMA, shape.size)), 95)
    counts = pd.Series(owner).value_counts()
    in_ratio = rng.uniform(0.3, 1.3, len(customers))
    rows = np.array([index[c] for c in owner], dtype=np.int64)
    share = 1.0 / counts.reindex(owner).to_numpy(float)
    scale = share / np.maximum(1.0, in_ratio[rows]) / reference * 1e6    # bit/s per Mb/s
    noise = np.exp(rng.normal(0, NOISE_SIGMA, (len(names), stamps.size)))
    bits_out = per_sample[rows] * shape[None, :] * noise * scale[:, None]
    bits_in = bits_out * in_ratio[rows][:, None] * np.exp(
        rng.normal(0, NOISE_SIGMA / 2, bits_out.shape))
    return pd.DataFrame({
        "circuit": pd.Categorical.from_codes(np.repeat(np.arange(len(names)), stamps.size),
                                             categories=pd.Index(names)),
        "timestamp": np.tile(stamps, len(names)),
        "interval_s": np.full(bits_out.size, interval_s, dtype=np.int64),
        "bits_in": np.round(bits_in.ravel()),
        "bits_out": np.round(bits_out.ravel()),
    })[SAMPLE_COLUMNS]


def write_plain_csv(samples: pd.DataFrame, path: str | Path) -> Path:
    """Write the plain CSV (gzip when the name ends in ``.gz``); whole bit/s, ISO 8601 UTC."""
    path = Path(path)
    table = pa.table({
        "circuit_name": pa.array(samples["circuit"].astype(str).to_numpy(object), pa.string()),
        "timestamp": pa.array(samples["timestamp"].to_numpy(np.int64), pa.timestamp("s", "UTC")),
        "bits_in_per_s": pa.array(np.round(samples["bits_in"].to_numpy(float)).astype(np.int64)),
        "bits_out_per_s": pa.array(np.round(samples["bits_out"].to_numpy(float)).astype(
            np.int64)),
    })
    if path.suffix == ".gz":
        with gzip.GzipFile(path, "wb", compresslevel=GZIP_LEVEL, mtime=0) as stream:
            pacsv.write_csv(table, stream, pacsv.WriteOptions(quoting_style="none"))
    else:
        pacsv.write_csv(table, str(path), pacsv.WriteOptions(quoting_style="none"))
    return path


def resource_id(circuit: str, subscription: str = ZERO_SUBSCRIPTION) -> str:
    """The ARM ID of an ExpressRoute circuit."""
    return (f"/subscriptions/{subscription}/resourceGroups/{RESOURCE_GROUP}/providers/"
            f"Microsoft.Network/expressRouteCircuits/{circuit}")


def _iso(stamps: np.ndarray) -> list[str]:
    return [f"{t}Z" for t in stamps.astype("datetime64[s]").astype(str)]


def az_metrics_body(circuit: str, samples: pd.DataFrame, subscription: str = ZERO_SUBSCRIPTION,
                    split_roles: bool = True) -> dict[str, Any]:
    """The body ``az monitor metrics list`` prints for one circuit's two bit-rate metrics.

    With ``split_roles`` each metric has a Primary and a Secondary ``DeviceRole`` series
    (the link split as ``--filter "DeviceRole eq '*'"`` returns it), summing to the total.
    """
    stamps = _iso(samples["timestamp"].to_numpy(np.int64))
    interval = int(samples["interval_s"].iloc[0])
    base = resource_id(circuit, subscription)
    values = []
    for metric, column in (("BitsInPerSecond", "bits_in"), ("BitsOutPerSecond", "bits_out")):
        total = samples[column].to_numpy(float)
        parts = [("Primary", np.round(total * 0.55)), ("Secondary", None)] if split_roles else [
            (None, total)]
        series = []
        for role, value in parts:
            value = total - parts[0][1] if value is None else value
            data = [{"timeStamp": t, "average": float(v)} for t, v in zip(stamps, value,
                                                                          strict=True)]
            meta = [{"name": {"value": "DeviceRole", "localizedValue": "DeviceRole"},
                     "value": role}] if role else []
            series.append({"metadatavalues": meta, "data": data})
        values.append({
            "id": f"{base}/providers/Microsoft.Insights/metrics/{metric}",
            "type": "Microsoft.Insights/metrics",
            "name": {"value": metric, "localizedValue": metric},
            "displayDescription": "", "unit": "BitsPerSecond", "timeseries": series,
            "errorCode": "Success",
        })
    first, last = stamps[0], _iso(samples["timestamp"].to_numpy(np.int64)[-1:] + interval)[0]
    return {"cost": 0, "timespan": f"{first}/{last}", "interval": f"PT{interval // 60}M",
            "namespace": "Microsoft.Network/expressRouteCircuits",
            "resourceregion": "westeurope", "value": values}


def write_az_json(samples: pd.DataFrame, folder: str | Path,
                  subscriptions: dict[str, str] | None = None,
                  split_roles: bool = True) -> list[Path]:
    """Write one gzip JSON file per circuit, ``CIRCUIT.json.gz``, as az prints it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for circuit, rows in samples.groupby("circuit", sort=False, observed=True):
        body = az_metrics_body(str(circuit), rows, (subscriptions or {}).get(
            str(circuit), ZERO_SUBSCRIPTION), split_roles)
        path = folder / f"{circuit}.json.gz"
        with gzip.GzipFile(path, "wb", compresslevel=GZIP_LEVEL, mtime=0) as handle:
            handle.write(orjson.dumps(body))
        written.append(path)
    return written


def azure_metrics_table(samples: pd.DataFrame, grain_s: int = 3600,
                        subscriptions: dict[str, str] | None = None) -> pd.DataFrame:
    """The rows a Log Analytics ``AzureMetrics`` export holds, at ``grain_s`` aggregation."""
    stamp = samples["timestamp"].to_numpy(np.int64)
    frame = pd.DataFrame({"circuit": samples["circuit"].astype(str).to_numpy(object),
                          "slot": stamp - stamp % grain_s,
                          "bits_in": samples["bits_in"].to_numpy(float),
                          "bits_out": samples["bits_out"].to_numpy(float)})
    tables = []
    for metric, column in (("BitsInPerSecond", "bits_in"), ("BitsOutPerSecond", "bits_out")):
        grouped = frame.groupby(["circuit", "slot"], sort=True)[column].agg(
            ["mean", "max", "min", "count"]).reset_index()
        ids = grouped["circuit"].map(lambda c: resource_id(c, (subscriptions or {}).get(
            c, ZERO_SUBSCRIPTION)).upper())
        tables.append(pd.DataFrame({
            "TimeGenerated": _iso(grouped["slot"].to_numpy(np.int64)),
            "ResourceId": ids, "MetricName": metric,
            "Total": np.round(grouped["mean"] * grouped["count"]),
            "Count": grouped["count"], "Maximum": np.round(grouped["max"]),
            "Minimum": np.round(grouped["min"]), "Average": np.round(grouped["mean"], 1),
            "TimeGrain": f"PT{grain_s // 3600}H" if grain_s % 3600 == 0 else f"PT{grain_s // 60}M",
            "UnitName": "BitsPerSecond",
        }))
    return pd.concat(tables, ignore_index=True).sort_values(
        ["TimeGenerated", "ResourceId", "MetricName"], kind="stable")


def write_azure_metrics(samples: pd.DataFrame, path: str | Path, grain_s: int = 3600,
                        subscriptions: dict[str, str] | None = None) -> Path:
    """Write an ``AzureMetrics`` CSV export (gzip when the name ends in ``.gz``)."""
    path = Path(path)
    azure_metrics_table(samples, grain_s, subscriptions).to_csv(
        path, index=False, lineterminator="\n",
        compression={"method": "gzip", "mtime": 0, "compresslevel": GZIP_LEVEL}
        if path.suffix == ".gz" else None)
    return path


def write_synthetic_telemetry(portfolio: Portfolio, folder: str | Path, start: str, days: int,
                              seed: int = 0) -> Path:
    """Write a synthetic portfolio's telemetry in the three formats, atomically.

    Parameters
    ----------
    portfolio : planner.synth.Portfolio
        The portfolio: its inventory's circuits carry its demand.csv's peaks.
    folder : str or Path
        The folder to (re)place: ``plain.csv.gz`` (5-minute), ``az/CIRCUIT.json.gz``
        (5-minute) and ``azure_metrics.csv.gz`` (hourly).
    start : str
        First month, ``YYYY-MM`` (the portfolio's first month).
    days : int
        Days of samples.
    seed : int
        Seed of the random generator.

    Returns
    -------
    Path
        The folder.
    """
    levels = portfolio.demand[["customer_id", "period", "peak_mbps"]]
    samples = synthesize_telemetry(levels, portfolio.inventory, f"{start}-01", days, seed)
    subscriptions = dict(zip(portfolio.inventory["circuit_name"].astype(str),
                             portfolio.inventory["customer_id"].map(dict(zip(
                                 portfolio.customers["customer_id"],
                                 portfolio.customers["subscription_id"], strict=True))),
                             strict=True))

    def write(target: Path) -> None:
        write_plain_csv(samples, target / "plain.csv.gz")
        write_az_json(samples, target / "az", subscriptions, split_roles=False)
        write_azure_metrics(samples, target / "azure_metrics.csv.gz", 3600, subscriptions)

    return write_atomically(folder, write)
