"""One-call entry points: a folder of inputs, the bundled sample, problems as a table."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from helpers import DATA

import planner
import planner.examples


def test_read_folder_is_the_five_files_read_one_by_one() -> None:
    by_folder = planner.read_folder(DATA)
    by_file = planner.read_inputs(*(DATA / f"{n}.csv" for n in (
        "customers", "demand", "catalog", "egress_rates", "inventory")))
    for table in ("customers", "demand", "catalog", "egress_rates", "inventory"):
        pd.testing.assert_frame_equal(getattr(by_folder, table), getattr(by_file, table))
    assert len(planner.read_folder(DATA, inventory=False).inventory) == 0


def test_read_folder_without_inventory_file(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data", ignore=shutil.ignore_patterns("inventory.csv"))
    assert len(planner.read_folder(tmp_path / "data").inventory) == 0


def test_the_bundled_sample() -> None:
    inputs = planner.examples.sample()
    assert len(inputs.customers) == len(pd.read_csv(DATA / "customers.csv"))
    assert len(inputs.inventory) == len(pd.read_csv(DATA / "inventory.csv"))
    assert planner.examples.sample_folder() == DATA


def test_problems_as_a_table(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    customers = pd.read_csv(tmp_path / "data" / "customers.csv", dtype=str,
                            keep_default_na=False)
    customers.loc[2, "vnets"] = "many"
    customers.to_csv(tmp_path / "data" / "customers.csv", index=False)
    with pytest.raises(planner.InputError) as caught:
        planner.read_folder(tmp_path / "data")
    table = caught.value.to_frame()
    assert list(table.columns) == ["file", "row", "column", "message"]
    assert table.to_dict("records") == [{
        "file": str(tmp_path / "data" / "customers.csv"), "row": 4, "column": "vnets",
        "message": "'many' is not a number"}]


def test_scenarios_is_a_deprecated_name_of_scenario_file(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture) -> None:
    from planner.cli import main

    scenarios = tmp_path / "scenarios.csv"
    scenarios.write_text("scenario,growth,price_pct\ncheaper,,-10\nbigger,1.5,\n")
    for flag in ("--scenario-file", "--scenarios"):
        assert main(["validate", "--data", str(DATA), "--no-manifests", flag,
                     str(scenarios)]) == 0
        out, err = capsys.readouterr()
        assert "2 scenarios" in out
        assert ("deprecated" in err) == (flag == "--scenarios")
