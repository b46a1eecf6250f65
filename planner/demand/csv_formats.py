"""Read the two CSV formats: the plain CSV and Log Analytics' ``AzureMetrics`` export.

A fast path types the file with Arrow's multithreaded reader; when any cell fails, the file
is read again as text to name the row and column of every bad cell.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from planner.demand.samples import (
    AZURE_METRICS_COLUMNS,
    GZIP_MAGIC,
    MAX_INTERVAL_S,
    MAX_PROBLEMS,
    METRICS,
    MIN_INTERVAL_S,
    PLAIN_COLUMNS,
    circuit_of,
    column_name,
    duration_seconds,
    epoch_seconds,
    inferred_intervals,
    open_bytes,
    parse_times,
    read_header,
    wide,
)
from planner.inputs.validate import InputError, InputIssue


def _read_csv_strings(path: Path, columns: list[str]) -> pd.DataFrame:
    """The named columns of a CSV as text (slow path, used to locate issues by row)."""
    file = str(path)
    try:
        with open_bytes(path) as handle:
            frame = pd.read_csv(handle, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, EOFError, UnicodeDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError, gzip.BadGzipFile) as error:
        raise InputError([InputIssue(file, 0, "", f"cannot read it as UTF-8 CSV: {error}")]
                         ) from None
    frame.columns = [column_name(c) for c in frame.columns]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError([InputIssue(file, 1, c, "required column is missing") for c in missing])
    return frame[columns]


def _read_csv_typed(path: Path, types: dict[str, pa.DataType]) -> pd.DataFrame | None:
    """The named columns, typed (see :func:`_read_arrow`), as pandas; None when a cell fails."""
    table = _read_arrow(path, types)
    return None if table is None else table.to_pandas()


def _arrow_stream(path: Path) -> pa.NativeFile:
    """The file as an Arrow stream, gzip decompressed by Arrow as it is read."""
    with open(path, "rb") as handle:
        compressed = handle.read(2) == GZIP_MAGIC
    raw = pa.OSFile(str(path), "rb")
    return pa.CompressedInputStream(raw, "gzip") if compressed else raw


def _read_arrow(path: Path, types: dict[str, pa.DataType]) -> pa.Table | None:
    """The named columns, typed by Arrow's multithreaded reader; None when a cell fails.

    Timestamps are tried with zone offsets first, then without (taken as UTC); a file that
    mixes both, or has any bad cell, gives None (the caller then reads it as text).
    """
    naive = {name: pa.timestamp("s") if pa.types.is_timestamp(kind) else kind
             for name, kind in types.items()}
    for column_types in (types, naive):
        try:
            with _arrow_stream(path) as handle:
                table = pacsv.read_csv(
                    handle,
                    convert_options=pacsv.ConvertOptions(
                        column_types=column_types, include_columns=list(types),
                        timestamp_parsers=[pacsv.ISO8601], strings_can_be_null=False))
        except (pa.ArrowInvalid, pa.ArrowKeyError, OSError, EOFError, gzip.BadGzipFile):
            continue
        return table
    return None


def _check_column(file: str, column: str, rows: np.ndarray, texts: np.ndarray,
                  message: str, issues: list[InputIssue]) -> None:
    for index in rows[:MAX_PROBLEMS]:
        issues.append(InputIssue(file, int(index) + 2, column, f"{texts[index]!r} {message}"))


def _check_strings(path: Path, frame: pd.DataFrame, times: list[str], numbers: list[str],
                   required: list[str], rows: np.ndarray | None = None) -> None:
    """Raise :class:`InputError` with the rows of every bad cell of a text table.

    Only the rows where ``rows`` is true are checked (all by default).
    """
    file = str(path)
    checked = np.ones(len(frame), bool) if rows is None else rows
    issues: list[InputIssue] = []
    for column in required:
        texts = frame[column].str.strip().to_numpy(object)
        for index in np.flatnonzero((texts == "") & checked)[:MAX_PROBLEMS]:
            issues.append(InputIssue(file, int(index) + 2, column, "value is required"))
    for column in times:
        texts = frame[column].str.strip().to_numpy(object)
        parsed = parse_times(frame[column])
        bad = parsed.isna().to_numpy() & (texts != "") & checked
        _check_column(file, column, np.flatnonzero(bad), texts, "is not an ISO 8601 timestamp",
                      issues)
    for column in numbers:
        texts = frame[column].str.strip().to_numpy(object)
        numbers_parsed = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
        bad = ~(np.isfinite(numbers_parsed) & (numbers_parsed >= 0)) & (texts != "") & checked
        _check_column(file, column, np.flatnonzero(bad), texts, "is not a number >= 0 [bit/s]",
                      issues)
    if issues:
        issues.sort(key=lambda p: p.row)
        raise InputError(issues[:MAX_PROBLEMS])


def _numbers_ok(values: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(values) & (values >= 0)))


def read_plain_csv(path: Path) -> pd.DataFrame:
    """Read the plain CSV: ``circuit_name, timestamp, bits_in_per_s, bits_out_per_s``.

    Timestamps are ISO 8601, UTC when no offset is given. The interval is each circuit's
    median spacing of timestamps (5 minutes when a circuit has one sample).
    """
    types = {"circuit_name": pa.dictionary(pa.int32(), pa.string()),
             "timestamp": pa.timestamp("s", tz="UTC"),
             "bits_in_per_s": pa.float64(), "bits_out_per_s": pa.float64()}
    table = _read_arrow(path, types)
    columns = None if table is None else _plain_columns(table)
    del table
    pa.default_memory_pool().release_unused()
    if columns is None:
        text = _read_csv_strings(path, PLAIN_COLUMNS)
        _check_strings(path, text, ["timestamp"], ["bits_in_per_s", "bits_out_per_s"],
                       PLAIN_COLUMNS)
        columns = (pd.Categorical(text["circuit_name"].str.strip()),
                   epoch_seconds(parse_times(text["timestamp"])),
                   pd.to_numeric(text["bits_in_per_s"]).to_numpy(float),
                   pd.to_numeric(text["bits_out_per_s"]).to_numpy(float))
    circuit, stamps, bits_in, bits_out = columns
    interval, duplicated = inferred_intervals(circuit.codes, stamps)
    if duplicated.size:
        raise InputError([InputIssue(str(path), int(r) + 2, "timestamp",
                                  f"circuit {circuit[r]!r} has this timestamp twice")
                          for r in np.sort(duplicated)[:MAX_PROBLEMS]])
    return pd.DataFrame({"circuit": circuit, "timestamp": stamps, "interval_s": interval,
                         "bits_in": bits_in, "bits_out": bits_out}, copy=False)


def _plain_columns(table: pa.Table) -> tuple[pd.Categorical[Any], np.ndarray, np.ndarray,
                                             np.ndarray] | None:
    """The typed columns as numpy, or None when a cell is empty or a number is negative."""
    if any(table.column(c).null_count for c in table.column_names):
        return None
    circuit = pd.Categorical(table.column("circuit_name").to_pandas())
    stripped = pd.Index(circuit.categories.astype(str)).str.strip()
    if (stripped == "").any():
        return None
    if stripped.is_unique:
        circuit = circuit.rename_categories(stripped)
    else:
        circuit = pd.Categorical(pd.Series(circuit).astype(str).str.strip())
    stamps = table.column("timestamp").cast(pa.int64()).to_numpy()
    bits_in = table.column("bits_in_per_s").to_numpy()
    bits_out = table.column("bits_out_per_s").to_numpy()
    if not (_numbers_ok(bits_in) and _numbers_ok(bits_out)):
        return None
    return circuit, stamps, bits_in, bits_out


def read_azure_metrics(path: Path) -> pd.DataFrame:
    """Read a Log Analytics ``AzureMetrics`` export (CSV).

    Rows of ``BitsInPerSecond`` and ``BitsOutPerSecond`` count (other metrics are ignored);
    ``Average`` is the sample; ``TimeGrain`` (e.g. ``PT1M``) gives the interval when present,
    else each circuit's median spacing of timestamps.
    """
    file = str(path)
    header = read_header(path)
    grain = "TimeGrain" in header
    types = {"TimeGenerated": pa.timestamp("s", tz="UTC"), "ResourceId": pa.string(),
             "MetricName": pa.string(), "Average": pa.float64()}
    if grain:
        types["TimeGrain"] = pa.string()
    frame = _read_csv_typed(path, types)
    if frame is not None:
        wanted = frame["MetricName"].str.strip().str.lower().isin(METRICS).to_numpy()
        if (frame.loc[wanted, ["TimeGenerated", "Average"]].isna().any(axis=None)
                or not _numbers_ok(frame.loc[wanted, "Average"].to_numpy())):
            frame = None
    if frame is None:
        text = _read_csv_strings(path, [*AZURE_METRICS_COLUMNS, *(["TimeGrain"] if grain else [])])
        wanted = text["MetricName"].str.strip().str.lower().isin(METRICS).to_numpy()
        _check_strings(path, text, ["TimeGenerated"], ["Average"],
                       ["TimeGenerated", "ResourceId", "Average"], rows=wanted)
        frame = text.assign(TimeGenerated=parse_times(text["TimeGenerated"]),
                            Average=pd.to_numeric(text["Average"], errors="coerce"))
        wanted = frame["MetricName"].str.strip().str.lower().isin(METRICS).to_numpy()
    rows = np.flatnonzero(wanted)
    frame = frame.iloc[rows]
    circuits = frame["ResourceId"].map(lambda r: circuit_of(str(r)))
    unknown = circuits.isna().to_numpy()
    if unknown.any():
        raise InputError([InputIssue(file, int(rows[i]) + 2, "ResourceId",
                                  f"{frame['ResourceId'].iat[i]!r} is not the ID of an "
                                  "ExpressRoute circuit") for i in np.flatnonzero(unknown)
                          [:MAX_PROBLEMS]])
    if frame.empty:
        raise InputError([InputIssue(file, 0, "", "no BitsInPerSecond or BitsOutPerSecond rows")])
    long = pd.DataFrame({
        "circuit": circuits.to_numpy(object),
        "timestamp": epoch_seconds(frame["TimeGenerated"]),
        "metric": frame["MetricName"].str.strip().str.lower().map(METRICS).to_numpy(object),
        "value": frame["Average"].to_numpy(float),
        "interval_s": 0,
    })
    if grain:
        seconds = frame["TimeGrain"].map(duration_seconds)
        bad = (seconds.isna() | ~seconds.between(MIN_INTERVAL_S, MAX_INTERVAL_S)).to_numpy()
        if bad.any():
            raise InputError([InputIssue(file, int(rows[i]) + 2, "TimeGrain",
                                      f"{frame['TimeGrain'].iat[i]!r} is not an interval of 1 "
                                      "to 60 minutes (e.g. PT1M)") for i in np.flatnonzero(bad)
                              [:MAX_PROBLEMS]])
        long["interval_s"] = seconds.to_numpy(np.int64)
    samples = wide(long)
    if not grain:
        samples["interval_s"] = inferred_intervals(
            pd.Categorical(samples["circuit"]).codes, samples["timestamp"].to_numpy())[0]
    return samples

