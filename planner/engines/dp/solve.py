"""An exact dynamic program over circuit configurations (the ``dp`` engine).

A month's state is its tier-family and the multiset of circuit bandwidths at each site
(:mod:`planner.engines.dp.space`, which also drops bandwidths and tier-families that can never
help). The cheapest way from one state to the next is a free removal of circuits, free
in-place raises and a paid creation of the rest; the DP applies these three moves as
relaxations over all multisets (compiled loops in :mod:`planner.engines.dp._kernels`) instead of
comparing every pair of states, so a month costs about (states x bandwidths) operations per
tier-family. A change of tier-family that is not in place restarts from the cheapest state
of the month before with every circuit created anew.

For ``standard`` and ``n+1`` there is one site and the values of each month form one vector
per tier-family. For ``maximum`` the state is a pair of multisets. When the sites cannot
couple, that is when the target utilization is at least 0.5 (each site carrying the peak at
full utilization then meets rule 1 on its own: ``(b1 + b2) u >= 2 P u >= P``) and the total
cap is at least twice the per-site cap (the total count rule cannot bind), every rule of a
month is a rule of one site, the month's cost is a sum of one term per site plus the egress,
and the circuits created are a sum over the sites. The value of a pair is then the least,
over the sequences of tier-families since the last restart, of ``first[s1] + second[s2]``:
each such *term* is kept as two vectors, a move acts on each vector alone (the relaxation of
``a(s1) + b(s2)`` is the relaxation of ``a`` plus that of ``b``), and a restart is one more
term. A term is dropped when another term of the same tier-family is no larger in both
vectors (both go through the same monotone moves from then on, so it never becomes the
least); as ``(a + c, b - c)`` is the same term for any constant ``c``, the test allows a
shift, which makes a restart dominated by the relaxed term it restarts from. This is exact,
and with one tier-family it keeps a single term: two one-site DPs. Coupled sites, or terms
that grow past :data:`TERM_CAP`, use the pair DP of :mod:`planner.engines.dp.pairs`.
"""

from __future__ import annotations

import time

import numpy as np

from planner.domain import Resiliency, Site, Status
from planner.engines.dp._kernels import (
    backtrack_one_site,
    forward_one_site,
    forward_two_sites,
    predecessor,
)
from planner.engines.dp.pairs import PairCustomer
from planner.engines.dp.tables import SiteTables
from planner.engines.result import EngineResult
from planner.problems import CustomerProblem, MonthPlan

INF = np.inf
#: Terms per tier-family and month above which a ``maximum`` customer uses the pair DP.
TERM_CAP = 64
#: Relative mismatch tolerated between a month's value and its predecessor's.
BACKTRACK_TOLERANCE = 1e-6


def sites_couple(problem: CustomerProblem) -> bool:
    """Whether the two sites of a ``maximum`` customer can interact beyond the tier-family."""
    return problem.target_utilization < 0.5 or 2 * problem.per_site_cap > problem.max_circuits


def cheapest_path_one_site(tables: SiteTables, cost: np.ndarray
                           ) -> tuple[float, tuple[int, ...], tuple[int, ...]] | None:
    """The least cost of a one-site customer and the states of a plan reaching it.

    Parameters
    ----------
    tables : SiteTables
        The customer's one-site tables.
    cost : numpy.ndarray
        ``(months, tier-families, states)`` month costs [USD], ``inf`` where not allowed
        (``tables.cost`` transposed, or a priced variant of it).

    Returns
    -------
    tuple or None
        The least total [USD] and, per month, the tier-family and state indices of an
        optimal plan (:meth:`SiteTables.plan` turns them into month plans); None when some
        month has no allowed state.
    """
    space, setup = tables.space, tables.problem.setup_usd
    values = forward_one_site(tables.first_arrival(Site.PRIMARY), cost, tables.in_place,
                              tables.fresh(), space.moves, setup)
    last = values[-1]
    if not np.isfinite(last).any():
        return None
    family, state = np.unravel_index(int(np.argmin(last)), last.shape)
    tfs, states, mismatch = backtrack_one_site(values, cost, tables.in_place, space.cumulative,
                                               space.size, setup, int(family), int(state))
    assert mismatch <= BACKTRACK_TOLERANCE * max(1.0, float(last.min())), mismatch
    return (float(last[family, state]), tuple(int(f) for f in tfs),
            tuple(int(i) for i in states))


def cheapest_one_site(tables: SiteTables, cost: np.ndarray
                      ) -> tuple[float, list[MonthPlan] | None]:
    """The least cost of a one-site customer and its plan, for month costs ``cost``.

    As :func:`cheapest_path_one_site`, with the plan as month plans: ``(inf, None)`` when
    some month has no allowed state.
    """
    path = cheapest_path_one_site(tables, cost)
    if path is None:
        return INF, None
    value, tfs, states = path
    return value, tables.plan(tfs, states)


