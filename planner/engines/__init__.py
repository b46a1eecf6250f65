"""The engines that plan one customer, by name.

Every engine takes a :class:`~planner.problems.CustomerProblem` and a time limit [s] and
returns an :class:`EngineResult`; :mod:`planner.planning` prechecks the customer before and
re-checks and costs the plan after, whichever engine made it.

* ``dp`` (:mod:`planner.engines.dp`): the exact dynamic program over circuit configurations,
  compiled; the default.
* ``milp`` (:mod:`planner.engines.milp`): the PuLP model of the same plan as a shortest path
  through the month-by-month states, solved by HiGHS; an independent check of ``dp``.
"""

from __future__ import annotations

from collections.abc import Callable

from planner.engines.dp import solve_dp
from planner.engines.milp import solve_milp
from planner.engines.result import EngineResult
from planner.problems import CustomerProblem

#: An engine: the customer and a wall-time limit [s] (None for none) in, its result out.
Engine = Callable[[CustomerProblem, float | None], EngineResult]

ENGINE_FUNCTIONS: dict[str, Engine] = {
    "dp": solve_dp,
    "milp": lambda problem, limit: solve_milp(problem, time_limit_s=limit),
}
#: The engines' names, for ``--engine`` and ``plan(engine=...)``.
ENGINES: tuple[str, ...] = tuple(ENGINE_FUNCTIONS)
DEFAULT_ENGINE = "dp"

__all__ = ["DEFAULT_ENGINE", "ENGINES", "ENGINE_FUNCTIONS", "Engine", "EngineResult"]
