"""Validation of the input tables at the boundary (see docs/inputs.rst).

Every problem of every file is gathered and raised at once as :class:`InputError`, each
naming the file, the row (as a spreadsheet shows it: the header is row 1) and the column.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.domain import Resiliency, Site
from planner.errors import PlannerError
from planner.inputs.schema import (
    CATALOG,
    CATALOG_WITH_PORTS,
    CUSTOMERS,
    DEMAND,
    DIRECT_BANDWIDTHS_MBPS,
    EGRESS_RATES,
    INVENTORY,
    Column,
    FileSchema,
)

_TRUE = {"true", "yes", "1", "1.0"}
_FALSE = {"false", "no", "0", "0.0"}
HEADER_ROW = 1
#: The largest whole number a count column takes: every count up to it is exact in float64
#: and fits the int64 tables the engines use.
LARGEST_COUNT = 2**53


@dataclass(frozen=True)
class InputIssue:
    """One thing wrong with one cell, row or column of an input file.

    Parameters
    ----------
    file : str
        The file name as the user gave it.
    row : int
        Spreadsheet row: 1 is the header, 2 the first data row; 0 for the whole file.
    column : str
        The column concerned.
    message : str
        What is wrong and what is expected.
    """

    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return f"{self.file}: {self.message}"
        return f"{self.file}, row {self.row}, column {self.column}: {self.message}"


class InputError(PlannerError):
    """Invalid input: carries every :class:`InputIssue` found."""

    def __init__(self, issues: list[InputIssue]):
        self.issues = list(issues)
        lines = [f"{len(self.issues)} issue(s) in the input:"]
        lines += [f"  {p}" for p in self.issues]
        super().__init__("\n".join(lines))

    def to_frame(self) -> pd.DataFrame:
        """The issues as a table (``file``, ``row``, ``column``, ``message``), for notebooks."""
        return pd.DataFrame([vars(p) for p in self.issues],
                            columns=["file", "row", "column", "message"])


@dataclass
class Inputs:
    """Validated, typed input tables.

    Parameters
    ----------
    customers, demand, catalog, egress_rates, inventory : pandas.DataFrame
        The tables with every default filled in and every column typed. ``demand.vnets``
        is filled from the customer's ``vnets`` where empty; ``customers.name`` from
        ``customer_id``.
    files : dict of str to str
        The file name each table came from, for messages.
    direct_catalog : pandas.DataFrame or None
        The catalog rows with a ``port_gbps`` (ExpressRoute Direct SKUs, docs/direct.md),
        with their spreadsheet row in ``_row``; None when the catalog has no such column.
        ``catalog`` never holds them, so plans without ports are unchanged.
    """

    customers: pd.DataFrame
    demand: pd.DataFrame
    catalog: pd.DataFrame
    egress_rates: pd.DataFrame
    inventory: pd.DataFrame
    files: dict[str, str] = field(default_factory=dict)
    direct_catalog: pd.DataFrame | None = None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < LARGEST_COUNT:
        # pandas reads a column of whole numbers with empty cells as floats (a catalog zone
        # of 1 becomes 1.0); the CSV said "1".
        return str(int(value))
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value).strip()


def _parse_cell(text: str, col: Column) -> tuple[object, str | None]:
    """Parse one non-empty cell; return the value and an error message or None."""
    if col.kind in ("str",):
        return text, None
    if col.kind == "enum":
        assert col.choices is not None
        if text in col.choices:
            return text, None
        lowered = {c.lower(): c for c in col.choices}
        if text.lower() in lowered:
            return lowered[text.lower()], None
        return None, f"{text!r} is not one of {', '.join(col.choices)}"
    if col.kind == "pattern":
        assert col.pattern is not None
        if re.fullmatch(col.pattern, text):
            return text, None
        return None, f"{text!r} is not {col.describe}"
    if col.kind == "bool":
        if text.lower() in _TRUE:
            return True, None
        if text.lower() in _FALSE:
            return False, None
        return None, f"{text!r} is not a boolean (true/false, yes/no, 1/0)"
    try:
        number = float(text)
    except ValueError:
        return None, f"{text!r} is not a number"
    if not math.isfinite(number):
        return None, f"{text!r} is not a finite number"
    if col.kind == "int":
        if number != int(number):
            return None, f"{text!r} is not a whole number"
        if abs(number) > LARGEST_COUNT:
            return None, f"{text!r} is too large (at most {LARGEST_COUNT:,})"
        number = int(number)
    bound = _bound_error(number, col)
    if bound:
        return None, bound
    return number, None


def _bound_error(number: float, col: Column) -> str | None:
    if col.minimum is not None:
        if col.exclusive_minimum and number <= col.minimum:
            return f"{number:g} must be greater than {col.minimum:g}"
        if not col.exclusive_minimum and number < col.minimum:
            return f"{number:g} must be at least {col.minimum:g}"
    if col.maximum is not None and number > col.maximum:
        return f"{number:g} must be at most {col.maximum:g}"
    return None


def _raw_cells(series: pd.Series) -> np.ndarray:
    """The cells of one column as an object array (missing cells of text columns as "")."""
    if isinstance(series.dtype, pd.StringDtype):
        return series.to_numpy(dtype=object, na_value="")
    return series.to_numpy(dtype=object)


def _parse_each(cells: np.ndarray, col: Column) -> tuple[np.ndarray, dict[int, str]]:
    """Parse every cell with :func:`_parse_cell`, once per distinct cell.

    Returns the values and the issues by position; an empty cell gets the column's
    default, and the problem "value is required" when the column is required.
    """
    codes, uniques = pd.factorize(cells, use_na_sentinel=False)
    parsed = []
    for cell in uniques:
        text = _cell_text(cell)
        if text == "":
            parsed.append((col.default, "value is required" if col.required else None))
        else:
            parsed.append(_parse_cell(text, col))
    distinct = np.empty(len(parsed), dtype=object)
    distinct[:] = [value for value, _ in parsed]
    bad = [code for code, (_, error) in enumerate(parsed) if error]
    errors: dict[int, str] = {}
    for position in np.flatnonzero(np.isin(codes, bad)).tolist() if bad else []:
        errors[position] = parsed[codes[position]][1]
    return distinct[codes], errors


def _parse_numbers(cells: np.ndarray, col: Column) -> tuple[np.ndarray, dict[int, str]]:
    """Parse a number column at once, as :func:`_parse_each` would cell by cell.

    ``float`` of each cell is what the one-cell parser computes (``float`` ignores the
    surrounding whitespace that the parser strips); a cell that is empty, not a plain finite
    number within the column's bounds or, for a count, not below 2**53 (where floats stop
    being exact integers) goes through :func:`_parse_each` for its value and message.
    """
    if not set(map(type, cells)) <= {str, float, int}:
        return _parse_each(cells, col)      # e.g. booleans, which float() would take as 0/1
    try:
        numbers = np.where(cells == "", np.nan, cells).astype(np.float64)
    except (ValueError, TypeError):
        return _parse_each(cells, col)
    plain = np.isfinite(numbers)
    if col.kind == "int":
        plain &= (np.abs(numbers) < 2.0 ** 53) & (numbers == np.trunc(numbers))
    if col.minimum is not None:
        plain &= numbers > col.minimum if col.exclusive_minimum else numbers >= col.minimum
    if col.maximum is not None:
        plain &= numbers <= col.maximum
    if col.kind == "int":
        values = np.empty(len(cells), dtype=object)
        values[plain] = numbers[plain].astype(np.int64).tolist() if plain.any() else []
    else:
        values = numbers.astype(object)
    errors: dict[int, str] = {}
    odd = np.flatnonzero(~plain)
    if len(odd):
        odd_values, odd_errors = _parse_each(cells[odd], col)
        values[odd] = odd_values
        errors = {int(odd[i]): e for i, e in odd_errors.items()}
    return values, errors


def parse_table(frame: pd.DataFrame, schema: FileSchema, file: str,
                issues: list[InputIssue]) -> pd.DataFrame:
    """Type one table against its schema, appending issues instead of raising.

    Columns are parsed whole (numbers with numpy, other kinds once per distinct cell);
    the issues and values are those of parsing cell by cell with :func:`_parse_cell`.

    Parameters
    ----------
    frame : pandas.DataFrame
        The raw table, as read from CSV (any dtypes; empty cells as NaN or "").
    schema : FileSchema
        Its schema.
    file : str
        File name for messages.
    issues : list of InputIssue
        Receives every problem found.

    Returns
    -------
    pandas.DataFrame
        The known columns, typed, defaults filled; the original row numbers are kept
        in a ``_row`` column (spreadsheet rows).
    """
    headers = [str(c).strip() for c in frame.columns]
    rows = len(frame)
    out: dict[str, np.ndarray] = {}
    for col in schema.columns:
        if col.name not in headers:
            if col.required:
                issues.append(InputIssue(file, HEADER_ROW, col.name, "required column is missing"))
            out[col.name] = np.array([col.default] * rows, dtype=object)
            continue
        cells = _raw_cells(frame.iloc[:, headers.index(col.name)])
        parse = _parse_numbers if col.kind in ("int", "float") else _parse_each
        values, errors = parse(cells, col)
        for index in sorted(errors):
            issues.append(InputIssue(file, index + 2, col.name, errors[index]))
        out[col.name] = values
    table = pd.DataFrame(out, index=range(rows), dtype=object)
    table["_row"] = np.arange(2, rows + 2)
    _check_unique_key(table, schema, file, issues)
    return table


def _check_unique_key(table: pd.DataFrame, schema: FileSchema, file: str,
                      issues: list[InputIssue]) -> None:
    if not schema.key or table.empty:
        return
    keys = table[list(schema.key)]
    complete = keys.notna().all(axis=1).to_numpy()
    repeated = np.flatnonzero(complete & keys.duplicated(keep=False).to_numpy())
    if not len(repeated):
        return
    seen: dict[tuple[object, ...], int] = {}
    for record in table.iloc[repeated][[*schema.key, "_row"]].to_dict("records"):
        key = tuple(record[k] for k in schema.key)
        if key in seen:
            issues.append(InputIssue(
                file, record["_row"], schema.key[-1],
                f"duplicate {'/'.join(schema.key)} "
                f"{'/'.join(str(k) if k != '' else '(empty)' for k in key)} "
                f"(first at row {seen[key]})"))
        else:
            seen[key] = record["_row"]


def _period_index(period: str) -> int:
    year, month = period.split("-")
    return int(year) * 12 + int(month) - 1


def _check_customers(customers: pd.DataFrame, zones: set[str], file: str, rates_file: str,
                     issues: list[InputIssue]) -> None:
    columns = ["_row", "resiliency", "peering_location", "secondary_peering_location", "zone"]
    for row in customers[columns].to_dict("records"):
        secondary = row["secondary_peering_location"] or ""
        if row["resiliency"] == Resiliency.MAXIMUM and not secondary:
            issues.append(InputIssue(file, row["_row"], "secondary_peering_location",
                                    "required when resiliency is maximum"))
        if secondary and secondary == row["peering_location"]:
            issues.append(InputIssue(file, row["_row"], "secondary_peering_location",
                                    "must differ from peering_location"))
        if row["zone"] is not None and row["zone"] not in zones:
            issues.append(InputIssue(file, row["_row"], "zone",
                                    f"zone {row['zone']!r} is not in {rates_file}"))


def _check_catalog_zones(catalog: pd.DataFrame, zones: set[str], file: str, rates_file: str,
                         issues: list[InputIssue]) -> None:
    """Report catalog zones that egress_rates.csv does not know.

    Such a row is most likely a typo that would silently leave its zone on the zone-less
    prices (docs/model.rst, Prices by zone).
    """
    for zone, row in zip(catalog["zone"], catalog["_row"], strict=True):
        if zone and zones and zone not in zones:
            issues.append(InputIssue(file, row, "zone", f"zone {zone!r} is not in {rates_file}"))


def _month_indices(periods: pd.Series) -> np.ndarray:
    """:func:`_period_index` of every (valid) period, computed once per distinct period."""
    codes, uniques = pd.factorize(periods.to_numpy(dtype=object))
    return np.array([_period_index(p) for p in uniques], dtype=np.int64)[codes]


def _check_demand(demand: pd.DataFrame, customers: pd.DataFrame, file: str,
                  customers_file: str, issues: list[InputIssue]) -> None:
    known = set(customers["customer_id"].dropna())
    ids = demand["customer_id"]
    unknown = (ids.notna() & ~ids.isin(known)).to_numpy()
    for customer_id, row in zip(ids[unknown], demand["_row"][unknown], strict=True):
        issues.append(InputIssue(file, row, "customer_id",
                                f"customer {customer_id!r} is not in {customers_file}"))
    valid = demand.dropna(subset=["customer_id", "period"])
    valid = valid[valid["customer_id"].isin(known)]
    # Each customer's months in order (customers in order of first appearance); a step of
    # more than one month is a gap, reported at the later row.
    order = pd.DataFrame({"customer": pd.factorize(valid["customer_id"])[0],
                          "month": _month_indices(valid["period"]),
                          "row": valid["_row"].to_numpy(dtype=np.int64),
                          "period": valid["period"].to_numpy(dtype=object),
                          "id": valid["customer_id"].to_numpy(dtype=object)})
    order = order.sort_values(["customer", "month", "row"], kind="stable")
    same = order["customer"].to_numpy()[1:] == order["customer"].to_numpy()[:-1]
    step = np.diff(order["month"].to_numpy())
    for i in np.flatnonzero(same & (step > 1)).tolist():
        before, after = order.iloc[i], order.iloc[i + 1]
        issues.append(InputIssue(
            file, int(after["row"]), "period",
            f"customer {after['id']!r} has a gap: no month between {before['period']} "
            f"and {after['period']}"))
    has_demand = set(valid["customer_id"])
    for customer_id, row in zip(customers["customer_id"], customers["_row"], strict=True):
        if customer_id is not None and customer_id not in has_demand:
            issues.append(InputIssue(customers_file, row, "customer_id",
                                    f"customer {customer_id!r} has no month in {file}"))


def _check_inventory(inventory: pd.DataFrame, customers: pd.DataFrame, file: str,
                     customers_file: str, issues: list[InputIssue]) -> None:
    by_id = {r["customer_id"]: r for r in
             customers[["customer_id", "secondary_peering_location"]].to_dict("records")}
    first_sku: dict[str, tuple[object, object, int]] = {}
    for row in inventory.to_dict("records"):
        customer = by_id.get(row["customer_id"])
        if row["customer_id"] is not None and customer is None:
            issues.append(InputIssue(file, row["_row"], "customer_id",
                                    f"customer {row['customer_id']!r} is not in {customers_file}"))
            continue
        if customer is None:
            continue
        if row["site"] == Site.SECONDARY and not customer["secondary_peering_location"]:
            issues.append(InputIssue(
                file, row["_row"], "site",
                f"customer {row['customer_id']!r} has no secondary_peering_location"))
        if row["tier"] is None or row["family"] is None:
            continue
        first = first_sku.setdefault(row["customer_id"], (row["tier"], row["family"], row["_row"]))
        if first[0] != row["tier"]:
            issues.append(InputIssue(
                file, row["_row"], "tier",
                f"{row['tier']} differs from {first[0]} at row {first[2]}: a customer's "
                "existing circuits share one tier"))
        if first[1] != row["family"]:
            issues.append(InputIssue(
                file, row["_row"], "family",
                f"{row['family']} differs from {first[1]} at row {first[2]}: a customer's "
                "existing circuits share one family"))


def _finish_types(inputs: Inputs) -> None:
    customers = inputs.customers
    customers["name"] = [n if n else c for n, c in
                         zip(customers["name"], customers["customer_id"], strict=True)]
    customers["secondary_peering_location"] = customers["secondary_peering_location"].fillna("")
    customers["subscription_id"] = customers["subscription_id"].fillna("")
    vnets = dict(zip(customers["customer_id"], customers["vnets"], strict=True))
    demand = inputs.demand
    missing = demand["vnets"].isna().to_numpy()
    if missing.any():
        filled = demand["vnets"].to_numpy(dtype=object).copy()
        filled[missing] = demand["customer_id"][missing].map(vnets).to_numpy(dtype=object)
        demand["vnets"] = filled
    demand["_month"] = _month_indices(demand["period"])
    inputs.demand = demand.sort_values(["customer_id", "_month"], kind="stable").reset_index(
        drop=True)
    numeric = {
        "customers": ("vnets", "routes_ipv4", "max_circuits", "max_circuits_per_location"),
        "demand": ("vnets",),
        "catalog": ("bandwidth_mbps", "vnet_links", "routes_ipv4"),
        "inventory": ("bandwidth_mbps",),
    }
    for name, columns in numeric.items():
        table = getattr(inputs, name)
        for column in columns:
            table[column] = table[column].astype("int64")
    floats = {
        "customers": ("target_utilization", "setup_usd"),
        "demand": ("peak_mbps", "egress_gb"),
        "catalog": ("monthly_usd",),
        "egress_rates": ("usd_per_gb",),
    }
    for name, columns in floats.items():
        table = getattr(inputs, name)
        for column in columns:
            table[column] = table[column].astype("float64")
    for column in ("premium_required", "local_eligible"):
        customers[column] = customers[column].astype(bool)


def _split_direct(catalog: pd.DataFrame, file: str, issues: list[InputIssue]
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Provider rows (without ``port_gbps``) and Direct rows, checking each Direct size."""
    port = catalog["port_gbps"].map(lambda v: 0 if v is None else v)
    for row, gbps, bandwidth in zip(catalog["_row"], port, catalog["bandwidth_mbps"],
                                    strict=True):
        if gbps == 0:
            continue
        if gbps not in DIRECT_BANDWIDTHS_MBPS:
            issues.append(InputIssue(file, row, "port_gbps",
                                    f"{gbps} is not a Direct port size (10 or 100)"))
        elif bandwidth is not None and bandwidth not in DIRECT_BANDWIDTHS_MBPS[gbps]:
            sizes = ", ".join(str(b) for b in DIRECT_BANDWIDTHS_MBPS[gbps])
            issues.append(InputIssue(file, row, "bandwidth_mbps",
                                    f"{bandwidth} Mb/s is not carved from a {gbps} Gb/s "
                                    f"port pair (sizes {sizes})"))
    direct = catalog[port != 0].reset_index(drop=True)
    provider = catalog[port == 0].drop(columns="port_gbps").reset_index(drop=True)
    return provider, direct


