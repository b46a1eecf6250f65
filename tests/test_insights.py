import numpy as np
import pytest

from planner import insights
from tests.notebook_data import sample_inputs, sample_plan


def test_break_even_is_where_both_families_cost_the_same():
    inputs = sample_inputs()
    table = insights.break_even_table(inputs.catalog, inputs.egress_rates)
    for row in table.itertuples():
        metered = row.metered_usd + row.break_even_gb * row.usd_per_gb
        assert metered == pytest.approx(row.unlimited_usd)
    assert len(table) == 8 * len(inputs.egress_rates)


def test_profile_of_known_customers():
    profile = insights.customer_profile(sample_inputs()).set_index("customer_id")
    demand = sample_inputs().demand
    contoso = demand[demand["customer_id"] == "contoso-eu"]
    row = profile.loc["contoso-eu"]
    assert row["needed_mbps"] == pytest.approx(contoso["peak_mbps"].max() / 0.8)
    assert row["next_size_mbps"] >= row["needed_mbps"]
    assert row["local"] and "Local" in row["why"]
    assert profile.loc["adatum-health", "premium"]
    assert "routes" in profile.loc["adatum-health", "why"]
    assert profile.loc["northwind-media", "several"]
    assert np.isnan(profile.loc["northwind-media", "next_size_mbps"])


def test_cost_breakdown_sums_to_the_plan():
    result = sample_plan()
    for by in ("customer_id", "tier", "family", "peering_location"):
        table = insights.cost_breakdown(result, by)
        assert table["total_usd"].sum() == pytest.approx(result.periods["total_usd"].sum())
        assert list(table["total_usd"]) == sorted(table["total_usd"], reverse=True)
    with pytest.raises(ValueError):
        insights.cost_breakdown(result, "colour")


def test_not_optimal_lists_the_infeasible():
    table = insights.not_optimal(sample_plan())
    assert list(table["customer_id"]) == ["polar-render"]
    assert table.loc[0, "message"]
