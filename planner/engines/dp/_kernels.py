"""Compiled inner loops of the ``dp`` engine (numba, cached on disk outside the package).

Costs are float64 with ``inf`` for "not allowed"; the moves between states come bundled as
:class:`planner.engines.dp.space.Moves`, whose neighbour tables hold ``n`` for "no such
state".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np
from numba import njit

from planner.cache import configure_numba_cache

if TYPE_CHECKING:
    from planner.engines.dp.space import Moves

INF = np.inf
#: Whether compiled kernels are kept on disk (in the planner's cache folder).
CACHE_KERNELS = configure_numba_cache()

#: A state or tier-family index: numba compiles python and numpy integers alike.
Index = int | np.integer[Any]
_Kernel = TypeVar("_Kernel", bound=Callable[..., Any])


def _compiled(kernel: _Kernel) -> _Kernel:
    """``kernel`` compiled by numba; callers see its python signature (numba has no types)."""
    return cast(_Kernel, njit(cache=CACHE_KERNELS)(kernel))


@_compiled
def relax_rows(values: np.ndarray, moves: Moves,
               setup: float) -> np.ndarray:  # pragma: no cover - compiled
    """Cheapest arrival at every state from each row of ``values`` (one site).

    Free removals, then free one-step raises, then creations at ``setup`` each, applied in
    orders where a move's source is final before its target: the result at ``s`` is the
    least ``values[s'] + setup * created(s' -> s)`` over all states ``s'``.
    """
    out = values.copy()
    for r in range(values.shape[0]):
        _relax_in_place(out[r], moves, setup)
    return out


@_compiled
def forward_one_site(first: np.ndarray, cost: np.ndarray, in_place: np.ndarray,
                     fresh: np.ndarray, moves: Moves,
                     setup: float) -> np.ndarray:  # pragma: no cover - compiled
    """Values ``(months, tier-families, states)`` of the one-site DP [USD].

    ``first`` is the setup of reaching each state in the first month per tier-family,
    ``cost`` the month costs, ``in_place[g, f]`` whether ``g -> f`` is in place and
    ``fresh`` the setup of creating every circuit of a state.
    """
    months, families, n = cost.shape
    values = np.empty((months, families, n))
    # Tier-families whose in-place sources are the same (e.g. Standard and Premium of one
    # family) share one relaxation: ``twin[f]`` is the first such tier-family.
    twin = np.arange(families)
    for f in range(families):
        for h in range(f):
            if twin[h] == h and (in_place[:, h] == in_place[:, f]).all():
                twin[f] = h
                break
    relaxed = np.empty((families, n))
    for f in range(families):
        values[0, f] = first[f] + cost[0, f]
    for t in range(1, months):
        restart = values[t - 1].min()
        for f in range(families):
            fed = in_place[:, f].any()
            if fed and twin[f] == f:
                row = relaxed[f]
                row[:] = INF
                for g in range(families):
                    if in_place[g, f]:
                        for s in range(n):
                            if values[t - 1, g, s] < row[s]:
                                row[s] = values[t - 1, g, s]
                _relax_in_place(row, moves, setup)
            for s in range(n):
                arrival = restart + fresh[s]
                if fed and relaxed[twin[f], s] < arrival:
                    arrival = relaxed[twin[f], s]
                values[t, f, s] = arrival + cost[t, f, s]
    return values


@_compiled
def predecessor(previous: np.ndarray, cumulative: np.ndarray, state: Index,
                setup: float) -> tuple[float, int]:  # pragma: no cover - compiled
    """Least ``previous[s'] + setup * created(s' -> state)`` and its ``s'`` (one site)."""
    n, k = cumulative.shape
    best = INF
    where = -1
    for s in range(n):
        value = previous[s]
        if value == INF:
            continue
        created = 0
        for x in range(k):
            gap = cumulative[state, x] - cumulative[s, x]
            if gap > created:
                created = gap
        value += setup * created
        if value < best:
            best = value
            where = s
    return best, where


