"""Branch-and-price over the CSP's Direct pairs: an exact portfolio optimum, or a bound.

1. Every customer is first planned alone with provider SKUs (its independent plan); the
   customers that cannot use Direct keep that plan. Customers share pairs only at their own
   peering location, so each location is searched on its own (in worker processes, with
   ``workers``) and the totals and bounds add.
2. Column generation at each node: the master LP (:mod:`planner.direct.master`) prices
   Direct bandwidth per pool and month; each coupled customer's DP
   (:mod:`planner.direct.pricing`) returns its cheapest plan at those prices; plans whose
   reduced cost is negative join the master, until none is; then the linking rows and
   capacity cuts (:mod:`planner.direct.cuts`) the LP breaks join it.
3. Bounds: at every pricing round the Lagrangian value (each customer's least priced plan,
   plus the least cost of whole pair counts at those prices, per pool by a small DP over
   months) is a lower bound on the node whatever the LP's accuracy.
4. Upper bounds: the integer restricted master (HiGHS MILP over the columns found, started
   from the incumbent), the local search of :mod:`planner.direct.local` (exact best moves
   within the pairs held), large neighbourhoods after the root (an integer master over a
   few customers, the others fixed), and any node whose LP solution is whole; every
   candidate is re-costed from its plans, with the cheapest whole pair counts for its
   loads.
5. Branching, best bound first: a pool used fractionally is closed (no pair in any month;
   its SKUs leave the pricing DPs) or opened (a pair in some month); then a fractional pair
   count (``y <= floor`` / ``y >= ceil``); then one customer's Direct load in one pool and
   month (``<= v`` / ``> v``). Every rule leaves the pricing DP a DP, and there are finitely
   many loads, so the search ends.

The result is ``optimal`` only when the best open bound is within 0.01 USD of the incumbent;
a time or node limit yields ``feasible`` with the bound and the gap.
"""

from __future__ import annotations

import heapq
import itertools
import math
import multiprocessing
import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import cast

import numpy as np

from planner.direct._schedule import schedule_one_pool
from planner.direct.cuts import CapacityCut, separate
from planner.direct.local import LocalSearch, Selection, pair_moves
from planner.direct.master import Master, MasterSolution
from planner.direct.pricing import (
    Candidate,
    CappedPrice,
    Column,
    LoadBound,
    Pricer,
    capped_usd,
)
from planner.direct.problem import PortfolioProblem
from planner.domain import Status
from planner.engines.result import EngineResult
from planner.planning import CustomerResult, plan_customer
from planner.rules import eligible_skus

#: Gap under which the portfolio is proven optimal [USD] (docs/direct.md).
OPTIMALITY_GAP_USD = 0.01
INTEGRALITY = 1e-6
#: Reduced cost under which a plan joins the master [USD].
ENTERING = -1e-6
#: Weight of the best-bound duals in the smoothed duals that pricing uses.
SMOOTHING = 0.5
#: Rounds of capacity cuts at most per node.
CUT_ROUNDS = 20
#: Share of the search's time after the root spent improving the incumbent.
IMPROVING = 0.5
#: Customers re-planned together by a large-neighbourhood step.
NEIGHBOURHOOD = 8
#: Every this many improving steps, one is an iterated-local-search kick.
KICK_EVERY = 4


@dataclass
class LocationStats:
    """The search at one peering location.

    Parameters
    ----------
    location : str
    customers : int
        Customers that may ride its pairs.
    total_usd, lower_bound_usd : float
        Best plan and proven bound of the location's coupled customers and pairs [USD].
    wall_s, cpu_s : float
        Wall and CPU (this process) time of its search [s].
    nodes : int
        Branch-and-bound nodes.
    """

    location: str
    customers: int
    total_usd: float
    lower_bound_usd: float
    wall_s: float
    cpu_s: float
    nodes: int


