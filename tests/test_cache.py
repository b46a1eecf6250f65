"""Caches live outside the installed package, and a package that cannot cache still runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

PLAN_ONE = """
import planner
inputs = planner.read_inputs("{data}/customers.csv", "{data}/demand.csv",
                             "{data}/catalog.csv", "{data}/egress_rates.csv")
problem = next(p for p in planner.build_problems(inputs) if p.customer_id == "contoso-eu")
print(planner.plan_customer(problem).total_usd)
"""


def run_copy(package_parent: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    """Plan one customer with the package copied to ``package_parent`` and the given cache."""
    env = {**os.environ, "PYTHONPATH": str(package_parent), "PLANNER_CACHE_DIR": str(cache)}
    env.pop("NUMBA_CACHE_DIR", None)
    return subprocess.run([sys.executable, "-c", PLAN_ONE.format(data=ROOT / "data")],
                          cwd=package_parent, env=env, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "planner", tmp_path / "site" / "planner",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "site"


def compiled_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.suffix in (".nbi", ".nbc")]


def test_kernels_are_cached_in_the_cache_folder(package_copy: Path, tmp_path: Path) -> None:
    completed = run_copy(package_copy, tmp_path / "cache")
    assert completed.returncode == 0, completed.stderr
    assert float(completed.stdout) > 0
    assert compiled_files(tmp_path / "cache")
    assert not compiled_files(package_copy)


def test_an_unwritable_cache_still_plans(package_copy: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    completed = run_copy(package_copy, blocker / "cache")
    assert completed.returncode == 0, completed.stderr
    assert float(completed.stdout) > 0
    assert not compiled_files(package_copy)


def test_the_default_cache_is_per_user(monkeypatch: pytest.MonkeyPatch) -> None:
    from planner.cache import cache_dir

    monkeypatch.delenv("PLANNER_CACHE_DIR", raising=False)
    assert cache_dir() == Path.home() / ".cache" / "planner" or "XDG_CACHE_HOME" in os.environ
    assert ROOT not in cache_dir().parents
