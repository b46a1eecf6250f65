"""Helpers shared by the tests: where the repository is, the CLI as a user runs it, and the
one-customer tables of hand-worked cases. Imported as ``from helpers import ...``; the shared
fixtures are in ``conftest.py``."""

from __future__ import annotations

import itertools
import json
import os
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


#: A stand-in for ``az`` that appends its arguments to ``$AZ_LOG`` (NUL-separated, a record
#: separator after each command) and prints "Provisioned".
FAKE_AZ = """#!/usr/bin/env bash
{ printf '%s\\0' "$@"; printf '\\036\\0'; } >> "$AZ_LOG"
echo Provisioned
"""


def fake_az(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose ``az`` is :data:`FAKE_AZ`, and the log it writes."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "az").write_text(FAKE_AZ)
    (bin_dir / "az").chmod(0o755)
    log = tmp_path / "az.log"
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "AZ_LOG": str(log)}, log


def logged_az_commands(log: Path) -> list[list[str]]:
    """The argument lists :data:`FAKE_AZ` logged, one per ``az`` call, in order."""
    commands: list[list[str]] = []
    current: list[str] = []
    for field in log.read_bytes().split(b"\0")[:-1]:
        if field == b"\x1e":
            commands.append(current)
            current = []
        else:
            current.append(field.decode())
    return commands


def command_shape(args: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """An az command's words and its sorted flags: commands alike but for values match."""
    words = tuple(itertools.takewhile(lambda a: not a.startswith("-"), args))
    return words, tuple(sorted(a for a in args if a.startswith("-")))


def azure_cli_check(commands: list[list[str]], cwd: Path | None = None) -> list[dict[str, object]]:
    """How the real Azure CLI ends each command without an account (``tests/azcli_check.py``)."""
    done = subprocess.run([sys.executable, str(TESTS / "azcli_check.py")],
                          input=json.dumps(commands), capture_output=True, text=True,
                          check=True, cwd=cwd)
    return list(json.loads(done.stdout))
