"""Helpers shared by the tests: where the repository is, the CLI as a user runs it, and the
one-customer tables of hand-worked cases. Imported as ``from helpers import ...``; the shared
fixtures are in ``conftest.py``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
TESTS = ROOT / "tests"


def planner_cli(*args: str | Path, cwd: Path = ROOT, timeout: float = 900
                ) -> subprocess.CompletedProcess[str]:
    """Run ``python -m planner ARGS`` in ``cwd`` and return the finished process."""
    return subprocess.run([sys.executable, "-m", "planner", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, check=False)


def files_of(folder: Path) -> dict[Path, bytes]:
    """Every file below ``folder`` by its relative path, with its bytes."""
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def one_customer(**overrides: object) -> pd.DataFrame:
    """customers.csv of customer ``c1`` in Amsterdam, Zone 1, setup 1,000 USD, with overrides."""
    row = {"customer_id": "c1", "peering_location": "Amsterdam", "provider": "Equinix",
           "zone": "1", "setup_usd": 1000}
    row.update(overrides)
    return pd.DataFrame([row])


def monthly_demand(*peaks: float, egress_gb: float = 0.0) -> pd.DataFrame:
    """demand.csv of customer ``c1``: one month per peak [Mb/s] from 2027-01, egress [GB]."""
    return pd.DataFrame({"customer_id": "c1",
                         "period": [f"2027-{m + 1:02d}" for m in range(len(peaks))],
                         "peak_mbps": list(peaks), "egress_gb": egress_gb})
