"""Batch runs: parallel and Dask runs equal the serial one, resumption, time limit, scenarios."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from helpers import DATA

import planner
from planner.batch import (
    RESULTS_FILE,
    Checkpoint,
    Record,
    fingerprint,
    run_batch,
    solved_count,
)
from planner.batch_rows import circuits_text, periods_text
from planner.cli import main
from planner.inputs.read import format_periods, read_table
from planner.scenarios import Scenario, parse_scenario
from planner.synth import synthesize
from planner.tables import CIRCUIT_COLUMNS, PERIOD_COLUMNS, circuit_rows, period_rows

TABLES = ("summary.csv", "periods.csv", "circuits.csv")
INPUT_FILES = ("customers.csv", "demand.csv", "catalog.csv", "egress_rates.csv",
               "inventory.csv")


def optimize(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planner", "optimize", *args],
                          capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("portfolio")
    synthetic = synthesize(40, 12, 11, read_table(DATA / "catalog.csv"),
                           read_table(DATA / "egress_rates.csv"))
    return synthetic.write(folder / "data", copies=tuple(DATA.glob("provisioning.*")))


@pytest.fixture(scope="module")
def inputs(portfolio: Path) -> planner.Inputs:
    return planner.read_inputs(*(portfolio / name for name in INPUT_FILES))


@pytest.fixture(scope="module")
def serial(inputs: planner.Inputs, tmp_path_factory: pytest.TempPathFactory) -> list:
    return run_batch(inputs, tmp_path_factory.mktemp("serial") / "checkpoint")


def texts(outputs: list) -> list[tuple[str, str, str]]:
    return [(o.summary.to_csv(), o.periods_csv, o.circuits_csv) for o in outputs]


def test_parse_scenario() -> None:
    assert parse_scenario("up:growth=1.2,price=-10") == Scenario("up", 1.2, -10.0)
    assert parse_scenario("base") == Scenario("base")
    for bad in ("", "a b:growth=1", "x:speed=2", "x:growth=abc", "x:growth=0"):
        with pytest.raises(ValueError):
            parse_scenario(bad)


def test_process_pool_equals_serial(inputs: planner.Inputs, serial: list,
                                    tmp_path: Path) -> None:
    parallel = run_batch(inputs, tmp_path / "checkpoint", jobs=2)
    assert texts(parallel) == texts(serial)
    assert (serial[0].summary["status"] == "optimal").sum() >= 35


def test_serial_batch_equals_plan_inputs(inputs: planner.Inputs, serial: list) -> None:
    result = planner.plan_inputs(inputs)
    summary = serial[0].summary
    assert list(summary["customer_id"]) == list(result.summary["customer_id"])
    assert list(summary["status"]) == list(result.summary["status"].astype(str))
    pd.testing.assert_series_equal(summary["total_usd"], result.summary["total_usd"])
    assert len(serial[0].circuits_frame()) == len(result.circuits)


def test_batch_rows_are_the_bytes_pandas_writes(inputs: planner.Inputs, serial: list) -> None:
    result = planner.plan_inputs(inputs)
    assert serial[0].periods_csv == format_periods(result.periods).to_csv(
        index=False, lineterminator="\n")
    assert serial[0].circuits_csv == result.circuits.to_csv(index=False, lineterminator="\n")


def test_rows_needing_quotes_go_through_pandas(inputs: planner.Inputs) -> None:
    problem = dataclasses.replace(planner.build_problems(inputs)[0], customer_id="a,b")
    plans = planner.plan_customer(problem).plans
    circuits = circuits_text(problem, plans)
    periods = periods_text(problem, plans)[1]
    assert circuits.startswith('"a,b",') and periods.startswith('"a,b",')
    assert circuits == pd.DataFrame(circuit_rows(problem, plans), columns=CIRCUIT_COLUMNS
                                    ).to_csv(index=False, header=False, lineterminator="\n")
    assert periods == format_periods(pd.DataFrame(period_rows(problem, plans),
                                                  columns=PERIOD_COLUMNS)).to_csv(
        index=False, header=False, lineterminator="\n")


def test_dask_local_cluster_equals_serial(inputs: planner.Inputs, serial: list,
                                          tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        remote = run_batch(inputs, tmp_path / "checkpoint",
                           dask_address=cluster.scheduler_address)
    assert texts(remote) == texts(serial)


def test_checkpoint_ignores_a_torn_line_and_a_foreign_fingerprint(tmp_path: Path) -> None:
    folder = tmp_path / "cp"
    checkpoint = Checkpoint(folder, "a")
    record = Record("base", "c1", "optimal", 12.5, "", [["Standard", "MeteredData", [50], []]])
    checkpoint.append([record])
    checkpoint.close()
    with (folder / RESULTS_FILE).open("a") as handle:
        handle.write('["base","c2","optim')
    again = Checkpoint(folder, "a")
    assert list(again.records) == [("base", "c1")]
    assert again.records[("base", "c1")] == record
    again.append([Record("base", "c2", "infeasible", None, "why", [])])
    again.close()
    assert solved_count(folder) == 2
    assert Checkpoint(folder, "b").records == {}


def test_fingerprint_follows_inputs_and_options(inputs: planner.Inputs) -> None:
    base = fingerprint(inputs, [Scenario("base")], "dp", None)
    assert base == fingerprint(inputs, [Scenario("base")], "dp", None)
    assert base != fingerprint(inputs, [Scenario("base")], "milp", None)
    assert base != fingerprint(inputs, [Scenario("base", 1.1)], "dp", None)
    changed = inputs.demand.copy()
    changed.loc[0, "peak_mbps"] += 1
    assert base != fingerprint(planner.Inputs(inputs.customers, changed, inputs.catalog,
                                              inputs.egress_rates, inputs.inventory,
                                              inputs.files),
                               [Scenario("base")], "dp", None)


def test_killed_run_resumes_to_identical_files(portfolio: Path, tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    done = optimize("--data", str(portfolio), "--out", str(reference), "--jobs", "2")
    assert done.returncode in (0, 3), done.stderr
    out = tmp_path / "out"
    checkpoint = tmp_path / "out.partial"
    process = subprocess.Popen(
        [sys.executable, "-m", "planner", "optimize", "--data", str(portfolio), "--out",
         str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    deadline = time.monotonic() + 120
    while solved_count(checkpoint) < 5 and time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it could be interrupted"
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = solved_count(checkpoint)
    assert 5 <= finished < 40
    assert not out.exists()
    with (checkpoint / RESULTS_FILE).open("a") as handle:   # a write cut short by the kill
        handle.write('["base","cust-00039","opt')
    resumed = optimize("--data", str(portfolio), "--out", str(out))
    assert resumed.returncode in (0, 3), resumed.stderr
    assert f"resumed {finished} customers" in resumed.stdout
    assert f"solved {40 - finished}" in resumed.stdout
    for name in TABLES:
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name
    assert not checkpoint.exists()


def test_time_limit_gets_its_own_status_and_the_batch_carries_on(tmp_path: Path) -> None:
    keep = ["fabrikam-uk", "tailwind-traders", "meridian-capital"]
    for name in ("customers.csv", "demand.csv"):
        table = pd.read_csv(DATA / name, dtype=str, keep_default_na=False)
        table[table["customer_id"].isin(keep)].to_csv(tmp_path / name, index=False)
    out = tmp_path / "out"
    done = optimize("--data", str(DATA), "--customers", str(tmp_path / "customers.csv"),
                    "--demand", str(tmp_path / "demand.csv"),
                    "--engine", "milp", "--time-limit", "0.01", "--out", str(out))
    assert done.returncode == 4, done.stderr
    summary = pd.read_csv(out / "summary.csv", keep_default_na=False).set_index("customer_id")
    assert sorted(summary.index) == sorted(keep)
    assert summary.at["meridian-capital", "status"] == "infeasible"
    limited = summary[summary["status"] == "time_limit"]
    assert len(limited) >= 1
    assert set(summary["status"]) <= {"optimal", "infeasible", "time_limit"}
    assert (limited["total_usd"] == "").all()
    assert limited["message"].str.contains("time limit of 0.01 s").all()
    periods = pd.read_csv(out / "periods.csv")
    assert not set(periods["customer_id"]) & set(limited.index)


def test_dp_time_limit(inputs: planner.Inputs) -> None:
    problem = planner.build_problems(inputs)[0]
    result = planner.plan_customer(problem, "dp", time_limit_s=0.0)
    assert result.status is planner.Status.TIME_LIMIT and result.total_usd is None
    assert planner.plan_customer(problem, "dp", time_limit_s=60).status is planner.Status.OPTIMAL


def test_scenarios_share_one_summary(portfolio: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    assert optimize("--data", str(portfolio), "--out", str(plain)).returncode in (0, 3)
    scenarios = tmp_path / "scenarios.csv"
    scenarios.write_text("scenario,growth,price_pct\ncheaper,,-10\n")
    out = tmp_path / "out"
    done = optimize("--data", str(portfolio), "--out", str(out), "--jobs", "2",
                    "--scenario", "base", "--scenario", "growth:growth=1.2",
                    "--scenario-file", str(scenarios))
    assert done.returncode in (0, 3), done.stderr
    summary = pd.read_csv(out / "summary.csv", keep_default_na=False)
    assert list(summary.columns) == ["scenario", "customer_id", "status", "total_usd",
                                     "message"]
    assert summary["scenario"].value_counts().to_dict() == {"base": 40, "growth": 40,
                                                            "cheaper": 40}
    for name in TABLES:
        assert (out / "base" / name).read_bytes() == (plain / name).read_bytes(), name
    totals = summary[summary["status"] == "optimal"].pivot(
        index="customer_id", columns="scenario", values="total_usd").dropna().astype(float)
    assert (totals["cheaper"] < totals["base"]).all()
    assert (totals["growth"] >= totals["base"] - 0.01).all()
    base = pd.read_csv(out / "base" / "periods.csv").set_index(["customer_id", "period"])
    grown = pd.read_csv(out / "growth" / "periods.csv").set_index(["customer_id", "period"])
    common = base.index.intersection(grown.index)
    assert len(common) > 100
    ratio = grown.loc[common, "peak_mbps"] / base.loc[common, "peak_mbps"]
    assert ((ratio - 1.2).abs() < 1e-6).all()


def test_bad_scenario_is_rejected_before_anything_is_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = optimize("--out", str(out), "--scenario", "x:speed=2")
    assert done.returncode == 2
    assert "speed" in done.stderr
    assert not out.exists() and not (tmp_path / "out.partial").exists()


def test_cli_in_process_on_dask(portfolio: Path, tmp_path: Path, serial: list) -> None:
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        status = main(["optimize", "--data", str(portfolio), "--out", str(out), "--dask",
                       cluster.scheduler_address])
    assert status in (0, 3)
    assert (out / "periods.csv").read_text() == serial[0].periods_csv
