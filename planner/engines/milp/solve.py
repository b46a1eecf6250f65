"""Solve the MILP of one customer and read the plan back."""

from __future__ import annotations

import functools
import os
import sys
import time

import numpy as np
import pulp

from planner.domain import Site, Status
from planner.engines.milp.formulation import MilpModel, create_model
from planner.engines.result import EngineResult
from planner.problems import CustomerProblem, MonthPlan

SOLVERS = ("highs", "cbc")
#: Relative amount by which an optimum may fall below the graphs' shortest paths (rounding).
LOWER_BOUND_TOLERANCE = 1e-9


@functools.cache
def silence_highs_banner() -> None:
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


def make_solver(name: str = "highs", time_limit_s: float | None = None,
                integers: bool = True) -> pulp.LpSolver:
    """A PuLP solver asked for a proven optimum (zero relative gap).

    Parameters
    ----------
    name : str
        ``highs`` (HiGHS through highspy) or ``cbc`` (CBC bundled with PuLP).
    time_limit_s : float, optional
        Wall-time limit per model [s].
    integers : bool, default True
        Whether the model has integer variables; a linear program goes to HiGHS's interior
        point method, whose crossover ends at a vertex (an integral path).
    """
    if name == "highs":
        silence_highs_banner()
        method = {} if integers else {"solver": "ipm"}
        return pulp.HiGHS(msg=False, gapRel=0.0, gapAbs=1e-6, timeLimit=time_limit_s, threads=1,
                          **method)
    if name == "cbc":
        return pulp.PULP_CBC_CMD(msg=False, gapRel=0.0, gapAbs=1e-6, timeLimit=time_limit_s,
                                 threads=1)
    raise ValueError(f"unknown solver {name!r}; choose one of {', '.join(SOLVERS)}")


def _path(model: MilpModel, k: int) -> list[tuple[int, int]]:
    """(tier-family, state) of every month along the unit flow of graph ``k``."""
    graph, arcs = model.graphs[k], model.arcs[k]
    flow = np.array([v.value() or 0.0 for v in arcs])
    used = flow > 0.5
    if np.any((flow > 1e-6) & (flow < 1 - 1e-6)):
        raise ValueError("the solver returned a fractional path")
    next_of = dict(zip(graph.tail[used].tolist(), graph.head[used].tolist(), strict=True))
    steps, node = [], 0
    while node != 1:
        node = next_of[node]
        t, f, state = graph.node_key[node].tolist()
        if t >= 0:
            steps.append((f, state))
    return steps


def read_plans(model: MilpModel) -> list[MonthPlan]:
    """The month plans of a solved model."""
    paths = [_path(model, k) for k in range(len(model.graphs))]
    plans = []
    for t in range(model.problem.months):
        families = {path[t][0] for path in paths}
        if len(families) != 1:
            raise ValueError(f"the sites take different tier-families in month {t}")
        circuits: dict[Site, tuple[int, ...]] = {}
        for k, path in enumerate(paths):
            circuits.update(model.circuits(k, path[t][1]))
        plans.append(MonthPlan.of(model.tfs[families.pop()], circuits))
    return plans


def solve_milp(problem: CustomerProblem, time_limit_s: float | None = None,
               solver: str = "highs") -> EngineResult:
    """Plan one customer with the MILP.

    Parameters
    ----------
    problem : CustomerProblem
        The customer; it must have at least one eligible SKU.
    time_limit_s : float, optional
        Wall-time limit [s] for building and solving the model; a model built after the
        limit passed is not solved.
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
    if model.prob is None:
        return EngineResult(Status.INFEASIBLE, message="no plan meets every rule")
    spent = time.monotonic() - started
    if time_limit_s is not None and spent >= time_limit_s:
        return EngineResult(Status.TIME_LIMIT, message=(
            f"not proven optimal within the time limit of {time_limit_s:g} s"))
    left = None if time_limit_s is None else max(0.01, time_limit_s - spent)
    model.prob.solve(make_solver(solver, left, integers=bool(model.choose)))
    elapsed = time.monotonic() - started
    status, solution = model.prob.status, model.prob.sol_status
    if status == pulp.LpStatusOptimal and solution == pulp.LpSolutionOptimal:
        objective = float(pulp.value(model.prob.objective))
        if objective < model.lower_usd - LOWER_BOUND_TOLERANCE * max(1.0, abs(objective)):
            return EngineResult(Status.ERROR, message=(
                f"the solver's optimum {objective:.2f} USD is below the graphs' shortest "
                f"paths, {model.lower_usd:.2f} USD"))
        try:
            plans = read_plans(model)
        except ValueError as error:
            return EngineResult(Status.ERROR, message=str(error))
        return EngineResult(Status.OPTIMAL, plans, objective_usd=objective)
    if status == pulp.LpStatusInfeasible:
        return EngineResult(Status.INFEASIBLE, message="no plan meets every rule")
    if time_limit_s is not None and (solution == pulp.LpSolutionIntegerFeasible
                                     or elapsed >= time_limit_s):
        return EngineResult(Status.TIME_LIMIT, message=(
            f"not proven optimal within the time limit of {time_limit_s:g} s"))
    return EngineResult(Status.ERROR, message=(
        f"the solver ended with status {pulp.LpStatus[status]}"))
