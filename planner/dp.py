"""An exact dynamic program over circuit configurations (the ``dp`` engine).

A month's state is its tier-family and the multiset of circuit bandwidths at each site
(:mod:`planner.dp_space`, which also drops bandwidths and tier-families that can never
help). The cheapest way from one state to the next is a free removal of circuits, free
in-place raises and a paid creation of the rest; the DP applies these three moves as
relaxations over all multisets (compiled loops in :mod:`planner.dp_kernels`) instead of
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
that grow past :data:`TERM_CAP`, use the pair DP of :mod:`planner.dp_pairs`.
"""

from __future__ import annotations

import functools
import time

import numpy as np

from planner.dp_kernels import (
    backtrack_one_site,
    forward_one_site,
    forward_two_sites,
    predecessor,
)
from planner.dp_pairs import PairCustomer
from planner.dp_space import StateSpace, build_state_space, dp_skus
from planner.model import (
    PRIMARY,
    SECONDARY,
    CustomerProblem,
    MonthPlan,
    Sku,
    Status,
    TierFamily,
)
from planner.rules import in_place, pays_egress
from planner.solution import EngineResult

INF = np.inf
#: Terms per tier-family and month above which a ``maximum`` customer uses the pair DP.
TERM_CAP = 64
#: Relative mismatch tolerated between a month's value and its predecessor's.
BACKTRACK_TOLERANCE = 1e-6


def sites_couple(problem: CustomerProblem) -> bool:
    """Whether the two sites of a ``maximum`` customer can interact beyond the tier-family."""
    per_site = min(problem.max_circuits, problem.max_circuits_per_location)
    return problem.target_utilization < 0.5 or 2 * per_site > problem.max_circuits


#: The last few customers' feasibility masks (see :func:`feasible_states`).
_FEASIBLE: dict[tuple, list[np.ndarray]] = {}
_FEASIBLE_KEPT = 8


def feasible_states(problem: CustomerProblem, two_sites: bool, space: StateSpace,
                    skus: dict[TierFamily, list[Sku]]) -> list[np.ndarray]:
    """Per tier-family, whether each state keeps every rule of one month: ``(months, n)``.

    The masks read the state space, the bandwidths and vNet links each tier-family offers,
    the peaks, vNets, target utilization and resiliency, and nothing else: no fee, egress
    rate or setup. A scenario that changes prices only (or a customer planned again) gets
    the masks of the same key from a small cache instead of computing them again.
    """
    peak_mbps = np.asarray(problem.peak_mbps, dtype=float)
    vnets = np.asarray(problem.vnets, dtype=np.int64)
    key = (two_sites, problem.resiliency, problem.target_utilization,
           tuple(int(b) for b in space.ladder), int(space.size.max(initial=0)), space.n,
           tuple((tf, tuple((s.bandwidth_mbps, s.vnet_links) for s in group))
                 for tf, group in skus.items()),
           peak_mbps.tobytes(), vnets.tobytes())
    masks = _FEASIBLE.get(key)
    if masks is not None:
        return masks
    position = {int(b): i for i, b in enumerate(space.ladder)}
    k = len(space.ladder)
    peak = peak_mbps[:, None]
    u = problem.target_utilization
    masks = []
    for group in skus.values():
        allowed = np.zeros(k, dtype=bool)
        links_cap = np.zeros(k, dtype=np.int64)
        for sku in group:
            x = position[sku.bandwidth_mbps]
            allowed[x], links_cap[x] = True, sku.vnet_links
        valid = (space.counts[:, ~allowed] == 0).all(axis=1)
        links = np.minimum(links_cap[None, :], vnets[:, None]) @ space.counts.T  # (T, n)
        if two_sites:
            ok = valid & (space.size >= 1) & (space.bandwidth >= peak - 1e-9)
            ok &= links >= vnets[:, None]
        else:
            ok = valid & (space.bandwidth * u >= peak - 1e-9)
            if problem.resiliency == "standard":
                ok &= (space.size >= 1) & (links >= vnets[:, None])
            else:
                ok &= (space.size >= 2) & (links >= 2 * vnets[:, None])
                ok &= space.bandwidth - space.largest >= peak - 1e-9
        ok.flags.writeable = False
        masks.append(ok)
    if len(_FEASIBLE) >= _FEASIBLE_KEPT:
        del _FEASIBLE[next(iter(_FEASIBLE))]
    _FEASIBLE[key] = masks
    return masks