@_compiled
def backtrack_one_site(values: np.ndarray, cost: np.ndarray, in_place: np.ndarray,
                       cumulative: np.ndarray, size: np.ndarray, setup: float,
                       family: Index, state: Index
                       ) -> tuple[np.ndarray, np.ndarray, float]:  # pragma: no cover - compiled
    """Tier-family and state of every month of an optimal one-site plan.

    Returns the two index arrays and the largest mismatch found between a month's value
    and its predecessor's value plus the transition (zero up to rounding).
    """
    months, families, n = values.shape
    tfs = np.empty(months, np.int64)
    states = np.empty(months, np.int64)
    tfs[months - 1] = family
    states[months - 1] = state
    mismatch = 0.0
    for t in range(months - 1, 0, -1):
        target = values[t, family, state] - cost[t, family, state]
        best = INF
        best_family = -1
        best_state: Index = -1
        where: Index
        for g in range(families):
            if in_place[g, family]:
                value, where = predecessor(values[t - 1, g], cumulative, state, setup)
            else:
                where = np.argmin(values[t - 1, g])
                value = values[t - 1, g, where] + setup * size[state]
            if value < best - 1e-9:
                best, best_family, best_state = value, g, where
        mismatch = max(mismatch, abs(best - target) / max(1.0, abs(target)))
        family, state = best_family, best_state
        tfs[t - 1] = family
        states[t - 1] = state
    return tfs, states, mismatch


