"""Any bytes in any input file: a plan (exit 0 or 3) or exit 2 naming file and row.

Each bundled input file is mutated (cells, whole columns, headers, encodings, separators,
line endings, truncation, stray bytes, huge and non-finite numbers) and ``planner optimize``
runs on the result in-process, so that any exception escaping the command line, which a
user would see as a traceback, fails the test.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import DATA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.cli import main

INPUT_FILES = ("customers.csv", "demand.csv", "catalog.csv", "egress_rates.csv",
               "inventory.csv")
#: Examples per file; raise it (PLANNER_FUZZ_EXAMPLES=500) for a longer hunt.
EXAMPLES = int(os.environ.get("PLANNER_FUZZ_EXAMPLES", "25"))

ODD_CELLS = [
    "", " ", "0", "-1", "-0", "1.5", "1e-320", "1e308", "-1e308", "inf", "-inf", "nan", "NaN",
    "9" * 40, "-" + "9" * 40, "9" * 400, "0x10", "1_000", "１２", "true", "maybe", "abc",
    "Ünïcødé", "\u202e", "\x00", '"', "'", ";", "\t", "\\", "2027-13", "2027-1", "9999-12",
    "0000-01", "Premium", "premium", "UNLIMITEDDATA", "maximum", "n+1", "secondary",
    "=1+1", "a" * 300,
]


def _cells(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.split("\n") if line]


def _join(rows: list[list[str]]) -> str:
    return "\n".join(",".join(row) for row in rows) + "\n"


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """One mutation of a CSV file's bytes."""
    text = original.decode("utf-8")
    rows = _cells(text)
    kind = draw(st.sampled_from([
        "cell", "cell", "cell", "column", "header", "drop_column", "drop_rows", "duplicate",
        "encoding", "separator", "crlf", "truncate", "bytes", "empty", "header_only"]))
    cell = st.one_of(st.sampled_from(ODD_CELLS), st.text(max_size=12))
    if kind in ("cell", "column") and len(rows) > 1:
        column = draw(st.integers(0, len(rows[0]) - 1))
        value = draw(cell).replace(",", ";").replace("\n", " ").replace("\r", " ")
        targets = (range(1, len(rows)) if kind == "column"
                   else [draw(st.integers(1, len(rows) - 1))])
        for index in targets:
            if column < len(rows[index]):
                rows[index][column] = value
        return _join(rows).encode("utf-8", "surrogatepass")
    if kind == "header":
        column = draw(st.integers(0, len(rows[0]) - 1))
        rows[0][column] = draw(st.sampled_from(["", "x", rows[0][0], rows[0][column].upper()]))
        return _join(rows).encode()
    if kind == "drop_column":
        column = draw(st.integers(0, len(rows[0]) - 1))
        return _join([row[:column] + row[column + 1:] for row in rows]).encode()
    if kind == "drop_rows" and len(rows) > 1:
        keep = draw(st.lists(st.booleans(), min_size=len(rows) - 1, max_size=len(rows) - 1))
        return _join([rows[0]] + [r for r, k in zip(rows[1:], keep, strict=True) if k]).encode()
    if kind == "duplicate" and len(rows) > 1:
        index = draw(st.integers(1, len(rows) - 1))
        return _join(rows + [rows[index]]).encode()
    if kind == "encoding":
        codec = draw(st.sampled_from(["utf-8-sig", "utf-16", "latin-1", "cp1252"]))
        return ("é" + text if codec in ("latin-1", "cp1252") else text).encode(codec)
    if kind == "separator":
        return text.replace(",", draw(st.sampled_from([";", "\t", "|", ", "]))).encode()
    if kind == "crlf":
        return text.replace("\n", "\r\n").encode()
    if kind == "truncate":
        return original[:draw(st.integers(0, len(original)))]
    if kind == "bytes":
        position = draw(st.integers(0, len(original)))
        noise = draw(st.binary(min_size=1, max_size=8))
        return original[:position] + noise + original[position:]
    if kind == "empty":
        return b""
    return (text.split("\n")[0] + "\n").encode()


