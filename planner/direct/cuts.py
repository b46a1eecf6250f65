"""Capacity cuts: mixed-integer rounding of one pool's capacity row in one month.

In pool ``k`` and month ``m`` the Direct loads ``l_c`` of the riders fit in ``C x y`` Mb/s,
``C`` one pair's capacity and ``y`` the pairs held, a whole number. Cap each rider ``c`` of a
set ``S`` at ``t_c`` Mb/s: ``Z = sum of min(l_c, t_c) <= min(C x y, C x A)`` with
``C x A = sum of t_c``. Write ``A = F + r`` (``F`` whole, ``0 < r < 1``); for whole ``y`` this
gives the cut

    ``Z - r x C x y <= C x F x (1 - r)``,

the line through ``(y, Z) = (F, C x F)`` and ``(F + 1, C x A)``. It holds whatever the plans'
weights, so it is valid at every node; the LP breaks it when it holds a fraction of a pair
above ``F`` to carry load it could carry only with a whole pair. In column generation each
plan's coefficient is ``min(its load, t_c)``; the cut's dual is a price per Mb/s of a
rider's load up to ``t_c``, which the pricing DP adds to its month costs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.direct.pricing import Column

#: Least violation of a cut worth adding, as a share of one pair's capacity.
LEAST_VIOLATION = 1e-3


@dataclass(frozen=True)
class CapacityCut:
    """One capacity cut (see the module docstring).

    Parameters
    ----------
    key, month : int
        Pool index and portfolio month index.
    caps_mbps : tuple of (int, float)
        ``(customer, t_c)``: the riders of ``S`` and the load each is counted up to [Mb/s].
    pair_mbps : float
        ``r x C``: the coefficient of ``y`` [Mb/s per pair].
    limit_mbps : float
        ``C x F x (1 - r)``: the right-hand side [Mb/s].
    """

    key: int
    month: int
    caps_mbps: tuple[tuple[int, float], ...]
    pair_mbps: float
    limit_mbps: float

    def coefficient(self, column: Column) -> float:
        """The plan's coefficient in the cut [Mb/s] (0 when its customer is not in ``S``)."""
        cap = dict(self.caps_mbps).get(column.customer)
        if cap is None:
            return 0.0
        return min(cap, column.load(self.key, self.month))


def make_cut(key: int, month: int, caps_mbps: dict[int, float], capacity_mbps: float
             ) -> CapacityCut | None:
    """The cut of riders capped at ``caps_mbps``; None when their caps add up to whole pairs."""
    share = sum(caps_mbps.values()) / capacity_mbps
    whole = math.floor(share)
    rest = share - whole
    if rest < 1e-6 or rest > 1 - 1e-6:
        return None
    return CapacityCut(key, month, tuple(sorted(caps_mbps.items())), rest * capacity_mbps,
                       capacity_mbps * whole * (1 - rest))


def separate(columns: list[Column], weights: np.ndarray, pairs: np.ndarray,
             capacity_mbps: np.ndarray) -> list[CapacityCut]:
    """Cuts the LP solution breaks, at most one per pool and month.

    For each pool and month holding a fraction of a pair, each rider is capped at the
    largest load of its plans in the solution (so that the cut counts all of its load); the
    riders whose caps most exceed their loads are then left out one by one, and the most
    broken of these cuts is kept.

    Parameters
    ----------
    columns : list of planner.direct.pricing.Column
        The master's columns.
    weights : numpy.ndarray
        Their weights in the LP solution.
    pairs : numpy.ndarray
        Pairs held in the LP solution ``(keys, months)``.
    capacity_mbps : numpy.ndarray
        One pair's capacity per pool [Mb/s].
    """
    fraction = pairs - np.floor(pairs + 1e-9)
    wanted = {(int(k), int(m)) for k, m in zip(*np.nonzero(fraction > 1e-4), strict=True)}
    if not wanted:
        return []
    load: dict[tuple[int, int], dict[int, float]] = {}
    cap: dict[tuple[int, int], dict[int, float]] = {}
    for column, weight in zip(columns, weights, strict=True):
        if weight <= 1e-9:
            continue
        for k, m, mbps in column.loads:
            if (k, m) in wanted and mbps > 0:
                at = load.setdefault((k, m), {})
                at[column.customer] = at.get(column.customer, 0.0) + weight * mbps
                top = cap.setdefault((k, m), {})
                top[column.customer] = max(top.get(column.customer, 0.0), mbps)
    cuts = []
    for (k, m), caps in sorted(cap.items()):
        loads = load[(k, m)]
        c_mbps = float(capacity_mbps[k])
        # Riders whose plans in the solution carry less than their cap come off first.
        order = sorted(caps, key=lambda c: loads[c] - caps[c])
        capped, counted = sum(caps.values()), sum(loads.values())
        best, best_violation = 0, LEAST_VIOLATION * c_mbps
        for left_out, leave in enumerate([None, *order]):
            if leave is not None:
                capped -= caps[leave]
                counted -= loads[leave]
            share = capped / c_mbps
            rest = share - math.floor(share)
            if capped <= 0 or rest < 1e-6 or rest > 1 - 1e-6:
                continue
            violation = (counted - rest * c_mbps * pairs[k, m]
                         - c_mbps * math.floor(share) * (1 - rest))
            if violation > best_violation:
                best, best_violation = left_out, violation
        if best_violation > LEAST_VIOLATION * c_mbps:
            kept = {c: caps[c] for c in order[best:]}
            cut = make_cut(k, m, kept, c_mbps)
            if cut is not None:
                cuts.append(cut)
    return cuts