def _solve_one_site(problem: CustomerProblem, deadline: float | None) -> EngineResult:
    tables = SiteTables(problem, two_sites=False)
    value, plans = cheapest_one_site(tables, np.ascontiguousarray(tables.cost.transpose(1, 0, 2)))
    if deadline is not None and time.monotonic() > deadline:
        return _time_limit()
    if plans is None:
        return EngineResult(Status.INFEASIBLE, message="no plan meets every rule")
    return EngineResult(Status.OPTIMAL, plans, objective_usd=value)


def _cheapest_row(first: np.ndarray, second: np.ndarray, begin: int, end: int
                  ) -> tuple[float, int]:
    """Least value of the terms ``begin:end`` and the row holding it."""
    least = first[begin:end].min(axis=1, initial=INF) + second[begin:end].min(axis=1,
                                                                              initial=INF)
    if not len(least):
        return INF, -1
    r = int(np.argmin(least))
    return float(least[r]), begin + r


def _solve_two_sites(problem: CustomerProblem, deadline: float | None) -> EngineResult | None:
    """The separable ``maximum`` DP; None when the terms grow past :data:`TERM_CAP`."""
    tables = SiteTables(problem, two_sites=True)
    space, setup = tables.space, problem.setup_usd
    second_cost = tables.second
    assert second_cost is not None  # two_sites=True builds it
    first, second, parent, span, ok = forward_two_sites(
        tables.first_arrival(Site.PRIMARY), tables.first_arrival(Site.SECONDARY), tables.cost,
        second_cost, tables.in_place, tables.fresh(), space.moves, setup, TERM_CAP)
    if deadline is not None and time.monotonic() > deadline:
        return _time_limit()
    if not ok:
        return None
    months = problem.months
    family_of = np.empty(len(parent), dtype=np.int64)
    for t in range(months):
        for f in range(len(tables.tfs)):
            family_of[span[t, f, 0]:span[t, f, 1]] = f
    total, r = _cheapest_row(first, second, span[-1, 0, 0], span[-1, -1, 1])
    if not np.isfinite(total):
        return EngineResult(Status.INFEASIBLE, message="no plan meets every rule")
    s1, s2 = int(np.argmin(first[r])), int(np.argmin(second[r]))
    picked = [(int(family_of[r]), s1, s2)]
    for t in range(months - 1, 0, -1):
        f = picked[-1][0]
        target = (first[r, s1] + second[r, s2] - tables.cost[f, t, s1]
                  - second_cost[f, t, s2])
        if parent[r] < 0:
            value, r = _cheapest_row(first, second, span[t - 1, 0, 0], span[t - 1, -1, 1])
            value += setup * float(space.size[s1] + space.size[s2])
            s1, s2 = int(np.argmin(first[r])), int(np.argmin(second[r]))
        else:
            r = int(parent[r])
            v1, s1 = predecessor(first[r], space.cumulative, s1, setup)
            v2, s2 = predecessor(second[r], space.cumulative, s2, setup)
            value = v1 + v2
        assert abs(value - target) <= BACKTRACK_TOLERANCE * max(1.0, abs(target)), (value,
                                                                                      target)
        picked.append((int(family_of[r]), s1, s2))
    plans = tables.month_plans([(f, {Site.PRIMARY: a, Site.SECONDARY: b})
                                for f, a, b in reversed(picked)])
    return EngineResult(Status.OPTIMAL, plans, objective_usd=total)


def _solve_pairs(problem: CustomerProblem, deadline: float | None) -> EngineResult:
    customer = PairCustomer(problem)
    values = customer.forward(deadline)
    if values is None:
        return _time_limit()
    if not any(np.isfinite(v).any() for v in values[-1].values()):
        return EngineResult(Status.INFEASIBLE, message="no plan meets every rule")
    objective, plans = customer.backtrack(values)
    return EngineResult(Status.OPTIMAL, plans, objective_usd=objective)


def _time_limit() -> EngineResult:
    return EngineResult(Status.TIME_LIMIT)


def solve_dp(problem: CustomerProblem, time_limit_s: float | None = None,
             force_pairs: bool = False) -> EngineResult:
    """Plan one customer exactly with the dynamic program.

    Parameters
    ----------
    problem : CustomerProblem
        The customer; it must have at least one eligible SKU.
    time_limit_s : float, optional
        Wall-time limit [s], checked between months and after the forward pass.
    force_pairs : bool, default False
        Solve a ``maximum`` customer with the pair DP even when its sites do not couple
        (a cross-check of the separable method).

    Returns
    -------
    EngineResult
        ``OPTIMAL`` with the plan, ``INFEASIBLE`` when some month has no feasible state, or
        ``TIME_LIMIT`` when the limit passed first.
    """
    deadline = None if time_limit_s is None else time.monotonic() + time_limit_s
    if problem.resiliency != Resiliency.MAXIMUM:
        result = _solve_one_site(problem, deadline)
    elif force_pairs or sites_couple(problem):
        result = _solve_pairs(problem, deadline)
    else:
        result = _solve_two_sites(problem, deadline) or _solve_pairs(problem, deadline)
    if result.status is Status.TIME_LIMIT:
        result = EngineResult(Status.TIME_LIMIT, message=(
            f"not proven optimal within the time limit of {time_limit_s:g} s"))
    return result
