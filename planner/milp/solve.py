"""Solve the MILP of one customer and read the plan back."""

from __future__ import annotations

import functools
import os
import sys
import time

import pulp

from planner.milp.formulation import MilpModel, create_model
from planner.model import CustomerProblem, MonthPlan, Status
from planner.solution import EngineResult

SOLVERS = ("highs", "cbc")


@functools.cache
def _silence_highs_banner() -> None:
    """Create one HiGHS instance with stdout closed: HiGHS prints a banner on the first one.

    The banner comes from native code at construction, before any option can turn output
    off, so it is sent to the null device at the file-descriptor level, once per process.
    """
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(null)
        os.close(saved)


def make_solver(name: str = "highs", time_limit_s: float | None = None) -> pulp.LpSolver:
    """A PuLP solver asked for a proven optimum (zero relative gap).

    Parameters
    ----------
    name : str
        ``highs`` (HiGHS through highspy) or ``cbc`` (CBC bundled with PuLP).
    time_limit_s : float, optional
        Wall-time limit per model [s].
    """
    if name == "highs":
        _silence_highs_banner()
        return pulp.HiGHS(msg=False, gapRel=0.0, gapAbs=1e-6, timeLimit=time_limit_s, threads=1)
    if name == "cbc":
        return pulp.PULP_CBC_CMD(msg=False, gapRel=0.0, gapAbs=1e-6, timeLimit=time_limit_s,
                                 threads=1)
    raise ValueError(f"unknown solver {name!r}; choose one of {', '.join(SOLVERS)}")


def read_plans(model: MilpModel) -> list[MonthPlan]:
    """The month plans of a solved model."""
    plans = []
    for t in range(model.problem.months):
        tf = max(model.skus, key=lambda k: model.choose[t, k].value() or 0.0)
        circuits = {}
        for site in model.problem.sites:
            bandwidths: list[int] = []
            for key_tf, b, var in model.counts_at[t, site]:
                if key_tf == tf:
                    bandwidths += [b] * int(round(var.value() or 0.0))
            circuits[site] = tuple(sorted(bandwidths))
        plans.append(MonthPlan(tf[0], tf[1], circuits))
    return plans


def solve_milp(problem: CustomerProblem, time_limit_s: float | None = None,
               solver: str = "highs") -> EngineResult:
    """Plan one customer with the MILP.

    Parameters
    ----------
    problem : CustomerProblem
        The customer; it must have at least one eligible SKU.
    time_limit_s : float, optional
        Wall-time limit for the solver [s].
    solver : str
        ``highs`` or ``cbc``.

    Returns
    -------
    EngineResult
        ``OPTIMAL`` only when the solver proved optimality; ``INFEASIBLE`` when it proved
        that no plan exists; ``TIME_LIMIT`` when it stopped at ``time_limit_s`` without a
        proof; otherwise ``ERROR`` with the solver's status.
    """
    started = time.monotonic()
    model = create_model(problem)
    model.prob.solve(make_solver(solver, time_limit_s))
    elapsed = time.monotonic() - started
    status, solution = model.prob.status, model.prob.sol_status
    if status == pulp.LpStatusOptimal and solution == pulp.LpSolutionOptimal:
        return EngineResult(Status.OPTIMAL, read_plans(model),
                            objective_usd=float(pulp.value(model.prob.objective)))
    if status == pulp.LpStatusInfeasible:
        return EngineResult(Status.INFEASIBLE, message="no plan meets every rule")
    if time_limit_s is not None and (solution == pulp.LpSolutionIntegerFeasible
                                     or elapsed >= time_limit_s):
        return EngineResult(Status.TIME_LIMIT, message=(
            f"not proven optimal within the time limit of {time_limit_s:g} s"))
    return EngineResult(Status.ERROR, message=(
        f"the solver ended with status {pulp.LpStatus[status]}"))
