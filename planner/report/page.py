"""Assemble one self-contained HTML page: plotly.js once, a table of contents, sections."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

FIGURE_HEIGHT_PX = 420
FIGURE_CONFIG = {"displaylogo": False, "responsive": True}

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
       color: #222; background: #fff; }
nav { position: fixed; top: 0; bottom: 0; left: 0; width: 15rem; overflow-y: auto;
      padding: 1rem; background: #f5f6f8; border-right: 1px solid #ddd; font-size: 0.85rem; }
nav ul { list-style: none; padding-left: 0.8rem; margin: 0.2rem 0; }
nav > ul { padding-left: 0; }
nav a { color: #1f4e8c; text-decoration: none; }
main { margin-left: 17rem; padding: 1rem 2rem 4rem; max-width: 72rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; border-bottom: 1px solid #ddd;
     padding-bottom: 0.2rem; margin-top: 2.5rem; } h3 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0 1rem; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #e4e4e4; text-align: left; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #555; font-size: 0.9rem; }
.figure { margin: 0.5rem 0 1.5rem; }
@media (max-width: 900px) { nav { display: none; } main { margin-left: 0; } }
"""


@dataclass
class Section:
    """One heading of the report and what follows it.

    Parameters
    ----------
    anchor : str
        The id the table of contents links to.
    title : str
        The heading text.
    parts : list of str
        HTML fragments in order.
    level : int
        2 for a top-level section, 3 for one nested under the previous level-2 section.
    """

    anchor: str
    title: str
    parts: list[str] = field(default_factory=list)
    level: int = 2


class Page:
    """Collects figures and tables as HTML fragments and renders the whole page."""

    def __init__(self) -> None:
        self.figures = 0

    def figure(self, fig: go.Figure) -> str:
        """A figure's HTML: its div and the script that draws it (plotly.js not included)."""
        self.figures += 1
        fig.update_layout(height=FIGURE_HEIGHT_PX)
        html: str = pio.to_html(
            fig, include_plotlyjs=False, include_mathjax=False, full_html=False,
            config=FIGURE_CONFIG, default_width="100%", default_height=FIGURE_HEIGHT_PX,
            div_id=f"figure-{self.figures}", validate=False)
        return '<div class="figure">' + html + "</div>"

    @staticmethod
    def paragraph(text: str, note: bool = False) -> str:
        """A paragraph of escaped text."""
        return f'<p{" class=note" if note else ""}>{html.escape(text)}</p>'

    @staticmethod
    def table(frame: pd.DataFrame, money: Iterable[str] = (),
              decimals: dict[str, int] | None = None) -> str:
        """A table of escaped cells; ``money`` columns get thousands separators and cents."""
        money, decimals = set(money), decimals or {}
        head = "".join(f'<th class="{_kind(frame[c])}">{html.escape(str(c))}</th>'
                       for c in frame.columns)
        columns = []
        for name in frame.columns:
            values = frame[name]
            if name in money:
                cells = [f"{v:,.2f}" if pd.notna(v) else "" for v in values]
            elif name in decimals:
                cells = [f"{v:,.{decimals[name]}f}" if pd.notna(v) else "" for v in values]
            else:
                cells = ["" if _missing(v) else str(v) for v in values]
            kind = _kind(values)
            columns.append([f'<td class="{kind}">{html.escape(c)}</td>' for c in cells])
        rows = "".join(f"<tr>{''.join(cells)}</tr>" for cells in zip(*columns, strict=True))
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"

    def render(self, title: str, subtitle: str, sections: Sequence[Section]) -> str:
        """The whole page: plotly.js once in the head, the contents, then every section."""
        return "\n".join([
            "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(title)}</title>", f"<style>{STYLE}</style>",
            '<script type="text/javascript">window.PlotlyConfig = {MathJaxConfig: "local"};'
            "</script>",
            f'<script type="text/javascript">{get_plotlyjs()}</script>', "</head>", "<body>",
            _contents(sections), "<main>", f"<h1>{html.escape(title)}</h1>",
            self.paragraph(subtitle, note=True),
            *(_section(s) for s in sections), "</main>", "</body>", "</html>", ""])


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _kind(values: pd.Series) -> str:
    return "number" if pd.api.types.is_numeric_dtype(values) else "text"


def _section(section: Section) -> str:
    tag = f"h{section.level}"
    return (f'<section id="{html.escape(section.anchor)}"><{tag}>{html.escape(section.title)}'
            f"</{tag}>" + "".join(section.parts) + "</section>")


def _contents(sections: Sequence[Section]) -> str:
    """The table of contents: level-3 sections nested under the level-2 one before them."""
    lines = ['<nav aria-label="Contents"><strong>Contents</strong><ul>']
    item_open = nested = False
    for section in sections:
        link = (f'<a href="#{html.escape(section.anchor)}">{html.escape(section.title)}</a>')
        if section.level > 2:
            if not nested:
                lines.append("<ul>")
                nested = True
            lines.append(f"<li>{link}</li>")
            continue
        if nested:
            lines.append("</ul>")
            nested = False
        if item_open:
            lines.append("</li>")
        lines.append(f"<li>{link}")
        item_open = True
    lines += ["</ul>" if nested else "", "</li>" if item_open else "", "</ul></nav>"]
    return "".join(lines)
