"""What the telemetry readers share: the samples table, names, times, intervals.

Every reader returns the same table of *samples*, one row per circuit and timestamp:

========== ======== ===================================================================
column     type     meaning
========== ======== ===================================================================
circuit    str      circuit name (the resource ID's last segment for Azure's formats)
timestamp  int64    start of the sample [s since 1970-01-01 UTC]
interval_s int      length of the sample [s], 60 to 3600
bits_in    float64  ``BitsInPerSecond`` [bit/s], NaN when not measured
bits_out   float64  ``BitsOutPerSecond`` [bit/s], NaN when not measured
========== ======== ===================================================================

The ``DeviceRole`` / ``PeeringType`` split of Azure's metrics is summed per timestamp. Bad
input raises :class:`~planner.inputs.validate.InputError` naming the file and the row
(CSV, the header is row 1) or the JSON path.
"""

from __future__ import annotations

import gzip
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

SAMPLE_COLUMNS = ["circuit", "timestamp", "interval_s", "bits_in", "bits_out"]
PLAIN_COLUMNS = ["circuit_name", "timestamp", "bits_in_per_s", "bits_out_per_s"]
AZURE_METRICS_COLUMNS = ["TimeGenerated", "ResourceId", "MetricName", "Average"]
METRICS = {"bitsinpersecond": "bits_in", "bitsoutpersecond": "bits_out"}
MIN_INTERVAL_S = 60
MAX_INTERVAL_S = 3600
DEFAULT_INTERVAL_S = 300
#: Problems listed per file at most; the rest are counted.
MAX_PROBLEMS = 20
GZIP_MAGIC = b"\x1f\x8b"


#: US-style times of some portal exports (``11/29/2026, 4:00:00.000 PM``, UTC, under a
#: header ``TimeGenerated [UTC]``), accepted besides ISO 8601.
PORTAL_TIME_FORMAT = "%m/%d/%Y, %I:%M:%S.%f %p"


def column_name(header: str) -> str:
    """A CSV header cell as the readers name it: trimmed, unquoted, without `` [UTC]``."""
    name = str(header).strip().strip('"').strip()
    return name[:-6].rstrip() if name.upper().endswith(" [UTC]") else name


def parse_times(texts: pd.Series) -> pd.Series:
    """ISO 8601 timestamps (UTC without an offset), else the portal's format; NaT if neither."""
    times = pd.to_datetime(texts, utc=True, format="ISO8601", errors="coerce")
    missing = times.isna() & (texts.astype(str).str.strip() != "")
    if missing.any():
        times[missing] = pd.to_datetime(texts[missing].str.strip(), utc=True,
                                        format=PORTAL_TIME_FORMAT, errors="coerce")
    return times


def open_bytes(path: Path) -> io.BufferedIOBase:
    """Open a file for reading bytes, decompressing gzip (recognised by its magic bytes)."""
    with open(path, "rb") as handle:
        magic = handle.read(2)
    if magic == GZIP_MAGIC:
        return gzip.open(path, "rb")
    return open(path, "rb")


_DURATION = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", re.IGNORECASE)


def duration_seconds(text: str) -> int | None:
    """Seconds of an ISO 8601 time duration such as ``PT5M`` or ``PT1H``; None if not one."""
    match = _DURATION.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match or not any(match.groups()):
        return None
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def circuit_of(resource_id: str) -> str | None:
    """The circuit name of a resource or metric ID: the segment after ``expressRouteCircuits``."""
    parts = [p for p in resource_id.split("/") if p]
    lowered = [p.lower() for p in parts]
    if "expressroutecircuits" in lowered:
        index = lowered.index("expressroutecircuits")
        if index + 1 < len(parts):
            return parts[index + 1]
    return None


def epoch_seconds(times: pd.Series) -> np.ndarray:
    """Timestamps as whole seconds since 1970-01-01 UTC."""
    return times.to_numpy(dtype="datetime64[s]").astype(np.int64) if len(times) else np.zeros(
        0, np.int64)


def wide(long: pd.DataFrame) -> pd.DataFrame:
    """Sum the dimension split per (circuit, metric, timestamp), then one column per metric."""
    summed = long.groupby(["circuit", "timestamp", "metric"], sort=False).agg(
        value=("value", "sum"), interval_s=("interval_s", "max"))
    wide = summed["value"].unstack("metric")
    interval = summed["interval_s"].groupby(level=["circuit", "timestamp"]).max()
    out = pd.DataFrame({
        "circuit": wide.index.get_level_values("circuit").astype(str),
        "timestamp": wide.index.get_level_values("timestamp").astype(np.int64),
        "interval_s": interval.reindex(wide.index).to_numpy(np.int64),
        "bits_in": wide["bits_in"].to_numpy(float) if "bits_in" in wide else np.nan,
        "bits_out": wide["bits_out"].to_numpy(float) if "bits_out" in wide else np.nan,
    })
    return out[SAMPLE_COLUMNS]



def read_header(path: Path) -> set[str]:
    """The column names of a CSV file's header (see :func:`column_name`)."""
    with open_bytes(path) as handle:
        first = handle.readline().decode("utf-8-sig", "replace")
    return {column_name(c) for c in first.split(",")}


def inferred_intervals(codes: np.ndarray, stamps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's interval [s] and the rows that repeat a (circuit, timestamp).

    The interval is the circuit's median spacing of its timestamps, clipped to 1..60
    minutes; 5 minutes for a circuit with a single timestamp.

    Parameters
    ----------
    codes : numpy.ndarray of int
        Circuit code of each row (>= 0).
    stamps : numpy.ndarray of int
        Timestamp of each row [s].

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The interval of each row [s] and the indices of repeated rows (empty when none).
    """
    codes = np.asarray(codes)
    stamps = np.asarray(stamps, np.int64)
    if codes.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    changes = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    grouped = changes.size + 1 == np.unique(codes).size
    if grouped and bool(np.all((np.diff(stamps) > 0) | (codes[1:] != codes[:-1]))):
        order = None                                  # already by circuit, then time
        sorted_codes, sorted_stamps = codes, stamps
    else:
        order = np.lexsort((stamps, codes))
        sorted_codes, sorted_stamps = codes[order], stamps[order]
        changes = np.flatnonzero(sorted_codes[1:] != sorted_codes[:-1]) + 1
    steps = np.diff(sorted_stamps)
    repeated = np.flatnonzero((steps == 0) & (sorted_codes[1:] == sorted_codes[:-1])) + 1
    if order is not None:
        repeated = order[repeated]
    per_code = np.full(codes.max() + 1, DEFAULT_INTERVAL_S, dtype=np.int64)
    bounds = np.concatenate([[0], changes, [codes.size]])
    for begin, end in zip(bounds[:-1], bounds[1:], strict=True):
        spacing = steps[begin:end - 1]
        spacing = spacing[spacing > 0]
        if spacing.size:
            per_code[sorted_codes[begin]] = int(np.clip(np.round(np.median(spacing)),
                                                        MIN_INTERVAL_S, MAX_INTERVAL_S))
    return per_code.astype(np.int32)[codes], repeated
