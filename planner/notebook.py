"""Notebook set-up: plotly figures that show in Jupyter and in exported or static copies.

JupyterLab draws a figure from plotly's own mime type, but ``jupyter nbconvert --to html``,
GitHub and other static viewers do not know that type and leave the figure blank. After
:func:`setup`, every figure a cell shows carries both the mime type (used by Jupyter) and an
HTML rendering with its own script (used by everything else).

>>> import planner.notebook
>>> planner.notebook.setup()          # doctest: +SKIP
"""

from __future__ import annotations

#: Renderer that embeds plotly.js once per notebook: exports work offline (adds ~4.7 MB).
OFFLINE_RENDERER = "plotly_mimetype+notebook"
#: Renderer that loads plotly.js from its CDN: small exports that need a network to draw.
CONNECTED_RENDERER = "plotly_mimetype+notebook_connected"


def renderer_name(offline: bool = True) -> str:
    """The plotly renderer :func:`setup` installs.

    Parameters
    ----------
    offline : bool
        Embed plotly.js in the notebook (True) or load it from the CDN (False).

    Returns
    -------
    str
        A name for ``plotly.io.renderers.default``.
    """
    return OFFLINE_RENDERER if offline else CONNECTED_RENDERER


def setup(offline: bool = True) -> str:
    """Make plotly figures render in Jupyter and in exported HTML.

    Call it once, in a notebook's first cell. Figures shown afterwards carry plotly's mime
    bundle (JupyterLab, VS Code) and an HTML rendering (nbconvert, static viewers); the
    first figure shown also brings plotly.js along.

    Parameters
    ----------
    offline : bool
        Embed plotly.js so exports draw without a network (default); False loads it from
        the CDN instead, which keeps saved notebooks small.

    Returns
    -------
    str
        The renderer installed as ``plotly.io.renderers.default``.
    """
    import plotly.io as pio

    name = renderer_name(offline)
    pio.renderers.default = name
    return name
