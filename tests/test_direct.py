"""Direct port pairs shared across customers (SPEC section 8): data, optimum, outputs."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from helpers import DATA, ROOT

from planner.direct.outputs import direct_tables, recheck_loads
from planner.direct.ports import PortKey, PortOffer, check_ports
from planner.direct.problem import build_portfolio_problem
from planner.direct.solve import pair_schedule, solve_portfolio
from planner.inputs.validate import InputError, validate_inputs
from planner.problems import MonthPlan
from planner.rules import created_count, in_place
from tests.direct_instances import generate
from tests.direct_reference import portfolio_optimum

SEEDS = range(40)


def solve(instance, **kwargs):
    inputs = validate_inputs(instance.customers, instance.demand, instance.catalog,
                             instance.egress_rates)
    offers, problems = check_ports(instance.ports, "ports.csv")
    assert not problems
    portfolio = build_portfolio_problem(inputs, offers)
    return inputs, portfolio, solve_portfolio(portfolio, **kwargs)


@pytest.mark.parametrize("cuts", [True, False], ids=["cuts", "no-cuts"])
@pytest.mark.parametrize("seed", [s for s in SEEDS if generate(s).ports is not None])
def test_small_portfolios_match_exhaustive_search_to_the_cent(seed: int, cuts: bool) -> None:
    instance = generate(seed)
    expected = portfolio_optimum(instance.ref_customers, instance.ref_catalog,
                                 instance.ref_ports, 0.025)
    _, _, result = solve(instance, capacity_cuts=cuts)
    assert result.status == "optimal"
    assert result.total_usd - result.lower_bound_usd <= 0.01
    if math.isinf(expected):
        # The customers cannot all fit the pairs together: someone is named infeasible.
        assert any(r.status.value == "infeasible" for r in result.results)
    else:
        assert result.total_usd == pytest.approx(expected, abs=0.005)


@pytest.mark.parametrize("seed", [s for s in SEEDS if generate(s).ports is not None])
def test_portfolio_total_is_never_above_the_independent_plans(seed: int) -> None:
    _, _, result = solve(generate(seed))
    if not result.direct_only and all(r.status.value == "optimal" for r in result.results):
        assert result.total_usd <= result.independent_usd + 0.005


def test_branching_is_exercised_by_the_small_instances() -> None:
    # Without the capacity cuts, which close most small instances at the root.
    nodes = [solve(generate(s), capacity_cuts=False)[2].stats.nodes
             for s in range(12) if generate(s).ports is not None]
    assert max(nodes) > 1


def test_capacity_cuts_are_found_and_never_need_more_nodes_in_all() -> None:
    seeds = [s for s in range(12) if generate(s).ports is not None]
    with_cuts = [solve(generate(s))[2].stats for s in seeds]
    without = [solve(generate(s), capacity_cuts=False)[2].stats for s in seeds]
    assert sum(s.cuts for s in with_cuts) > 0
    assert sum(s.nodes for s in with_cuts) < sum(s.nodes for s in without)


@pytest.mark.parametrize("seed", [1, 2, 8, 9])
def test_tables_recheck_the_direct_load_against_the_pairs(seed: int) -> None:
    inputs, portfolio, result = solve(generate(seed))
    tables = direct_tables(portfolio, result, inputs.customers)
    assert tables.portfolio.loc[0, "status"] == "optimal"
    assert list(tables.circuits.columns)[-1] == "medium"
    assert set(tables.circuits["medium"]) <= {"provider", "direct"}
    assert recheck_loads(tables.circuits, tables.ports, inputs.customers) == []
    # Take a pair away wherever circuits ride them: the re-check must notice.
    loaded = tables.ports["provisioned_mbps"] > 0
    if loaded.any():
        fewer = tables.ports.copy()
        fewer.loc[loaded, "capacity_mbps"] = fewer.loc[loaded, "provisioned_mbps"] - 1
        assert recheck_loads(tables.circuits, fewer, inputs.customers)
    summed = tables.summary["total_usd"].sum() + tables.ports["monthly_usd"].sum() + \
        tables.ports["setup_usd"].sum()
    assert summed == pytest.approx(result.total_usd, abs=0.005)


def test_provider_to_direct_is_never_in_place() -> None:
    provider = MonthPlan("Standard", "MeteredData", {"primary": (1000,)})
    direct = MonthPlan("Standard", "MeteredData", {"primary": (1000,)}, port_gbps=10)
    bigger = MonthPlan("Standard", "MeteredData", {"primary": (5000,)}, port_gbps=100)
    assert not in_place(provider.tier_family, direct.tier_family)
    assert not in_place(direct.tier_family, provider.tier_family)
    assert not in_place(direct.tier_family, bigger.tier_family)
    assert created_count(provider, direct) == 1
    assert created_count(direct, MonthPlan("Premium", "MeteredData", {"primary": (2000,)},
                                           port_gbps=10)) == 0


@pytest.mark.parametrize(("setup", "expected_pairs", "expected_usd"), [
    (5000.0, [1, 1, 1], 3 * 1000.0 + 5000.0),   # holding through the dip is cheaper
    (500.0, [1, 0, 1], 2 * 1000.0 + 2 * 500.0),  # releasing and adding again is cheaper
])
def test_pair_schedule_worked_by_hand(setup: float, expected_pairs: list[int],
                                      expected_usd: float) -> None:
    offer = PortOffer(PortKey("Amsterdam", 10, "MeteredData"), 1000.0, setup, 2, 0, 2.0)
    need = np.array([[1, 0, 1]])
    cost, pairs = pair_schedule(SimpleNamespace(offers=[offer]), np.zeros((1, 3)), need,
                                np.full((1, 3), 2))
    assert pairs.tolist() == [expected_pairs]
    assert cost == pytest.approx(expected_usd)


def test_pair_schedule_credits_each_pair() -> None:
    offer = PortOffer(PortKey("Amsterdam", 10, "MeteredData"), 1000.0, 0.0, 2, 0, 2.0)
    # A credit of 1,200 USD per pair (say 0.06 USD per Mb/s x 20,000 Mb/s) > the 1,000 USD
    # fee: hold both pairs in both months.
    cost, pairs = pair_schedule(SimpleNamespace(offers=[offer]), np.full((1, 2), 1200.0),
                                np.zeros((1, 2)), np.full((1, 2), 2))
    assert pairs.tolist() == [[2, 2]]
    assert cost == pytest.approx(2 * 2 * (1000.0 - 1200.0))


# ---- data ----------------------------------------------------------------------------------

def catalog_with(rows: list[dict]) -> pd.DataFrame:
    base = [dict(tier="Standard", family="MeteredData", bandwidth_mbps=1000, monthly_usd=436,
                 vnet_links=10, routes_ipv4=4000, port_gbps="")]
    return pd.DataFrame(base + rows).astype(str)


def tiny_inputs(catalog: pd.DataFrame):
    customers = pd.DataFrame([dict(customer_id="a", peering_location="Amsterdam",
                                   provider="X", zone="1")])
    demand = pd.DataFrame([dict(customer_id="a", period="2027-01", peak_mbps="100")])
    rates = pd.DataFrame([dict(zone="1", usd_per_gb="0.025")])
    return validate_inputs(customers, demand, catalog, rates, files={"catalog": "cat.csv"})


def test_a_direct_size_the_port_does_not_carve_is_named() -> None:
    bad = dict(tier="Standard", family="MeteredData", bandwidth_mbps=40000, monthly_usd=0,
               vnet_links=10, routes_ipv4=4000, port_gbps="10")
    with pytest.raises(InputError) as caught:
        tiny_inputs(catalog_with([bad]))
    assert "cat.csv, row 3, column bandwidth_mbps" in str(caught.value)


def test_a_port_size_that_does_not_exist_is_named() -> None:
    bad = dict(tier="Standard", family="MeteredData", bandwidth_mbps=1000, monthly_usd=0,
               vnet_links=10, routes_ipv4=4000, port_gbps="25")
    with pytest.raises(InputError) as caught:
        tiny_inputs(catalog_with([bad]))
    assert "cat.csv, row 3, column port_gbps" in str(caught.value)


def test_direct_rows_never_reach_a_plan_without_ports() -> None:
    direct = dict(tier="Standard", family="MeteredData", bandwidth_mbps=1000, monthly_usd=0,
                  vnet_links=10, routes_ipv4=4000, port_gbps="10")
    inputs = tiny_inputs(catalog_with([direct]))
    assert list(inputs.catalog.columns) == list(tiny_inputs(catalog_with([]).drop(
        columns="port_gbps")).catalog.columns)
    assert len(inputs.catalog) == 1 and len(inputs.direct_catalog) == 1


@pytest.mark.parametrize(("cells", "column"), [
    ({"port_gbps": "40"}, "port_gbps"),
    ({"billing": "Metered"}, "billing"),
    ({"monthly_usd": "-1"}, "monthly_usd"),
    ({"existing_pairs": "5", "max_pairs": "2"}, "existing_pairs"),
    ({"oversubscription": "0"}, "oversubscription"),
    ({"peering_location": ""}, "peering_location"),
])
def test_bad_ports_rows_are_named(cells: dict, column: str) -> None:
    row = dict(peering_location="Amsterdam", port_gbps="10", billing="MeteredData",
               monthly_usd="6000")
    row.update(cells)
    _, problems = check_ports(pd.DataFrame([row, row | {"peering_location": "Paris"}]),
                              "ports.csv")
    assert [(p.row, p.column) for p in problems][:1] == [(2, column)]


def test_cli_reports_a_direct_sku_whose_family_differs_from_the_pairs(tmp_path: Path) -> None:
    catalog = pd.read_csv(DATA / "direct" / "catalog.csv", dtype=str, keep_default_na=False)
    catalog.loc[len(catalog)] = {"tier": "Standard", "family": "UnlimitedData",
                                 "bandwidth_mbps": "1000", "zone": "", "monthly_usd": "0",
                                 "vnet_links": "10", "routes_ipv4": "4000",
                                 "price_basis": "list", "port_gbps": "10"}
    catalog.to_csv(tmp_path / "catalog.csv", index=False)
    completed = subprocess.run(
        [sys.executable, "-m", "planner", "optimize", "--catalog", str(tmp_path / "catalog.csv"),
         "--ports", str(DATA / "direct" / "ports.csv"), "--out", str(tmp_path / "out")],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 2, completed.stderr
    assert f"row {len(catalog) + 1}, column family" in completed.stderr
    assert not (tmp_path / "out").exists()


def test_cli_reports_bad_ports_and_writes_nothing(tmp_path: Path) -> None:
    ports = tmp_path / "ports.csv"
    ports.write_text("peering_location,port_gbps,billing,monthly_usd\nAmsterdam,12,Metered,x\n")
    completed = subprocess.run(
        [sys.executable, "-m", "planner", "optimize", "--catalog",
         str(DATA / "direct" / "catalog.csv"), "--ports", str(ports), "--out",
         str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 2
    for column in ("port_gbps", "billing", "monthly_usd"):
        assert f"{ports}, row 2, column {column}" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert not (tmp_path / "out").exists()


# ---- the sample ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_runs(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("direct")
    shutil.copytree(DATA, work / "data")
    plain = subprocess.run([sys.executable, "-m", "planner", "optimize", "--no-manifests",
                            "--out", "plain"], cwd=work, capture_output=True, text=True,
                           timeout=900)
    ignored = subprocess.run([sys.executable, "-m", "planner", "optimize", "--no-manifests",
                              "--catalog", "data/direct/catalog.csv", "--out", "ignored"],
                             cwd=work, capture_output=True, text=True, timeout=900)
    ports = subprocess.run([sys.executable, "-m", "planner", "optimize", "--catalog",
                            "data/direct/catalog.csv", "--ports", "data/direct/ports.csv",
                            "--out", "ports"], cwd=work, capture_output=True, text=True,
                           timeout=900)
    return work, plain, ignored, ports


def test_without_ports_the_direct_rows_change_no_byte(sample_runs) -> None:
    work, plain, ignored, _ = sample_runs
    assert plain.returncode == ignored.returncode == 3
    for name in ("summary.csv", "periods.csv", "circuits.csv"):
        assert (work / "plain" / name).read_bytes() == (work / "ignored" / name).read_bytes()


def test_sample_with_ports_is_proven_optimal_and_explained(sample_runs) -> None:
    work, plain, _, ports = sample_runs
    assert ports.returncode == 3, ports.stderr  # meridian-capital stays infeasible
    portfolio = pd.read_csv(work / "ports" / "portfolio.csv", keep_default_na=False)
    assert portfolio.loc[0, "status"] == "optimal"
    assert portfolio.loc[0, "gap"] <= 0.01
    assert "polar-render" in portfolio.loc[0, "message"]
    pairs = pd.read_csv(work / "ports" / "ports.csv")
    # Amsterdam: one small connect-through customer does not pay for a pair.
    assert pairs.loc[pairs["peering_location"] == "Amsterdam", "pairs"].sum() == 0
    # Frankfurt: polar-render's peak months need a 40 Gb/s circuit on a 100 Gb/s pair.
    frankfurt = pairs[pairs["peering_location"] == "Frankfurt"]
    assert set(frankfurt.loc[frankfurt["pairs"] > 0, "period"]) == {"2027-12", "2028-12"}
    summary = pd.read_csv(work / "ports" / "summary.csv", keep_default_na=False)
    before = pd.read_csv(work / "plain" / "summary.csv", keep_default_na=False)
    merged = summary.merge(before, on="customer_id", suffixes=("", "_alone"))
    both = merged[(merged["status"] == "optimal") & (merged["status_alone"] == "optimal")]
    assert (both["total_usd"] == both["total_usd_alone"]).all()
    assert merged.set_index("customer_id").loc["polar-render", "status"] == "optimal"


@pytest.mark.parametrize("seed", [s for s in range(12) if generate(s).ports is not None])
def test_the_linking_rows_keep_the_optimum(seed: int) -> None:
    instance = generate(seed)
    expected = portfolio_optimum(instance.ref_customers, instance.ref_catalog,
                                 instance.ref_ports, 0.025)
    _, _, result = solve(instance, link_rows=True)
    assert result.status == "optimal"
    if not math.isinf(expected):
        assert result.total_usd == pytest.approx(expected, abs=0.005)


def test_insights_of_the_sample_plan() -> None:
    from planner.direct.insights import break_even, plan_with_ports, side_by_side, utilization

    plan = plan_with_ports(DATA, DATA / "direct" / "catalog.csv", DATA / "direct" / "ports.csv")
    amsterdam = next(o for o in plan.offers if o.key.peering_location == "Amsterdam")
    table = break_even(amsterdam, plan.inputs.catalog)
    one_gbps = table[table["bandwidth_mbps"] == 1000].iloc[0]
    assert one_gbps["customers_to_pay"] == 14       # 13 x 436 < 6,000 < 14 x 436
    assert one_gbps["customers_per_pair"] == 20     # 20 Gb/s of 1 Gb/s circuits
    used = utilization(plan.tables.ports)
    assert used["utilization"].between(0, 1).all()
    assert used.loc[used["pairs"] > 0, "utilization"].gt(0).all()
    both = side_by_side(plan)
    row = both.set_index("customer_id").loc["polar-render"]
    assert row["medium"] == "direct+provider" and math.isnan(row["alone_usd"])
    same = both[both["medium"] == "provider"]
    assert (same["change_usd"].abs() < 0.005).all()


def synth_portfolio(folder: Path, customers: int, months: int, locations: int):
    from planner.direct.ports import read_ports
    from planner.direct.synth import direct_catalog, synth_ports
    from planner.inputs.read import read_inputs, read_table
    from planner.synth import synthesize

    catalog = direct_catalog(read_table(DATA / "catalog.csv"))
    portfolio = synthesize(customers, months, 0, catalog, read_table(DATA / "egress_rates.csv"))
    portfolio.write(folder)
    synth_ports(portfolio.customers, locations).to_csv(folder / "ports.csv", index=False)
    inputs = read_inputs(*(folder / f"{n}.csv" for n in
                           ("customers", "demand", "catalog", "egress_rates", "inventory")))
    return build_portfolio_problem(inputs, read_ports(folder / "ports.csv", inputs))


def test_two_workers_search_the_locations_to_the_same_optimum(tmp_path: Path) -> None:
    portfolio = synth_portfolio(tmp_path, 150, 6, 3)
    alone = solve_portfolio(portfolio, time_limit_s=60)
    shared = solve_portfolio(portfolio, time_limit_s=60, workers=2)
    assert alone.status == shared.status == "optimal"
    assert len(shared.stats.locations) == len(alone.stats.locations) == 3
    assert [loc.location for loc in shared.stats.locations] == [
        loc.location for loc in alone.stats.locations]
    assert shared.total_usd == pytest.approx(alone.total_usd, abs=0.01)
    assert (shared.pairs == alone.pairs).all()
    assert shared.stats.nodes >= 3 and shared.stats.iterations > 0
    assert [r.status for r in shared.results] == [r.status for r in alone.results]
