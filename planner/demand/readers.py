"""Read measured circuit traffic in the three formats of SPEC section 7 (gzip accepted).

Every reader returns the same table of *samples*, one row per circuit and timestamp:

========== ======== ===================================================================
column     type     meaning
========== ======== ===================================================================
circuit    str      circuit name (the resource ID's last segment for Azure's formats)
timestamp  int64    start of the sample [s since 1970-01-01 UTC]
interval_s int64    length of the sample [s], 60 to 3600
bits_in    float64  ``BitsInPerSecond`` [bit/s], NaN when not measured
bits_out   float64  ``BitsOutPerSecond`` [bit/s], NaN when not measured
========== ======== ===================================================================

The ``DeviceRole`` / ``PeeringType`` split of Azure's metrics is summed per timestamp. Bad
input raises :class:`planner.validate.InputError` naming the file and the row (CSV, the header
is row 1) or the JSON path.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from planner.validate import InputError, Problem

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


#: The timestamp format of Log Analytics' "Export to CSV" (e.g. ``11/29/2026, 4:00:00.000 PM``),
#: accepted besides ISO 8601; its header reads ``TimeGenerated [UTC]``.
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


def detect_format(path: Path) -> str:
    """``"az-json"``, ``"azure-metrics"`` or ``"plain"``, from the file's first bytes.

    Raises
    ------
    InputError
        When the file is missing, unreadable or none of the three formats.
    """
    try:
        with open_bytes(path) as handle:
            head = handle.read(65536)
    except FileNotFoundError:
        raise InputError([Problem(str(path), 0, "", "file not found")]) from None
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise InputError([Problem(str(path), 0, "", f"cannot read it: {error}")]) from None
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"["):
        return "az-json"
    header = {column_name(c).lower() for c in
              text.split(b"\n", 1)[0].decode("utf-8", "replace").split(",")}
    if {c.lower() for c in AZURE_METRICS_COLUMNS} <= header:
        return "azure-metrics"
    if {c.lower() for c in PLAIN_COLUMNS} <= header:
        return "plain"
    raise InputError([Problem(str(path), 0, "", (
        "not a telemetry file: expected the JSON of `az monitor metrics list`, an AzureMetrics "
        f"CSV ({', '.join(AZURE_METRICS_COLUMNS)}) or a CSV with {', '.join(PLAIN_COLUMNS)}"))])


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """The files given, with every folder replaced by the files in it (sorted, hidden skipped)."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file()
                            and not any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            files.append(path)
    return files


def read_telemetry(paths: Iterable[str | Path]) -> pd.DataFrame:
    """Read telemetry files of any of the three formats, mixed, into one samples table.

    Parameters
    ----------
    paths : iterable of str or Path
        Files (plain or gzip) or folders of them.

    Returns
    -------
    pandas.DataFrame
        The samples (see the module's docstring), in file order.

    Raises
    ------
    InputError
        With the problems of every file, when any file is bad or none is given.
    """
    files = expand_paths(paths)
    if not files:
        raise InputError([Problem("telemetry", 0, "", "no telemetry file given")])
    frames, problems = [], []
    for path in files:
        try:
            frames.append(read_file(path))
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(problems)
    return pd.concat(frames, ignore_index=True)


def read_file(path: str | Path) -> pd.DataFrame:
    """Read one telemetry file, of whichever format it is (see :func:`read_telemetry`)."""
    path = Path(path)
    kind = detect_format(path)
    reader = {"az-json": read_az_json, "azure-metrics": read_azure_metrics,
              "plain": read_plain_csv}[kind]
    return reader(path)


# --- az monitor metrics list (JSON) ---------------------------------------------------------

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


def read_az_json(path: Path) -> pd.DataFrame:
    """Read the JSON that ``az monitor metrics list`` prints (one body, or a list of bodies).

    The ``average`` of each data point is the sample; points without one are missing data.
    """
    file = str(path)
    try:
        with open_bytes(path) as handle:
            document = orjson.loads(handle.read())
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise InputError([Problem(file, 0, "", f"cannot read it: {error}")]) from None
    except orjson.JSONDecodeError as error:
        raise InputError([Problem(file, 0, "", f"not valid JSON: {error}")]) from None
    bodies = document if isinstance(document, list) else [document]
    problems: list[Problem] = []
    parts: list[pd.DataFrame] = []
    for b, body in enumerate(bodies):
        where = f"$[{b}]" if isinstance(document, list) else "$"
        parts += _az_body(body, where, file, problems)
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise InputError(problems[:MAX_PROBLEMS])
    if not parts:
        raise InputError([Problem(file, 0, "", "no BitsInPerSecond or BitsOutPerSecond data")])
    long = pd.concat(parts, ignore_index=True)
    return _wide(long)


