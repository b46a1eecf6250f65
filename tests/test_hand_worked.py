"""Plans worked out by hand from the bundled catalog, asserted exactly, for every engine.

Bundled Zone 1 list prices used below [USD/month]: Standard MeteredData 100 Mb/s 110,
200 Mb/s 145, 500 Mb/s 290, 1 Gb/s 436, 2 Gb/s 872; Standard UnlimitedData 1 Gb/s 5,700;
Local UnlimitedData 1 Gb/s 1,200. Zone 1 egress 0.025 USD/GB.
"""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import DATA, monthly_demand, one_customer

import planner

CATALOG = pd.read_csv(DATA / "catalog.csv")
RATES = pd.read_csv(DATA / "egress_rates.csv")


def solve(customers: pd.DataFrame, months: pd.DataFrame, engine: str,
          inventory: pd.DataFrame | None = None) -> planner.CustomerResult:
    result = planner.plan(customers, months, CATALOG, RATES, inventory, engine=engine)
    return result.customer("c1")


def skus(result: planner.CustomerResult) -> list[tuple[str, str, int, str]]:
    table = result.circuits
    return [tuple(r) for r in table[["period", "tier", "bandwidth_mbps", "action"]].to_numpy()]


def test_metered_gigabit_with_egress(engine: str) -> None:
    # 700 Mb/s at 0.8 needs 875 Mb/s: one 1 Gb/s metered circuit (436) + 10,000 GB x 0.025
    # (250) + one setup (1,000). Two 500s cost 580 + 250 + 2,000.
    result = solve(one_customer(), monthly_demand(700, egress_gb=10_000), engine)
    assert result.total_usd == pytest.approx(1686.00, abs=1e-6)
    assert result.plans[0].tier_family == ("Standard", "MeteredData")
    assert result.plans[0].at("primary") == (1000,)


def test_local_beats_metered_when_egress_is_heavy(engine: str) -> None:
    # 100,000 GB metered costs 2,500 on top of 436; Local 1 Gb/s is a flat 1,200.
    result = solve(one_customer(local_eligible="true"),
                   monthly_demand(700, egress_gb=100_000), engine)
    assert result.total_usd == pytest.approx(1200 + 1000, abs=1e-6)
    assert result.plans[0].tier_family == ("Local", "UnlimitedData")


def test_n_plus_one_two_gigabit_circuits(engine: str) -> None:
    # 800 Mb/s must survive losing the largest circuit: 2 x 1 Gb/s (872) + 2 setups = 2,872;
    # cheaper fees with 3 or 4 smaller circuits need 1,000 or 2,000 more setup.
    result = solve(one_customer(resiliency="n+1"), monthly_demand(800), engine)
    assert result.total_usd == pytest.approx(2872.00, abs=1e-6)
    assert result.plans[0].at("primary") == (1000, 1000)


def test_n_plus_one_without_setup_prefers_four_smaller_circuits(engine: str) -> None:
    # 100 + 200 + 500 + 500 Mb/s: 1,300 in all, 800 without the largest; fees
    # 110 + 145 + 290 + 290 = 835 < 3 x 500 (870) < 2 x 1 Gb/s (872).
    result = solve(one_customer(resiliency="n+1", setup_usd=0), monthly_demand(800), engine)
    assert result.total_usd == pytest.approx(835.00, abs=1e-6)
    assert result.plans[0].at("primary") == (100, 200, 500, 500)


def test_maximum_one_gigabit_at_each_site(engine: str) -> None:
    result = solve(one_customer(resiliency="maximum", secondary_peering_location="Amsterdam2"),
                   monthly_demand(800), engine)
    assert result.total_usd == pytest.approx(2 * 436 + 2 * 1000, abs=1e-6)
    assert result.plans[0].at("primary") == (1000,)
    assert result.plans[0].at("secondary") == (1000,)


def test_a_short_drop_keeps_the_big_circuit(engine: str) -> None:
    # 1,500 then 300 Mb/s: keeping 2 Gb/s (872 + 872 + 1,000) beats a new 500 (872 + 290 + 2,000).
    result = solve(one_customer(), monthly_demand(1500, 300), engine)
    assert result.total_usd == pytest.approx(2744.00, abs=1e-6)
    assert skus(result) == [("2027-01", "Standard", 2000, "create"),
                            ("2027-02", "Standard", 2000, "keep"),
                            ("2027-03", "Standard", 2000, "retire")]


