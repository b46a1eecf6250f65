"""``planner demand`` and ``planner optimize --forecast`` end to end on the bundled telemetry."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest
from helpers import DATA, planner_cli

from planner.demand import (
    FORECAST_COLUMNS,
    HISTORY_COLUMNS,
    RISK_COLUMNS,
    circuit_owners,
    demand_from_forecast,
    forecast_history,
    monthly_history,
    read_telemetry,
)


@pytest.fixture(scope="module")
def demand_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess,
                                                                Path]:
    out = tmp_path_factory.mktemp("demand") / "out"
    return planner_cli("demand", DATA / "telemetry", "--data", DATA, "--out", out), out


@pytest.fixture(scope="module")
def plan_runs(demand_run, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    _, out = demand_run
    folder = tmp_path_factory.mktemp("plans")
    common = ["optimize", "--data", DATA, "--customers", out / "customers.csv",
              "--demand", out / "demand.csv", "--inventory", out / "inventory.csv",
              "--no-manifests"]
    plans = {}
    for name, extra in (("plain", []), ("risk", ["--forecast", out / "forecast.csv"])):
        completed = planner_cli(*common, *extra, "--out", folder / name)
        assert completed.returncode == 0, completed.stderr
        plans[name] = folder / name
    return plans


def test_demand_writes_the_five_files_and_reports(demand_run) -> None:
    completed, out = demand_run
    assert completed.returncode == 0, completed.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "customers.csv", "demand.csv", "forecast.csv", "history.csv", "inventory.csv"]
    assert "er-lab-test-1" in completed.stdout
    history = pd.read_csv(out / "history.csv")
    assert list(history.columns) == HISTORY_COLUMNS
    forecast = pd.read_csv(out / "forecast.csv")
    assert list(forecast.columns) == FORECAST_COLUMNS
    methods = forecast.drop_duplicates("customer_id").set_index("customer_id")["method"]
    assert methods["contoso-us"] == "ets-damped-seasonal"
    assert methods["contoso-eu"] == "trend"
    demand = pd.read_csv(out / "demand.csv")
    assert demand["period"].min() == "2027-01"
    customers = pd.read_csv(out / "customers.csv")
    assert set(customers["customer_id"]) == set(forecast["customer_id"])


def test_cli_and_python_give_the_same_demand(demand_run) -> None:
    _, out = demand_run
    samples = read_telemetry([DATA / "telemetry"])
    history = monthly_history(samples, circuit_owners(pd.read_csv(DATA / "inventory.csv")))
    forecast = forecast_history(history.table, 12)
    expected = demand_from_forecast(forecast, pd.read_csv(DATA / "customers.csv"), 0.9)
    written = pd.read_csv(out / "demand.csv")
    pd.testing.assert_frame_equal(written, expected.astype({"vnets": "int64"}))


def test_optimize_with_forecast_adds_risk_and_nothing_else(plan_runs) -> None:
    plain, risky = plan_runs["plain"], plan_runs["risk"]
    assert not (plain / "risk.csv").exists()
    for name in ("periods.csv", "circuits.csv"):
        assert (plain / name).read_bytes() == (risky / name).read_bytes()
    summary = pd.read_csv(risky / "summary.csv", dtype=str, keep_default_na=False)
    base = pd.read_csv(plain / "summary.csv", dtype=str, keep_default_na=False)
    assert "months_at_risk" not in base.columns
    pd.testing.assert_frame_equal(summary.drop(columns="months_at_risk"), base)
    risk = pd.read_csv(risky / "risk.csv")
    assert list(risk.columns) == RISK_COLUMNS
    assert risk["p_over_capacity"].le(risk["p_over_target"]).all()
    # Planned at the 90 % quantile: no month should exceed its target with more than 10 %.
    assert risk["p_over_target"].max() <= 0.1 + 1e-3
    assert set(summary["months_at_risk"]) == {"0"}


def test_bad_telemetry_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "t.csv"
    bad.write_text("circuit_name,timestamp,bits_in_per_s,bits_out_per_s\n"
                   "er-contoso-eu-pri-1,2027-01-01T00:00:00Z,1,2\n"
                   "er-contoso-eu-pri-1,2027-13-01T00:00:00Z,1,2\n")
    completed = planner_cli("demand", bad, "--data", DATA, "--out", tmp_path / "out")
    assert completed.returncode == 2
    assert f"{bad}, row 3, column timestamp" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert not (tmp_path / "out").exists()


def test_bad_forecast_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    forecast = tmp_path / "forecast.csv"
    forecast.write_text("customer_id,period,peak_p10,peak_p50,peak_p90,egress_p50,method\n"
                        "contoso-eu,2027-01,10,5,20,1,trend\n")
    completed = planner_cli("optimize", "--data", DATA, "--forecast", forecast,
                            "--out", tmp_path / "out")
    assert completed.returncode == 2
    assert f"{forecast}, row 2, column peak_p50" in completed.stderr
    assert not (tmp_path / "out").exists()


def test_synth_telemetry_chain(tmp_path: Path) -> None:
    portfolio = tmp_path / "portfolio"
    completed = planner_cli("synth", "--customers", 12, "--months", 6, "--seed", 3,
                            "--telemetry", "--telemetry-days", 62, "--data", DATA,
                            "--out", portfolio)
    assert completed.returncode == 0, completed.stderr
    telemetry = portfolio / "telemetry"
    inventory = pd.read_csv(portfolio / "inventory.csv")
    assert {p.name for p in telemetry.iterdir()} == {"plain.csv.gz", "az",
                                                      "azure_metrics.csv.gz"}
    assert len(list((telemetry / "az").iterdir())) == len(inventory)
    histories = {}
    for name in ("plain.csv.gz", "az", "azure_metrics.csv.gz"):
        out = tmp_path / f"demand-{name}"
        completed = planner_cli("demand", telemetry / name, "--data", portfolio, "--out", out)
        assert completed.returncode == 0, completed.stderr
        histories[name] = pd.read_csv(out / "history.csv")
    pd.testing.assert_frame_equal(histories["az"], histories["plain.csv.gz"])
    # The months measured in full follow demand.csv's peaks (hourly data smooths a little).
    demand = pd.read_csv(portfolio / "demand.csv")
    merged = histories["plain.csv.gz"].merge(demand, on=["customer_id", "period"],
                                             suffixes=("", "_planned"))
    merged = merged[merged["coverage"] == 1]
    assert len(merged) == 2 * inventory["customer_id"].nunique()
    assert ((merged["peak_mbps"] / merged["peak_mbps_planned"] - 1).abs() < 0.05).all()
    out = tmp_path / "demand-plain.csv.gz"
    completed = planner_cli("optimize", "--data", portfolio, "--customers",
                            out / "customers.csv", "--demand", out / "demand.csv",
                            "--inventory", out / "inventory.csv", "--forecast",
                            out / "forecast.csv", "--no-manifests", "--out", tmp_path / "plan")
    assert completed.returncode in (0, 3), completed.stderr
    assert (tmp_path / "plan" / "risk.csv").exists()
