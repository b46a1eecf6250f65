"""Notebooks exported with ``jupyter nbconvert --to html`` show every chart, offline.

Each notebook (and its data) is copied to a temporary folder, executed and exported once per
test session, then opened in headless chromium with the network cut off; every plotly figure
the executed notebook holds must have drawn an SVG with data. Screenshots land in
test-artifacts/.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser import ARTIFACTS, ROOT, figures_drawn, needs_chromium, offline_page

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PLOTLY_MIME = "application/vnd.plotly.v1+json"

pytestmark = needs_chromium


def plotly_outputs(notebook: Path) -> int:
    """How many plotly figures an executed notebook's outputs hold."""
    cells = json.loads(notebook.read_text())["cells"]
    return sum(PLOTLY_MIME in output.get("data", {})
               for cell in cells for output in cell.get("outputs", []))


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, tuple[Path, int]]:
    """Every notebook executed and exported: name -> (HTML file, plotly figures it holds)."""
    work = tmp_path_factory.mktemp("exported")
    shutil.copytree(ROOT / "data", work / "data")
    (work / "notebooks").mkdir()
    running = []
    for notebook in NOTEBOOKS:
        copy = work / "notebooks" / notebook.name
        shutil.copy(notebook, copy)
        running.append((copy, subprocess.Popen(
            [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
             "--inplace", "--ExecutePreprocessor.timeout=600", str(copy)],
            cwd=work / "notebooks",
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)))
        if len(running) >= 2:  # two kernels at a time
            _finish(*running.pop(0))
    while running:
        _finish(*running.pop(0))
    out = {}
    for notebook in NOTEBOOKS:
        copy = work / "notebooks" / notebook.name
        subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html",
                        str(copy)], cwd=work / "notebooks", check=True, capture_output=True)
        out[notebook.name] = (copy.with_suffix(".html"), plotly_outputs(copy))
    return out


def _finish(notebook: Path, process: subprocess.Popen) -> None:
    output, _ = process.communicate(timeout=900)
    if process.returncode != 0:
        raise RuntimeError(f"executing {notebook.name} failed:\n{output.decode()[-3000:]}")


def test_setup_installs_a_renderer_static_html_understands():
    import plotly.io as pio

    import planner.notebook

    before = pio.renderers.default
    try:
        name = planner.notebook.setup()
        bundle = pio.renderers._build_mime_bundle({"data": [{"y": [1, 2]}]})
        assert PLOTLY_MIME in bundle and "Plotly.newPlot" in bundle["text/html"]
        assert name == pio.renderers.default == planner.notebook.OFFLINE_RENDERER
        assert planner.notebook.setup(offline=False) == planner.notebook.CONNECTED_RENDERER
    finally:
        pio.renderers.default = before


def test_every_notebook_is_exported():
    assert len(NOTEBOOKS) >= 4


@pytest.mark.parametrize("name", [n.name for n in NOTEBOOKS])
def test_exported_notebook_draws_every_chart_offline(exported, name):
    html, expected = exported[name]
    ARTIFACTS.mkdir(exist_ok=True)
    with offline_page() as (page, _errors):
        page.goto(html.as_uri())
        figures = figures_drawn(page, expected)
        page.screenshot(path=str(ARTIFACTS / f"export_{html.stem}.png"), full_page=True)
    assert len(figures) == expected
    for index, figure in enumerate(figures):
        assert figure["svgs"] >= 1, f"figure {index} of {name} drew no SVG"
        assert figure["traces"] >= 1, f"figure {index} of {name} has no trace with data"
        assert figure["marks"] >= 1, f"figure {index} of {name} drew no marks"
