"""Read a finished plan folder (what ``planner optimize`` wrote) back into typed tables.

summary.csv, periods.csv and circuits.csv are required; risk.csv and ports.csv are read
when present. A missing or malformed file is an :class:`planner.InputError` naming the
file, and the row and column when one cell is at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.domain import Site
from planner.inputs.provenance import recorded_input
from planner.inputs.validate import InputError, InputIssue
from planner.planning import SUMMARY_COLUMNS
from planner.tables import CIRCUIT_COLUMNS, PERIOD_COLUMNS

PERIOD_NUMBERS = ["circuits", "capacity_mbps", "peak_mbps", "utilization", "circuit_usd",
                  "egress_usd", "setup_usd", "total_usd"]
PORT_COLUMNS = ["peering_location", "port_gbps", "billing", "period", "pairs",
                "provisioned_mbps", "capacity_mbps", "monthly_usd", "setup_usd"]
RISK_KEYS = ["customer_id", "period"]
TEXT_KEYS = ("customer_id", "period", "status", "message", "tier", "family", "circuit_name",
             "site", "action", "peering_location", "billing", "medium", "name")


@dataclass
class PlanTables:
    """The tables of one plan folder.

    Parameters
    ----------
    folder : Path
        Where they were read from.
    summary, periods, circuits : pandas.DataFrame
        summary.csv (``total_usd`` NaN unless optimal), periods.csv and circuits.csv, with
        numbers as numbers [USD, Mb/s, share of capacity].
    risk : pandas.DataFrame or None
        risk.csv: ``customer_id``, ``period`` and its columns of probabilities (every value
        in [0, 1]; other columns are left out).
    ports : pandas.DataFrame or None
        ports.csv: Direct port pairs held per location, size, billing and month.
    locations : pandas.Series or None
        Peering location by customer id, when known.
    """

    folder: Path
    summary: pd.DataFrame
    periods: pd.DataFrame
    circuits: pd.DataFrame
    risk: pd.DataFrame | None = None
    ports: pd.DataFrame | None = None
    locations: pd.Series | None = None

    @property
    def risk_columns(self) -> list[str]:
        """The probability columns of risk.csv, empty without it."""
        if self.risk is None:
            return []
        return [c for c in self.risk.columns if c not in RISK_KEYS]


def _read_text(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError([InputIssue(str(path), 0, "", "file not found; is this a plan folder "
                                  "written by `planner optimize`?")])
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as error:
        raise InputError([InputIssue(str(path), 0, "", f"cannot read it as UTF-8 CSV: {error}")]
                         ) from None


def _check_columns(path: Path, table: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError([InputIssue(str(path), 1, c, "column missing") for c in missing])


def _numbers(path: Path, table: pd.DataFrame, columns: list[str],
             empty_ok: tuple[str, ...] = ()) -> None:
    """Turn ``columns`` into floats in place; the first bad cell of each is reported."""
    issues = []
    for column in columns:
        text = table[column].str.strip()
        values = pd.to_numeric(text, errors="coerce")
        bad = values.isna() & ~((text == "") & (column in empty_ok))
        bad |= np.isinf(values.fillna(0))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            issues.append(InputIssue(str(path), row + 2, column,
                                    f"{table[column].iloc[row]!r} is not a number"))
        table[column] = values.astype(float)
    if issues:
        raise InputError(issues)


def _table(path: Path, columns: list[str], numbers: list[str],
           empty_ok: tuple[str, ...] = ()) -> pd.DataFrame:
    table = _read_text(path)
    _check_columns(path, table, columns)
    _numbers(path, table, numbers, empty_ok)
    return table


def _is_probability(text: pd.Series[str]) -> bool:
    stripped: pd.Series[Any] = text.str.strip()
    values = pd.to_numeric(stripped.replace("", np.nan), errors="coerce").dropna()
    return len(values) > 0 and bool(values.between(0, 1).all())


def _risk(path: Path) -> pd.DataFrame:
    """risk.csv with its key columns and the columns that hold probabilities (in [0, 1])."""
    table = _read_text(path)
    _check_columns(path, table, RISK_KEYS)
    chances = [c for c in table.columns if c not in RISK_KEYS and _is_probability(table[c])]
    table = table[RISK_KEYS + chances].copy()
    _numbers(path, table, chances, empty_ok=tuple(chances))
    return table


def read_locations(customers_csv: Path) -> pd.Series:
    """Peering location by customer id, from a customers.csv.

    Raises
    ------
    InputError
        When the file is missing or lacks ``customer_id`` or ``peering_location``.
    """
    table = _read_text(Path(customers_csv))
    _check_columns(Path(customers_csv), table, ["customer_id", "peering_location"])
    return table.set_index("customer_id")["peering_location"]


def _locations_from_manifests(folder: Path, circuits: pd.DataFrame) -> pd.Series | None:
    """Each customer's primary peering location from manifests/allocations.csv, if any."""
    path = folder / "manifests" / "allocations.csv"
    if not path.is_file():
        return None
    table = _read_text(path)
    _check_columns(path, table, ["circuit_name", "peering_location"])
    where = table.drop_duplicates("circuit_name").set_index("circuit_name")["peering_location"]
    primary = circuits.loc[circuits["site"] == Site.PRIMARY, ["customer_id", "circuit_name"]]
    primary = primary.assign(location=primary["circuit_name"].map(where)).dropna()
    return primary.drop_duplicates("customer_id").set_index("customer_id")["location"]


def read_plan(folder: str | Path, customers_csv: str | Path | None = None) -> PlanTables:
    """Read a plan folder written by ``planner optimize``.

    Parameters
    ----------
    folder : str or Path
        The ``--out`` folder of one plan (a scenario run's ``OUT/NAME``).
    customers_csv : str or Path, optional
        The customers.csv the plan was made from, for peering locations; without it, the
        one recorded in ``inputs.json`` when it is unchanged, else
        ``manifests/allocations.csv`` when that exists.

    Returns
    -------
    PlanTables

    Raises
    ------
    InputError
        When the folder or a required file is missing, or a file is malformed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError([InputIssue(str(folder), 0, "", "plan folder not found")])
    summary_path = folder / "summary.csv"
    summary = _read_text(summary_path)
    if "scenario" in summary.columns and not (folder / "periods.csv").exists():
        names = ", ".join(dict.fromkeys(summary["scenario"]))
        raise InputError([InputIssue(str(summary_path), 0, "", "this folder holds a scenario run; "
                                  f"give one scenario's folder ({names})")])
    _check_columns(summary_path, summary, SUMMARY_COLUMNS)
    _numbers(summary_path, summary, ["total_usd"], empty_ok=("total_usd",))
    periods = _table(folder / "periods.csv", PERIOD_COLUMNS, PERIOD_NUMBERS)
    circuits = _table(folder / "circuits.csv", CIRCUIT_COLUMNS, ["bandwidth_mbps"])
    risk = _risk(folder / "risk.csv") if (folder / "risk.csv").exists() else None
    ports = (_table(folder / "ports.csv", PORT_COLUMNS, PORT_COLUMNS[4:] + ["port_gbps"])
             if (folder / "ports.csv").exists() else None)
    if customers_csv is None:
        customers_csv = recorded_input(folder, "customers")
    locations = (read_locations(Path(customers_csv)) if customers_csv is not None
                 else _locations_from_manifests(folder, circuits))
    return PlanTables(folder, summary, periods, circuits, risk, ports, locations)
