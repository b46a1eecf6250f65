"""Price to the customer and the CSP's margin: markup_pct and the partner earned credit."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from helpers import DATA

import planner
from planner.economics import (
    margin_by_customer,
    period_margins,
    read_partner_credit,
    summary_margins,
)
from planner.inputs.validate import InputError


def portfolio(folder: Path, markup: str = "", credit: float | None = None) -> Path:
    """Two Zone-1 customers, one month each: c1 needs one 1 Gb/s metered circuit for 700 Mb/s
    with 10,000 GB (436 + 250 + setup 1,000 = 1,686); c2 is infeasible (12,000 routes)."""
    folder.mkdir()
    for name in ("catalog.csv", "egress_rates.csv"):
        shutil.copy(DATA / name, folder / name)
    pd.DataFrame([
        {"customer_id": "c1", "peering_location": "Amsterdam", "provider": "Equinix",
         "zone": "1", "setup_usd": 1000, "markup_pct": markup},
        {"customer_id": "c2", "peering_location": "Amsterdam", "provider": "Equinix",
         "zone": "1", "routes_ipv4": 12000, "markup_pct": ""},
    ]).to_csv(folder / "customers.csv", index=False)
    pd.DataFrame({"customer_id": ["c1", "c2"], "period": "2027-01", "peak_mbps": 700,
                  "egress_gb": 10_000}).to_csv(folder / "demand.csv", index=False)
    if credit is not None:
        (folder / "provisioning.toml").write_text(
            f"[economics]\npartner_earned_credit_pct = {credit}\n")
    return folder


def optimize(data: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planner", "optimize", "--data", str(data),
                           "--out", str(out), "--no-manifests"],
                          capture_output=True, text=True, timeout=600)


def test_price_and_margin_worked_by_hand(tmp_path: Path) -> None:
    # price = 1,686 x 1.10 = 1,854.60; cost = 1,686 - 15 % x (436 + 250) = 1,583.10;
    # margin = 271.50.
    done = optimize(portfolio(tmp_path / "data", markup="10", credit=15), tmp_path / "out")
    assert done.returncode == 3, done.stderr
    periods = pd.read_csv(tmp_path / "out" / "periods.csv", dtype=str)
    assert periods[["total_usd", "price_usd", "margin_usd"]].values.tolist() == [
        ["1686.00", "1854.60", "271.50"]]
    summary = pd.read_csv(tmp_path / "out" / "summary.csv", dtype=str, keep_default_na=False)
    assert summary[["customer_id", "price_usd", "margin_usd"]].values.tolist() == [
        ["c1", "1854.60", "271.50"], ["c2", "", ""]]


def test_credit_alone_is_the_margin_at_list_price(tmp_path: Path) -> None:
    done = optimize(portfolio(tmp_path / "data", credit=15), tmp_path / "out")
    assert done.returncode == 3, done.stderr
    periods = pd.read_csv(tmp_path / "out" / "periods.csv", dtype=str)
    assert periods[["price_usd", "margin_usd"]].values.tolist() == [["1686.00", "102.90"]]


def test_without_markup_or_credit_the_columns_are_absent(tmp_path: Path) -> None:
    done = optimize(portfolio(tmp_path / "data", credit=0), tmp_path / "out")
    assert done.returncode == 3, done.stderr
    for name in ("summary.csv", "periods.csv"):
        header = (tmp_path / "out" / name).read_text().splitlines()[0]
        assert "price_usd" not in header and "margin_usd" not in header


def test_a_discount_can_sell_below_cost() -> None:
    periods = pd.DataFrame({"customer_id": ["a", "b"], "circuit_usd": [100.0, 100.0],
                            "egress_usd": [0.0, 0.0], "total_usd": [100.0, 100.0]})
    customers = pd.DataFrame({"customer_id": ["a", "b"], "markup_pct": [-20.0, None]})
    priced = period_margins(periods, customers, 0.0)
    assert priced["price_usd"].tolist() == [80.0, 100.0]
    assert priced["margin_usd"].tolist() == [-20.0, 0.0]
    summary = pd.DataFrame({"customer_id": ["a", "b"], "status": ["optimal", "optimal"],
                            "total_usd": [100.0, 100.0]})
    table = margin_by_customer(summary_margins(summary, priced))
    assert table["customer_id"].tolist() == ["b", "a"]
    assert table["margin_pct"].tolist() == [0.0, -25.0]


def test_a_bad_markup_exits_2_with_file_row_and_column(tmp_path: Path) -> None:
    done = optimize(portfolio(tmp_path / "data", markup="-150"), tmp_path / "out")
    assert done.returncode == 2
    assert "customers.csv, row 2, column markup_pct: -150 must be at least -100" in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["150", "\"15%\"", "true"])
def test_a_bad_credit_is_refused_naming_the_key(tmp_path: Path, value: str) -> None:
    path = tmp_path / "provisioning.toml"
    path.write_text(f"[economics]\npartner_earned_credit_pct = {value}\n")
    with pytest.raises(InputError, match="economics.partner_earned_credit_pct"):
        read_partner_credit(path)


def test_the_bundled_settings_credit_nothing() -> None:
    assert read_partner_credit(DATA / "provisioning.toml") == 0.0
    assert "markup_pct" not in pd.read_csv(DATA / "customers.csv").columns
    inputs = planner.read_folder(DATA, inventory=False)
    assert inputs.customers["markup_pct"].isna().all()
