"""The manual in docs/ builds without a single warning, and documents every input column."""

from __future__ import annotations

import argparse
import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from planner.inputs.schema import SCHEMAS
from planner.provision.allocate import RECORD
from planner.provision.settings import PROVISIONING_COLUMNS

DOCS = Path(__file__).resolve().parents[1] / "docs"
ALL_SCHEMAS = [*SCHEMAS.values(), PROVISIONING_COLUMNS, RECORD]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the docs strictly from a copy (autosummary writes its stubs into the source)."""
    root = tmp_path_factory.mktemp("docs")
    source = root / "docs"
    shutil.copytree(DOCS, source, ignore=shutil.ignore_patterns("_build", "generated"))
    (root / "data").symlink_to(DOCS.parent / "data")  # the pages include data/ files
    out = root / "html"
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         str(source), str(out)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"sphinx-build failed:\n{run.stderr}"
    assert "WARNING" not in run.stderr, run.stderr
    return out


def _text(page: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))


def test_every_input_column_has_a_description() -> None:
    missing = [f"{s.file}:{c.name}" for s in ALL_SCHEMAS for c in s.columns
               if not c.description.strip()]
    assert not missing, f"columns without a description: {missing}"


def test_numeric_columns_have_units() -> None:
    missing = [f"{s.file}:{c.name}" for s in ALL_SCHEMAS for c in s.columns
               if c.kind in ("int", "float") and not c.unit.strip()]
    assert not missing, f"numeric columns without a unit: {missing}"


def test_input_page_lists_every_column_with_its_unit(built: Path) -> None:
    text = _text(built / "inputs.html")
    for schema in (*SCHEMAS.values(), PROVISIONING_COLUMNS):
        for column in schema.columns:
            assert column.name in text, f"{schema.file}:{column.name} missing from inputs"
            assert column.description.split(";")[0].split(":")[0] in text.replace("\n", " ")
    assert "USD per circuit created" in text


def test_command_line_page_lists_every_command_and_flag(built: Path) -> None:
    from planner.cli import build_parser

    text = _text(built / "cli.html")
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name, sub in commands.items():
        assert name in text
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            for flag in action.option_strings:
                assert flag in text, f"planner {name} {flag} missing from the CLI page"


def test_api_reference_covers_the_package(built: Path) -> None:
    generated = {p.name for p in (built / "api" / "generated").glob("*.html")}
    for module in ("planner.inputs.schema", "planner.rules", "planner.planning", "planner.cli"):
        assert f"{module}.html" in generated


def test_code_cites_the_docs_not_an_absent_spec() -> None:
    package = Path(__file__).resolve().parents[1] / "planner"
    citing = [f"{p.relative_to(package.parent)}:{n}"
              for p in package.rglob("*.py")
              for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
              if re.search(r"\bSPEC\b(?!\")", line) and 'metavar="SPEC"' not in line]
    assert not citing, f"lines citing SPEC: {citing}"
