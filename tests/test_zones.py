"""Prices by zone (SPEC section 6): hand-worked plans for every engine, and validation.

The catalog below is small and made up so each figure can be checked by hand [USD/month]:
zone-less Standard MeteredData 1 Gb/s 436 and Standard UnlimitedData 1 Gb/s 5,700; Zone 2's
own Standard UnlimitedData 1 Gb/s 8,700; Local UnlimitedData 1 Gb/s 1,200 in Zone 1 only;
Standard MeteredData 2 Gb/s 872 in Zone 1 only. Egress: Zone 1 0.025, Zone 2 0.05,
Zone 4 0.10 USD/GB; Zone 3 has a rate but, in the catalog, only the rows of every zone.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from functools import partial
from pathlib import Path

import pandas as pd
import pytest
from helpers import monthly_demand, one_customer

import planner
from planner.inputs.validate import InputError
from planner.problems import catalog_skus

COLUMNS = ["tier", "family", "bandwidth_mbps", "monthly_usd", "vnet_links", "routes_ipv4",
           "zone"]
ZONED = pd.DataFrame([
    ("Standard", "MeteredData", 1000, 436, 10, 4000, ""),
    ("Standard", "UnlimitedData", 1000, 5700, 10, 4000, ""),
    ("Standard", "UnlimitedData", 1000, 8700, 10, 4000, "2"),
    ("Local", "UnlimitedData", 1000, 1200, 10, 4000, "1"),
    ("Standard", "MeteredData", 2000, 872, 10, 4000, "1"),
], columns=COLUMNS).astype(str)
RATES = pd.DataFrame({"zone": ["1", "2", "3", "4"],
                      "usd_per_gb": ["0.025", "0.05", "0.14", "0.1"]})


def solve(customers: pd.DataFrame, months: pd.DataFrame, engine: str,
          catalog: pd.DataFrame = ZONED) -> planner.CustomerResult:
    return planner.plan(customers, months, catalog, RATES, engine=engine).customer("c1")


def test_the_zone_row_wins_over_the_zone_less_row(engine: str) -> None:
    # UnlimitedData 1 Gb/s for 700 Mb/s: Zone 1 pays the zone-less 5,700, Zone 2 its own
    # 8,700; one setup (1,000) each.
    one = solve(one_customer(billing="UnlimitedData"), monthly_demand(700), engine)
    two = solve(one_customer(billing="UnlimitedData", zone="2"), monthly_demand(700), engine)
    assert one.total_usd == pytest.approx(5700 + 1000, abs=1e-6)
    assert two.total_usd == pytest.approx(8700 + 1000, abs=1e-6)
    assert two.periods["circuit_usd"].tolist() == [8700.0]


def test_local_is_not_on_offer_outside_its_zone(engine: str) -> None:
    # 700 Mb/s with 100,000 GB. Zone 1: Local 1,200 beats metered 436 + 2,500.
    # Zone 4 (no Local row): metered 436 + 10,000 loses to Standard Unlimited 5,700.
    here = solve(one_customer(local_eligible="true"),
                   monthly_demand(700, egress_gb=100_000), engine)
    there = solve(one_customer(local_eligible="true", zone="4"),
                  monthly_demand(700, egress_gb=100_000), engine)
    assert here.plans[0].tier_family == ("Local", "UnlimitedData")
    assert here.total_usd == pytest.approx(1200 + 1000, abs=1e-6)
    assert there.plans[0].tier_family == ("Standard", "UnlimitedData")
    assert there.total_usd == pytest.approx(5700 + 1000, abs=1e-6)


def test_a_zone_only_bandwidth_is_chosen_only_in_its_zone(engine: str) -> None:
    # 1,500 Mb/s at 0.8 needs 1,875 Mb/s. Zone 1: one 2 Gb/s (872 + 1,000 setup) beats
    # two 1 Gb/s (872 + 2,000). Zone 2 has no 2 Gb/s row: two 1 Gb/s circuits.
    here = solve(one_customer(), monthly_demand(1500), engine)
    there = solve(one_customer(zone="2"), monthly_demand(1500), engine)
    assert here.plans[0].at("primary") == (2000,)
    assert here.total_usd == pytest.approx(1872, abs=1e-6)
    assert there.plans[0].at("primary") == (1000, 1000)
    assert there.total_usd == pytest.approx(2872, abs=1e-6)


def test_a_zone_without_any_sku_is_infeasible_and_named(engine: str) -> None:
    only_zone_one = ZONED[ZONED["zone"] == "1"]
    result = solve(one_customer(zone="3"), monthly_demand(100), engine, catalog=only_zone_one)
    assert result.status == planner.Status.INFEASIBLE
    assert "2027-01" in result.message and "no catalog SKU" in result.message


def test_catalog_skus_resolves_each_zone() -> None:
    inputs = planner.validate_inputs(one_customer(), monthly_demand(1), ZONED, RATES)
    prices = {zone: {(s.tier, s.family, s.bandwidth_mbps): s.monthly_usd
                     for s in catalog_skus(inputs.catalog, zone)} for zone in "1234"}
    assert prices["1"] == {("Standard", "MeteredData", 1000): 436,
                           ("Standard", "UnlimitedData", 1000): 5700,
                           ("Local", "UnlimitedData", 1000): 1200,
                           ("Standard", "MeteredData", 2000): 872}
    assert prices["2"] == {("Standard", "MeteredData", 1000): 436,
                           ("Standard", "UnlimitedData", 1000): 8700}
    assert prices["3"] == prices["4"] == {("Standard", "MeteredData", 1000): 436,
                                          ("Standard", "UnlimitedData", 1000): 5700}


def test_what_if_prices_scale_the_zone_rows() -> None:
    from planner.whatif import WhatIf, replan

    inputs = planner.validate_inputs(one_customer(billing="UnlimitedData", zone="2"),
                                     monthly_demand(700), ZONED, RATES)
    problem = planner.build_problems(inputs)[0]
    result = replan(problem, WhatIf(price_change_pct=-10))
    assert result.total_usd == pytest.approx(8700 * 0.9 + 1000, abs=1e-6)


def test_break_even_uses_each_zones_prices() -> None:
    from planner.insights import break_even_table

    inputs = planner.validate_inputs(one_customer(), monthly_demand(1), ZONED, RATES)
    table = break_even_table(inputs.catalog, inputs.egress_rates).set_index("zone")
    # Zone 1: (5,700 - 436) / 0.025; Zone 2: (8,700 - 436) / 0.05.
    assert table.loc["1", "break_even_gb"] == pytest.approx(210_560)
    assert table.loc["2", "break_even_gb"] == pytest.approx(165_280)


def problem_of(frame: pd.DataFrame) -> list[tuple[int, str, str]]:
    with pytest.raises(InputError) as caught:
        planner.validate_inputs(one_customer(), monthly_demand(1), frame, RATES,
                                files={"catalog": "cat.csv"})
    return [(p.row, p.column, p.message) for p in caught.value.issues if p.file == "cat.csv"]


def test_a_zone_unknown_to_the_egress_rates_is_an_error() -> None:
    frame = ZONED.copy()
    frame.loc[2, "zone"] = "Zone 2"
    [(row, column, message)] = problem_of(frame)
    assert (row, column) == (4, "zone")
    assert "'Zone 2' is not in egress_rates.csv" in message


def test_the_same_sku_twice_in_one_zone_is_a_duplicate() -> None:
    frame = pd.concat([ZONED, ZONED.iloc[[2]]], ignore_index=True)
    [(row, column, message)] = problem_of(frame)
    assert (row, column) == (7, "bandwidth_mbps")
    assert "duplicate" in message and "first at row 4" in message


def test_the_same_sku_zone_less_twice_is_still_a_duplicate() -> None:
    frame = pd.concat([ZONED, ZONED.iloc[[0]]], ignore_index=True)
    [(row, _, message)] = problem_of(frame)
    assert row == 7 and "first at row 2" in message


# SHA-256 of the outputs `planner optimize --no-manifests` wrote for the bundled sample with
# the zone-less catalog of tests/data/catalog_zoneless.csv (the bundled catalog before zones
# existed), computed with the planner as it was before SPEC section 6 was implemented.
ZONELESS_SHA256 = {
    "summary.csv": "ea63a7cd5eae27b2c5d4fc4d75d02c0894c82575a3e09c6879fe601c7e9a820a",
    "periods.csv": "f2a9c0bafffe678a25df251007d06694f2d7faac3a3a8812cd69065f1ee95944",
    "circuits.csv": "361fe0ca67af7ffc5456d8c4be7e5fbbdb7804ccfc63d00031d3fe5657f6b515",
}
TESTS = Path(__file__).resolve().parent
DATA = TESTS.parent / "data"


def test_a_catalog_without_zones_plans_the_sample_byte_for_byte_as_before(tmp_path: Path
                                                                         ) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "planner", "optimize", "--data", str(DATA), "--catalog",
         str(TESTS / "data" / "catalog_zoneless.csv"), "--out", str(out), "--no-manifests"],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 3, done.stderr  # the two customers infeasible on purpose
    for name, digest in ZONELESS_SHA256.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("zones", [None, "", "every"])
def test_an_empty_zone_column_or_one_row_per_zone_changes_nothing(zones: str | None) -> None:
    base = pd.read_csv(TESTS / "data" / "catalog_zoneless.csv", dtype=str,
                       keep_default_na=False)
    if zones == "":
        catalog = base.assign(zone="")
    elif zones == "every":
        catalog = pd.concat([base.assign(zone=z) for z in "1234"], ignore_index=True)
    else:
        catalog = base
    read = partial(pd.read_csv, dtype=str, keep_default_na=False)
    inputs = planner.validate_inputs(read(DATA / "customers.csv"), read(DATA / "demand.csv"),
                                     catalog, read(DATA / "egress_rates.csv"))
    reference = planner.validate_inputs(read(DATA / "customers.csv"),
                                        read(DATA / "demand.csv"), base,
                                        read(DATA / "egress_rates.csv"))
    skus = [p.catalog for p in planner.build_problems(inputs)]
    assert skus == [p.catalog for p in planner.build_problems(reference)]


def test_synth_makes_customers_local_eligible_only_where_local_is_sold() -> None:
    from planner.synth import synthesize

    read = partial(pd.read_csv, dtype=str, keep_default_na=False)
    catalog, rates = read(DATA / "catalog.csv"), read(DATA / "egress_rates.csv")
    assert set(catalog.loc[catalog["tier"] == "Local", "zone"]) == {"1", "2", "3"}
    customers = synthesize(400, 2, 3, catalog, rates).customers
    local = customers[customers["local_eligible"] == "true"]
    assert len(local) and set(local["zone"]) <= {"1", "2", "3"}
    assert "4" in set(customers["zone"])
    zoneless = synthesize(400, 2, 3, catalog.drop(columns="zone"), rates).customers
    assert "4" in set(zoneless.loc[zoneless["local_eligible"] == "true", "zone"])


def test_zones_read_by_plain_read_csv_match_as_in_the_file() -> None:
    # Without dtype=str pandas turns a zone column with empty cells into floats (1.0).
    catalog = pd.read_csv(DATA / "catalog.csv")
    assert catalog["zone"].dtype == float
    inputs = planner.validate_inputs(one_customer(zone=2), monthly_demand(1), catalog,
                                     pd.read_csv(DATA / "egress_rates.csv"))
    skus = {(s.tier, s.family, s.bandwidth_mbps): s.monthly_usd
            for s in planner.build_problems(inputs)[0].catalog}
    assert skus[("Standard", "UnlimitedData", 1000)] == 8700
    assert skus[("Standard", "MeteredData", 100)] == 100


def test_a_bad_catalog_zone_exits_2_with_file_row_and_column(tmp_path: Path) -> None:
    catalog = pd.read_csv(DATA / "catalog.csv", dtype=str, keep_default_na=False)
    catalog.loc[4, "zone"] = "Zone 9"
    catalog = pd.concat([catalog, catalog.iloc[[0]]], ignore_index=True)
    path = tmp_path / "catalog.csv"
    catalog.to_csv(path, index=False)
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "planner", "optimize", "--data", str(DATA), "--catalog",
         str(path), "--out", str(out), "--no-manifests"],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 2
    assert f"{path}, row 6, column zone: zone 'Zone 9' is not in" in done.stderr
    assert (f"{path}, row {len(catalog) + 1}, column bandwidth_mbps: duplicate "
            "zone/tier/family/bandwidth_mbps (empty)/Standard/MeteredData/50 (first at row 2)"
            in done.stderr)
    assert "Traceback" not in done.stderr and not out.exists()
