"""One test per validation rule of SPEC section 2, through the command line.

Each case copies the bundled sample, breaks one rule in one cell, runs
``python -m planner optimize`` as a subprocess and checks exit status 2, the file, row and
column in the message, and that no output folder appears.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from helpers import DATA

FILES = ("customers.csv", "demand.csv", "catalog.csv", "egress_rates.csv", "inventory.csv")

Frame = pd.DataFrame


@dataclass(frozen=True)
class Case:
    file: str
    column: str
    row: int | None  # spreadsheet row (header = 1); None: the row is found by the mutation
    mutate: Callable[[Frame], Frame]


def set_cell(row: int, column: str, value: str) -> Callable[[Frame], Frame]:
    def mutate(frame: Frame) -> Frame:
        frame.loc[row - 2, column] = value
        return frame
    return mutate


def drop_column(column: str) -> Callable[[Frame], Frame]:
    return lambda frame: frame.drop(columns=[column])


def copy_row(source: int, target: int, column: str | None = None,
             value: str | None = None) -> Callable[[Frame], Frame]:
    """Make spreadsheet row ``target`` a copy of row ``source`` (optionally changing a cell)."""
    def mutate(frame: Frame) -> Frame:
        frame.loc[target - 2] = frame.loc[source - 2]
        if column is not None:
            frame.loc[target - 2, column] = value
        return frame
    return mutate


def customer_row(customer_id: str) -> int:
    frame = pd.read_csv(DATA / "customers.csv", dtype=str, keep_default_na=False)
    return int(frame.index[frame["customer_id"] == customer_id][0]) + 2


def first_customer_with(column: str, value: str) -> int:
    frame = pd.read_csv(DATA / "customers.csv", dtype=str, keep_default_na=False)
    return int(frame.index[frame[column] == value][0]) + 2


def demand_rows(customer_id: str) -> list[int]:
    frame = pd.read_csv(DATA / "demand.csv", dtype=str, keep_default_na=False)
    return [int(i) + 2 for i in frame.index[frame["customer_id"] == customer_id]]


def inventory_rows_of_multi_circuit_customer() -> tuple[int, int]:
    frame = pd.read_csv(DATA / "inventory.csv", dtype=str, keep_default_na=False)
    for _, group in frame.groupby("customer_id"):
        if len(group) >= 2:
            return int(group.index[0]) + 2, int(group.index[1]) + 2
    raise AssertionError("the sample inventory has no customer with two circuits")


def remove_month(row: int) -> Callable[[Frame], Frame]:
    return lambda frame: frame.drop(index=row - 2).reset_index(drop=True)


MAXIMUM = first_customer_with("resiliency", "maximum")
STANDARD = first_customer_with("resiliency", "")
FIRST_DEMAND = demand_rows(pd.read_csv(DATA / "customers.csv", dtype=str)["customer_id"][0])
INV_A, INV_B = inventory_rows_of_multi_circuit_customer()

CASES: dict[str, Case] = {
    # types, ranges and enums (customers.csv)
    "customer id pattern": Case("customers.csv", "customer_id", 2,
                                set_cell(2, "customer_id", "bad id!")),
    "customer id length": Case("customers.csv", "customer_id", 3,
                               set_cell(3, "customer_id", "x" * 65)),
    "model enum": Case("customers.csv", "model", 2, set_cell(2, "model", "resell")),
    "subscription uuid": Case("customers.csv", "subscription_id", 2,
                              set_cell(2, "subscription_id", "not-a-uuid")),
    "peering location required": Case("customers.csv", "peering_location", 4,
                                      set_cell(4, "peering_location", "")),
    "provider required": Case("customers.csv", "provider", 5, set_cell(5, "provider", "")),
    "vnets integer": Case("customers.csv", "vnets", 2, set_cell(2, "vnets", "2.5")),
    "vnets at least one": Case("customers.csv", "vnets", 2, set_cell(2, "vnets", "0")),
    "routes not negative": Case("customers.csv", "routes_ipv4", 2,
                                set_cell(2, "routes_ipv4", "-1")),
    "resiliency enum": Case("customers.csv", "resiliency", 2, set_cell(2, "resiliency", "high")),
    "boolean": Case("customers.csv", "premium_required", 2,
                    set_cell(2, "premium_required", "maybe")),
    "local boolean": Case("customers.csv", "local_eligible", 3,
                          set_cell(3, "local_eligible", "sometimes")),
    "billing enum": Case("customers.csv", "billing", 2, set_cell(2, "billing", "Metered")),
    "max circuits positive": Case("customers.csv", "max_circuits", 2,
                                  set_cell(2, "max_circuits", "0")),
    "per location positive": Case("customers.csv", "max_circuits_per_location", 2,
                                  set_cell(2, "max_circuits_per_location", "0")),
    "utilization above one": Case("customers.csv", "target_utilization", 2,
                                  set_cell(2, "target_utilization", "1.5")),
    "utilization zero": Case("customers.csv", "target_utilization", 3,
                             set_cell(3, "target_utilization", "0")),
    "setup not negative": Case("customers.csv", "setup_usd", 2, set_cell(2, "setup_usd", "-5")),
    "setup a number": Case("customers.csv", "setup_usd", 2, set_cell(2, "setup_usd", "lots")),
    "duplicate customer": Case("customers.csv", "customer_id", 3,
                               copy_row(2, 3)),
    "zone in rates": Case("customers.csv", "zone", 2, set_cell(2, "zone", "9")),
    "zone required": Case("customers.csv", "zone", 2, set_cell(2, "zone", "")),
    "secondary for maximum": Case("customers.csv", "secondary_peering_location", MAXIMUM,
                                  set_cell(MAXIMUM, "secondary_peering_location", "")),
    "secondary differs": Case("customers.csv", "secondary_peering_location", STANDARD,
                              lambda f: set_cell(STANDARD, "secondary_peering_location",
                                                 f.loc[STANDARD - 2, "peering_location"])(f)),
    "missing required column": Case("customers.csv", "zone", 1, drop_column("zone")),
    # demand.csv
    "demand customer known": Case("demand.csv", "customer_id", 2,
                                  set_cell(2, "customer_id", "nobody")),
    "period format": Case("demand.csv", "period", 2, set_cell(2, "period", "2027/01")),
    "period month": Case("demand.csv", "period", 2, set_cell(2, "period", "2027-13")),
    "peak a number": Case("demand.csv", "peak_mbps", 3, set_cell(3, "peak_mbps", "fast")),
    "peak not negative": Case("demand.csv", "peak_mbps", 3, set_cell(3, "peak_mbps", "-1")),
    "peak required": Case("demand.csv", "peak_mbps", 4, set_cell(4, "peak_mbps", "")),
    "egress not negative": Case("demand.csv", "egress_gb", 3, set_cell(3, "egress_gb", "-2")),
    "demand vnets positive": Case("demand.csv", "vnets", 3, set_cell(3, "vnets", "0")),
    "duplicate month": Case("demand.csv", "period", FIRST_DEMAND[1],
                            copy_row(FIRST_DEMAND[0], FIRST_DEMAND[1])),
    # with the second month removed, the third moves up into its row
    "consecutive months": Case("demand.csv", "period", FIRST_DEMAND[1],
                               remove_month(FIRST_DEMAND[1])),
    # catalog.csv
    "tier enum": Case("catalog.csv", "tier", 2, set_cell(2, "tier", "Basic")),
    "family enum": Case("catalog.csv", "family", 2, set_cell(2, "family", "Unlimited")),
    "bandwidth positive": Case("catalog.csv", "bandwidth_mbps", 2,
                               set_cell(2, "bandwidth_mbps", "0")),
    "bandwidth integer": Case("catalog.csv", "bandwidth_mbps", 2,
                              set_cell(2, "bandwidth_mbps", "50.5")),
    "price not negative": Case("catalog.csv", "monthly_usd", 2, set_cell(2, "monthly_usd", "-1")),
    "vnet links at least one": Case("catalog.csv", "vnet_links", 2,
                                    set_cell(2, "vnet_links", "0")),
    "routes at least one": Case("catalog.csv", "routes_ipv4", 2, set_cell(2, "routes_ipv4", "0")),
    "duplicate sku": Case("catalog.csv", "bandwidth_mbps", 3, copy_row(2, 3)),
    # egress_rates.csv
    "rate not negative": Case("egress_rates.csv", "usd_per_gb", 2,
                              set_cell(2, "usd_per_gb", "-0.1")),
    "duplicate zone": Case("egress_rates.csv", "zone", 3, copy_row(2, 3)),
    # inventory.csv
    "inventory customer known": Case("inventory.csv", "customer_id", 2,
                                     set_cell(2, "customer_id", "nobody")),
    "inventory site enum": Case("inventory.csv", "site", 2, set_cell(2, "site", "tertiary")),
    "inventory tier enum": Case("inventory.csv", "tier", 2, set_cell(2, "tier", "Gold")),
    "inventory one tier": Case("inventory.csv", "tier", INV_B, lambda f: set_cell(
        INV_B, "tier", "Premium" if f.loc[INV_A - 2, "tier"] != "Premium" else "Standard")(f)),
    "inventory one family": Case("inventory.csv", "family", INV_B, lambda f: set_cell(
        INV_B, "family",
        "UnlimitedData" if f.loc[INV_A - 2, "family"] == "MeteredData" else "MeteredData")(f)),
    "inventory circuit name": Case("inventory.csv", "circuit_name", 2,
                                   set_cell(2, "circuit_name", "-bad name")),
    "duplicate circuit name": Case("inventory.csv", "circuit_name", 3, copy_row(2, 3)),
    "inventory bandwidth positive": Case("inventory.csv", "bandwidth_mbps", 2,
                                         set_cell(2, "bandwidth_mbps", "-100")),
}


def run_planner(data: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "planner", "optimize", "--data", str(data), "--out", str(out)],
        capture_output=True, text=True, timeout=300)


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    for name in FILES:
        shutil.copy(DATA / name, data / name)
    return data


@pytest.mark.parametrize("name", sorted(CASES))
def test_invalid_input_is_reported_with_file_row_and_column(name: str, sample: Path,
                                                            tmp_path: Path) -> None:
    case = CASES[name]
    path = sample / case.file
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    case.mutate(frame).to_csv(path, index=False)
    out = tmp_path / "out"
    completed = run_planner(sample, out)
    assert completed.returncode == 2, completed.stderr
    location = f"{path}, row {case.row}, column {case.column}:"
    assert location in completed.stderr, completed.stderr
    assert not out.exists()
    assert not any(p.name.startswith(".out") for p in tmp_path.iterdir())


def test_every_problem_of_every_file_is_reported_at_once(sample: Path, tmp_path: Path) -> None:
    for file, column, value in (("customers.csv", "resiliency", "high"),
                                ("demand.csv", "peak_mbps", "fast"),
                                ("catalog.csv", "tier", "Basic")):
        frame = pd.read_csv(sample / file, dtype=str, keep_default_na=False)
        frame.loc[0, column] = value
        frame.to_csv(sample / file, index=False)
    completed = run_planner(sample, tmp_path / "out")
    assert completed.returncode == 2
    for file, column in (("customers.csv", "resiliency"), ("demand.csv", "peak_mbps"),
                         ("catalog.csv", "tier")):
        assert f"{sample / file}, row 2, column {column}:" in completed.stderr


def test_missing_file_is_invalid_input(sample: Path, tmp_path: Path) -> None:
    (sample / "catalog.csv").unlink()
    completed = run_planner(sample, tmp_path / "out")
    assert completed.returncode == 2
    assert f"{sample / 'catalog.csv'}: file not found" in completed.stderr
    assert not (tmp_path / "out").exists()


def test_customer_without_demand_is_named(sample: Path, tmp_path: Path) -> None:
    demand = pd.read_csv(sample / "demand.csv", dtype=str, keep_default_na=False)
    customers = pd.read_csv(sample / "customers.csv", dtype=str, keep_default_na=False)
    gone = customers["customer_id"][1]
    demand[demand["customer_id"] != gone].to_csv(sample / "demand.csv", index=False)
    completed = run_planner(sample, tmp_path / "out")
    assert completed.returncode == 2
    assert f"{sample / 'customers.csv'}, row 3, column customer_id:" in completed.stderr
    assert "has no month" in completed.stderr


def test_secondary_inventory_needs_a_secondary_site(sample: Path, tmp_path: Path) -> None:
    inventory = pd.read_csv(sample / "inventory.csv", dtype=str, keep_default_na=False)
    customers = pd.read_csv(sample / "customers.csv", dtype=str, keep_default_na=False)
    single = set(customers.loc[customers["secondary_peering_location"] == "", "customer_id"])
    row = int(inventory.index[inventory["customer_id"].isin(single)][0])
    inventory.loc[row, "site"] = "secondary"
    inventory.to_csv(sample / "inventory.csv", index=False)
    completed = run_planner(sample, tmp_path / "out")
    assert completed.returncode == 2
    assert f"{sample / 'inventory.csv'}, row {row + 2}, column site:" in completed.stderr


def test_an_earlier_output_survives_invalid_input(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.csv").write_text("earlier run\n")
    frame = pd.read_csv(sample / "catalog.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "tier"] = "Basic"
    frame.to_csv(sample / "catalog.csv", index=False)
    assert run_planner(sample, out).returncode == 2
    assert (out / "summary.csv").read_text() == "earlier run\n"
