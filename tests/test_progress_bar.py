"""Batch runs started from Python show a tqdm progress bar unless told not to."""

from __future__ import annotations

import pytest
from helpers import DATA

import planner
from planner.batch import run_batch
from planner.inputs.read import read_table
from planner.synth import synthesize

CUSTOMERS = 12


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> planner.Inputs:
    folder = tmp_path_factory.mktemp("portfolio")
    synthetic = synthesize(CUSTOMERS, 6, 3, read_table(DATA / "catalog.csv"),
                           read_table(DATA / "egress_rates.csv"))
    data = synthetic.write(folder / "data")
    return planner.read_folder(data, inventory=False)


def test_python_callers_see_a_bar_that_reaches_the_total(inputs, tmp_path, capsys):
    run_batch(inputs, tmp_path / "checkpoint")
    err = capsys.readouterr().err
    assert "planning" in err and f"{CUSTOMERS}/{CUSTOMERS}" in err


def test_the_bar_can_be_silenced(inputs, tmp_path, capsys):
    outputs = run_batch(inputs, tmp_path / "checkpoint", show_progress=False)
    assert len(outputs[0].summary) == CUSTOMERS
    assert capsys.readouterr().err == ""


def test_a_progress_callback_replaces_the_bar(inputs, tmp_path, capsys):
    counted = []
    run_batch(inputs, tmp_path / "checkpoint", progress=counted.append)
    assert sum(counted) == CUSTOMERS
    assert capsys.readouterr().err == ""


def test_a_resumed_run_starts_the_bar_at_the_checkpoint(inputs, tmp_path, capsys):
    checkpoint = tmp_path / "checkpoint"
    run_batch(inputs, checkpoint, show_progress=False)
    run_batch(inputs, checkpoint)
    err = capsys.readouterr().err
    assert f"{CUSTOMERS}/{CUSTOMERS}" in err and f"0/{CUSTOMERS}" not in err