@_compiled
def undominated(first: np.ndarray,
                second: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Rows of the term tables that no other row dominates up to a shift.

    A row stands for ``first[s1] + second[s2]``, so ``(first + c, second - c)`` is the same
    row for any constant ``c``. Row ``i`` dominates row ``j`` when some ``c`` makes
    ``first[i] + c <= first[j]`` and ``second[i] - c <= second[j]`` everywhere, that is when
    ``max(second[i] - second[j]) <= min(first[j] - first[i])``; of equal rows one is kept.
    """
    rows, n = first.shape
    keep = np.ones(rows, np.bool_)
    for j in range(rows):
        for i in range(rows):
            if i == j or not keep[i]:
                continue
            low = -INF
            high = INF
            for s in range(n):
                if second[j, s] < INF:
                    if second[i, s] == INF:
                        low = INF
                        break
                    gap = second[i, s] - second[j, s]
                    if gap > low:
                        low = gap
                if first[j, s] < INF:
                    if first[i, s] == INF:
                        high = -INF
                        break
                    gap = first[j, s] - first[i, s]
                    if gap < high:
                        high = gap
                if low > high:
                    break
            if low <= high:
                keep[j] = False
                break
    return keep


@_compiled
def _relax_move(h: np.ndarray, neighbour: np.ndarray, order: np.ndarray,
                cost: float) -> None:  # pragma: no cover - compiled
    """One move for every state in ``order``: ``h[s] = min(h[s], h[neighbour[s, x]] + cost)``."""
    n = h.shape[0]
    for s in order:
        best = h[s]
        for x in range(neighbour.shape[1]):
            j = neighbour[s, x]
            if j < n and h[j] + cost < best:
                best = h[j] + cost
        h[s] = best


@_compiled
def _relax_in_place(h: np.ndarray, moves: Moves,
                    setup: float) -> None:  # pragma: no cover - compiled
    """:func:`relax_rows` of one vector, in place."""
    _relax_move(h, moves.add, moves.by_size_down, 0.0)      # remove circuits: free
    _relax_move(h, moves.lower, moves.by_rank_up, 0.0)      # raise a circuit one step: free
    _relax_move(h, moves.remove, moves.by_size_up, setup)   # create a circuit: setup


@_compiled
def _grown(array: np.ndarray, rows: int) -> np.ndarray:  # pragma: no cover - compiled
    """``array`` with room for at least ``rows`` rows (a copy when it must grow)."""
    if array.shape[0] >= rows:
        return array
    bigger = np.empty((max(rows, 2 * array.shape[0]),) + array.shape[1:], array.dtype)
    bigger[:array.shape[0]] = array
    return bigger


@_compiled
def forward_two_sites(first_primary: np.ndarray, first_secondary: np.ndarray, cost: np.ndarray,
                      second_cost: np.ndarray, in_place: np.ndarray, fresh: np.ndarray,
                      moves: Moves, setup: float, cap: int,
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                 bool]:  # pragma: no cover - compiled
    """Terms of every month of the separable two-site DP (see :mod:`planner.engines.dp.solve`).

    Rows of ``first``/``second`` are terms; ``parent`` holds each row's source row (-1 for a
    restart or the first month) and ``span[t, f]`` the rows of month ``t`` and tier-family
    ``f``. ``ok`` is False when some tier-family needs more than ``cap`` terms in a month.
    """
    families, months, n = cost.shape
    first = np.empty((4 * families * months, n))
    second = np.empty((4 * families * months, n))
    parent = np.empty(4 * families * months, np.int64)
    span = np.zeros((months, families, 2), np.int64)
    rows = 0
    relaxed_first = np.empty((1, n))
    relaxed_second = np.empty((1, n))
    done = np.zeros(1, np.bool_)
    for t in range(months):
        restart = INF
        if t > 0:
            # Each term of the month before is relaxed once, for every tier-family it feeds.
            previous = span[t - 1, families - 1, 1] - span[t - 1, 0, 0]
            relaxed_first = _grown(relaxed_first, previous)
            relaxed_second = _grown(relaxed_second, previous)
            done = np.zeros(previous, np.bool_)
            for r in range(span[t - 1, 0, 0], span[t - 1, families - 1, 1]):
                least = first[r].min() + second[r].min()
                if least < restart:
                    restart = least
        for f in range(families):
            begin = rows
            sources = 0
            if t > 0:
                for g in range(families):
                    if in_place[g, f]:
                        sources += span[t - 1, g, 1] - span[t - 1, g, 0]
            first = _grown(first, rows + sources + 1)
            second = _grown(second, rows + sources + 1)
            parent = _grown(parent, rows + sources + 1)
            if t == 0:
                first[rows] = first_primary[f] + cost[f, 0]
                second[rows] = first_secondary[f] + second_cost[f, 0]
                parent[rows] = -1
                rows += 1
            else:
                for g in range(families):
                    if not in_place[g, f]:
                        continue
                    for r in range(span[t - 1, g, 0], span[t - 1, g, 1]):
                        q = r - span[t - 1, 0, 0]
                        if not done[q]:
                            relaxed_first[q] = first[r]
                            relaxed_second[q] = second[r]
                            _relax_in_place(relaxed_first[q], moves, setup)
                            _relax_in_place(relaxed_second[q], moves, setup)
                            done[q] = True
                        first[rows] = relaxed_first[q]
                        second[rows] = relaxed_second[q]
                        first[rows] += cost[f, t]
                        second[rows] += second_cost[f, t]
                        parent[rows] = r
                        rows += 1
                first[rows] = restart + fresh + cost[f, t]
                second[rows] = fresh + second_cost[f, t]
                parent[rows] = -1
                rows += 1
            # Shift each term so its second part's least is 0; drop empty ones.
            kept = begin
            for r in range(begin, rows):
                shift = second[r].min()
                if shift == INF or first[r].min() == INF:
                    continue
                first[kept] = first[r] + shift
                second[kept] = second[r] - shift
                parent[kept] = parent[r]
                kept += 1
            keep = undominated(first[begin:kept], second[begin:kept])
            rows = begin
            for i in range(kept - begin):
                if keep[i]:
                    first[rows] = first[begin + i]
                    second[rows] = second[begin + i]
                    parent[rows] = parent[begin + i]
                    rows += 1
            span[t, f, 0] = begin
            span[t, f, 1] = rows
            if rows - begin > cap:
                return first, second, parent, span, False
    return first, second, parent, span, True
