"""The what-if notebook in a real browser: JupyterLab headless, driven by Playwright.

Debian's chromium (/usr/bin/chromium) is used as it is; no browser is downloaded. The
notebook and the data are copied to a temporary folder, so nothing in the repository is
saved over. The screenshot lands in test-artifacts/.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
NOTEBOOK = "02_plan_a_customer.ipynb"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="needs Debian's chromium at /usr/bin/chromium "
                                       "(apt-get install chromium; .ci/run installs it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_server(url: str, process: subprocess.Popen, log: Path,
                    timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with status {process.returncode}:\n"
                               + log.read_text()[-3000:])
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                json.load(response)
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"jupyter lab did not answer at {url}:\n" + log.read_text()[-3000:])


@pytest.fixture
def lab(tmp_path):
    """JupyterLab serving a copy of the notebooks and data on a free 127.0.0.1 port."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    (tmp_path / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, tmp_path / "notebooks" / NOTEBOOK)
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    log = (tmp_path / "lab.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={tmp_path}", "--LabApp.expose_app_in_browser=True",
         "--allow-root", "--LabApp.extension_manager=readonly",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(f"{base}/api/status?token={token}", process, tmp_path / "lab.log")
        yield f"{base}/lab/tree/notebooks/{NOTEBOOK}?token={token}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


PLOT_DATA = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .map(p => JSON.stringify((p.data || []).map(t => [t.name, t.y])))"""


def test_whatif_notebook_in_chromium(lab):
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            page.set_default_timeout(120_000)
            page.goto(lab)
            page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
            page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands"
                                   ".isEnabled('notebook:run-all-cells')")
            select = page.locator(".jp-Dialog button", has_text="Select")
            try:
                select.wait_for(timeout=20_000)
                select.click()
            except sync_api.TimeoutError:
                pass  # the kernel started without asking
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                                   state="attached")
            page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells');"
                          " return true; }")
            page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot')"
                                   ".length >= 3")
            page.wait_for_function("() => Array.from(document.querySelectorAll('.widget-html'))"
                                   ".some(e => e.textContent.includes('total'))")
            # The notebook's last cells set the growth to 50 % and back to 0 from Python.
            page.wait_for_function(
                "() => { const p = Array.from(document.querySelectorAll("
                "'.jp-CodeCell .jp-InputArea-prompt')); return p.length > 0 && "
                "p.every(e => /\\[\\d+\\]/.test(e.textContent)); }")
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                                   state="attached")
            page.wait_for_function(
                "() => Array.from(document.querySelectorAll('.widget-html'))"
                ".some(e => e.textContent.includes('change +0 USD'))")
            before = page.evaluate(PLOT_DATA)
            readout = page.locator(".widget-slider", has_text="Faster growth").locator(
                ".widget-readout")
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type("200")
            page.keyboard.press("Enter")
            page.wait_for_function(
                f"(before) => ({PLOT_DATA})()[0] !== before[0]",
                arg=before)
            page.wait_for_function("() => Array.from(document.querySelectorAll('.widget-html'))"
                                   ".some(e => e.textContent.includes('change +'))")
            after = page.evaluate(PLOT_DATA)
            page.screenshot(path=str(ARTIFACTS / "whatif_browser.png"), full_page=True)
        finally:
            browser.close()
    assert after[0] != before[0], "the capacity chart did not change"
