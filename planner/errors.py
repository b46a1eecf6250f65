"""The one root of every error the library raises on purpose.

Input, settings, provisioning, scenario and plan-mismatch errors all derive from
:class:`PlannerError`, so a caller (the command line among them) can catch the errors it is
meant to report with one ``except`` and let real bugs surface as tracebacks.
"""

from __future__ import annotations


class PlannerError(ValueError):
    """An error the planner raises on purpose: a problem with what it was given.

    The message is complete and meant for the user; the command line prints it and exits
    with status 2.
    """