@dataclass
class PhaseStats:
    """Work done per phase: iterations, columns and time.

    ``wall_s`` and ``cpu_s`` map each phase (``independent``, ``pricing``, ``master``,
    ``integer``) to its wall and CPU (this process) time [s]; with several worker
    processes, their times add up.
    """

    wall_s: dict[str, float] = field(default_factory=dict)
    cpu_s: dict[str, float] = field(default_factory=dict)
    iterations: int = 0
    columns: int = 0
    nodes: int = 0
    pricing_calls: int = 0
    dives: int = 0
    link_rows: int = 0
    cuts: int = 0
    locations: list[LocationStats] = field(default_factory=list)

    def add(self, other: PhaseStats) -> None:
        """Add another search's work (a worker's) to this one."""
        for phase, seconds in other.wall_s.items():
            self.wall_s[phase] = self.wall_s.get(phase, 0.0) + seconds
        for phase, seconds in other.cpu_s.items():
            self.cpu_s[phase] = self.cpu_s.get(phase, 0.0) + seconds
        for name in ("iterations", "columns", "nodes", "pricing_calls", "dives", "link_rows",
                     "cuts"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.locations.extend(other.locations)

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        """Add the wall and CPU time of the block to ``phase``."""
        wall, cpu = time.monotonic(), time.process_time()
        try:
            yield
        finally:
            self.wall_s[phase] = self.wall_s.get(phase, 0.0) + time.monotonic() - wall
            self.cpu_s[phase] = self.cpu_s.get(phase, 0.0) + time.process_time() - cpu


@dataclass
class PortfolioResult:
    """The portfolio's plan.

    Parameters
    ----------
    status : str
        ``optimal`` (proven within 0.01 USD) or ``feasible`` (a limit stopped the search).
    total_usd : float
        Customers' totals + pair fees + pair setups of the plan [USD] (customers without a
        plan excluded).
    lower_bound_usd : float
        Proven lower bound on that total [USD].
    results : list of EngineResult
        Each customer's plan, in customers.csv order.
    independent : list of CustomerResult
        Each customer's independent plan (provider SKUs only), checked and costed.
    pairs : numpy.ndarray
        Pairs held per pool and portfolio month, ``(keys, months)`` [pairs].
    loads_mbps : numpy.ndarray
        Direct bandwidth per pool and month [Mb/s].
    independent_usd : float
        Total of the independent plans of the customers planned both ways [USD].
    direct_only : list of str
        Customers only Direct makes feasible.
    stats : PhaseStats
    """

    status: str
    total_usd: float
    lower_bound_usd: float
    results: list[EngineResult]
    independent: list[CustomerResult]
    pairs: np.ndarray
    loads_mbps: np.ndarray
    independent_usd: float
    direct_only: list[str] = field(default_factory=list)
    stats: PhaseStats = field(default_factory=PhaseStats)

    @property
    def gap_usd(self) -> float:
        """Incumbent minus bound [USD]."""
        return max(0.0, self.total_usd - self.lower_bound_usd)


def pair_schedule(portfolio: PortfolioProblem, credit_usd: np.ndarray, low: np.ndarray,
                  high: np.ndarray, opened: np.ndarray | None = None
                  ) -> tuple[float, np.ndarray]:
    """Least cost of whole pair counts within bounds, each pair credited ``credit_usd``.

    Per pool, a DP over months and pair counts of ``(monthly_usd - credit) x y``
    plus ``setup_usd`` per pair added (above ``existing_pairs`` in month 0). A pool marked in
    ``opened`` must hold a pair in some month: the state is then (held a pair yet, count).

    Returns
    -------
    cost : float
        The least value [USD]; inf when the bounds admit no count.
    pairs : numpy.ndarray
        The counts ``(keys, months)``.
    """
    keys, months = low.shape
    pairs = np.zeros((keys, months), dtype=np.int64)
    total = 0.0
    credit = np.asarray(credit_usd, dtype=float)
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    for k, offer in enumerate(portfolio.offers):
        must = opened is not None and bool(opened[k])
        cost = schedule_one_pool(float(offer.monthly_usd), float(offer.setup_usd),
                                 int(offer.existing_pairs), int(offer.max_pairs),
                                 np.ascontiguousarray(credit[k]), np.ascontiguousarray(low[k]),
                                 np.ascontiguousarray(high[k]), must, pairs[k])
        if not np.isfinite(cost):
            return np.inf, pairs
        total += float(cost)
    return total, pairs


def _priced_load(column: Column | Candidate, usd_per_mbps: np.ndarray,
                 usd_per_use: np.ndarray | None, capped: list[CappedPrice] | None) -> float:
    """What a plan's Direct loads cost at the given prices [USD]."""
    total = 0.0
    for key, month, mbps in column.loads:
        total += usd_per_mbps[key, month] * mbps
        if usd_per_use is not None:
            total += usd_per_use[key, month]
    return total + capped_usd(column.loads, capped)


def _capped_prices(cuts: list[CapacityCut], usd_per_cut: np.ndarray
                   ) -> dict[int, list[CappedPrice]]:
    """Per customer, the capped prices of the cuts with a positive price."""
    capped: dict[int, list[CappedPrice]] = {}
    for cut, price in zip(cuts, usd_per_cut, strict=False):
        if price > 0:
            for c, cap in cut.caps_mbps:
                capped.setdefault(c, []).append(
                    CappedPrice(cut.key, cut.month, cap, float(price)))
    return capped


@dataclass(order=True)
class _Node:
    bound_usd: float
    order: int
    low: np.ndarray = field(compare=False)
    high: np.ndarray = field(compare=False)
    loads: dict[int, list[LoadBound]] = field(compare=False)
    opened: np.ndarray = field(compare=False)


class _Search:
    """State of one branch-and-price run."""

    def __init__(self, portfolio: PortfolioProblem, pricers: dict[int, Pricer],
                 pool: dict[int, list[Column]], constant_usd: float, big_m: dict[int, float],
                 deadline: float, stats: PhaseStats, link_rows: bool = False,
                 clock: Callable[[], float] = time.monotonic, capacity_cuts: bool = False):
        self.portfolio = portfolio
        self.clock = clock
        self.pricers = pricers
        self.customers = sorted(pricers)
        self.pool = pool
        self.seen = {c.signature for cs in pool.values() for c in cs}
        self.constant = constant_usd
        self.big_m = big_m
        self.deadline = deadline
        self.stats = stats
        self.best_usd = math.inf
        self.best: tuple[dict[int, Column | None], np.ndarray] | None = None
        keys, months = len(portfolio.offers), portfolio.months
        self.capacity = portfolio.capacity_mbps()
        self.shape = (keys, months)
        self.link_rows = link_rows
        self.capacity_cuts = capacity_cuts
        #: Linking rows found violated so far, kept for every later node.
        self.links: set[tuple[int, int, int]] = set()
        #: Capacity cuts found so far (valid at every node), kept for every later node.
        self.cuts: list[CapacityCut] = []
        #: Stop column generation at a node once LP value - bound is within this [USD].
        self.settle_usd = 0.0
        self.pool_cache: dict[tuple[int, bytes], float] = {}
        self.seen_paths: set[tuple[int, tuple[tuple[int, ...], tuple[int, ...]] | None]] = set()
        #: Chooses the iterated local search's moves (seeded: runs repeat).
        self.rng = random.Random(0)
        #: Each customer's least plan cost with pairs for free [USD], as the local search
        #: finds it.
        self.unbounded_usd: dict[int, float] = {}

    # ---- upper bounds -------------------------------------------------------------------
    def pool_usd(self, k: int, need: np.ndarray) -> float:
        """Least fees and setups of pool ``k`` holding at least ``need`` pairs [USD]."""
        tag = (k, need.tobytes())
        found = self.pool_cache.get(tag)
        if found is None:
            offer = self.portfolio.offers[k]
            if (need > offer.max_pairs).any():
                found = math.inf
            else:
                one = replace(self.portfolio, offers=(offer,))
                found, _ = pair_schedule(one, np.zeros((1, len(need))), need[None, :],
                                         np.full((1, len(need)), float(offer.max_pairs)))
            self.pool_cache[tag] = found
        return found

    def consider(self, chosen: dict[int, Column | None]) -> bool:
        """Re-cost a whole selection (None: the artificial plan); keep it if better."""
        loads = Selection.of(chosen, self.shape).loads_mbps
        need = np.ceil(loads / self.capacity[:, None] - 1e-9)
        high = np.array([[o.max_pairs] * self.shape[1] for o in self.portfolio.offers])
        if (need > high).any():
            return False
        pair_usd, pairs = pair_schedule(self.portfolio, np.zeros(self.shape), need, high)
        total = self.constant + pair_usd + sum(
            self.big_m[c] if col is None else col.cost_usd for c, col in chosen.items())
        if total < self.best_usd - 1e-9:
            self.best_usd, self.best = total, (dict(chosen), pairs)
            return True
        return False

    def polish(self, start: dict[int, Column | None] | None, time_limit_s: float) -> None:
        """Improve a selection (default: the incumbent) one customer's plan at a time.

        A move is taken when the customer's plan cost plus the least pair fees and setups
        of the pools it touches fall (any plan found may be taken); the result is re-costed
        by ``consider``.
        """
        if start is None and self.best is None:
            return
        stop = self.clock() + time_limit_s
        if start is None:
            assert self.best is not None  # checked above
            start = self.best[0]
        chosen = dict(start)
        loads = Selection.of(chosen, self.shape).loads_mbps
        moved = True
        while moved and self.clock() < stop:
            moved = False
            for c in self.customers:
                current = chosen[c]
                own = self.big_m[c] if current is None else current.cost_usd
                best_delta, best_column = -1e-6, None
                for column in self.pool[c]:
                    if column is current:
                        continue
                    change = loads.copy()
                    for key, month, mbps in () if current is None else current.loads:
                        change[key, month] -= mbps
                    for key, month, mbps in column.loads:
                        change[key, month] += mbps
                    touched = {k for k, _, _ in column.loads} | (
                        set() if current is None else {k for k, _, _ in current.loads})
                    delta = column.cost_usd - own
                    for k in touched:
                        delta += (self.pool_usd(k, np.ceil(change[k] / self.capacity[k] - 1e-9))
                                  - self.pool_usd(k, np.ceil(loads[k] / self.capacity[k] - 1e-9)))
                    if delta < best_delta:
                        best_delta, best_column = delta, column
                if best_column is not None:
                    for key, month, mbps in () if current is None else current.loads:
                        loads[key, month] -= mbps
                    for key, month, mbps in best_column.loads:
                        loads[key, month] += mbps
                    chosen[c] = best_column
                    moved = True
                if self.clock() >= stop:
                    break
        self.consider(chosen)

    def respond(self, c: int, room_mbps: np.ndarray, below_usd: float = math.inf
                ) -> Column | None:
        """Customer ``c``'s cheapest plan whose Direct load fits ``room_mbps`` (keys, months).

        None when it has none, or none below ``below_usd`` [USD]. The plan found joins the
        customer's columns when it is new.
        """
        _, found = self.pricers[c].cheapest(np.zeros(self.shape), [], room_mbps=room_mbps)
        self.stats.pricing_calls += 1
        if found is None or found.cost_usd >= below_usd:
            return None
        column = replace(self.pricers[c].build(found), path=found.path)
        if column.signature not in self.seen:
            self.keep([column])
        return column

    def keep(self, columns: list[Column]) -> None:
        """Add new plans to their customers' columns."""
        for column in columns:
            self.seen.add(column.signature)
            self.seen_paths.add((column.customer, column.path))
            self.pool[column.customer].append(column)
        self.stats.columns += len(columns)

    def local_search(self, time_limit_s: float) -> LocalSearch:
        """A local search (:mod:`planner.direct.local`) that stops after ``time_limit_s``."""
        return LocalSearch(self.respond, self.big_m, self.capacity,
                           self.clock() + time_limit_s, self.clock, self.unbounded_usd)

    def fill(self, time_limit_s: float) -> None:
        """Improve the incumbent by the local search of :mod:`planner.direct.local`.

        Best moves within the pairs it holds, then at each pair count one step away; when
        neither improves, best moves and ejections within the pairs it holds. Every result
        is re-costed by ``consider``, and the search goes on from the best while it improves
        and the time lasts.
        """
        search = self.local_search(time_limit_s)
        most = np.array([o.max_pairs for o in self.portfolio.offers], dtype=float)
        improved = self.best is not None
        while improved and not search.out_of_time():
            assert self.best is not None  # checked above
            pairs = self.best[1].astype(float)
            selection = Selection.of(self.best[0], self.shape)
            search.settle(selection, pairs)
            improved = self.consider(selection.chosen)
            for fewer_or_more in pair_moves(pairs, most):
                if search.out_of_time():
                    break
                trial = Selection.of(self.best[0], self.shape)
                if search.fit(trial, fewer_or_more):
                    search.settle(trial, fewer_or_more)
                    improved = self.consider(trial.chosen) or improved
            if not improved and not search.out_of_time():
                selection = Selection.of(self.best[0], self.shape)
                search.within(selection, self.best[1].astype(float))
                improved = self.consider(selection.chosen)

    def neighbourhood(self, size: int, time_limit_s: float) -> None:
        """Re-plan a few customers at once, the others' plans and the pairs held fixed.

        A customer on Direct, chosen at random, and up to ``size - 1`` others of its pools
        (or off Direct) take the best mix of their plans found so far, and a fresh one each
        in the room left, by an integer master over them alone (a large neighbourhood).
        """
        if self.best is None:
            return
        chosen, held = self.best
        pairs = held.astype(float)
        selection = Selection.of(chosen, self.shape)
        on_direct = set(selection.riders())
        riders = [c for c in self.customers if c in on_direct]
        if not riders:
            return
        first = self.rng.choice(riders)
        pools = {k for k, _, _ in cast(Column, chosen[first]).loads}
        near = [c for c in self.customers if c != first and (
            c not in on_direct or any(k in pools for k, _, _ in cast(Column, chosen[c]).loads))]
        group = sorted([first, *self.rng.sample(near, min(len(near), size - 1))])
        for c in group:
            selection.take(c, None)
        others = selection.loads_mbps  # the loads of the customers outside the group
        room = np.maximum(0.0, pairs * self.capacity[:, None] - others)
        for c in group:
            self.respond(c, room)
        master = Master(self.portfolio, group, np.array([self.big_m[c] for c in group]),
                        pairs, pairs, integer=True, time_limit_s=max(0.1, time_limit_s))
        master.reserve(others)
        with self.stats.timed("integer"):
            master.add([col for c in group for col in self.pool[c]
                        if all(mbps <= room[k, m] + 1e-6 for k, m, mbps in col.loads)])
            master.start_from({c: chosen[c] for c in group}, pairs)
            solution = master.solve()
        if solution is None:
            return
        mixed = dict(chosen)
        for c in group:
            mixed[c] = None
        for column, weight in zip(master.columns, solution.weights, strict=True):
            if weight > 0.5:
                mixed[column.customer] = column
        self.consider(mixed)

    def kick(self, time_limit_s: float) -> None:
        """One step of an iterated local search from the incumbent (``LocalSearch.kick``)."""
        if self.best is None:
            return
        search = self.local_search(time_limit_s)
        selection = Selection.of(self.best[0], self.shape)
        search.kick(selection, self.best[1].astype(float), self.rng)
        self.consider(selection.chosen)

    def round_lp(self, master: Master, solution: MasterSolution, time_limit_s: float
                 ) -> None:
        """Each customer's heaviest plan in the LP solution (a rounding), polished."""
        heaviest: dict[int, tuple[float, Column]] = {}
        for column, weight in zip(master.columns, solution.weights, strict=True):
            if weight > heaviest.get(column.customer, (INTEGRALITY, None))[0]:
                heaviest[column.customer] = (weight, column)
        self.polish({c: heaviest[c][1] if c in heaviest else None for c in self.customers},
                    time_limit_s)

    def _linked(self) -> dict[int, list[tuple[int, int]]]:
        linked: dict[int, list[tuple[int, int]]] = {}
        for c, k, m in sorted(self.links):
            linked.setdefault(c, []).append((k, m))
        return linked

    def integer_master(self, time_limit_s: float, low: np.ndarray | None = None,
                       high: np.ndarray | None = None) -> None:
        """Solve the integer restricted master over every column found; consider its plan.

        ``low`` and ``high`` bound the pairs held (default: anything the pools allow).
        """
        months = self.shape[1]
        if low is None or high is None:
            low = np.zeros(self.shape)
            high = np.array([[o.max_pairs] * months for o in self.portfolio.offers],
                            dtype=float)
        master = Master(self.portfolio, self.customers,
                        np.array([self.big_m[c] for c in self.customers]), low, high,
                        integer=True, time_limit_s=max(1.0, time_limit_s),
                        linked=self._linked(), mip_gap_usd=self.settle_usd)
        with self.stats.timed("integer"):
            master.add([col for c in self.customers for col in self.pool[c]
                        if all(high[k, m] > 0 for k, m, _ in col.loads)])
            if self.best is not None and ((low <= self.best[1]) & (self.best[1] <= high)).all():
                master.start_from(*self.best)
            solution = master.solve()
        if solution is not None:
            self.consider(self.selection(master, solution))

    def dive(self, node: _Node, solution: MasterSolution, time_limit_s: float) -> None:
        """A primal heuristic: the integer restricted master at the LP's pairs rounded.

        The pairs are fixed at the LP's counts rounded to the nearest, then rounded up
        (which fits the LP's loads), plans are priced for each, then the integer restricted
        master chooses plans within those counts.
        """
        nearest = np.clip(np.floor(solution.pairs + 0.5), node.low, node.high)
        above = np.clip(np.ceil(solution.pairs - 1e-6), node.low, node.high)
        tries = [nearest] + ([above] if (above != nearest).any() else [])
        stop = self.clock() + time_limit_s
        for n, fixed in enumerate(tries):
            budget = (stop - self.clock()) / (len(tries) - n)
            if budget <= 0:
                return
            child = _Node(node.bound_usd, -1, fixed, fixed, node.loads, node.opened)
            deadline, self.deadline = self.deadline, min(self.deadline,
                                                         self.clock() + budget / 2)
            try:
                _, fixed_lp, fixed_master = self.process(child)
            finally:
                self.deadline = deadline
            if fixed_lp is not None and fixed_master is not None:
                self.round_lp(fixed_master, fixed_lp, max(0.1, 0.1 * budget))
            self.stats.dives += 1
            self.integer_master(max(1.0, min(stop, deadline) - self.clock()) / (len(tries) - n),
                                fixed, fixed)

    def selection(self, master: Master, solution: MasterSolution) -> dict[int, Column | None]:
        chosen: dict[int, Column | None] = dict.fromkeys(self.customers)
        for column, weight in zip(master.columns, solution.weights, strict=True):
            if weight > 0.5:
                chosen[column.customer] = column
        return chosen

    # ---- one node -----------------------------------------------------------------------
    def violated_links(self, master: Master, solution: MasterSolution
                       ) -> list[tuple[int, int, int]]:
        """Linking rows the LP solution breaks: a customer rides a pool more than ``y``."""
        usage: dict[tuple[int, int, int], float] = {}
        for column, weight in zip(master.columns, solution.weights, strict=True):
            if weight > INTEGRALITY:
                for key, month, _ in column.loads:
                    place = (column.customer, key, month)
                    usage[place] = usage.get(place, 0.0) + weight
        return [(c, k, m) for (c, k, m), used in usage.items()
                if used > solution.pairs[k, m] + 1e-6 and (c, k, m) not in master.link_row]

    def price_all(self, node: _Node, solution: MasterSolution, per_mbps: np.ndarray,
                  per_use: dict[int, np.ndarray], per_cut: np.ndarray
                  ) -> tuple[float, list[Column]]:
        """Price every customer at the given duals.

        Returns the Lagrangian bound at those duals [USD] and the new plans whose reduced
        cost at the LP's own duals is negative.
        """
        forbidden = node.high <= 0
        cuts = self.cuts[:len(per_cut)]
        lagrangian = self.constant - sum(
            float(price) * cut.limit_mbps for cut, price in zip(cuts, per_cut, strict=True))
        capped = _capped_prices(cuts, per_cut)
        lp_capped = _capped_prices(self.cuts, solution.usd_per_cut)
        entering = []
        for i, c in enumerate(self.customers):
            value, found = self.pricers[c].cheapest(per_mbps, node.loads.get(c, []),
                                                    forbidden, per_use.get(c), capped.get(c))
            self.stats.pricing_calls += 1
            lagrangian += min(value, self.big_m[c])
            if found is None or (c, found.path) in self.seen_paths:
                continue
            reduced = (found.cost_usd - solution.customer_price[i]
                       + _priced_load(found, solution.usd_per_mbps,
                                      solution.usd_per_use.get(c), lp_capped.get(c)))
            if reduced < ENTERING * max(1.0, abs(value)):
                column = self.pricers[c].build(found)
                if column.signature not in self.seen:
                    entering.append(replace(column, path=found.path))
        credit = per_mbps * self.capacity[:, None]
        for price in per_use.values():
            credit = credit + price
        for cut, price in zip(cuts, per_cut, strict=True):
            credit[cut.key, cut.month] += float(price) * cut.pair_mbps
        pair_value, _ = pair_schedule(self.portfolio, credit, node.low, node.high,
                                      node.opened)
        return lagrangian + pair_value, entering

    def process(self, node: _Node) -> tuple[float, MasterSolution | None, Master | None]:
        """Column generation at a node: its lower bound and final LP solution.

        Pricing runs at Wentges-smoothed duals (a mix of the duals of the best Lagrangian
        bound so far and the LP's); when they yield no plan that improves the LP, the next
        round prices at the LP's own duals, and the LP is optimal only when those yield none.
        With linking rows, the rows the LP breaks are added and the LP solved again.
        """
        master = Master(self.portfolio, self.customers,
                        np.array([self.big_m[c] for c in self.customers]), node.low, node.high,
                        opened=node.opened, linked=self._linked(), cuts=self.cuts)
        master.add([col for c in self.customers for col in self.pool[c]
                    if col.obeys(node.loads.get(c, []))
                    and all(node.high[k, m] > 0 for k, m, _ in col.loads)])
        bound = node.bound_usd
        solution = None
        center: tuple[np.ndarray, dict[int, np.ndarray], np.ndarray] | None = None
        center_usd = -math.inf
        exact = True
        cut_rounds = 0
        while True:
            with self.stats.timed("master"):
                solution = master.solve()
            if solution is None:
                return math.inf, None, None
            self.stats.iterations += 1
            per_mbps, per_use = solution.usd_per_mbps, solution.usd_per_use
            per_cut = solution.usd_per_cut
            if center is not None and not exact:
                per_mbps = SMOOTHING * center[0] + (1 - SMOOTHING) * per_mbps
                per_use = {c: np.asarray(SMOOTHING * center[1].get(c, 0.0)
                                         + (1 - SMOOTHING) * solution.usd_per_use.get(c, 0.0))
                           for c in set(center[1]) | set(solution.usd_per_use)}
                old = np.zeros(len(per_cut))
                old[:len(center[2])] = center[2]
                per_cut = SMOOTHING * old + (1 - SMOOTHING) * per_cut
            with self.stats.timed("pricing"):
                lagrangian, entering = self.price_all(node, solution, per_mbps, per_use,
                                                      per_cut)
            bound = max(bound, lagrangian)
            if lagrangian > center_usd:
                center, center_usd = (per_mbps, per_use, per_cut), lagrangian
            if not entering and not exact:
                exact = True  # a smoothed price found nothing: price at the LP's duals
                continue
            if not entering:
                bound = max(bound, solution.objective_usd + self.constant - 1e-6 * max(
                    1.0, abs(solution.objective_usd)))
            lp_usd = solution.objective_usd + self.constant
            if not entering or lp_usd - bound <= self.settle_usd:
                # The LP is (close enough to) optimal: add the linking rows it breaks, then
                # the capacity cuts.
                links = self.violated_links(master, solution) if self.link_rows else []
                if links:
                    self.links.update(links)
                    self.stats.link_rows += len(links)
                    master.add_links(links)
                    continue
                if (not self.capacity_cuts or cut_rounds >= CUT_ROUNDS
                        or bound >= self.best_usd - OPTIMALITY_GAP_USD
                        or self.clock() > self.deadline):
                    break
                cuts = separate(master.columns, solution.weights, solution.pairs,
                                self.capacity)
                if not cuts:
                    break
                cut_rounds += 1
                self.cuts.extend(cuts)
                self.stats.cuts += len(cuts)
                master.add_cuts(cuts)
                exact = True
                continue
            exact = False
            if bound >= self.best_usd - OPTIMALITY_GAP_USD or self.clock() > self.deadline:
                break
            self.keep(entering)
            master.add(entering)
        return bound, solution, master

    def branch(self, node: _Node, master: Master, solution: MasterSolution,
               order: itertools.count[int]) -> list[_Node]:
        """Children of a node whose LP solution is not whole; [] when it is (or rounds)."""
        fraction = np.abs(solution.pairs - np.round(solution.pairs))
        closed = (node.high == 0).all(axis=1)
        undecided = (fraction.max(axis=1) > INTEGRALITY) & ~closed & ~node.opened
        if undecided.any():
            # First whether a pool is used at all: its fee and setup are what the LP shares
            # out in fractions, and closing a pool removes its SKUs from every plan.
            k = int(np.argmax(np.where(undecided, solution.pairs.sum(axis=1), -1.0)))
            shut, must = node.high.copy(), node.opened.copy()
            shut[k] = 0
            must[k] = True
            return [_Node(node.bound_usd, next(order), node.low, shut, node.loads, node.opened),
                    _Node(node.bound_usd, next(order), node.low, node.high, node.loads, must)]
        if fraction.max() > INTEGRALITY:
            k, m = (int(i) for i in np.unravel_index(int(np.argmax(fraction)), fraction.shape))
            value = solution.pairs[k, m]
            down_high, up_low = node.high.copy(), node.low.copy()
            down_high[k, m] = math.floor(value)
            up_low[k, m] = math.ceil(value)
            return [_Node(node.bound_usd, next(order), node.low, down_high, node.loads,
                          node.opened),
                    _Node(node.bound_usd, next(order), up_low, node.high, node.loads,
                          node.opened)]
        support: dict[int, list[Column]] = {}
        for column, weight in zip(master.columns, solution.weights, strict=True):
            if weight > INTEGRALITY:
                support.setdefault(column.customer, []).append(column)
        for c, columns in support.items():
            if len(columns) < 2:
                continue
            places = {(k, m) for col in columns for k, m, _ in col.loads}
            for k, m in sorted(places):
                loads = sorted({col.load(k, m) for col in columns})
                if len(loads) > 1:
                    v = loads[0]
                    down = {**node.loads, c: [*node.loads.get(c, []), LoadBound(k, m, 0.0, v)]}
                    up = {**node.loads,
                          c: [*node.loads.get(c, []), LoadBound(k, m, v + 0.5, math.inf)]}
                    return [_Node(node.bound_usd, next(order), node.low, node.high, down,
                                  node.opened),
                            _Node(node.bound_usd, next(order), node.low, node.high, up,
                                  node.opened)]
        # Whole pair counts and, per customer, plans with equal loads: the cheapest of each
        # customer's plans is a whole solution no dearer than the LP.
        chosen: dict[int, Column | None] = dict.fromkeys(self.customers)
        for c in self.customers:
            columns = support.get(c, [])
            chosen[c] = min(columns, key=lambda col: col.cost_usd) if columns else None
        self.consider(chosen)
        return []


@dataclass
class _LocationOutcome:
    chosen: dict[int, Column | None]
    pairs: np.ndarray
    upper_usd: float
    lower_usd: float


def _search_location(view: PortfolioProblem, pricers: dict[int, Pricer],
                     pool: dict[int, list[Column]], big_m: dict[int, float], deadline: float,
                     stats: PhaseStats, node_limit: int, tolerance_usd: float,
                     target_usd: float, link_rows: bool, clock: Callable[[], float],
                     capacity_cuts: bool = True) -> _LocationOutcome:
    """Branch-and-price for the customers and pools of one peering location."""
    search = _Search(view, pricers, pool, 0.0, big_m, deadline, stats, link_rows, clock,
                     capacity_cuts)
    enough = max(tolerance_usd, target_usd)
    search.settle_usd = 0.1 * enough
    keys, months = search.shape
    low = np.zeros((keys, months))
    high = np.array([[o.max_pairs] * months for o in view.offers], dtype=float)
    search.consider({c: next((col for col in pool[c] if not col.loads), None) for c in pricers})
    order = itertools.count()
    queue = [_Node(-math.inf, next(order), low, high, {}, np.zeros(keys, dtype=bool))]
    closed_bound = math.inf
    root = True
    nodes = 0
    searched_from = kicked_s = 0.0  # when the root ended, and the local search's time since
    steps = 0

    def done(bound: float) -> bool:
        return bound >= search.best_usd - enough

    while queue and nodes < node_limit and search.clock() <= deadline:
        if done(min(queue[0].bound_usd, closed_bound)):
            break
        node = heapq.heappop(queue)
        if node.bound_usd >= search.best_usd - enough:
            closed_bound = min(closed_bound, node.bound_usd)
            continue
        nodes += 1
        stats.nodes += 1
        bound, solution, master = search.process(node)
        node.bound_usd = bound
        if solution is not None and master is not None:
            search.round_lp(master, solution, max(0.1, min(2.0, 0.05 * (
                deadline - search.clock()))))
        if root:
            # The root's heuristics, cheapest first: the local search from the LP rounded,
            # a dive, the integer master (from the incumbent), the local search again.
            search.fill(max(0.1, min(10.0, 0.5 * (deadline - search.clock()))))
            if solution is not None:
                search.dive(node, solution, max(1.0, min(20.0, 0.3 * (
                    deadline - search.clock()))))
            search.integer_master(max(1.0, min(20.0, 0.3 * (deadline - search.clock()))))
            search.polish(None, max(0.1, min(2.0, 0.05 * (deadline - search.clock()))))
            search.fill(max(0.1, min(10.0, deadline - search.clock())))
            root = False
            searched_from, kicked_s = search.clock(), 0.0
        while (kicked_s < IMPROVING * (search.clock() - searched_from)
               and search.clock() < deadline and not done(node.bound_usd)):
            # A share of the time after the root goes to improving the incumbent: large
            # neighbourhoods, and now and then a kick of the iterated local search.
            began = search.clock()
            steps += 1
            if steps % KICK_EVERY:
                search.neighbourhood(NEIGHBOURHOOD, max(0.1, min(2.0, deadline - began)))
            else:
                search.kick(max(0.1, min(5.0, deadline - began)))
            kicked_s += search.clock() - began
        if nodes % 50 == 0:
            search.integer_master(max(1.0, min(10.0, deadline - search.clock())))
            search.polish(None, max(0.1, min(2.0, 0.05 * (deadline - search.clock()))))
            search.fill(max(0.1, min(5.0, 0.1 * (deadline - search.clock()))))
        if solution is None or master is None or bound >= search.best_usd - enough:
            closed_bound = min(closed_bound, bound)
            continue
        children = search.branch(node, master, solution, order)
        if not children:
            closed_bound = min(closed_bound, bound)
        for child in children:
            child.bound_usd = bound
            heapq.heappush(queue, child)
    open_bound = min((n.bound_usd for n in queue), default=math.inf)
    assert search.best is not None
    chosen, pairs = search.best
    lower = min(search.best_usd, open_bound, closed_bound)
    return _LocationOutcome(chosen, pairs, search.best_usd, lower)


def _location_view(portfolio: PortfolioProblem, location: str) -> PortfolioProblem:
    """The portfolio with the pools of other locations unavailable (no pair may be held)."""
    offers = tuple(o if o.key.peering_location == location
                   else replace(o, max_pairs=0, existing_pairs=0) for o in portfolio.offers)
    return replace(portfolio, offers=offers)


@dataclass
class _Shared:
    """What every location's search reads (inherited by forked workers, never pickled)."""

    portfolio: PortfolioProblem
    pricers: dict[int, Pricer]
    pool: dict[int, list[Column]]
    where: dict[int, str]
    big_m: dict[int, float]
    node_limit: int
    tolerance_usd: float
    link_rows: bool
    capacity_cuts: bool
    clock: Callable[[], float]


def _location_line(found: LocationStats) -> str:
    return (f"{found.location}: {found.customers} customers, total {found.total_usd:,.2f} "
            f"USD, bound {found.lower_bound_usd:,.2f} USD")


def _search_group(shared: _Shared, locations: list[str], budget_s: float,
                  allowance_usd: float, say: Callable[[str], None] | None = None
                  ) -> tuple[list[tuple[str, _LocationOutcome]], PhaseStats]:
    """Search locations one after the other within ``budget_s``, sharing time and gap.

    Each location gets the share of the time (and of the gap allowed) left that its
    customers are of the customers left; one that ends early or within less gap leaves the
    rest to the next ones. ``say`` receives a line per location as it ends.
    """
    stats = PhaseStats()
    clock = shared.clock
    stop = clock() + budget_s
    found = []
    for n, location in enumerate(locations):
        members = [c for c in shared.pricers if shared.where[c] == location]
        left = sum(1 for c in shared.pricers if shared.where[c] in locations[n:])
        share = len(members) / left
        deadline = clock() + max(0.0, stop - clock()) * share
        wall, cpu, nodes = time.monotonic(), time.process_time(), stats.nodes
        outcome = _search_location(
            _location_view(shared.portfolio, location),
            {c: shared.pricers[c] for c in members}, {c: shared.pool[c] for c in members},
            shared.big_m, deadline, stats, shared.node_limit, shared.tolerance_usd,
            max(0.0, allowance_usd) * share, shared.link_rows, clock, shared.capacity_cuts)
        allowance_usd -= outcome.upper_usd - outcome.lower_usd
        stats.locations.append(LocationStats(
            location, len(members), outcome.upper_usd, outcome.lower_usd,
            time.monotonic() - wall, time.process_time() - cpu, stats.nodes - nodes))
        found.append((location, outcome))
        if say is not None:
            say(_location_line(stats.locations[-1]))
    return found, stats


_FORKED: _Shared | None = None


def _search_forked(location: str, budget_s: float, allowance_usd: float
                   ) -> tuple[list[tuple[str, _LocationOutcome]], PhaseStats, float]:
    """One location's search in a worker, and the seconds of the clock it took."""
    assert _FORKED is not None  # set by _search_groups before the workers fork
    start = _FORKED.clock()
    found, stats = _search_group(_FORKED, [location], budget_s, allowance_usd)
    return found, stats, _FORKED.clock() - start


def _search_groups(shared: _Shared, locations: list[str], budget_s: float,
                   allowance_usd: float, workers: int, say: Callable[[str], None]
                   ) -> Iterator[tuple[list[tuple[str, _LocationOutcome]], PhaseStats]]:
    """Every location's search, in up to ``workers`` processes at once.

    The locations start largest first, each as a worker is free. The time is the workers'
    ``workers x budget_s`` seconds: a location gets the share of the seconds not yet
    promised (to the locations running) that its customers are of the customers not yet
    started, and never past the end of the limit; the gap allowed is shared out the same
    way. A location that ends early, or within less gap, leaves the rest to the ones after
    it. Yields each location's outcome as it ends; ``say`` receives a line per location.
    """
    global _FORKED
    if workers <= 1 or len(locations) <= 1:
        yield _search_group(shared, locations, budget_s, allowance_usd, say)
        return
    size = {loc: sum(1 for c in shared.where if shared.where[c] == loc) for loc in locations}
    lanes = min(workers, len(locations))
    used_s = [0.0] * lanes  # each worker's seconds so far, on the search's clock
    # The workers' seconds and the gap allowed that no location has used or been promised.
    spare_s, spare_usd = lanes * budget_s, max(0.0, allowance_usd)
    waiting = list(locations)
    running: dict[Future[tuple[list[tuple[str, _LocationOutcome]], PhaseStats, float]],
                  tuple[int, float, float]] = {}
    _FORKED = shared
    try:
        with ProcessPoolExecutor(lanes, mp_context=multiprocessing.get_context("fork")
                                 ) as processes:
            while waiting or running:
                busy = {lane for lane, _, _ in running.values()}
                free = [lane for lane in range(lanes) if lane not in busy]
                while waiting and free:
                    lane, location = free.pop(0), waiting.pop(0)
                    share = size[location] / max(1, size[location] + sum(
                        size[loc] for loc in waiting))
                    seconds = min(max(0.0, budget_s - used_s[lane]), spare_s * share)
                    usd = spare_usd * share
                    spare_s, spare_usd = spare_s - seconds, spare_usd - usd
                    running[processes.submit(_search_forked, location, seconds, usd)] = (
                        lane, seconds, usd)
                ended, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in ended:
                    lane, seconds, usd = running.pop(future)
                    found, stats, took_s = future.result()
                    used_s[lane] += took_s
                    line = stats.locations[0]
                    spare_s += max(0.0, seconds - took_s)
                    spare_usd += max(0.0, usd - (line.total_usd - line.lower_bound_usd))
                    say(_location_line(line))
                    yield found, stats
    finally:
        _FORKED = None


def solve_portfolio(portfolio: PortfolioProblem, *, time_limit_s: float = 60.0,
                    node_limit: int = 10_000, relative_gap: float = 0.0,
                    link_rows: bool = True, capacity_cuts: bool = True, workers: int = 1,
                    progress: Callable[[str], None] | None = None,
                    clock: Callable[[], float] = time.monotonic) -> PortfolioResult:
    """Plan every customer and the pairs at least portfolio total (docs/direct.md).

    Customers share pairs only at their own peering location, so each location is searched
    on its own (its bound and plan add up to the portfolio's).

    Parameters
    ----------
    portfolio : PortfolioProblem
        The coupled problem.
    time_limit_s : float, default 60
        Wall-time limit of the search after the independent plans [s], shared out among
        the locations by their number of customers.
    node_limit : int, default 10000
        Branch-and-bound nodes at most per location.
    relative_gap : float, default 0
        Stop once the portfolio's gap is within this share of its total: the allowance is
        this share of a lower bound on the total (each customer's plan with free pairs),
        shared out among the locations like the time (the result is then ``feasible``
        unless the gap is within 0.01 USD anyway).
    link_rows : bool, default True
        Add the linking rows of :mod:`planner.direct.master` the LP breaks (a far stronger
        bound; see docs/direct.md).
    capacity_cuts : bool, default True
        Add the capacity cuts of :mod:`planner.direct.cuts` the LP breaks (whole pairs; see
        docs/direct.md).
    workers : int, default 1
        Processes that search locations at once (forked; each searches its share of the
        locations within the whole time limit).
    progress : callable, optional
        Receives one line per phase.
    clock : callable, default time.monotonic
        The clock of the time limit [s]; ``time.process_time`` bounds this process's CPU
        time instead (for benchmarks on a machine others share).

    Returns
    -------
    PortfolioResult
    """
    say = progress or (lambda line: None)
    stats = PhaseStats()
    with stats.timed("independent"):
        independent = [plan_customer(p, tables=False) for p in portfolio.problems]
        results = [EngineResult(r.status, r.plans or None, r.message, r.total_usd)
                   for r in independent]
        pricers: dict[int, Pricer] = {}
        pool: dict[int, list[Column]] = {}
        constant = 0.0
        direct_only: list[str] = []
        free_usd: dict[int, float] = {}  # each plan with pairs for free: a lower bound
        zero = np.zeros((len(portfolio.offers), portfolio.months))
        for position, result in enumerate(independent):
            customer = portfolio.coupled.get(position)
            pricer = (Pricer(position, customer)
                      if customer is not None and eligible_skus(customer.problem) else None)
            if pricer is None or not pricer.has_direct:
                if result.status is Status.OPTIMAL:
                    constant += float(cast(float, result.total_usd))  # optimal: a total
                continue
            value, free = pricer.price(zero, [])
            if free is None:
                continue
            pricers[position] = pricer
            free_usd[position] = value
            pool[position] = [free]
            if result.status is Status.OPTIMAL:
                own = pricer.column(result.plans)
                if own.signature != free.signature:
                    pool[position].append(own)
            else:
                direct_only.append(portfolio.problems[position].customer_id)
    say(f"independent plans: {len(independent)} customers, {len(pricers)} may use Direct "
        f"({stats.wall_s['independent']:.1f} s)")
    where = {c: portfolio.offers[next(iter(portfolio.coupled[c].keys.values()))
                                 ].key.peering_location for c in pricers}
    locations = sorted(set(where.values()), key=lambda loc: -sum(
        1 for c in where if where[c] == loc))
    keys, months = len(portfolio.offers), portfolio.months
    pairs = np.zeros((keys, months), dtype=np.int64)
    chosen: dict[int, Column | None] = {}
    upper = lower = constant
    big_m: dict[int, float] = {}
    for location in locations:
        view = _location_view(portfolio, location)
        pair_bound = sum(o.max_pairs * (o.monthly_usd * months + o.setup_usd)
                         for o in view.offers)
        for c in pricers:
            if where[c] == location:
                big_m[c] = 2.0 * (max(col.cost_usd for col in pool[c]) + pair_bound) + 1e4
    shared = _Shared(portfolio, pricers, pool, where, big_m, node_limit,
                     OPTIMALITY_GAP_USD / max(1, len(locations)), link_rows, capacity_cuts,
                     clock)
    # The gap allowed (relative_gap of the portfolio total) is shared out like the time.
    allowance = relative_gap * (constant + sum(free_usd.values()))
    found: list[tuple[str, _LocationOutcome]] = []
    for group_found, group_stats in _search_groups(shared, locations, time_limit_s,
                                                   allowance, workers, say):
        found.extend(group_found)
        stats.add(group_stats)
    rank = {location: n for n, location in enumerate(locations)}
    stats.locations.sort(key=lambda loc: rank[loc.location])
    for location, outcome in sorted(found, key=lambda item: rank[item[0]]):
        at = [k for k, o in enumerate(portfolio.offers) if o.key.peering_location == location]
        pairs[at] = outcome.pairs[at]
        chosen.update(outcome.chosen)
        upper += outcome.upper_usd
        lower += outcome.lower_usd
    loads = np.zeros((keys, months))
    for c, column in chosen.items():
        if column is None:
            results[c] = EngineResult(Status.INFEASIBLE, message=(
                "no plan fits the Direct pairs that can be held (max_pairs) and no provider "
                "plan meets every rule"))
            continue
        for key, month, mbps in column.loads:
            loads[key, month] += mbps
        results[c] = EngineResult(Status.OPTIMAL, list(column.plans),
                                  objective_usd=column.cost_usd)
    artificial = sum(big_m[c] for c, col in chosen.items() if col is None)
    total, lower = upper - artificial, min(lower, upper) - artificial
    both = [c for c in range(len(independent)) if independent[c].status is Status.OPTIMAL
            and results[c].status is Status.OPTIMAL]
    independent_usd = sum(float(cast(float, independent[c].total_usd)) for c in both)
    status = "optimal" if total - lower <= OPTIMALITY_GAP_USD else "feasible"
    say(f"search: {stats.nodes} nodes, {stats.iterations} iterations, {stats.columns} "
        f"columns; total {total:,.2f} USD, bound {lower:,.2f} USD ({status})")
    planned = {p.customer_id: r.status for p, r in zip(portfolio.problems, results,
                                                       strict=True)}
    direct_only = [d for d in direct_only if planned[d] is Status.OPTIMAL]
    return PortfolioResult(status, total, lower, results, independent, pairs, loads,
                           independent_usd, direct_only, stats)