def empty_inventory() -> pd.DataFrame:
    """Return an inventory table with the columns of inventory.csv and no rows."""
    return pd.DataFrame({c.name: [] for c in INVENTORY.columns})


def validate_inputs(customers: pd.DataFrame, demand: pd.DataFrame, catalog: pd.DataFrame,
                    egress_rates: pd.DataFrame, inventory: pd.DataFrame | None = None,
                    files: Mapping[str, str] | None = None) -> Inputs:
    """Check every rule of docs/inputs.rst and return typed tables.

    Parameters
    ----------
    customers, demand, catalog, egress_rates : pandas.DataFrame
        Raw tables in the CSV formats of docs/inputs.rst. They are not modified.
    inventory : pandas.DataFrame, optional
        Existing circuits; ``None`` means there are none.
    files : mapping of str to str, optional
        File names for messages, keyed by table name (``"customers"``, ``"demand"``, ...).
        Defaults to the file names of docs/inputs.rst.

    Returns
    -------
    Inputs
        The validated tables.

    Raises
    ------
    InputError
        With every problem of every table, when anything is invalid.
    """
    names = {key: schema.file for key, schema in
             (("customers", CUSTOMERS), ("demand", DEMAND), ("catalog", CATALOG),
              ("egress_rates", EGRESS_RATES), ("inventory", INVENTORY))}
    names.update(files or {})
    issues: list[InputIssue] = []
    has_ports = "port_gbps" in [str(c).strip() for c in catalog.columns]
    typed_catalog = parse_table(catalog, CATALOG_WITH_PORTS if has_ports else CATALOG,
                                names["catalog"], issues)
    direct_catalog = None
    if has_ports:
        typed_catalog, direct_catalog = _split_direct(typed_catalog, names["catalog"], issues)
    typed_rates = parse_table(egress_rates, EGRESS_RATES, names["egress_rates"], issues)
    typed_customers = parse_table(customers, CUSTOMERS, names["customers"], issues)
    typed_demand = parse_table(demand, DEMAND, names["demand"], issues)
    raw_inventory = inventory if inventory is not None else empty_inventory()
    typed_inventory = parse_table(raw_inventory, INVENTORY, names["inventory"], issues)
    if typed_catalog.empty:
        issues.append(InputIssue(names["catalog"], HEADER_ROW, "tier", "the catalog has no SKU"))
    zones = set(typed_rates["zone"].dropna())
    _check_customers(typed_customers, zones, names["customers"], names["egress_rates"], issues)
    _check_catalog_zones(typed_catalog, zones, names["catalog"], names["egress_rates"], issues)
    _check_demand(typed_demand, typed_customers, names["demand"], names["customers"], issues)
    _check_inventory(typed_inventory, typed_customers, names["inventory"], names["customers"],
                     issues)
    if issues:
        raise InputError(issues)
    result = Inputs(typed_customers, typed_demand, typed_catalog, typed_rates, typed_inventory,
                    files=names, direct_catalog=direct_catalog)
    _finish_types(result)
    return result
