import pytest

from planner import Status
from planner.widgets import BUSY_TEXT, WhatIfApp
from tests.notebook_data import sample_inputs


@pytest.fixture
def app():
    return WhatIfApp(sample_inputs(), "contoso-eu")


def capacity_bars(app):
    return [(t.name, tuple(t.y)) for t in app.capacity_figure.data if t.type == "bar"]


def test_starts_on_the_base_plan(app):
    assert app.result.status is Status.OPTIMAL
    assert app.result.total_usd == pytest.approx(app.base.total_usd)
    # Local 1 Gb/s (1,200) for 18 months, 2 Gb/s (2,200) for 6, two setups of 1,500.
    assert "contoso-eu" in app.status.value and "37,800" in app.status.value
    assert "<table" in app.table.value
    assert len(app.capacity_figure.data) >= 2
    assert [t.name for t in app.cost_figure.data] == ["circuits", "egress", "setup"]


def test_faster_growth_replans_and_updates_in_place(app):
    figure, before_bars = app.capacity_figure, capacity_bars(app)
    before_total, before_table = app.result.total_usd, app.table.value
    app.controls["demand_growth_pct"].value = 200
    assert app.capacity_figure is figure
    assert app.result.total_usd > before_total
    assert capacity_bars(app) != before_bars
    assert app.table.value != before_table
    peak = next(t for t in app.capacity_figure.data if t.name == "peak")
    assert list(peak.y) == list(app.result.periods["peak_mbps"])
    delta = app.change_figure.data[0].y
    assert sum(delta) == pytest.approx(app.result.total_usd - app.base.total_usd)
    assert not app.busy and BUSY_TEXT not in app.status.value


def test_price_change_moves_the_cost_chart(app):
    before = tuple(app.cost_figure.data[0].y)
    app.controls["price_change_pct"].value = 50
    after = tuple(app.cost_figure.data[0].y)
    assert after != before
    assert sum(after) == pytest.approx(app.result.periods["circuit_usd"].sum())


def test_each_setting_reaches_the_plan(app):
    app.controls["billing"].value = "MeteredData"
    assert set(app.result.periods["family"]) == {"MeteredData"}
    app.controls["resiliency"].value = "n+1"
    assert (app.result.periods["circuits"] >= 2).all()
    app.controls["setup_usd"].value = 0
    assert app.result.periods["setup_usd"].sum() == 0
    low = app.result.total_usd
    app.controls["target_utilization"].value = 0.4
    assert app.result.total_usd > low


def test_infeasible_setting_shows_a_message_not_a_traceback(app):
    app.controls["resiliency"].value = "maximum"
    assert app.result.status is Status.INFEASIBLE
    assert "No valid plan" in app.status.value
    assert "secondary peering location" in app.status.value
    assert "Traceback" not in app.status.value
    assert app.table.value == "" and len(app.capacity_figure.data) == 0
    app.controls["resiliency"].value = "as customer"
    assert app.result.status is Status.OPTIMAL and len(app.capacity_figure.data) > 0


def test_capacity_infeasible_names_the_rule(app):
    app.controls["demand_growth_pct"].value = 300
    app.controls["target_utilization"].value = 0.05
    assert app.result.status is Status.INFEASIBLE
    assert "rule 1 (capacity)" in app.status.value


def test_switching_customer_resets_the_controls(app):
    app.controls["demand_growth_pct"].value = 100
    app.controls["customer"].value = "adatum-health"
    assert app.controls["demand_growth_pct"].value == 0
    assert app.controls["target_utilization"].value == pytest.approx(0.8)
    assert app.result.customer_id == "adatum-health"
    assert app.result.total_usd == pytest.approx(app.base.total_usd)


def test_busy_state_while_solving(app, monkeypatch):
    seen = []
    original = app.plan

    def watching(whatif):
        seen.append((app.busy, app.status.value, app.controls["customer"].disabled))
        return original(whatif)

    monkeypatch.setattr(app, "plan", watching)
    app.controls["price_change_pct"].value = 10
    assert seen == [(True, f"<b>{BUSY_TEXT}</b>", True)]
    assert not app.busy and not app.controls["customer"].disabled


def test_customer_infeasible_as_given():
    app = WhatIfApp(sample_inputs(), "polar-render")
    assert app.base.status is Status.INFEASIBLE
    assert "rule 1 (capacity)" in app.status.value


def test_unknown_customer():
    with pytest.raises(ValueError, match="unknown customer"):
        WhatIfApp(sample_inputs(), "nobody")
