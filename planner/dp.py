"""An exact dynamic program over circuit configurations (the ``dp`` engine).

A month's state is its tier-family and the multiset of circuit bandwidths at each site.
The cheapest way from one state to the next is a free removal of circuits, free in-place
raises and a paid creation of the rest; the DP applies these three moves as vectorized
relaxations over all multisets instead of comparing every pair of states, so a month costs
about (states x bandwidths) operations per tier-family. For ``maximum`` the state is a pair
of multisets and the moves run along each site's axis in turn.

Bandwidths that can never help are pruned first: a bandwidth above the smallest one that
alone covers every month's peak is dropped when that one is no dearer and links as many
vNets (any plan using the larger one stays feasible and no dearer with the smaller).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from itertools import combinations_with_replacement

import numpy as np

from planner.model import PRIMARY, SECONDARY, CustomerProblem, MonthPlan, Status, TierFamily
from planner.rules import eligible_skus, in_place, pays_egress
from planner.solution import EngineResult

INF = np.inf


@dataclass(eq=False)
class StateSpace:
    """All multisets of at most ``most`` circuits over the bandwidth ladder ``ladder``.

    Arrays have one row per state plus a last sentinel row (index ``n``) that stands for
    "no such state" in the neighbour tables.
    """

    ladder: np.ndarray          # bandwidths [Mb/s], ascending
    states: list[tuple[int, ...]]
    counts: np.ndarray          # (n, k) circuits of each ladder step
    size: np.ndarray            # (n,) circuits
    cumulative: np.ndarray      # (n, k) circuits with ladder index <= x
    largest: np.ndarray         # (n,) largest bandwidth [Mb/s], 0 for the empty state
    add: np.ndarray             # (n, k) index of the state with one more circuit of x
    remove: np.ndarray          # (n, k) index of the state with one circuit of x less
    lower: np.ndarray           # (n, k) index of the state with one x lowered to x - 1

    @property
    def n(self) -> int:
        """Number of states."""
        return len(self.states)


@functools.lru_cache(maxsize=64)
def build_state_space(ladder: tuple[int, ...], most: int) -> StateSpace:
    """Enumerate the multisets and their neighbour tables.

    Cached: customers with the same ladder and per-site cap share one (read-only) space.
    """
    k = len(ladder)
    states: list[tuple[int, ...]] = []
    for size in range(most + 1):
        states += combinations_with_replacement(range(k), size)
    index = {s: i for i, s in enumerate(states)}
    n = len(states)
    counts = np.zeros((n, k), dtype=np.int64)
    for i, s in enumerate(states):
        for x in s:
            counts[i, x] += 1
    add = np.full((n, k), n, dtype=np.int64)
    remove = np.full((n, k), n, dtype=np.int64)
    lower = np.full((n, k), n, dtype=np.int64)
    for i, s in enumerate(states):
        for x in range(k):
            grown = tuple(sorted(s + (x,)))
            if grown in index:
                add[i, x] = index[grown]
            if x in s:
                rest = list(s)
                rest.remove(x)
                remove[i, x] = index[tuple(rest)]
                if x > 0:
                    lower[i, x] = index[tuple(sorted(rest + [x - 1]))]
    bandwidths = np.asarray(ladder, dtype=np.int64)
    largest = np.array([bandwidths[s[-1]] if s else 0 for s in states], dtype=np.int64)
    return StateSpace(bandwidths, states, counts, counts.sum(axis=1),
                      np.cumsum(counts, axis=1), largest, add, remove, lower)


def _levels(values: np.ndarray) -> list[np.ndarray]:
    return [np.flatnonzero(values == v) for v in np.unique(values)]


@dataclass
class Moves:
    """Precomputed processing orders of the three moves."""

    by_size_down: list[np.ndarray]
    by_size_up: list[np.ndarray]
    by_rank_up: list[np.ndarray]

    @classmethod
    @functools.lru_cache(maxsize=64)
    def of(cls, space: StateSpace) -> Moves:
        """Orders for ``space`` (cached with it)."""
        sizes = _levels(space.size)
        rank = (space.counts * np.arange(space.ladder.size)).sum(axis=1)
        return cls(sizes[::-1], sizes, _levels(rank))


def _relax_axis(values: np.ndarray, space: StateSpace, moves: Moves, setup: float,
                axis: int) -> np.ndarray:
    """Cheapest value of reaching each state from ``values`` along one site's axis.

    ``values`` has the sentinel row appended on ``axis``; the result too.
    """
    h = np.moveaxis(values.copy(), axis, 0)
    for level in moves.by_size_down:           # remove circuits: free
        for x in range(space.ladder.size):
            h[level] = np.minimum(h[level], h[space.add[level, x]])
    for level in moves.by_rank_up:             # raise a circuit one step: free
        for x in range(space.ladder.size):
            h[level] = np.minimum(h[level], h[space.lower[level, x]])
    for level in moves.by_size_up:             # create a circuit: setup
        for x in range(space.ladder.size):
            h[level] = np.minimum(h[level], h[space.remove[level, x]] + setup)
    h[-1] = INF
    return np.moveaxis(h, 0, axis)


def _created_from(space: StateSpace, before: np.ndarray) -> np.ndarray:
    """Circuits created going from ``before`` (circuits <= each ladder step) to each state."""
    return np.maximum(0, (space.cumulative - before).max(axis=1))


def _inventory_cumulative(space: StateSpace, bandwidths: tuple[int, ...]) -> np.ndarray:
    return np.array([sum(1 for b in bandwidths if b <= x) for x in space.ladder])


def prune_ladder(problem: CustomerProblem, skus: dict[TierFamily, tuple]) -> dict[TierFamily,
                                                                                list]:
    """Eligible SKUs per tier-family without the bandwidths that can never help."""
    need = float(np.max(problem.peak_mbps)) / problem.target_utilization
    most_vnets = int(np.max(problem.vnets))
    kept = {}
    for tf, group in skus.items():
        cover = next((s for s in group if s.bandwidth_mbps >= need), None)
        keep = []
        for sku in group:
            dominated = (cover is not None and sku.bandwidth_mbps > cover.bandwidth_mbps
                         and cover.monthly_usd <= sku.monthly_usd
                         and cover.vnet_links >= min(sku.vnet_links, most_vnets))
            if not dominated:
                keep.append(sku)
        kept[tf] = keep
    return kept


class _Customer:
    """The DP of one customer: state space, per-month costs, forward pass, backtrack."""

    def __init__(self, problem: CustomerProblem):
        self.problem = problem
        self.skus = prune_ladder(problem, eligible_skus(problem))
        ladder = sorted({s.bandwidth_mbps for g in self.skus.values() for s in g})
        self.two_sites = problem.resiliency == "maximum"
        per_site = min(problem.max_circuits, problem.max_circuits_per_location)
        self.space = build_state_space(tuple(ladder), per_site)
        self.moves = Moves.of(self.space)
        self.tfs = list(self.skus)
        k = len(ladder)
        position = {b: i for i, b in enumerate(ladder)}
        self.allowed = {}
        self.price = {}
        self.links_cap = {}
        for tf, group in self.skus.items():
            allowed = np.zeros(k, dtype=bool)
            price = np.zeros(k)
            links_cap = np.zeros(k, dtype=np.int64)
            for sku in group:
                x = position[sku.bandwidth_mbps]
                allowed[x], price[x], links_cap[x] = True, sku.monthly_usd, sku.vnet_links
            self.allowed[tf] = allowed
            self.price[tf] = price
            self.links_cap[tf] = links_cap

    def _pad(self, array: np.ndarray) -> np.ndarray:
        """Append the sentinel row (and column for two sites) holding infinity."""
        widths = [(0, 1)] * array.ndim
        return np.pad(array, widths, constant_values=INF)

    def month_cost(self, t: int, tf: TierFamily) -> np.ndarray:
        """Cost of every state in month ``t`` [USD]; infinity where a rule is broken."""
        p, space = self.problem, self.space
        peak, vnets = float(p.peak_mbps[t]), int(p.vnets[t])
        valid = (space.counts[:, ~self.allowed[tf]] == 0).all(axis=1)
        fee = space.counts @ self.price[tf]
        bandwidth = space.counts @ space.ladder
        site_links = space.counts @ np.minimum(self.links_cap[tf], vnets)
        egress = float(p.egress_gb[t] * p.usd_per_gb) if pays_egress(tf) else 0.0
        u = p.target_utilization
        if not self.two_sites:
            ok = valid & (space.size <= min(p.max_circuits, p.max_circuits_per_location))
            ok &= bandwidth * u >= peak - 1e-9
            if p.resiliency == "standard":
                ok &= (space.size >= 1) & (site_links >= vnets)
            else:
                ok &= (space.size >= 2) & (site_links >= 2 * vnets)
                ok &= bandwidth - space.largest >= peak - 1e-9
            return np.where(ok, fee + egress, INF)
        site_ok = valid & (space.size >= 1) & (bandwidth >= peak - 1e-9) & (site_links >= vnets)
        site_ok &= space.size <= p.max_circuits_per_location
        site_fee = np.where(site_ok, fee, INF)
        cost = site_fee[:, None] + site_fee[None, :] + egress
        pair_ok = (space.size[:, None] + space.size[None, :]) <= p.max_circuits
        pair_ok &= (bandwidth[:, None] + bandwidth[None, :]) * u >= peak - 1e-9
        return np.where(pair_ok, cost, INF)

    def relax(self, values: np.ndarray) -> np.ndarray:
        """Cheapest arrival at every state from ``values`` by in-place moves and creations."""
        setup = self.problem.setup_usd
        padded = self._pad(values)
        out = _relax_axis(padded, self.space, self.moves, setup, 0)
        if self.two_sites:
            out = _relax_axis(out, self.space, self.moves, setup, 1)
        return out[(slice(0, -1),) * values.ndim]

    def fresh(self) -> np.ndarray:
        """Setup of creating every circuit of each state [USD]."""
        size = self.space.size
        if self.two_sites:
            size = size[:, None] + size[None, :]
        return self.problem.setup_usd * size

    def created_from(self, before: dict[str, np.ndarray]) -> np.ndarray:
        """Circuits created from per-site cumulative counts ``before`` to each state."""
        primary = _created_from(self.space, before[PRIMARY])
        if not self.two_sites:
            return primary
        secondary = _created_from(self.space, before[SECONDARY])
        return primary[:, None] + secondary[None, :]

    def first_arrival(self, tf: TierFamily) -> np.ndarray:
        """Setup cost of reaching each state of ``tf`` in the first month [USD]."""
        p = self.problem
        if p.inventory_tier_family is None or not in_place(p.inventory_tier_family, tf):
            return self.fresh()
        before = {site: _inventory_cumulative(self.space, p.inventory_bandwidths(site))
                  for site in (PRIMARY, SECONDARY)}
        return p.setup_usd * self.created_from(before)

    def forward(self, deadline: float | None = None) -> list[dict[TierFamily, np.ndarray]] | None:
        """Values of every state in every month (cheapest plan ending there) [USD].

        Returns None when ``deadline`` (a :func:`time.monotonic` time) passes first.
        """
        values: list[dict[TierFamily, np.ndarray]] = []
        for t in range(self.problem.months):
            if deadline is not None and time.monotonic() > deadline:
                return None
            current = {}
            if t == 0:
                for tf in self.tfs:
                    current[tf] = self.first_arrival(tf) + self.month_cost(0, tf)
            else:
                previous = values[-1]
                restart = min(float(v.min()) for v in previous.values()) + self.fresh()
                for tf in self.tfs:
                    sources = [previous[old] for old in self.tfs if in_place(old, tf)]
                    arrival = restart
                    if sources:
                        arrival = np.minimum(arrival, self.relax(np.minimum.reduce(sources)))
                    current[tf] = arrival + self.month_cost(t, tf)
            values.append(current)
        return values

    def state_plan(self, tf: TierFamily, index: tuple[int, ...]) -> MonthPlan:
        """The MonthPlan of a state index."""
        ladder = self.space.ladder
        circuits = {PRIMARY: tuple(int(ladder[x]) for x in self.space.states[index[0]])}
        if self.two_sites:
            circuits[SECONDARY] = tuple(int(ladder[x]) for x in self.space.states[index[1]])
        return MonthPlan(tf[0], tf[1], circuits)

    def backtrack(self, values: list[dict[TierFamily, np.ndarray]]
                  ) -> tuple[float, list[MonthPlan]]:
        """The optimal plan and its cost from the forward values."""
        last = values[-1]
        tf = min(self.tfs, key=lambda k: float(last[k].min()))
        best = float(last[tf].min())
        index = np.unravel_index(int(np.argmin(last[tf])), last[tf].shape)
        plans = [self.state_plan(tf, index)]
        for t in range(self.problem.months - 1, 0, -1):
            target = values[t][tf][index] - self.month_cost(t, tf)[index]
            before = {PRIMARY: self.space.cumulative[index[0]]}
            if self.two_sites:
                before[SECONDARY] = self.space.cumulative[index[1]]
            size = sum(len(self.space.states[i]) for i in index)
            tf, index = self._predecessor(values[t - 1], tf, before, size, target)
            plans.append(self.state_plan(tf, index))
        return best, plans[::-1]

    def _predecessor(self, previous: dict[TierFamily, np.ndarray], tf: TierFamily,
                     after: dict[str, np.ndarray], size: int,
                     target: float) -> tuple[TierFamily, tuple[int, ...]]:
        """The previous state from which the transition into the current one costs ``target``."""
        setup = self.problem.setup_usd
        best: tuple[float, TierFamily, tuple[int, ...]] | None = None
        for old in self.tfs:
            if in_place(old, tf):
                # created(prev -> cur) = max(0, max_x cur(<=x) - prev(<=x)), per site.
                created = np.maximum(0, (after[PRIMARY] - self.space.cumulative).max(axis=1))
                if self.two_sites:
                    other = np.maximum(
                        0, (after[SECONDARY] - self.space.cumulative).max(axis=1))
                    created = created[:, None] + other[None, :]
                total = previous[old] + setup * created
            else:
                total = previous[old] + setup * size
            i = int(np.argmin(total))
            value = float(total.flat[i])
            if best is None or value < best[0] - 1e-9:
                best = (value, old, np.unravel_index(i, total.shape))
        assert best is not None and abs(best[0] - target) <= 1e-6 * max(1.0, abs(target))
        return best[1], tuple(int(i) for i in best[2])


def solve_dp(problem: CustomerProblem, time_limit_s: float | None = None) -> EngineResult:
    """Plan one customer exactly with the dynamic program.

    Parameters
    ----------
    problem : CustomerProblem
        The customer; it must have at least one eligible SKU.
    time_limit_s : float, optional
        Wall-time limit [s], checked between months.

    Returns
    -------
    EngineResult
        ``OPTIMAL`` with the plan, ``INFEASIBLE`` when some month has no feasible state, or
        ``TIME_LIMIT`` when the limit passed before the last month.
    """
    started = time.monotonic()
    customer = _Customer(problem)
    deadline = None if time_limit_s is None else started + time_limit_s
    values = customer.forward(deadline)
    if values is None:
        return EngineResult(Status.TIME_LIMIT, message=(
            f"not proven optimal within the time limit of {time_limit_s:g} s"))
    if not any(np.isfinite(v).any() for v in values[-1].values()):
        return EngineResult(Status.INFEASIBLE, message="no plan meets every rule")
    objective, plans = customer.backtrack(values)
    return EngineResult(Status.OPTIMAL, plans, objective_usd=objective)
