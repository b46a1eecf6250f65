"""Whole-column parsing gives the values and problems of parsing cell by cell.

:func:`planner.inputs.validate.parse_table` parses number columns with numpy and other columns once
per distinct cell; the one-cell parser :func:`planner.inputs.validate._parse_cell` is the reference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.inputs.schema import CUSTOMERS, DEMAND
from planner.inputs.validate import InputIssue, _cell_text, _parse_cell, parse_table

ODD_NUMBERS = ["5", " 7 ", "", "  ", "1_000", "2.5", "-1", "0", "nan", "inf", "1e400", "abc",
               "3.0", "+4", "1e3", "9007199254740993", "-0", "0.0000001", "12e-1", "x1"]


def cell_by_cell(frame: pd.DataFrame, schema, file: str) -> tuple[dict, list[InputIssue]]:
    """The values and problems of the one-cell parser, column by column."""
    problems: list[InputIssue] = []
    values: dict[str, list[object]] = {}
    for col in schema.columns:
        column = []
        for index, cell in enumerate(frame[col.name].tolist()):
            text = _cell_text(cell)
            if text == "":
                if col.required:
                    problems.append(InputIssue(file, index + 2, col.name, "value is required"))
                column.append(col.default)
                continue
            value, error = _parse_cell(text, col)
            if error:
                problems.append(InputIssue(file, index + 2, col.name, error))
            column.append(value)
        values[col.name] = column
    return values, problems


@pytest.mark.parametrize("seed", range(5))
def test_demand_columns_match_the_one_cell_parser(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = 300
    pick = lambda options: [options[i] for i in rng.integers(0, len(options), rows)]  # noqa: E731
    frame = pd.DataFrame({
        "customer_id": pick(["a", "b", " c", ""]),
        "period": pick(["2026-01", "2026-13", " 2026-02 ", "", "26-01"]),
        "peak_mbps": pick(ODD_NUMBERS),
        "egress_gb": pick(ODD_NUMBERS[:8]),
        "vnets": pick(ODD_NUMBERS),
    }, dtype=str)
    problems: list[InputIssue] = []
    table = parse_table(frame, DEMAND, "demand.csv", problems)
    expected_values, expected_problems = cell_by_cell(frame, DEMAND, "demand.csv")
    key = [p for p in problems if "duplicate" not in p.message]
    assert key == expected_problems
    for name, column in expected_values.items():
        got = table[name].tolist()
        assert [type(v) for v in got] == [type(v) for v in column], name
        assert got == column, name


def test_customers_with_numbers_typed_by_pandas_match_the_one_cell_parser() -> None:
    frame = pd.DataFrame({
        "customer_id": ["a", "b", "c", "d"],
        "peering_location": ["X", "Y", "Z", "W"],
        "provider": ["p"] * 4,
        "zone": [1, 2, 1, np.nan],
        "vnets": [3.0, np.nan, 2.5, 0.0],
        "max_circuits": [4, 5, 6, 7],
        "max_circuits_per_location": [True, 2, False, 3],
        "target_utilization": [0.8, 1.2, np.nan, 0.0],
        "premium_required": [True, False, np.nan, "yes"],
    })
    problems: list[InputIssue] = []
    table = parse_table(frame, CUSTOMERS, "customers.csv", problems)
    for col in CUSTOMERS.columns:
        if col.name not in frame:
            frame[col.name] = np.nan
    expected_values, expected_problems = cell_by_cell(frame, CUSTOMERS, "customers.csv")
    assert problems == expected_problems
    for name, column in expected_values.items():
        assert table[name].tolist() == column, name
