"""The synthetic portfolio generator: valid, varied, deterministic, written atomically."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from helpers import DATA

import planner
from planner.inputs.read import read_table
from planner.synth import LOCATIONS, synthesize

FILES = ("customers.csv", "demand.csv", "inventory.csv", "catalog.csv", "egress_rates.csv")


def run_synth(out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "planner", "synth", "--data", str(DATA), "--out", str(out),
         *extra], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def portfolio() -> planner.Inputs:
    synthetic = synthesize(600, 36, 7, read_table(DATA / "catalog.csv"),
                           read_table(DATA / "egress_rates.csv"))
    return planner.validate_inputs(synthetic.customers.astype(str),
                                   synthetic.demand.astype(str),
                                   synthetic.catalog, synthetic.egress_rates,
                                   synthetic.inventory.astype(str))


def test_cli_output_is_valid_and_byte_identical_for_a_seed(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for folder, seed in ((first, "3"), (second, "3"), (other, "4")):
        done = run_synth(folder, "--customers", "40", "--months", "12", "--seed", seed)
        assert done.returncode == 0, done.stderr
    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert (first / "demand.csv").read_bytes() != (other / "demand.csv").read_bytes()
    assert (first / "catalog.csv").read_bytes() == (DATA / "catalog.csv").read_bytes()
    inputs = planner.read_folder(first)
    assert len(inputs.customers) == 40
    assert not list(tmp_path.glob(".*partial*"))


def test_cli_rejects_a_missing_catalog(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "planner", "synth", "--data", str(tmp_path / "nowhere"),
         "--out", str(tmp_path / "out"), "--customers", "5"],
        capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "catalog.csv" in done.stderr
    assert not (tmp_path / "out").exists()


def test_mix_covers_every_mode(portfolio: planner.Inputs) -> None:
    customers = portfolio.customers
    assert set(customers["resiliency"]) == {"standard", "n+1", "maximum"}
    assert {"auto", "MeteredData", "UnlimitedData"} <= set(customers["billing"])
    assert customers["premium_required"].any() and customers["local_eligible"].any()
    assert set(customers["model"]) == {"connect-to", "connect-through"}
    assert 0.1 < portfolio.inventory["customer_id"].nunique() / len(customers) < 0.4
    maximum = customers[customers["resiliency"] == "maximum"]
    assert (maximum["secondary_peering_location"] != maximum["peering_location"]).all()


def test_locations_providers_and_zones_are_real(portfolio: planner.Inputs) -> None:
    known = {name: (zone, providers) for name, zone, _, providers in LOCATIONS}
    for row in portfolio.customers.itertuples(index=False):
        zone, providers = known[row.peering_location]
        assert row.zone == zone and row.provider in providers


def test_demand_grows_varies_and_starts_late_for_some(portfolio: planner.Inputs) -> None:
    demand = portfolio.demand
    per_customer = demand.groupby("customer_id")
    months = per_customer.size()
    assert months.max() == 36 and months.min() < 36
    assert per_customer["period"].min().nunique() > 1
    first_last = per_customer["peak_mbps"].agg(["first", "last"])
    assert (first_last["last"] > first_last["first"]).mean() > 0.5
    assert (first_last["last"] < first_last["first"]).any()
    assert (demand["egress_gb"] > 0).all()
    assert (demand["vnets"] > 0).all()


def test_inventory_is_consistent(portfolio: planner.Inputs) -> None:
    inventory = portfolio.inventory
    assert inventory.groupby("customer_id")[["tier", "family"]].nunique().max().max() == 1
    assert set(inventory["tier"]) >= {"Standard", "Premium"}
    skus = set(zip(portfolio.catalog["tier"], portfolio.catalog["family"],
                   portfolio.catalog["bandwidth_mbps"], strict=True))
    assert all(key in skus for key in zip(inventory["tier"], inventory["family"],
                                          inventory["bandwidth_mbps"], strict=True))


def test_a_sample_plans_mostly_optimal(portfolio: planner.Inputs) -> None:
    problems = [p for p in planner.build_problems(portfolio) if p.resiliency != "maximum"][:30]
    statuses = pd.Series([str(planner.plan_customer(p).status) for p in problems])
    assert (statuses == "optimal").mean() >= 0.9


def test_copied_settings_get_an_address_pool_sized_for_the_portfolio(tmp_path) -> None:
    import ipaddress
    import tomllib

    from planner.synth import sized_pool

    for customers in (1, 300, 10_000, 200_000):
        pool = ipaddress.ip_network(sized_pool(customers))
        assert pool.subnet_of(ipaddress.ip_network("10.0.0.0/8"))
        assert pool.num_addresses // 8 >= min(customers * 16, 2 ** 21)
    settings = tmp_path / "provisioning.toml"
    settings.write_text('[peering]\npools = ["10.224.0.0/16"]\nvlan_min = 100\n')
    data = Path(__file__).resolve().parents[1] / "data"
    portfolio = synthesize(5000, 2, 1, read_table(data / "catalog.csv"),
                           read_table(data / "egress_rates.csv"))
    out = portfolio.write(tmp_path / "synth", copies=(settings,))
    written = tomllib.loads((out / "provisioning.toml").read_text())
    assert written["peering"]["pools"] == [sized_pool(5000)]
    assert written["peering"]["vlan_min"] == 100
