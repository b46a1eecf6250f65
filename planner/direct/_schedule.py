"""Compiled inner loop of :func:`planner.direct.solve.pair_schedule` (numba).

One pool's DP over months and pair counts. Ties resolve to the lowest count and, between
"no pair held yet" and "some pair held", to the latter, exactly as the numpy version did
(tests/test_direct_schedule.py checks it against every sequence of counts on random pools).
"""

from __future__ import annotations

import numpy as np

from planner.engines.dp._kernels import _compiled

INF = np.inf


@_compiled
def schedule_one_pool(monthly_usd: float, setup_usd: float, existing: int, max_pairs: int,
            credit: np.ndarray, low: np.ndarray, high: np.ndarray, must: bool,
            out: np.ndarray) -> float:  # pragma: no cover - compiled
    """Least cost of pool counts within ``low``/``high`` per month [USD]; counts in ``out``.

    ``credit`` is what each pair is worth per month [USD]; ``must``: hold a pair in some
    month. Returns inf (``out`` untouched) when no sequence of counts is allowed.
    """
    size = max_pairs + 1
    months = credit.shape[0]
    # never[y]: no pair held so far (so y == 0); since[y]: some pair held so far.
    never = np.full(size, INF)
    since = np.full(size, INF)
    never[0] = 0.0
    for y in range(1, size):
        since[y] = max(0, y - existing) * setup_usd
    parents = np.zeros((months, 2 * size), dtype=np.int64)
    for m in range(months):
        if m:
            next_never = np.full(size, INF)
            next_since = np.empty(size)
            for b in range(size):
                best_n, arg_n = INF, 0
                best_s, arg_s = INF, 0
                for a in range(size):
                    rise = max(0, b - a) * setup_usd
                    value = never[a] + rise
                    if value < best_n:
                        best_n, arg_n = value, a
                    value = since[a] + rise
                    if value < best_s:
                        best_s, arg_s = value, a
                parents[m, b] = arg_n
                if b == 0:
                    next_never[b] = best_n
                    parents[m, size + b] = size + arg_s
                    next_since[b] = best_s
                elif best_s <= best_n:
                    parents[m, size + b] = size + arg_s
                    next_since[b] = best_s
                else:
                    parents[m, size + b] = arg_n
                    next_since[b] = best_n
            never, since = next_never, next_since
        fee = monthly_usd - credit[m]
        for y in range(size):
            if y >= low[m] and y <= high[m]:
                never[y] += fee * y
                since[y] += fee * y
            else:
                never[y] = INF
                since[y] = INF
    state, best = 0, INF
    for s in range(2 * size):
        value = since[s - size] if s >= size else (INF if must else never[s])
        if value < best:
            best, state = value, s
    if best == INF:
        return INF
    for m in range(months - 1, -1, -1):
        out[m] = state % size
        if m:
            state = parents[m, state]
    return best
