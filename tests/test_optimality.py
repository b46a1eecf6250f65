"""The planner against the exhaustive reference on small random instances, for every engine.

Each seed builds one instance (tests/random_instances.py), solves it with the exhaustive
search of tests/reference.py (written from the SPEC alone) and with ``planner.plan``, and
compares customer by customer: same feasibility, ``optimal`` status and the same least total
cost within 0.01 USD. The plan tables of feasible customers are checked against the SPEC
too, and infeasible customers must be reported with a message naming the month.
"""

from __future__ import annotations

import functools
import math

import pandas as pd
import pytest
from random_instances import Instance, generate
from reference import (
    SITES,
    Config,
    CustomerResult,
    ReferenceInputs,
    describe_plan,
    parse,
    sequence_cost,
    solve_customer,
    violations,
)

import planner

#: Number of random instances, each checked with every engine.
SEEDS = 200
#: Allowed difference between totals [USD].
USD_TOL = 0.01
#: Allowed slack when checking capacity against peak [Mb/s].
MBPS_TOL = 1e-6

ENGINES: tuple[str, ...] = tuple(planner.ENGINES)


@functools.cache
def reference_case(seed: int) -> tuple[Instance, ReferenceInputs, dict[str, CustomerResult]]:
    instance = generate(seed)
    reference = parse(
        instance.customers,
        instance.demand,
        instance.catalog,
        instance.egress_rates,
        instance.inventory,
    )
    return instance, reference, {cid: solve_customer(reference, cid) for cid in reference.customers}


@functools.cache
def planned(seed: int, engine: str) -> planner.PlanResult:
    instance, _, _ = reference_case(seed)
    return planner.plan(
        instance.customers,
        instance.demand,
        instance.catalog,
        instance.egress_rates,
        inventory=instance.inventory,
        engine=engine,
    )


def _summary_row(result: planner.PlanResult, customer_id: str) -> pd.Series:
    rows = result.summary[result.summary["customer_id"].astype(str) == customer_id]
    assert len(rows) == 1, f"summary has {len(rows)} rows for {customer_id}"
    return rows.iloc[0]


def _context(seed: int, engine: str, customer_id: str) -> str:
    instance, _, ref = reference_case(seed)
    r = ref[customer_id]
    result = planned(seed, engine)
    mine = result.periods[result.periods["customer_id"].astype(str) == customer_id]
    return (
        f"\nseed {seed}, engine {engine}, customer {customer_id}\n"
        f"reference total {r.total_usd}, plan:\n{describe_plan(r.plan, r.periods)}\n"
        f"planner summary:\n{result.summary.to_string()}\n"
        f"planner periods:\n{mine.to_string()}\n{instance.describe()}"
    )


def _month_plans(result: planner.PlanResult, customer_id: str) -> dict[str, Config]:
    """The planner's circuits per month (retire rows left out) as reference configurations."""
    rows = result.circuits[result.circuits["customer_id"].astype(str) == customer_id]
    rows = rows[rows["action"] != "retire"]
    plans: dict[str, Config] = {}
    for period, month in rows.groupby("period"):
        tiers, families = set(month["tier"]), set(month["family"])
        assert len(tiers) == 1 and len(families) == 1, f"{period}: mixed tier or family"
        per_site = {
            site: tuple(sorted(int(b) for b in month.loc[month["site"] == site, "bandwidth_mbps"]))
            for site in SITES
        }
        assert set(month["site"]) <= set(SITES), f"{period}: sites {set(month['site'])}"
        plans[str(period)] = Config(
            tiers.pop(), families.pop(), per_site["primary"], per_site["secondary"]
        )
    return plans


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("seed", range(SEEDS))
def test_matches_exhaustive_search(seed: int, engine: str) -> None:
    _, _, ref = reference_case(seed)
    result = planned(seed, engine)
    assert sorted(result.summary["customer_id"].astype(str)) == sorted(ref)
    for cid, r in ref.items():
        row = _summary_row(result, cid)
        if r.total_usd is None:
            assert row["status"] == "infeasible", _context(seed, engine, cid)
            continue
        assert row["status"] == "optimal", _context(seed, engine, cid)
        total = float(row["total_usd"])
        assert abs(total - r.total_usd) <= USD_TOL, (
            f"planner {total:.2f} != reference {r.total_usd:.2f}" + _context(seed, engine, cid)
        )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("seed", range(SEEDS))
