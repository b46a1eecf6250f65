"""Read measured circuit traffic in the three formats of docs/demand.md (gzip accepted).

Every reader returns the samples table that :mod:`planner.demand.samples` describes. Bad
input raises :class:`~planner.inputs.validate.InputError` naming the file and the row
(CSV, the header is row 1) or the JSON path.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from planner.demand.az_json import read_az_json
from planner.demand.csv_formats import read_azure_metrics, read_plain_csv
from planner.demand.samples import (
    AZURE_METRICS_COLUMNS,
    PLAIN_COLUMNS,
    SAMPLE_COLUMNS,
    column_name,
    open_bytes,
)
from planner.inputs.validate import InputError, InputIssue

__all__ = ["SAMPLE_COLUMNS", "detect_format", "expand_paths", "read_file", "read_telemetry"]


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
        raise InputError([InputIssue(str(path), 0, "", "file not found")]) from None
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise InputError([InputIssue(str(path), 0, "", f"cannot read it: {error}")]) from None
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"["):
        return "az-json"
    header = {column_name(c).lower() for c in
              text.split(b"\n", 1)[0].decode("utf-8", "replace").split(",")}
    if {c.lower() for c in AZURE_METRICS_COLUMNS} <= header:
        return "azure-metrics"
    if {c.lower() for c in PLAIN_COLUMNS} <= header:
        return "plain"
    raise InputError([InputIssue(str(path), 0, "", (
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
        With the issues of every file, when any file is bad or none is given.
    """
    files = expand_paths(paths)
    if not files:
        raise InputError([InputIssue("telemetry", 0, "", "no telemetry file given")])
    frames, issues = [], []
    for path in files:
        try:
            frames.append(read_file(path))
        except InputError as error:
            issues += error.issues
    if issues:
        raise InputError(issues)
    return pd.concat(frames, ignore_index=True)


def read_file(path: str | Path) -> pd.DataFrame:
    """Read one telemetry file, of whichever format it is (see :func:`read_telemetry`)."""
    path = Path(path)
    kind = detect_format(path)
    reader = {"az-json": read_az_json, "azure-metrics": read_azure_metrics,
              "plain": read_plain_csv}[kind]
    return reader(path)

