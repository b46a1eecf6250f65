"""Every output byte of two fixed plans stays as kept (see ``tests/golden_outputs.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from golden_outputs import GOLDEN, plan_runs


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    return plan_runs(tmp_path_factory.mktemp("golden"))


@pytest.mark.parametrize("run", ["sample", "synth"])
def test_outputs_are_byte_identical_to_the_kept_ones(
        runs: dict[str, dict[str, str]], run: str) -> None:
    kept = json.loads(Path(GOLDEN).read_text(encoding="utf-8"))[run]
    made = runs[run]
    assert sorted(made) == sorted(kept), "the set of output files changed"
    changed = sorted(name for name in kept if made[name] != kept[name])
    assert not changed, f"{len(changed)} files differ, first: {changed[:5]}"


def test_the_synth_run_covers_scenarios_and_manifests(runs: dict[str, dict[str, str]]) -> None:
    names = set(runs["synth"])
    assert any(name.startswith("up/") for name in names), sorted(names)[:10]
    assert any("/manifests/" in name or name.startswith("manifests/") for name in names)
