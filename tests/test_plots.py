import re

import numpy as np
import plotly.graph_objects as go
import pytest

from planner import insights, plots
from planner.whatif import WhatIf, compare_periods, replan, rules_of_thumb_table, sweep
from tests.notebook_data import sample_inputs, sample_plan, sample_problems

UNIT = re.compile(r"\[[^\]]+\]$")


def assert_readable(fig):
    assert isinstance(fig, go.Figure)
    assert fig.layout.title.text
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        assert axis.title.text and UNIT.search(axis.title.text), axis.title.text


def trace(fig, name):
    return next(t for t in fig.data if t.name == name)


@pytest.fixture(scope="module")
def contoso():
    return sample_plan().customer("contoso-eu")


@pytest.fixture(scope="module")
def profile():
    return insights.customer_profile(sample_inputs())


def test_demand_over_time():
    demand = insights.demand_table(sample_inputs())
    fig = plots.demand_over_time(demand, ["contoso-eu", "polar-render"])
    assert_readable(fig)
    assert [t.name for t in fig.data] == ["contoso-eu", "polar-render"]
    rows = demand[demand["customer_id"] == "polar-render"]
    assert list(trace(fig, "polar-render").y) == list(rows["peak_mbps"])
    assert list(trace(fig, "polar-render").x) == list(rows["period"])
    assert len(plots.demand_over_time(demand).data) == demand["customer_id"].nunique()


def test_growth_by_customer(profile):
    fig = plots.growth_by_customer(profile)
    assert_readable(fig)
    bars = fig.data[0]
    assert list(bars.y) == sorted(profile["growth_pct"], reverse=True)
    assert set(bars.x) == set(profile["customer_id"])


def test_peaks_against_ladder(profile):
    ladder = sample_inputs().catalog["bandwidth_mbps"].unique()
    fig = plots.peaks_against_ladder(profile, ladder)
    assert_readable(fig)
    got = dict(zip(fig.data[0].x, fig.data[0].y, strict=True))
    assert got == dict(zip(profile["customer_id"], profile["needed_mbps"], strict=True))
    assert sorted(s.y0 for s in fig.layout.shapes) == sorted(float(b) for b in ladder)
    # the labels sit on their lines: a log axis places annotations by exponent
    labels = {a.text: a.y for a in fig.layout.annotations}
    assert labels == {f"{float(b):,.0f}": pytest.approx(np.log10(float(b))) for b in ladder}


def test_egress_against_break_even(profile):
    fig = plots.egress_against_break_even(profile)
    assert_readable(fig)
    points = trace(fig, "customers")
    finite = profile[np.isfinite(profile["break_even_gb"])]
    assert list(points.text) == list(finite["customer_id"])
    assert list(points.y) == list(finite["mean_egress_gb"])
    assert list(points.x) == list(finite["break_even_gb"])
    assert trace(fig, "break-even").x[0] == 0


def test_capacity_against_demand(contoso):
    fig = plots.capacity_against_demand(contoso.periods, contoso.circuits)
    assert_readable(fig)
    live = contoso.circuits[contoso.circuits["action"] != "retire"]
    bars = [t for t in fig.data if isinstance(t, go.Bar)]
    assert {t.name for t in bars} == set(live["circuit_name"])
    stacked = {}
    for t in bars:
        for x, y in zip(t.x, t.y, strict=True):
            stacked[x] = stacked.get(x, 0) + y
    capacity = dict(zip(contoso.periods["period"], contoso.periods["capacity_mbps"], strict=True))
    assert stacked == capacity
    assert list(trace(fig, "peak").y) == list(contoso.periods["peak_mbps"])
    assert fig.layout.barmode == "stack"


def test_cost_by_month(contoso):
    fig = plots.cost_by_month(contoso.periods)
    assert_readable(fig)
    assert [t.name for t in fig.data] == ["circuits", "egress", "setup"]
    total = sum(np.asarray(t.y) for t in fig.data)
    assert np.allclose(total, contoso.periods["total_usd"])
    assert list(trace(fig, "setup").y) == list(contoso.periods["setup_usd"])


