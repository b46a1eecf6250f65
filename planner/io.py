"""Read the input CSV files and write the plan's CSV files atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from planner.validate import InputError, Inputs, Problem, validate_inputs

#: The input files by table name, under the names a data folder holds them.
INPUT_FILES = {"customers": "customers.csv", "demand": "demand.csv", "catalog": "catalog.csv",
               "egress_rates": "egress_rates.csv", "inventory": "inventory.csv"}
INPUT_NAMES = tuple(INPUT_FILES)
MONEY_COLUMNS = ("circuit_usd", "egress_usd", "setup_usd", "total_usd")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read one input CSV with every cell as text, so validation sees what the file says.

    Raises
    ------
    InputError
        When the file is missing, unreadable, or not CSV.
    """
    path = Path(path)
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem(str(path), 0, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as error:
        raise InputError([Problem(str(path), 0, "", f"cannot read it as UTF-8 CSV: {error}")]
                         ) from None


def read_inputs(customers: str | Path, demand: str | Path, catalog: str | Path,
                egress_rates: str | Path, inventory: str | Path | None = None) -> Inputs:
    """Read and validate the input files (SPEC section 2).

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
    frames: dict[str, pd.DataFrame | None] = {}
    problems: list[Problem] = []
    for name, path in paths.items():
        if path is None:
            frames[name] = None
            continue
        try:
            frames[name] = read_table(path)
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(problems)
    return validate_inputs(frames["customers"], frames["demand"], frames["catalog"],
                           frames["egress_rates"], frames["inventory"],
                           files={name: str(path) for name, path in paths.items() if path})


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