class SiteTables:
    """State space, tier-families and per-site month costs of one customer."""

    def __init__(self, problem: CustomerProblem, two_sites: bool):
        self.problem = problem
        skus = dp_skus(problem)
        self.tfs: list[TierFamily] = list(skus)
        ladder = sorted({s.bandwidth_mbps for g in skus.values() for s in g})
        per_site = min(problem.max_circuits, problem.max_circuits_per_location)
        self.space: StateSpace = build_state_space(tuple(ladder), per_site)
        self.in_place = in_place_matrix(tuple(self.tfs))
        space, k = self.space, len(ladder)
        position = {b: i for i, b in enumerate(ladder)}
        months = problem.months
        shape = (len(self.tfs), months, space.n)
        self.cost = np.empty(shape)
        self.second = np.empty(shape) if two_sites else None
        masks = feasible_states(problem, two_sites, space, skus)
        for f, tf in enumerate(self.tfs):
            price = np.zeros(k)
            for sku in skus[tf]:
                price[position[sku.bandwidth_mbps]] = sku.monthly_usd
            fee = space.counts @ price
            egress = (np.asarray(problem.egress_gb, dtype=float) * problem.usd_per_gb
                      if pays_egress(tf) else np.zeros(months))
            if two_sites:
                site_fee = np.where(masks[f], fee, INF)
                self.cost[f] = site_fee + egress[:, None]
                self.second[f] = site_fee
            else:
                self.cost[f] = np.where(masks[f], fee + egress[:, None], INF)

    def fresh(self) -> np.ndarray:
        """Setup of creating every circuit of each state [USD]."""
        return self.problem.setup_usd * self.space.size.astype(float)

    def first_arrival(self, site: str) -> np.ndarray:
        """Setup of reaching each state at ``site`` in the first month, per tier-family [USD]."""
        p, space = self.problem, self.space
        fresh = self.fresh()
        rows = []
        inventory_tf = p.inventory_tier_family
        bandwidths = p.inventory_bandwidths(site)
        before = np.array([sum(1 for b in bandwidths if b <= x) for x in space.ladder])
        kept = p.setup_usd * np.maximum(0, (space.cumulative - before).max(axis=1))
        for tf in self.tfs:
            in_place_start = inventory_tf is not None and in_place(inventory_tf, tf)
            rows.append(kept if in_place_start else fresh)
        return np.array(rows, dtype=float)

    def circuits(self, state: int) -> tuple[int, ...]:
        """Bandwidths [Mb/s] of a state."""
        return self.space.circuits[state]


def _solve_one_site(problem: CustomerProblem, deadline: float | None) -> EngineResult:
    tables = SiteTables(problem, two_sites=False)
    s = tables.space
    cost = np.ascontiguousarray(tables.cost.transpose(1, 0, 2))
    values = forward_one_site(tables.first_arrival(PRIMARY), cost, tables.in_place,
                              tables.fresh(), s.add, s.lower, s.remove, s.by_size_down,
                              s.by_rank_up, s.by_size_up, problem.setup_usd)
    if deadline is not None and time.monotonic() > deadline:
        return _time_limit()
    last = values[-1]
    if not np.isfinite(last).any():
        return EngineResult(Status.INFEASIBLE, message="no plan meets every rule")
    family, state = np.unravel_index(int(np.argmin(last)), last.shape)
    tfs, states, mismatch = backtrack_one_site(values, cost, tables.in_place, s.cumulative,
                                               s.size, problem.setup_usd, family, state)
    assert mismatch <= BACKTRACK_TOLERANCE, mismatch
    plans = _month_plans(tables, [(f, {PRIMARY: i}) for f, i in zip(tfs, states, strict=True)])
    return EngineResult(Status.OPTIMAL, plans, objective_usd=float(last[family, state]))


def _month_plans(tables: SiteTables, picked: list[tuple[int, dict[str, int]]]
                 ) -> list[MonthPlan]:
    """The month plans of (tier-family, state per site) picks; equal months share one plan."""
    plans: list[MonthPlan] = []
    for t, (f, states) in enumerate(picked):
        if t and picked[t - 1] == (f, states):
            plans.append(plans[-1])
        else:
            plans.append(MonthPlan.of(tables.tfs[f], {site: tables.circuits(int(i))
                                                      for site, i in states.items()}))
    return plans


@functools.lru_cache(maxsize=256)
def in_place_matrix(tfs: tuple[TierFamily, ...]) -> np.ndarray:
    """``[g, f]``: whether tier-family ``g`` goes to ``f`` in place (read-only, cached)."""
    matrix = np.array([[in_place(g, f) for f in tfs] for g in tfs], dtype=bool)
    matrix.flags.writeable = False
    return matrix


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
    first, second, parent, span, ok = forward_two_sites(
        tables.first_arrival(PRIMARY), tables.first_arrival(SECONDARY), tables.cost,
        tables.second, tables.in_place, tables.fresh(), space.add, space.lower, space.remove,
        space.by_size_down, space.by_rank_up, space.by_size_up, setup, TERM_CAP)
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
                  - tables.second[f, t, s2])
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
    plans = _month_plans(tables, [(f, {PRIMARY: a, SECONDARY: b})
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
    if problem.resiliency != "maximum":
        result = _solve_one_site(problem, deadline)
    elif force_pairs or sites_couple(problem):
        result = _solve_pairs(problem, deadline)
    else:
        result = _solve_two_sites(problem, deadline) or _solve_pairs(problem, deadline)
    if result.status is Status.TIME_LIMIT:
        result = EngineResult(Status.TIME_LIMIT, message=(
            f"not proven optimal within the time limit of {time_limit_s:g} s"))
    return result
