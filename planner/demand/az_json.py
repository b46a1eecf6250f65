"""Read the JSON that ``az monitor metrics list`` prints for ExpressRoute circuits."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

from planner.demand.samples import (
    MAX_INTERVAL_S,
    MAX_PROBLEMS,
    METRICS,
    MIN_INTERVAL_S,
    circuit_of,
    duration_seconds,
    epoch_seconds,
    open_bytes,
    wide,
)
from planner.inputs.validate import InputError, InputIssue


def read_az_json(path: Path) -> pd.DataFrame:
    """Read the JSON that ``az monitor metrics list`` prints (one body, or a list of bodies).

    The ``average`` of each data point is the sample; points without one are missing data.
    """
    file = str(path)
    try:
        with open_bytes(path) as handle:
            document = orjson.loads(handle.read())
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise InputError([InputIssue(file, 0, "", f"cannot read it: {error}")]) from None
    except orjson.JSONDecodeError as error:
        raise InputError([InputIssue(file, 0, "", f"not valid JSON: {error}")]) from None
    bodies = document if isinstance(document, list) else [document]
    issues: list[InputIssue] = []
    parts: list[pd.DataFrame] = []
    for b, body in enumerate(bodies):
        where = f"$[{b}]" if isinstance(document, list) else "$"
        parts += _az_body(body, where, file, issues)
        if len(issues) >= MAX_PROBLEMS:
            break
    if issues:
        raise InputError(issues[:MAX_PROBLEMS])
    if not parts:
        raise InputError([InputIssue(file, 0, "", "no BitsInPerSecond or BitsOutPerSecond data")])
    long = pd.concat(parts, ignore_index=True)
    return wide(long)


def _json_problem(file: str, path: str, message: str) -> InputIssue:
    return InputIssue(file, 0, "", f"at {path}: {message}")


def _az_body(body: object, where: str, file: str, issues: list[InputIssue]) -> list[pd.DataFrame]:
    if not isinstance(body, dict):
        issues.append(_json_problem(file, where, "expected an object"))
        return []
    interval = duration_seconds(body.get("interval", "PT5M") or "PT5M")
    if interval is None or not MIN_INTERVAL_S <= interval <= MAX_INTERVAL_S:
        issues.append(_json_problem(file, f"{where}.interval",
                                      f"{body.get('interval')!r} is not an interval of 1 to 60 "
                                      "minutes (e.g. PT5M)"))
        return []
    values = body.get("value")
    if not isinstance(values, list):
        issues.append(_json_problem(file, f"{where}.value", "expected a list of metrics"))
        return []
    parts = []
    for m, metric in enumerate(values):
        at = f"{where}.value[{m}]"
        if not isinstance(metric, dict):
            issues.append(_json_problem(file, at, "expected an object"))
            continue
        name = metric.get("name")
        name = name.get("value") if isinstance(name, dict) else name
        column = METRICS.get(str(name).lower())
        if column is None:
            continue
        circuit = circuit_of(str(metric.get("id", "")))
        if circuit is None:
            issues.append(_json_problem(file, f"{at}.id", (
                f"{metric.get('id')!r} is not the ID of an ExpressRoute circuit's metric "
                "(.../expressRouteCircuits/NAME/...)")))
            continue
        series = metric.get("timeseries")
        if not isinstance(series, list):
            issues.append(_json_problem(file, f"{at}.timeseries", "expected a list"))
            continue
        for s, one in enumerate(series):
            data = one.get("data") if isinstance(one, dict) else None
            if not isinstance(data, list):
                issues.append(_json_problem(file, f"{at}.timeseries[{s}].data",
                                              "expected a list of data points"))
                continue
            frame = _az_points(data, f"{at}.timeseries[{s}].data", file, issues)
            if frame is not None:
                parts.append(frame.assign(circuit=circuit, metric=column, interval_s=interval))
    return parts


def _az_points(data: list[object], at: str, file: str, issues: list[InputIssue]
               ) -> pd.DataFrame | None:
    stamps = [p.get("timeStamp") if isinstance(p, dict) else None for p in data]
    averages = [p.get("average") if isinstance(p, dict) else None for p in data]
    times = pd.to_datetime(pd.Series(stamps, dtype=object), utc=True, format="ISO8601",
                           errors="coerce")
    for index in np.flatnonzero(times.isna().to_numpy())[:MAX_PROBLEMS]:
        issues.append(_json_problem(file, f"{at}[{index}].timeStamp",
                                      f"{stamps[index]!r} is not an ISO 8601 timestamp"))
    numbers = pd.to_numeric(pd.Series(averages, dtype=object), errors="coerce")
    given = np.array([a is not None for a in averages])
    bad = given & ~(np.isfinite(numbers.to_numpy(float)) & (numbers.to_numpy(float) >= 0))
    for index in np.flatnonzero(bad)[:MAX_PROBLEMS]:
        issues.append(_json_problem(file, f"{at}[{index}].average",
                                      f"{averages[index]!r} is not a number >= 0 [bit/s]"))
    if times.isna().any() or bad.any():
        return None
    keep = given
    return pd.DataFrame({"timestamp": epoch_seconds(times[keep]),
                         "value": numbers.to_numpy(float)[keep]})