def test_periods_add_up_and_carry_the_peak(seed: int, engine: str) -> None:
    _, reference, ref = reference_case(seed)
    result = planned(seed, engine)
    for cid, r in ref.items():
        if r.total_usd is None:
            continue
        row = _summary_row(result, cid)
        periods = result.periods[result.periods["customer_id"].astype(str) == cid]
        by_period = {str(p["period"]): p for _, p in periods.iterrows()}
        assert len(periods) == len(by_period), _context(seed, engine, cid)
        assert sorted(by_period) == sorted(r.periods), _context(seed, engine, cid)
        assert abs(float(periods["total_usd"].sum()) - float(row["total_usd"])) <= USD_TOL, (
            _context(seed, engine, cid)
        )
        u = reference.customers[cid].target_utilization
        for month in reference.months[cid]:
            p = by_period[month.period]
            assert float(p["peak_mbps"]) == pytest.approx(month.peak_mbps)
            assert float(p["capacity_mbps"]) * u >= month.peak_mbps - MBPS_TOL, (
                f"{month.period}: capacity {p['capacity_mbps']} x {u} < {month.peak_mbps}"
                + _context(seed, engine, cid)
            )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("seed", range(SEEDS))
def test_circuits_form_a_valid_plan_of_that_cost(seed: int, engine: str) -> None:
    """The circuits table, judged by the reference's rules, is allowed and costs the total."""
    _, reference, ref = reference_case(seed)
    result = planned(seed, engine)
    for cid, r in ref.items():
        if r.total_usd is None:
            continue
        customer, months = reference.customers[cid], reference.months[cid]
        plans = _month_plans(result, cid)
        assert sorted(plans) == sorted(r.periods), _context(seed, engine, cid)
        plan = [plans[m.period] for m in months]
        for month, config in zip(months, plan, strict=True):
            broken = violations(customer, month, config, reference.catalog)
            assert not broken, f"{month.period} breaks {broken}" + _context(seed, engine, cid)
        cost = sequence_cost(
            customer,
            months,
            plan,
            reference.catalog,
            reference.egress_rates[customer.zone],
            reference.inventory.get(cid),
        )
        total = float(_summary_row(result, cid)["total_usd"])
        assert abs(cost - total) <= USD_TOL, (
            f"circuits cost {cost:.2f} by the SPEC, summary says {total:.2f}"
            + _context(seed, engine, cid)
        )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("seed", range(SEEDS))
def test_infeasible_customers_name_the_month(seed: int, engine: str) -> None:
    _, _, ref = reference_case(seed)
    result = planned(seed, engine)
    for cid, r in ref.items():
        if r.total_usd is not None:
            continue
        row = _summary_row(result, cid)
        assert row["status"] == "infeasible", _context(seed, engine, cid)
        assert math.isnan(float(row["total_usd"])), _context(seed, engine, cid)
        message = str(row["message"])
        assert message.strip(), "empty message" + _context(seed, engine, cid)
        assert any(period in message for period in r.infeasible_periods), (
            f"message {message!r} names none of {r.infeasible_periods}"
            + _context(seed, engine, cid)
        )


def test_instances_cover_feasible_and_infeasible_customers() -> None:
    """The random instances exercise both outcomes, mostly feasible."""
    outcomes = [
        r.total_usd is not None for s in range(SEEDS) for r in reference_case(s)[2].values()
    ]
    seeds_with_infeasible = sum(
        any(r.total_usd is None for r in reference_case(s)[2].values()) for s in range(SEEDS)
    )
    assert sum(outcomes) >= 0.7 * len(outcomes)
    assert seeds_with_infeasible >= 0.08 * SEEDS