def test_cost_change():
    problem = sample_problems()["contoso-eu"]
    table = compare_periods(replan(problem, WhatIf()), replan(problem, WhatIf(
        demand_growth_pct=200)))
    fig = plots.cost_change(table)
    assert_readable(fig)
    assert list(fig.data[0].y) == list(table["delta_usd"])
    assert list(fig.data[0].x) == list(table["period"])


@pytest.mark.parametrize("by", ["customer_id", "tier", "family", "peering_location"])
def test_cost_by_group(by):
    breakdown = insights.cost_breakdown(sample_plan(), by)
    fig = plots.cost_by_group(breakdown, by)
    assert_readable(fig)
    assert [t.name for t in fig.data] == ["circuits", "egress", "setup"]
    assert list(fig.data[1].y) == list(breakdown["egress_usd"])
    assert sum(float(np.sum(t.y)) for t in fig.data) == pytest.approx(
        sample_plan().periods["total_usd"].sum())


def test_utilization_spread():
    periods = sample_plan().periods
    fig = plots.utilization_spread(periods, by="tier")
    assert_readable(fig)
    assert sorted(t.name for t in fig.data) == sorted(periods["tier"].unique())
    for t in fig.data:
        rows = periods[periods["tier"] == t.name]
        assert np.allclose(t.y, rows["utilization"] * 100)


def test_rules_of_thumb_costs():
    result = sample_plan()
    table = rules_of_thumb_table([sample_problems()[c] for c in result.customers],
                                 result.summary)
    fig = plots.rules_of_thumb_costs(table)
    assert_readable(fig)
    bars = dict(zip(fig.data[0].x, fig.data[0].y, strict=True))
    assert set(bars) == {"optimal", "next size up", "always Unlimited", "always Metered"}
    common = table.dropna()
    assert bars["optimal"] == pytest.approx(common["optimal_usd"].sum())
    assert all(v >= bars["optimal"] - 1e-6 for v in bars.values())


def test_sensitivity():
    problems = [sample_problems()["contoso-eu"]]
    table = sweep(problems, [WhatIf(target_utilization=u) for u in (0.5, 0.8)])
    fig = plots.sensitivity(table, "target_utilization", "Target utilization [share]")
    assert_readable(fig)
    assert list(fig.data[0].x) == [0.5, 0.8]
    assert list(fig.data[0].y) == list(table["total_usd"])


def test_plots_have_no_display_side_effects(contoso, capsys):
    plots.cost_by_month(contoso.periods)
    assert capsys.readouterr() == ("", "")


def test_utilization_spread_of_many_months_is_drawn_from_quartiles():
    periods = sample_plan().periods
    fig = plots.utilization_spread(periods, by="tier", max_points=10)
    assert_readable(fig)
    for t in fig.data:
        percent = periods.loc[periods["tier"] == t.name, "utilization"] * 100
        assert t.y is None, "a large group must not carry every point"
        assert np.isclose(t.median[0], percent.median())
        assert np.isclose(t.q1[0], percent.quantile(0.25))
        assert np.isclose(t.q3[0], percent.quantile(0.75))
        assert percent.min() <= t.lowerfence[0] <= t.q1[0] <= t.q3[0] <= t.upperfence[0]


def test_margin_by_customer():
    from planner import economics

    result = sample_plan()
    customers = sample_inputs().customers.assign(markup_pct=10.0)
    priced = economics.period_margins(result.periods, customers, 15.0)
    margins = economics.margin_by_customer(economics.summary_margins(result.summary, priced))
    fig = plots.margin_by_customer(margins)
    assert_readable(fig)
    bars = trace(fig, "margin")
    assert list(bars.x) == margins["customer_id"].tolist()
    assert "polar-render" not in bars.x  # infeasible: no margin
    assert list(bars.y) == sorted(bars.y, reverse=True)
    # 10 % markup on the cost plus 15 % back on circuits and egress
    periods = result.periods
    expected = (0.10 * periods["total_usd"]
                + 0.15 * (periods["circuit_usd"] + periods["egress_usd"])).sum()
    assert sum(bars.y) == pytest.approx(expected)
