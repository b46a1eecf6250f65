"""Read the input CSV files and write the plan's CSV files atomically."""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from planner.inputs.validate import HEADER_ROW, InputError, InputIssue, Inputs, validate_inputs

#: The input files by table name, under the names a data folder holds them.
INPUT_FILES = {"customers": "customers.csv", "demand": "demand.csv", "catalog": "catalog.csv",
               "egress_rates": "egress_rates.csv", "inventory": "inventory.csv"}
INPUT_NAMES = tuple(INPUT_FILES)
MONEY_COLUMNS = ("circuit_usd", "egress_usd", "setup_usd", "total_usd")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read one input CSV with every cell as text, so validation sees what the file says.

    A UTF-8 byte-order mark and CRLF line endings are accepted.

    Raises
    ------
    InputError
        When the file is missing or unreadable (naming the file), or is not UTF-8 CSV
        (naming the row, and the column where it can be told).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError([InputIssue(str(path), 0, "", "file not found")]) from None
    except OSError as error:
        raise InputError([InputIssue(str(path), 0, "", f"cannot read it: {error}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError([_decode_problem(str(path), raw, error)]) from None
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise InputError([InputIssue(str(path), HEADER_ROW, "",
                                  "the file is empty: a header row is expected")]) from None
    except pd.errors.ParserError as error:
        found = re.search(r"line (\d+)", str(error))
        row = int(found.group(1)) if found else HEADER_ROW
        raise InputError([InputIssue(str(path), row, "", f"not CSV: {error}")]) from None


def _decode_problem(file: str, raw: bytes, error: UnicodeDecodeError) -> InputIssue:
    """Where in the file the bytes stop being UTF-8, as a row and column."""
    offset = error.start + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
    line_start = raw.rfind(b"\n", 0, offset) + 1
    row = raw.count(b"\n", 0, offset) + 1
    header = raw.split(b"\n", 1)[0].decode("utf-8", "replace").strip().split(",")
    index = raw[line_start:offset].count(b",")
    column = header[index].strip() if index < len(header) else ""
    return InputIssue(file, row, column, (
        f"byte 0x{raw[offset]:02x} is not UTF-8 text: save the file as UTF-8"))


def read_inputs(customers: str | Path, demand: str | Path, catalog: str | Path,
                egress_rates: str | Path, inventory: str | Path | None = None) -> Inputs:
    """Read and validate the input files (see docs/inputs.rst).

    Parameters
    ----------
    customers, demand, catalog, egress_rates : str or Path
        The CSV files.
    inventory : str or Path, optional
        Existing circuits; None when there are none.

    Returns
    -------
    Inputs

    Raises
    ------
    InputError
        With every problem of every file (missing files included).
    """
    paths = {"customers": customers, "demand": demand, "catalog": catalog,
             "egress_rates": egress_rates, "inventory": inventory}
    frames: dict[str, pd.DataFrame] = {}
    issues: list[InputIssue] = []
    for name, path in paths.items():
        if path is None:
            continue
        try:
            frames[name] = read_table(path)
        except InputError as error:
            issues += error.issues
    if issues:
        raise InputError(issues)
    return validate_inputs(frames["customers"], frames["demand"], frames["catalog"],
                           frames["egress_rates"], frames.get("inventory"),
                           files={name: str(path) for name, path in paths.items() if path})


def read_folder(folder: str | Path, *, inventory: bool = True) -> Inputs:
    """Read and validate the input files of one folder, under their usual names.

    Parameters
    ----------
    folder : str or Path
        Holds ``customers.csv``, ``demand.csv``, ``catalog.csv``, ``egress_rates.csv`` and,
        optionally, ``inventory.csv``.
    inventory : bool
        Whether to read the folder's ``inventory.csv`` when it exists (False: plan as if no
        circuit existed yet).

    Returns
    -------
    Inputs

    Raises
    ------
    InputError
        With every problem of every file (missing files included).
    """
    folder = Path(folder)
    paths = {name: folder / file for name, file in INPUT_FILES.items()}
    has_inventory = inventory and folder.joinpath(INPUT_FILES["inventory"]).exists()
    return read_inputs(paths["customers"], paths["demand"], paths["catalog"],
                       paths["egress_rates"], paths["inventory"] if has_inventory else None)


def format_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """summary.csv as written: total_usd with two decimals, empty unless optimal."""
    out = summary.copy()
    out["total_usd"] = [f"{v:.2f}" if pd.notna(v) else "" for v in out["total_usd"]]
    return out


def format_periods(periods: pd.DataFrame) -> pd.DataFrame:
    """periods.csv as written: USD with two decimals, utilization with four."""
    out = periods.copy()
    for column in MONEY_COLUMNS:
        out[column] = [f"{v:.2f}" for v in out[column]]
    out["utilization"] = [f"{v:.4f}" for v in out["utilization"]]
    out["peak_mbps"] = [f"{v:g}" for v in out["peak_mbps"]]
    return out


def write_atomically(out_dir: str | Path, write: Callable[[Path], None]) -> Path:
    """Write a folder in full beside ``out_dir``, then move it into place.

    A crash or an exception while writing leaves any earlier ``out_dir`` as it was and no
    partial folder under that name.

    Parameters
    ----------
    out_dir : str or Path
        The folder to (re)place.
    write : callable
        Called with a fresh temporary folder to fill.

    Returns
    -------
    Path
        ``out_dir``.
    """
    out = Path(out_dir).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        write(staging)
        if out.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.replace(out, retired / out.name)
            os.replace(staging, out)
            shutil.rmtree(retired)
        else:
            os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def write_tables(folder: Path, summary: pd.DataFrame, periods: pd.DataFrame,
                 circuits: pd.DataFrame) -> None:
    """Write summary.csv, periods.csv and circuits.csv into ``folder``."""
    format_summary(summary).to_csv(folder / "summary.csv", index=False)
    format_periods(periods).to_csv(folder / "periods.csv", index=False)
    circuits.to_csv(folder / "circuits.csv", index=False)
