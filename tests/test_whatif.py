from dataclasses import replace

import numpy as np
import pytest

from planner import Status, plan_customer
from planner.rules import broken_rules
from planner.whatif import (
    CHANGE_COLUMNS,
    RULES_OF_THUMB,
    WhatIf,
    apply_whatif,
    compare_periods,
    next_size_up_plans,
    replan,
    result_from_plans,
    rule_of_thumb_results,
    rules_of_thumb_table,
    sweep,
)
from tests.notebook_data import sample_plan, sample_problems


@pytest.fixture(scope="module")
def contoso():
    return sample_problems()["contoso-eu"]


def test_no_change_gives_the_same_plan(contoso):
    assert replan(contoso, WhatIf()).total_usd == pytest.approx(plan_customer(contoso).total_usd)


def test_apply_leaves_the_original_alone(contoso):
    peaks = contoso.peak_mbps.copy()
    prices = [s.monthly_usd for s in contoso.catalog]
    apply_whatif(contoso, WhatIf(demand_growth_pct=50, price_change_pct=10,
                                 target_utilization=0.5))
    assert np.array_equal(contoso.peak_mbps, peaks)
    assert [s.monthly_usd for s in contoso.catalog] == prices


def test_growth_scales_the_change_since_the_first_month(contoso):
    changed = apply_whatif(contoso, WhatIf(demand_growth_pct=50))
    first = contoso.peak_mbps[0]
    expected = first + 1.5 * (contoso.peak_mbps - first)
    assert np.allclose(changed.peak_mbps, np.maximum(expected, 0))
    assert changed.peak_mbps[0] == first


def test_scale_and_prices_and_overrides(contoso):
    changed = apply_whatif(contoso, WhatIf(demand_scale_pct=20, price_change_pct=-10,
                                           egress_price_change_pct=100, target_utilization=0.6,
                                           resiliency="n+1", billing="MeteredData",
                                           setup_usd=42))
    assert np.allclose(changed.peak_mbps, contoso.peak_mbps * 1.2)
    assert [s.monthly_usd for s in changed.catalog] == pytest.approx(
        [s.monthly_usd * 0.9 for s in contoso.catalog])
    assert changed.usd_per_gb == pytest.approx(contoso.usd_per_gb * 2)
    assert (changed.target_utilization, changed.resiliency, changed.billing,
            changed.setup_usd) == (0.6, "n+1", "MeteredData", 42)


def test_a_price_rise_raises_the_cost_by_at_most_its_share(contoso):
    base = replan(contoso, WhatIf()).total_usd
    dearer = replan(contoso, WhatIf(price_change_pct=10)).total_usd
    assert base < dearer <= base * 1.1 + 1e-6


def test_faster_growth_never_costs_less(contoso):
    assert replan(contoso, WhatIf(demand_growth_pct=100)).total_usd >= replan(
        contoso, WhatIf()).total_usd


def test_maximum_without_secondary_is_a_message_not_an_exception(contoso):
    result = replan(contoso, WhatIf(resiliency="maximum"), has_secondary_site=False)
    assert result.status is Status.INFEASIBLE
    assert "secondary peering location" in result.message


def test_invalid_whatif_is_reported(contoso):
    result = replan(contoso, WhatIf(target_utilization=1.5))
    assert result.status is Status.INFEASIBLE and "not in (0, 1]" in result.message
    with pytest.raises(ValueError, match="not in"):
        apply_whatif(contoso, WhatIf(target_utilization=0))


def test_too_much_demand_is_infeasible_with_the_rule(contoso):
    result = replan(contoso, WhatIf(demand_scale_pct=10_000))
    assert result.status is Status.INFEASIBLE
    assert "rule" in result.message


@pytest.mark.parametrize("customer", ["contoso-eu", "adatum-health", "kestrel-energy"])
def test_rules_of_thumb_never_beat_the_optimum(customer):
    problem = sample_problems()[customer]
    optimum = plan_customer(problem).total_usd
    results = rule_of_thumb_results(problem)
    assert set(results) == set(RULES_OF_THUMB)
    for result in results.values():
        if result.status is Status.OPTIMAL:
            assert result.total_usd >= optimum - 1e-6


@pytest.mark.parametrize("customer", ["contoso-eu", "adatum-health", "kestrel-energy"])
def test_next_size_up_plans_keep_every_rule_or_are_rejected(customer):
    problem = sample_problems()[customer]
    for plans in next_size_up_plans(problem):
        sizes = [max(b for site in p.circuits.values() for b in site) for p in plans]
        assert sizes == sorted(sizes)
        result = result_from_plans(problem, plans)
        ok = all(not broken_rules(problem, t, p) for t, p in enumerate(plans))
        assert (result.status is Status.OPTIMAL) == ok


def test_forced_family_matches_a_billing_override():
    problem = sample_problems()["adatum-health"]
    metered = rule_of_thumb_results(problem)["always Metered"]
    assert metered.total_usd == pytest.approx(
        plan_customer(replace(problem, billing="MeteredData")).total_usd)


def test_rules_of_thumb_table_lists_optimal_customers_only():
    result = sample_plan()
    problems = [sample_problems()[c] for c in result.customers]
    table = rules_of_thumb_table(problems, result.summary)
    assert "polar-render" not in set(table["customer_id"])
    row = table.set_index("customer_id").loc["contoso-eu"]
    assert row["optimal_usd"] == pytest.approx(result.customer("contoso-eu").total_usd)
    assert row["always Metered_savings_usd"] == pytest.approx(
        row["always Metered_usd"] - row["optimal_usd"])


def test_compare_marks_changed_months(contoso):
    base = replan(contoso, WhatIf())
    grown = replan(contoso, WhatIf(demand_growth_pct=200))
    table = compare_periods(base, grown)
    assert list(table.columns) == CHANGE_COLUMNS
    assert len(table) == contoso.months
    assert table["delta_usd"].sum() == pytest.approx(grown.total_usd - base.total_usd)
    assert table["changed"].any()
    assert not compare_periods(base, base)["changed"].any()


def test_compare_with_an_infeasible_plan(contoso):
    base = replan(contoso, WhatIf())
    bad = replan(contoso, WhatIf(demand_scale_pct=10_000))
    table = compare_periods(base, bad)
    assert len(table) == contoso.months and table["delta_usd"].isna().all()


def test_sweep_totals_equal_the_sum_of_replans():
    problems = [sample_problems()[c] for c in ("contoso-eu", "adatum-health")]
    points = [WhatIf(price_change_pct=p) for p in (0, 20)]
    table = sweep(problems, points)
    assert list(table["price_change_pct"]) == [0, 20]
    for whatif, total in zip(points, table["total_usd"], strict=True):
        assert total == pytest.approx(sum(replan(p, whatif).total_usd for p in problems))
    assert list(table["infeasible"]) == [0, 0]


def test_sweep_counts_infeasible_customers():
    problems = [sample_problems()["contoso-eu"]]
    table = sweep(problems, [WhatIf(resiliency="maximum")], secondary_sites=set())
    assert table.loc[0, "infeasible"] == 1 and table.loc[0, "total_usd"] == 0
