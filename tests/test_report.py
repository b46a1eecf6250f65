"""`planner report`: the standalone HTML report of a plan folder, checked in chromium."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from planner.cli import main
from planner.report import build_report, detailed_customers, read_plan
from planner.report.build import DEFAULT_DETAILED, TOP_CUSTOMERS
from tests.browser import ARTIFACTS, ROOT, figures_drawn, needs_chromium, offline_page

#: Portfolio figures without risk.csv and ports.csv: cost by month; cost by customer, tier,
#: family and location; utilization by tier and by family.
PORTFOLIO_FIGURES = 7


@pytest.fixture(scope="module")
def plan_folder(tmp_path_factory) -> Path:
    """The bundled sample planned with manifests (so peering locations are known)."""
    out = tmp_path_factory.mktemp("plan") / "out"
    status = main(["optimize", "--data", str(ROOT / "data"), "--out", str(out)])
    assert status in (0, 3)
    return out


@pytest.fixture
def with_risk_and_ports(plan_folder, tmp_path) -> Path:
    """A copy of the plan with a risk.csv and a ports.csv as other runs write them."""
    folder = tmp_path / "out"
    shutil.copytree(plan_folder, folder, ignore=shutil.ignore_patterns("manifests"))
    periods = pd.read_csv(folder / "periods.csv", dtype={"period": str})
    risk = periods[["customer_id", "period"]].copy()
    risk["p_over_target"] = (periods["utilization"] * 0.9).round(4)
    risk["p_over_capacity"] = (periods["utilization"] * 0.1).round(4)
    risk["capacity_mbps"] = periods["capacity_mbps"]  # not a probability: left out
    risk["method"] = "ets"
    risk.to_csv(folder / "risk.csv", index=False)
    months = sorted(periods["period"].unique())
    pd.DataFrame({"peering_location": "Amsterdam", "port_gbps": 10,
                  "billing": "MeteredData", "period": months,
                  "pairs": [1 + (i >= 12) for i in range(len(months))],
                  "provisioned_mbps": [5000 + 500 * i for i in range(len(months))],
                  "capacity_mbps": [20000 * (1 + (i >= 12)) for i in range(len(months))],
                  "monthly_usd": 5000.0, "setup_usd": 0.0}).to_csv(folder / "ports.csv",
                                                                  index=False)
    return folder


def optimal_and_not(folder: Path) -> tuple[list[str], list[str]]:
    summary = pd.read_csv(folder / "summary.csv")
    optimal = summary["status"] == "optimal"
    return list(summary.loc[optimal, "customer_id"]), list(summary.loc[~optimal, "customer_id"])


def test_report_holds_every_section_and_figure(plan_folder, tmp_path):
    out = tmp_path / "report.html"
    assert main(["report", "--plan", str(plan_folder), "--out", str(out)]) == 0
    text = out.read_text()
    optimal, not_optimal = optimal_and_not(plan_folder)
    assert not_optimal, "the sample should have customers that cannot be served"
    figures = PORTFOLIO_FIGURES + 2 * len(optimal)
    assert text.count("Plotly.newPlot(") == figures
    assert text.count("* plotly.js v") == 1, "plotly.js must be embedded exactly once"
    assert not re.search(r"<script[^>]+src=", text), "the page must not load scripts"
    for title in ("Portfolio totals", "Cost by customer, tier, family and location",
                  "Utilization spread", "Customers that cannot be served", "Total cost by "
                  "peering location"):
        assert title in text
    assert "Forecast risk" not in text and "Direct ports" not in text
    summary = pd.read_csv(plan_folder / "summary.csv")
    assert f"{summary['total_usd'].sum():,.2f}" in text
    for customer in not_optimal:
        message = summary.loc[summary["customer_id"] == customer, "message"].iloc[0]
        assert customer in text and message.split(":")[0] in text
    for customer in optimal:
        assert f"{customer}: capacity against demand" in text


def test_a_plan_without_locations_says_how_to_get_them(plan_folder, tmp_path):
    folder = tmp_path / "out"
    shutil.copytree(plan_folder, folder,
                    ignore=shutil.ignore_patterns("manifests", "inputs.json"))
    report = build_report(read_plan(folder), customers=[])
    assert report.figures == PORTFOLIO_FIGURES - 1
    assert "--customers-csv" in report.html
    with_csv = build_report(read_plan(folder, ROOT / "data" / "customers.csv"), customers=[])
    assert with_csv.figures == PORTFOLIO_FIGURES


def test_locations_come_from_the_recorded_customers(plan_folder, tmp_path):
    folder = tmp_path / "out"
    shutil.copytree(plan_folder, folder, ignore=shutil.ignore_patterns("manifests"))
    plan = read_plan(folder)
    customers = pd.read_csv(ROOT / "data" / "customers.csv").set_index("customer_id")
    assert plan.locations is not None
    assert plan.locations.to_dict() == customers["peering_location"].to_dict()
    assert build_report(plan, customers=[]).figures == PORTFOLIO_FIGURES


@needs_chromium
def test_report_draws_in_chromium_offline(with_risk_and_ports, tmp_path):
    optimal, not_optimal = optimal_and_not(with_risk_and_ports)
    chosen = optimal[:2] + not_optimal[:1]
    out = tmp_path / "report.html"
    assert main(["report", "--plan", str(with_risk_and_ports), "--out", str(out),
                 "--customers-csv", str(ROOT / "data" / "customers.csv"),
                 "--customers", *chosen]) == 0
    # portfolio + highest risk + two ports figures + per optimal customer: capacity, cost, risk
    expected = PORTFOLIO_FIGURES + 1 + 2 + 3 * 2
    ARTIFACTS.mkdir(exist_ok=True)
    with offline_page() as (page, errors):
        page.goto(out.as_uri())
        figures = figures_drawn(page, expected)
        headings = page.evaluate("() => Array.from(document.querySelectorAll('h2, h3'))"
                                 ".map(h => h.textContent)")
        links = page.evaluate("() => Array.from(document.querySelectorAll('nav a'))"
                              ".map(a => document.querySelector(a.getAttribute('href')) !== null)")
        widest = page.evaluate("() => Math.max(...Array.from(document.querySelectorAll("
                               "'.js-plotly-plot')).map(p => p.getBoundingClientRect().right))")
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert errors == []
    assert len(figures) == expected
    for index, figure in enumerate(figures):
        assert figure["svgs"] >= 1 and figure["traces"] >= 1 and figure["marks"] >= 1, index
    assert {"Forecast risk", "ExpressRoute Direct ports", *chosen} <= set(headings)
    assert links and all(links), "every entry of the contents must lead to a section"
    assert widest <= 1280, "figures must fit a laptop screen"


def test_default_detail_is_every_customer_of_a_small_plan_else_the_costliest(plan_folder):
    plan = read_plan(plan_folder)
    assert detailed_customers(plan, None) == list(plan.summary["customer_id"])
    many = pd.concat([plan.summary.assign(customer_id=plan.summary["customer_id"] + f"-{i}")
                      for i in range(3)], ignore_index=True)
    plan.summary = many
    chosen = detailed_customers(plan, None)
    assert len(chosen) == DEFAULT_DETAILED
    assert set(many.nlargest(DEFAULT_DETAILED, "total_usd")["total_usd"]) == set(
        many.set_index("customer_id").loc[chosen, "total_usd"])
    assert TOP_CUSTOMERS < len(many)


def test_missing_plan_folder_is_exit_2_naming_it(tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", "--plan", str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    assert "nowhere" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("name", ["summary.csv", "periods.csv", "circuits.csv"])
def test_missing_table_is_exit_2_naming_the_file(plan_folder, tmp_path, capsys, name):
    folder = tmp_path / "out"
    shutil.copytree(plan_folder, folder, ignore=shutil.ignore_patterns("manifests"))
    (folder / name).unlink()
    out = tmp_path / "report.html"
    assert main(["report", "--plan", str(folder), "--out", str(out)]) == 2
    assert name in capsys.readouterr().err
    assert not out.exists()


def test_bad_cell_is_exit_2_naming_file_row_and_column(plan_folder, tmp_path, capsys):
    folder = tmp_path / "out"
    shutil.copytree(plan_folder, folder, ignore=shutil.ignore_patterns("manifests"))
    periods = pd.read_csv(folder / "periods.csv", dtype=str, keep_default_na=False)
    periods.loc[4, "egress_usd"] = "12,5"
    periods.to_csv(folder / "periods.csv", index=False)
    (folder / "risk.csv").write_text("customer_id,period\n")
    (folder / "ports.csv").write_text("peering_location,port_gbps\nAmsterdam,10\n")
    out = tmp_path / "report.html"
    assert main(["report", "--plan", str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "periods.csv, row 6, column egress_usd" in err and "'12,5'" in err
    assert not out.exists()
    periods.loc[4, "egress_usd"] = "1.5"
    periods.to_csv(folder / "periods.csv", index=False)
    assert main(["report", "--plan", str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "ports.csv, row 1, column billing: column missing" in err
    assert not out.exists()


def test_unknown_customer_is_exit_2(plan_folder, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", "--plan", str(plan_folder), "--out", str(out),
                 "--customers", "no-such-customer"]) == 2
    assert "'no-such-customer'" in capsys.readouterr().err
    assert not out.exists()


def test_scenario_folder_names_its_scenarios(tmp_path, capsys):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "summary.csv").write_text("scenario,customer_id,status,total_usd,message\n"
                                        "base,a,optimal,1.00,\nfast,a,optimal,2.00,\n")
    assert main(["report", "--plan", str(folder), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert "scenario run" in err and "base, fast" in err


def test_customer_ids_are_escaped(plan_folder, tmp_path):
    folder = tmp_path / "out"
    shutil.copytree(plan_folder, folder, ignore=shutil.ignore_patterns("manifests"))
    for name in ("summary.csv", "periods.csv", "circuits.csv"):
        path = folder / name
        path.write_text(path.read_text().replace("contoso-eu", "<b>contoso</b>"))
    report = build_report(read_plan(folder), customers=["<b>contoso</b>"])
    assert "<b>contoso</b>" not in report.html
    assert "&lt;b&gt;contoso&lt;/b&gt;" in report.html


def test_costs_read_back_from_the_folder_match_the_plan(plan_folder):
    import numpy as np

    from planner import insights
    from tests.notebook_data import SAMPLE_IDS, sample_plan

    result = sample_plan()
    plan = read_plan(plan_folder)
    periods = plan.periods[plan.periods["customer_id"].isin(SAMPLE_IDS)]
    months = periods.groupby("customer_id").size().max()
    for by in ("customer_id", "tier", "family", "peering_location"):
        expected = insights.cost_breakdown(result, by).set_index(by)
        got = insights.periods_cost_breakdown(periods, by, plan.locations).set_index(by)
        assert set(got.index) == set(expected.index), by
        # periods.csv holds cents: each month may be half a cent off per part
        assert np.allclose(got.loc[expected.index], expected, atol=0.005 * months * 4), by


def test_risk_columns_are_the_probabilities(with_risk_and_ports):
    plan = read_plan(with_risk_and_ports)
    assert plan.risk_columns == ["p_over_target", "p_over_capacity"]
    assert list(plan.ports["pairs"].unique()) == [1.0, 2.0]
