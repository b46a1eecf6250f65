"""What an engine returns for one customer."""

from __future__ import annotations

from dataclasses import dataclass

from planner.domain import Status
from planner.problems import MonthPlan


@dataclass(frozen=True)
class EngineResult:
    """The outcome of one engine run on one customer.

    Parameters
    ----------
    status : Status
        ``OPTIMAL`` only when the engine proved optimality.
    plans : list of MonthPlan or None
        One per month when optimal.
    message : str
        Why the customer is not optimal; empty when it is.
    objective_usd : float or None
        The engine's own objective value [USD], to cross-check the costed plan.
    """

    status: Status
    plans: list[MonthPlan] | None = None
    message: str = ""
    objective_usd: float | None = None
