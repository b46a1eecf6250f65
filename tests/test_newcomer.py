"""A newcomer's first hour: recorded inputs, checks before solving, validate, --version."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from helpers import DATA, ROOT, files_of, planner_cli

import planner
from planner.inputs.provenance import RECORD_NAME, fingerprint


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A plan made from a synthetic portfolio outside the repository, named file by file."""
    work = tmp_path_factory.mktemp("elsewhere")
    made = planner_cli("synth", "--customers", "12", "--months", "6", "--seed", "3",
                       "--data", str(DATA), "--out", str(work / "portfolio"), cwd=work)
    assert made.returncode == 0, made.stderr
    portfolio = work / "portfolio"
    (portfolio / "provisioning.toml").unlink(missing_ok=True)
    completed = planner_cli(
        "optimize", "--customers", str(portfolio / "customers.csv"),
        "--demand", str(portfolio / "demand.csv"), "--catalog", str(portfolio / "catalog.csv"),
        "--egress-rates", str(portfolio / "egress_rates.csv"),
        "--inventory", str(portfolio / "inventory.csv"), "--out", str(work / "plan"), cwd=work)
    assert completed.returncode in (0, 3), completed.stderr
    return portfolio, work / "plan"


def test_the_plan_records_its_inputs(elsewhere: tuple[Path, Path]) -> None:
    portfolio, plan = elsewhere
    record = json.loads((plan / RECORD_NAME).read_text(encoding="utf-8"))
    customers = record["files"]["customers"]
    assert customers["path"] == str((portfolio / "customers.csv").resolve())
    assert customers["sha256"] == fingerprint(portfolio / "customers.csv")
    assert record["files"]["provisioning"] is None


def test_manifests_need_nothing_but_the_plan(elsewhere: tuple[Path, Path],
                                             tmp_path: Path) -> None:
    _, plan = elsewhere
    before = files_of(plan / "manifests")
    shutil.rmtree(plan / "manifests")
    completed = planner_cli("manifests", "--plan", str(plan), cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert files_of(plan / "manifests") == before
    optimal = pd.read_csv(plan / "summary.csv").query("status == 'optimal'")
    assert len(optimal) > 0 and all((plan / "manifests" / c).is_dir()
                                    for c in optimal["customer_id"])


def test_manifests_refuse_other_inputs(elsewhere: tuple[Path, Path], tmp_path: Path) -> None:
    _, plan = elsewhere
    completed = planner_cli("manifests", "--plan", str(plan), "--customers",
                            str(DATA / "customers.csv"), cwd=tmp_path)
    assert completed.returncode == 2
    assert f"{DATA / 'customers.csv'}: differs from the customers file the plan was made from" \
        in completed.stderr
    assert "Traceback" not in completed.stderr


def test_manifests_refuse_a_changed_input(elsewhere: tuple[Path, Path],
                                          tmp_path: Path) -> None:
    portfolio, plan = elsewhere
    copy = tmp_path / "portfolio"
    shutil.copytree(portfolio, copy)
    shutil.copytree(plan, tmp_path / "plan")
    record_file = tmp_path / "plan" / RECORD_NAME
    record = json.loads(record_file.read_text(encoding="utf-8"))
    for entry in record["files"].values():
        if entry is not None:
            entry["path"] = str(copy / Path(entry["path"]).name)
    record_file.write_text(json.dumps(record), encoding="utf-8")
    with open(copy / "demand.csv", "a", encoding="utf-8") as demand:
        demand.write("\n")
    completed = planner_cli("manifests", "--plan", str(tmp_path / "plan"), cwd=tmp_path)
    assert completed.returncode == 2
    assert f"{copy / 'demand.csv'}: has changed since the plan was made" in completed.stderr


def test_manifests_of_a_plan_without_record_name_unknown_customers(
        elsewhere: tuple[Path, Path], tmp_path: Path) -> None:
    _, plan = elsewhere
    shutil.copytree(plan, tmp_path / "plan")
    (tmp_path / "plan" / RECORD_NAME).unlink()
    completed = planner_cli("manifests", "--plan", str(tmp_path / "plan"), "--data",
                            str(DATA), cwd=tmp_path)
    assert completed.returncode == 2
    assert "summary.csv, row 2, column customer_id: customer 'cust-00001' is not in" \
        in completed.stderr
    assert "Traceback" not in completed.stderr


@pytest.fixture
def unknown_location(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    customers = pd.read_csv(data / "customers.csv", dtype=str, keep_default_na=False)
    customers.loc[0, "peering_location"] = "Atlantis"
    customers.to_csv(data / "customers.csv", index=False)
    return data


def test_settings_are_checked_before_solving(unknown_location: Path, tmp_path: Path) -> None:
    completed = planner_cli("optimize", "--data", str(unknown_location), "--out",
                            str(tmp_path / "out"), cwd=tmp_path)
    assert completed.returncode == 2
    assert "no Azure region known for peering location 'Atlantis'" in completed.stderr
    assert "planned" not in completed.stderr  # no progress line: nothing was solved
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.partial").exists()


def test_no_manifests_needs_no_manifest_setting(unknown_location: Path,
                                                tmp_path: Path) -> None:
    completed = planner_cli("optimize", "--data", str(unknown_location), "--out",
                            str(tmp_path / "out"), "--no-manifests", cwd=tmp_path)
    assert completed.returncode == 3, completed.stderr
    assert (tmp_path / "out" / "summary.csv").exists()


def test_every_peering_location_of_the_facts_has_a_region() -> None:
    from planner.provision.settings import LOCAL_REGIONS
    from planner.synth import LOCATIONS

    assert {"Dallas", "New York"} <= set(LOCAL_REGIONS)
    assert {location for location, *_ in LOCATIONS} <= set(LOCAL_REGIONS)


def test_validate_checks_without_planning(unknown_location: Path, tmp_path: Path) -> None:
    valid = planner_cli("validate", cwd=ROOT)
    assert valid.returncode == 0, valid.stderr
    assert valid.stdout.startswith("valid: 34 customers, 777 demand rows")
    invalid = planner_cli("validate", "--data", str(unknown_location), cwd=tmp_path)
    assert invalid.returncode == 2
    assert "'Atlantis'" in invalid.stderr
    skipped = planner_cli("validate", "--data", str(unknown_location), "--no-manifests",
                          cwd=tmp_path)
    assert skipped.returncode == 0, skipped.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_version() -> None:
    completed = planner_cli("--version", cwd=ROOT)
    assert completed.returncode == 0
    assert completed.stdout.strip() == f"planner {planner.__version__}"


def test_every_deliberate_error_has_one_root() -> None:
    from planner.provision.rollout import ProvisioningError
    from planner.scenarios import ScenarioError

    for error in (planner.InputError, ScenarioError, ProvisioningError):
        assert issubclass(error, planner.PlannerError)