def test_a_long_drop_replaces_the_circuit(engine: str) -> None:
    # Two months at 300 Mb/s: 872 + 2 x 290 + 2 setups = 3,452 < 3 x 872 + 1 setup = 3,616.
    result = solve(one_customer(), monthly_demand(1500, 300, 300), engine)
    assert result.total_usd == pytest.approx(3452.00, abs=1e-6)
    rows = result.circuits
    assert list(rows["action"]) == ["create", "create", "retire", "keep", "retire"]
    assert rows.loc[rows["action"] == "retire", "bandwidth_mbps"].tolist() == [2000, 500]
    assert rows["circuit_name"].nunique() == 2


def test_inventory_circuit_is_kept_without_setup(engine: str) -> None:
    inventory = pd.DataFrame([{"customer_id": "c1", "circuit_name": "er-old-1",
                               "tier": "Standard", "family": "MeteredData",
                               "bandwidth_mbps": 1000}])
    result = solve(one_customer(), monthly_demand(700), engine, inventory)
    assert result.total_usd == pytest.approx(436.00, abs=1e-6)
    assert result.circuits["circuit_name"].tolist() == ["er-old-1", "er-old-1"]
    assert result.circuits["action"].tolist() == ["keep", "retire"]


def test_inventory_upgraded_in_place(engine: str) -> None:
    # 500 Mb/s existing, 1,200 Mb/s peak needs 1,500: raise it to 2 Gb/s in place (872).
    inventory = pd.DataFrame([{"customer_id": "c1", "circuit_name": "er-old-1",
                               "tier": "Standard", "family": "MeteredData",
                               "bandwidth_mbps": 500}])
    result = solve(one_customer(), monthly_demand(1200), engine, inventory)
    assert result.total_usd == pytest.approx(872.00, abs=1e-6)
    assert result.circuits["action"].tolist() == ["upgrade", "retire"]


def test_unlimited_inventory_cannot_turn_metered(engine: str) -> None:
    # billing MeteredData: the UnlimitedData circuit is retired, a metered one created.
    inventory = pd.DataFrame([{"customer_id": "c1", "circuit_name": "er-old-1",
                               "tier": "Standard", "family": "UnlimitedData",
                               "bandwidth_mbps": 1000}])
    result = solve(one_customer(billing="MeteredData"), monthly_demand(700), engine, inventory)
    assert result.total_usd == pytest.approx(436 + 1000, abs=1e-6)
    first = result.circuits[result.circuits["period"] == "2027-01"]
    assert sorted(first["action"]) == ["create", "retire"]
    assert first.loc[first["action"] == "retire", "circuit_name"].tolist() == ["er-old-1"]


def test_routes_beyond_premium_are_infeasible(engine: str) -> None:
    result = solve(one_customer(routes_ipv4=12_000), monthly_demand(100, 100), engine)
    assert result.status is planner.Status.INFEASIBLE
    assert "2027-01" in result.message and "rule 2" in result.message
    assert result.total_usd is None


def test_peak_beyond_four_ten_gig_circuits_is_infeasible(engine: str) -> None:
    # 4 x 10 Gb/s x 0.8 = 32 Gb/s < 40 Gb/s in the second month only.
    result = solve(one_customer(), monthly_demand(1000, 40_000, 1000), engine)
    assert result.status is planner.Status.INFEASIBLE
    assert result.message.startswith("2027-02")
    assert "rule 1 (capacity)" in result.message


def test_vnets_beyond_links_are_infeasible_and_named(engine: str) -> None:
    # One circuit per location: even Premium 10 Gb/s links only 100 of the 150 vNets.
    months = monthly_demand(100)
    months["vnets"] = 150
    result = solve(one_customer(max_circuits_per_location=1), months, engine)
    assert result.status is planner.Status.INFEASIBLE
    assert result.message.startswith("2027-01") and "rule 4 (vNet links)" in result.message