def _json_problem(file: str, path: str, message: str) -> Problem:
    return Problem(file, 0, "", f"at {path}: {message}")


def _az_body(body: object, where: str, file: str, problems: list[Problem]) -> list[pd.DataFrame]:
    if not isinstance(body, dict):
        problems.append(_json_problem(file, where, "expected an object"))
        return []
    interval = duration_seconds(body.get("interval", "PT5M") or "PT5M")
    if interval is None or not MIN_INTERVAL_S <= interval <= MAX_INTERVAL_S:
        problems.append(_json_problem(file, f"{where}.interval",
                                      f"{body.get('interval')!r} is not an interval of 1 to 60 "
                                      "minutes (e.g. PT5M)"))
        return []
    values = body.get("value")
    if not isinstance(values, list):
        problems.append(_json_problem(file, f"{where}.value", "expected a list of metrics"))
        return []
    parts = []
    for m, metric in enumerate(values):
        at = f"{where}.value[{m}]"
        if not isinstance(metric, dict):
            problems.append(_json_problem(file, at, "expected an object"))
            continue
        name = metric.get("name")
        name = name.get("value") if isinstance(name, dict) else name
        column = METRICS.get(str(name).lower())
        if column is None:
            continue
        circuit = circuit_of(str(metric.get("id", "")))
        if circuit is None:
            problems.append(_json_problem(file, f"{at}.id", (
                f"{metric.get('id')!r} is not the ID of an ExpressRoute circuit's metric "
                "(.../expressRouteCircuits/NAME/...)")))
            continue
        series = metric.get("timeseries")
        if not isinstance(series, list):
            problems.append(_json_problem(file, f"{at}.timeseries", "expected a list"))
            continue
        for s, one in enumerate(series):
            data = one.get("data") if isinstance(one, dict) else None
            if not isinstance(data, list):
                problems.append(_json_problem(file, f"{at}.timeseries[{s}].data",
                                              "expected a list of data points"))
                continue
            frame = _az_points(data, f"{at}.timeseries[{s}].data", file, problems)
            if frame is not None:
                parts.append(frame.assign(circuit=circuit, metric=column, interval_s=interval))
    return parts


def _az_points(data: list, at: str, file: str, problems: list[Problem]) -> pd.DataFrame | None:
    stamps = [p.get("timeStamp") if isinstance(p, dict) else None for p in data]
    averages = [p.get("average") if isinstance(p, dict) else None for p in data]
    times = pd.to_datetime(pd.Series(stamps, dtype=object), utc=True, format="ISO8601",
                           errors="coerce")
    for index in np.flatnonzero(times.isna().to_numpy())[:MAX_PROBLEMS]:
        problems.append(_json_problem(file, f"{at}[{index}].timeStamp",
                                      f"{stamps[index]!r} is not an ISO 8601 timestamp"))
    numbers = pd.to_numeric(pd.Series(averages, dtype=object), errors="coerce")
    given = np.array([a is not None for a in averages])
    bad = given & ~(np.isfinite(numbers.to_numpy(float)) & (numbers.to_numpy(float) >= 0))
    for index in np.flatnonzero(bad)[:MAX_PROBLEMS]:
        problems.append(_json_problem(file, f"{at}[{index}].average",
                                      f"{averages[index]!r} is not a number >= 0 [bit/s]"))
    if times.isna().any() or bad.any():
        return None
    keep = given
    return pd.DataFrame({"timestamp": _epoch_seconds(times[keep]),
                         "value": numbers.to_numpy(float)[keep]})


def _epoch_seconds(times: pd.Series) -> np.ndarray:
    return times.to_numpy(dtype="datetime64[s]").astype(np.int64) if len(times) else np.zeros(
        0, np.int64)


def _wide(long: pd.DataFrame) -> pd.DataFrame:
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


# --- CSV formats ----------------------------------------------------------------------------


def _read_csv_strings(path: Path, columns: list[str]) -> pd.DataFrame:
    """The named columns of a CSV as text (slow path, used to locate problems by row)."""
    file = str(path)
    try:
        with open_bytes(path) as handle:
            frame = pd.read_csv(handle, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, EOFError, UnicodeDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError, gzip.BadGzipFile) as error:
        raise InputError([Problem(file, 0, "", f"cannot read it as UTF-8 CSV: {error}")]
                         ) from None
    frame.columns = [column_name(c) for c in frame.columns]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError([Problem(file, 1, c, "required column is missing") for c in missing])
    return frame[columns]


def _read_csv_typed(path: Path, types: dict[str, pa.DataType]) -> pd.DataFrame | None:
    """The named columns, typed (see :func:`_read_arrow`), as pandas; None when a cell fails."""
    table = _read_arrow(path, types)
    return None if table is None else table.to_pandas()


