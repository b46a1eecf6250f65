"""Helpers for tests that open a page in Debian's chromium through Playwright.

No browser is downloaded: the tests use /usr/bin/chromium as it is, and skip without it.
Pages are opened offline: every request that is not a local file is aborted, so a page
that draws here draws without a network too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(),
                                    reason="needs Debian's chromium at /usr/bin/chromium "
                                           "(apt-get install chromium; .ci/run installs it)")

#: Per plotly figure on the page: SVG layers, traces with data, and drawn marks.
FIGURES = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => ({
    svgs: gd.querySelectorAll('svg.main-svg').length,
    traces: (gd._fullData || []).filter(t => (t.y || t.x || []).length > 0).length,
    marks: Array.from(gd.querySelectorAll('.cartesianlayer g.trace path'))
        .filter(p => (p.getAttribute('d') || '').length > 2).length,
}))"""

#: True once every plotly figure on the page has drawn its SVG and some marks.
ALL_DRAWN = """(expected) => {
    const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
    return plots.length >= expected && plots.every(gd => gd._fullLayout
        && gd.querySelector('svg.main-svg')
        && Array.from(gd.querySelectorAll('.cartesianlayer g.trace path'))
            .some(p => (p.getAttribute('d') || '').length > 2));
}"""


@contextmanager
def offline_page(width: int = 1280, height: int = 900) -> Iterator[tuple[object, list[str]]]:
    """A chromium page that may load only local files, and the console errors it logs."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(120_000)
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith("file:") else route.abort())
            yield page, errors
        finally:
            browser.close()


def figures_drawn(page: object, expected: int, wait_ms: float = 60_000
                  ) -> list[dict[str, int]]:
    """Wait (at most ``wait_ms``) until ``expected`` figures drew; describe every figure.

    The description is returned even when the wait runs out, so that the test's assertions
    say which figure did not draw.
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    try:
        page.wait_for_function(ALL_DRAWN, arg=expected, timeout=wait_ms)
    except sync_api.TimeoutError:
        pass
    return page.evaluate(FIGURES)
