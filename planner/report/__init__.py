"""A standalone HTML report of a finished plan, for people who do not run Jupyter.

>>> from planner.report import read_plan, build_report, write_report
>>> report = build_report(read_plan("out"), customers=["contoso-eu"])   # doctest: +SKIP
>>> write_report(report, "report.html")                                  # doctest: +SKIP

The page embeds plotly.js once and works offline; figures come from :mod:`planner.plots`,
tables from :mod:`planner.insights`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from planner.report.build import Report, build_report, detailed_customers
from planner.report.plan_folder import PlanTables, read_locations, read_plan

__all__ = ["PlanTables", "Report", "build_report", "detailed_customers", "read_locations",
           "read_plan", "write_report"]


def write_report(report: Report, path: str | Path) -> Path:
    """Write the report's HTML atomically (a crash leaves any earlier file as it was).

    Parameters
    ----------
    report : Report
        A built report.
    path : str or Path
        The HTML file to (re)place.

    Returns
    -------
    Path
        The file written.
    """
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial",
                                       dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(report.html)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return path