def _read_arrow(path: Path, types: dict[str, pa.DataType]) -> pa.Table | None:
    """The named columns, typed by Arrow's multithreaded reader; None when a cell fails.

    Timestamps are tried with zone offsets first, then without (taken as UTC); a file that
    mixes both, or has any bad cell, gives None (the caller then reads it as text).
    """
    naive = {name: pa.timestamp("s") if pa.types.is_timestamp(kind) else kind
             for name, kind in types.items()}
    for column_types in (types, naive):
        try:
            with open_bytes(path) as handle:
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
                  message: str, problems: list[Problem]) -> None:
    for index in rows[:MAX_PROBLEMS]:
        problems.append(Problem(file, int(index) + 2, column, f"{texts[index]!r} {message}"))


def _check_strings(path: Path, frame: pd.DataFrame, times: list[str], numbers: list[str],
                   required: list[str], rows: np.ndarray | None = None) -> None:
    """Raise :class:`InputError` with the rows of every bad cell of a text table.

    Only the rows where ``rows`` is true are checked (all by default).
    """
    file = str(path)
    checked = np.ones(len(frame), bool) if rows is None else rows
    problems: list[Problem] = []
    for column in required:
        texts = frame[column].str.strip().to_numpy(object)
        for index in np.flatnonzero((texts == "") & checked)[:MAX_PROBLEMS]:
            problems.append(Problem(file, int(index) + 2, column, "value is required"))
    for column in times:
        texts = frame[column].str.strip().to_numpy(object)
        parsed = parse_times(frame[column])
        bad = parsed.isna().to_numpy() & (texts != "") & checked
        _check_column(file, column, np.flatnonzero(bad), texts, "is not an ISO 8601 timestamp",
                      problems)
    for column in numbers:
        texts = frame[column].str.strip().to_numpy(object)
        parsed = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
        bad = ~(np.isfinite(parsed) & (parsed >= 0)) & (texts != "") & checked
        _check_column(file, column, np.flatnonzero(bad), texts, "is not a number >= 0 [bit/s]",
                      problems)
    if problems:
        problems.sort(key=lambda p: p.row)
        raise InputError(problems[:MAX_PROBLEMS])


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
                   _epoch_seconds(parse_times(text["timestamp"])),
                   pd.to_numeric(text["bits_in_per_s"]).to_numpy(float),
                   pd.to_numeric(text["bits_out_per_s"]).to_numpy(float))
    circuit, stamps, bits_in, bits_out = columns
    interval, duplicated = inferred_intervals(circuit.codes, stamps)
    if duplicated.size:
        raise InputError([Problem(str(path), int(r) + 2, "timestamp",
                                  f"circuit {circuit[r]!r} has this timestamp twice")
                          for r in np.sort(duplicated)[:MAX_PROBLEMS]])
    return pd.DataFrame({"circuit": circuit, "timestamp": stamps, "interval_s": interval,
                         "bits_in": bits_in, "bits_out": bits_out}, copy=False)


def _plain_columns(table: pa.Table) -> tuple[pd.Categorical, np.ndarray, np.ndarray,
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
    header = _read_header(path)
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
        raise InputError([Problem(file, int(rows[i]) + 2, "ResourceId",
                                  f"{frame['ResourceId'].iat[i]!r} is not the ID of an "
                                  "ExpressRoute circuit") for i in np.flatnonzero(unknown)
                          [:MAX_PROBLEMS]])
    if frame.empty:
        raise InputError([Problem(file, 0, "", "no BitsInPerSecond or BitsOutPerSecond rows")])
    long = pd.DataFrame({
        "circuit": circuits.to_numpy(object),
        "timestamp": _epoch_seconds(frame["TimeGenerated"]),
        "metric": frame["MetricName"].str.strip().str.lower().map(METRICS).to_numpy(object),
        "value": frame["Average"].to_numpy(float),
        "interval_s": 0,
    })
    if grain:
        seconds = frame["TimeGrain"].map(duration_seconds)
        bad = (seconds.isna() | ~seconds.between(MIN_INTERVAL_S, MAX_INTERVAL_S)).to_numpy()
        if bad.any():
            raise InputError([Problem(file, int(rows[i]) + 2, "TimeGrain",
                                      f"{frame['TimeGrain'].iat[i]!r} is not an interval of 1 "
                                      "to 60 minutes (e.g. PT1M)") for i in np.flatnonzero(bad)
                              [:MAX_PROBLEMS]])
        long["interval_s"] = seconds.to_numpy(np.int64)
    samples = _wide(long)
    if not grain:
        samples["interval_s"] = inferred_intervals(
            pd.Categorical(samples["circuit"]).codes, samples["timestamp"].to_numpy())[0]
    return samples


def _read_header(path: Path) -> set[str]:
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
