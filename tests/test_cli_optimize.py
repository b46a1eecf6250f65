"""``planner optimize`` end to end on the bundled sample, and the same plan from Python."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from helpers import DATA

import planner
from planner.planning import SUMMARY_COLUMNS
from planner.rules import broken_rules
from planner.tables import CIRCUIT_COLUMNS, PERIOD_COLUMNS


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str],
                                                             Path]:
    work = tmp_path_factory.mktemp("run")
    shutil.copytree(DATA, work / "data")
    completed = subprocess.run([sys.executable, "-m", "planner", "optimize"], cwd=work,
                               capture_output=True, text=True, timeout=600)
    return completed, work / "out"


@pytest.fixture(scope="module")
def api_result() -> planner.PlanResult:
    frames = {name: pd.read_csv(DATA / f"{name}.csv")
              for name in ("customers", "demand", "catalog", "egress_rates", "inventory")}
    return planner.plan(frames["customers"], frames["demand"], frames["catalog"],
                        frames["egress_rates"], frames["inventory"])


def test_sample_run_exits_3_for_the_two_infeasible_customers(cli_run) -> None:
    completed, out = cli_run
    assert completed.returncode == 3, completed.stderr
    summary = pd.read_csv(out / "summary.csv", dtype=str, keep_default_na=False)
    infeasible = summary[summary["status"] == "infeasible"]
    assert sorted(infeasible["customer_id"]) == ["meridian-capital", "polar-render"]
    assert (infeasible["total_usd"] == "").all()
    assert infeasible["message"].str.match(r"\d{4}-\d{2}: ").all()
    assert "polar-render: infeasible: 2027-12" in completed.stdout


def test_sample_files_have_the_spec_columns(cli_run) -> None:
    _, out = cli_run
    assert sorted(p.name for p in out.iterdir() if p.suffix == ".csv") == [
        "circuits.csv", "periods.csv", "summary.csv"]
    assert list(pd.read_csv(out / "summary.csv").columns) == SUMMARY_COLUMNS
    assert list(pd.read_csv(out / "periods.csv").columns) == PERIOD_COLUMNS
    assert list(pd.read_csv(out / "circuits.csv").columns) == CIRCUIT_COLUMNS
    summary = pd.read_csv(out / "summary.csv", dtype=str, keep_default_na=False)
    optimal = summary[summary["status"] == "optimal"]
    assert optimal["total_usd"].str.fullmatch(r"\d+\.\d{2}").all()
    assert (optimal["message"] == "").all()
    assert not any(p.name.startswith(".out") for p in out.parent.iterdir())


def test_cli_tables_match_the_python_api(cli_run, api_result: planner.PlanResult) -> None:
    _, out = cli_run
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["customer_id"]) == list(api_result.summary["customer_id"])
    written = pd.read_csv(out / "summary.csv", dtype=str, keep_default_na=False)
    assert written["total_usd"].tolist() == [
        f"{v:.2f}" if pd.notna(v) else "" for v in api_result.summary["total_usd"]]
    periods = pd.read_csv(out / "periods.csv", dtype=str)
    assert len(periods) == len(api_result.periods)
    assert periods["total_usd"].tolist() == [f"{v:.2f}" for v in api_result.periods["total_usd"]]
    circuits = pd.read_csv(out / "circuits.csv")
    pd.testing.assert_frame_equal(circuits, api_result.circuits.astype(circuits.dtypes.to_dict()),
                                  check_dtype=False)


def test_periods_add_up_to_the_summary(api_result: planner.PlanResult) -> None:
    totals = api_result.periods.groupby("customer_id")["total_usd"].sum()
    optimal = api_result.summary[api_result.summary["status"] == "optimal"]
    for row in optimal.itertuples(index=False):
        assert totals[row.customer_id] == pytest.approx(row.total_usd, abs=0.005)


def test_every_month_of_every_plan_meets_every_rule(api_result: planner.PlanResult) -> None:
    problems = {p.customer_id: p for p in planner.build_problems(api_result.inputs)}
    for customer_id, result in api_result.customers.items():
        if result.status is planner.Status.OPTIMAL:
            for t, month in enumerate(result.plans):
                assert broken_rules(problems[customer_id], t, month) == []


def test_one_customers_plan_is_there_to_inspect(api_result: planner.PlanResult) -> None:
    customer = api_result.customer("contoso-eu")
    assert customer.status is planner.Status.OPTIMAL
    assert len(customer.plans) == len(customer.periods) == 24
    assert (customer.periods["customer_id"] == "contoso-eu").all()
    assert set(customer.circuits["action"]) <= {"create", "keep", "upgrade", "retire"}


def test_circuits_table_tells_each_circuits_story(api_result: planner.PlanResult) -> None:
    for (_, name), rows in api_result.circuits.groupby(["customer_id", "circuit_name"]):
        actions = rows["action"].tolist()
        assert actions.count("retire") == 1 and actions[-1] == "retire", name
        assert actions.count("create") <= 1
        if "create" in actions:
            assert actions[0] == "create"
        alive = rows[rows["action"] != "retire"]
        assert alive["bandwidth_mbps"].is_monotonic_increasing, name


def test_inventory_names_survive(api_result: planner.PlanResult) -> None:
    inventory = pd.read_csv(DATA / "inventory.csv")
    named = set(zip(api_result.circuits["customer_id"], api_result.circuits["circuit_name"],
                    strict=True))
    for row in inventory.itertuples(index=False):
        if api_result.customer(row.customer_id).status is planner.Status.OPTIMAL:
            assert (row.customer_id, row.circuit_name) in named


def test_own_files_by_flag(tmp_path: Path) -> None:
    customers = pd.read_csv(DATA / "customers.csv", dtype=str, keep_default_na=False)
    demand = pd.read_csv(DATA / "demand.csv", dtype=str, keep_default_na=False)
    mine = customers[customers["customer_id"] == "contoso-eu"]
    mine.to_csv(tmp_path / "my_customers.csv", index=False)
    demand[demand["customer_id"] == "contoso-eu"].to_csv(tmp_path / "my_demand.csv", index=False)
    completed = subprocess.run(
        [sys.executable, "-m", "planner", "optimize",
         "--customers", str(tmp_path / "my_customers.csv"),
         "--demand", str(tmp_path / "my_demand.csv"),
         "--catalog", str(DATA / "catalog.csv"), "--egress-rates", str(DATA / "egress_rates.csv"),
         "--out", str(tmp_path / "plan")], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    summary = pd.read_csv(tmp_path / "plan" / "summary.csv")
    assert summary["customer_id"].tolist() == ["contoso-eu"]
    assert summary["status"].tolist() == ["optimal"]
    circuits = pd.read_csv(tmp_path / "plan" / "circuits.csv")
    assert "er-contoso-eu-pri-1" in set(circuits["circuit_name"])  # no inventory given


def test_a_rerun_replaces_the_output_whole(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.csv").write_text("from an earlier run\n")
    completed = subprocess.run([sys.executable, "-m", "planner", "optimize", "--data",
                                str(tmp_path / "data"), "--out", str(out), "--no-inventory"],
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 3
    assert not (out / "stale.csv").exists()
    assert (out / "summary.csv").exists()


def test_no_manifests_writes_only_the_tables(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    # With --no-manifests no manifest setting is read, so a wrong one does not matter.
    (tmp_path / "data" / "provisioning.toml").write_text("[bgp]\nasn = -5\n", encoding="utf-8")
    out = tmp_path / "plan"
    completed = subprocess.run([sys.executable, "-m", "planner", "optimize", "--data",
                                str(tmp_path / "data"), "--out", str(out), "--no-manifests"],
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 3, completed.stderr
    assert sorted(p.name for p in out.iterdir()) == ["circuits.csv", "inputs.json",
                                                      "periods.csv", "summary.csv"]