def run_optimize(data: Path, out: Path) -> tuple[int, str]:
    """``planner optimize`` in-process; an escaping exception fails the caller."""
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        status = main(["optimize", "--data", str(data), "--out", str(out), "--no-manifests"])
    return status, stderr.getvalue()


def check_outcome(data: Path, name: str) -> None:
    """Run and assert: exit 2 with file and row and nothing written, or a plan."""
    out = data.parent / "out"
    status, stderr = run_optimize(data, out)
    assert status in (0, 2, 3), stderr
    if status == 2:
        assert not out.exists()
        assert not list(data.parent.glob(".out*")) and not list(data.parent.glob("out.*"))
        assert "Traceback" not in stderr
        assert any(f"{file}, row " in stderr for file in INPUT_FILES), stderr
    else:
        summary = pd.read_csv(out / "summary.csv", dtype=str, keep_default_na=False)
        totals = pd.to_numeric(summary.loc[summary["status"] == "optimal", "total_usd"])
        assert np.isfinite(totals).all() and (totals < 1e30).all()


@pytest.mark.parametrize("name", INPUT_FILES)
def test_any_bytes_in_any_input_file(name: str) -> None:
    original = (DATA / name).read_bytes()

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(content=mutated(original))
    def case(content: bytes) -> None:
        work = Path(tempfile.mkdtemp(prefix="fuzz-"))
        try:
            shutil.copytree(DATA, work / "data")
            (work / "data" / name).write_bytes(content)
            check_outcome(work / "data", name)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    case()


@pytest.mark.parametrize(("name", "column", "value"), [
    ("customers.csv", "vnets", "9" * 40),
    ("customers.csv", "max_circuits", "9" * 40),
    ("customers.csv", "routes_ipv4", "9" * 40),
    ("catalog.csv", "bandwidth_mbps", "9" * 40),
    ("catalog.csv", "vnet_links", "9" * 40),
    ("inventory.csv", "bandwidth_mbps", "9" * 40),
    ("demand.csv", "vnets", "9" * 40),
    ("customers.csv", "max_circuits_per_location", "1000"),
    ("customers.csv", "setup_usd", "1e308"),
    ("catalog.csv", "monthly_usd", "1e308"),
    ("egress_rates.csv", "usd_per_gb", "1e308"),
    ("demand.csv", "egress_gb", "1e308"),
    ("demand.csv", "peak_mbps", "1e308"),
])
def test_huge_values_are_input_errors(tmp_path: Path, name: str, column: str,
                                      value: str) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    path = tmp_path / "data" / name
    rows = _cells(path.read_text(encoding="utf-8"))
    rows[1][rows[0].index(column)] = value
    path.write_text(_join(rows), encoding="utf-8")
    status, stderr = run_optimize(tmp_path / "data", tmp_path / "out")
    assert status == 2
    assert f"{name}, row 2, column {column}: " in stderr
    assert not (tmp_path / "out").exists()


def test_egress_rates_with_a_header_and_no_rows(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    (tmp_path / "data" / "egress_rates.csv").write_text("zone,usd_per_gb\n", encoding="utf-8")
    status, stderr = run_optimize(tmp_path / "data", tmp_path / "out")
    assert status == 2
    assert "customers.csv, row 2, column zone: zone '1' is not in" in stderr


@pytest.mark.parametrize("encode", [
    lambda text: text.encode("utf-8-sig"),
    lambda text: text.replace("\n", "\r\n").encode(),
    lambda text: text.replace("\n", "\r\n").encode("utf-8-sig"),
], ids=["bom", "crlf", "bom+crlf"])
def test_bom_and_crlf_plan_as_before(tmp_path: Path, encode) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    for name in INPUT_FILES:
        path = tmp_path / "data" / name
        path.write_bytes(encode(path.read_text(encoding="utf-8")))
    status, _ = run_optimize(tmp_path / "data", tmp_path / "out")
    status_plain, _ = run_optimize(DATA, tmp_path / "plain")
    assert status == status_plain == 3
    for table in ("summary.csv", "periods.csv", "circuits.csv"):
        assert (tmp_path / "out" / table).read_bytes() == (tmp_path / "plain" / table).read_bytes()
