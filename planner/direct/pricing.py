"""Pricing: the exact ``dp`` engine with a month-dependent cost per Mb/s of Direct bandwidth.

Column generation asks, for each coupled customer, for its cheapest plan when every Mb/s of
Direct bandwidth in pool ``k`` and portfolio month ``m`` costs ``usd_per_mbps[k, m]`` on top of
the customer's own costs. That is the customer's one-site DP
(:func:`planner.engines.dp.cheapest_one_site`) with the month costs of each Direct
tier-family raised by that price times each state's bandwidth; the state space and tables
are built once per customer and reused at every call.
Branching adds bounds on a customer's Direct load in one pool and month, which the DP obeys by
making the states outside them infeasible.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from planner.direct.problem import CoupledCustomer
from planner.engines.dp import SiteTables, cheapest_path_one_site
from planner.problems import MonthPlan
from planner.rules import plan_total

INF = np.inf


@dataclass(frozen=True)
class LoadBound:
    """A branching bound: the customer's Direct load in pool ``key``, month ``month``.

    Parameters
    ----------
    key, month : int
        Pool index and portfolio month index.
    low_mbps, high_mbps : float
        Inclusive bounds on the load [Mb/s].
    """

    key: int
    month: int
    low_mbps: float
    high_mbps: float


@dataclass(frozen=True)
class CappedPrice:
    """A price on a customer's Direct load up to a cap, in one pool and month.

    Parameters
    ----------
    key, month : int
        Pool index and portfolio month index.
    cap_mbps : float
        Load above this is not priced [Mb/s].
    usd_per_mbps : float
        Price of each Mb/s up to the cap [USD per Mb/s], >= 0.
    """

    key: int
    month: int
    cap_mbps: float
    usd_per_mbps: float


def capped_usd(loads: tuple[tuple[int, int, float], ...] | list[tuple[int, int, float]],
               capped: list[CappedPrice] | None) -> float:
    """What the loads ``(pool, month, Mb/s)`` cost at capped prices [USD]."""
    if not capped:
        return 0.0
    at = {(k, m): mbps for k, m, mbps in loads}
    return sum(p.usd_per_mbps * min(p.cap_mbps, at.get((p.key, p.month), 0.0))
               for p in capped)


@dataclass(frozen=True)
class Column:
    """One plan of one customer, as the master sees it.

    Parameters
    ----------
    customer : int
        Position of the customer in the portfolio.
    cost_usd : float
        The plan's own total (docs/model.rst) [USD].
    loads : tuple of (int, int, float)
        ``(pool, portfolio month, Direct bandwidth [Mb/s])`` for every month on Direct.
    plans : tuple of MonthPlan
        The plan, one per customer month.
    path : tuple, optional
        The pricing DP's tier-family and state of every month, when the DP found it.
    """

    customer: int
    cost_usd: float
    loads: tuple[tuple[int, int, float], ...]
    plans: tuple[MonthPlan, ...]
    path: tuple[tuple[int, ...], tuple[int, ...]] | None = field(default=None, compare=False)

    @property
    def signature(self) -> tuple[object, ...]:
        """A hashable identity of the plan (customer, then each month's SKUs)."""
        return (self.customer, tuple((p.tier_family, tuple(sorted(p.circuits.items())))
                                     for p in self.plans))

    def load(self, key: int, month: int) -> float:
        """Direct bandwidth in pool ``key`` and month ``month`` [Mb/s]."""
        return next((mbps for k, m, mbps in self.loads if k == key and m == month), 0.0)

    def obeys(self, bounds: list[LoadBound]) -> bool:
        """Whether the plan meets every bound."""
        return all(b.low_mbps - 1e-6 <= self.load(b.key, b.month) <= b.high_mbps + 1e-6
                   for b in bounds)


@dataclass(frozen=True)
class Candidate:
    """A plan the pricing DP found, before its months are built.

    Parameters
    ----------
    customer : int
        Position of the customer in the portfolio.
    cost_usd : float
        The plan's own total as the DP added it up [USD] (the column re-costs it).
    loads : tuple of (int, int, float)
        As ``Column.loads``.
    path : tuple of (tuple of int, tuple of int)
        The DP's tier-family and state of every month.
    """

    customer: int
    cost_usd: float
    loads: tuple[tuple[int, int, float], ...]
    path: tuple[tuple[int, ...], tuple[int, ...]]


class Pricer:
    """The pricing DP of one coupled customer.

    Parameters
    ----------
    position : int
        The customer's position in the portfolio.
    customer : CoupledCustomer
        The customer with its Direct SKUs.
    """

    def __init__(self, position: int, customer: CoupledCustomer):
        self.position = position
        self.customer = customer
        problem = customer.problem
        self.tables = SiteTables(problem, two_sites=False)
        self.base = np.ascontiguousarray(self.tables.cost.transpose(1, 0, 2))  # (T, F, n)
        self.pool_of = [customer.key_of(tf) for tf in self.tables.tfs]
        self.bandwidth = self.tables.space.bandwidth.astype(float)

    @property
    def has_direct(self) -> bool:
        """Whether any Direct tier-family survived the DP's reductions."""
        return any(k is not None for k in self.pool_of)

    def month_costs(self, usd_per_mbps: np.ndarray, bounds: list[LoadBound],
                    forbidden: np.ndarray | None = None, usd_per_use: np.ndarray | None = None,
                    capped: list[CappedPrice] | None = None,
                    room_mbps: np.ndarray | None = None) -> np.ndarray:
        """Month costs ``(T, F, n)`` with the Direct prices added and the bounds applied."""
        cost = self.base.copy()
        for term in capped or ():
            t = term.month - self.customer.offset
            if 0 <= t < self.customer.problem.months:
                for f, key in enumerate(self.pool_of):
                    if key == term.key:
                        cost[t, f, :] += term.usd_per_mbps * np.minimum(self.bandwidth,
                                                                        term.cap_mbps)
        offset, months = self.customer.offset, self.customer.problem.months
        used = self.bandwidth > 0
        for f, key in enumerate(self.pool_of):
            if key is not None:
                price = usd_per_mbps[key, offset:offset + months]
                cost[:, f, :] += price[:, None] * self.bandwidth[None, :]
                if usd_per_use is not None:
                    cost[:, f, :] += usd_per_use[key, offset:offset + months, None] * used
                if forbidden is not None:
                    cost[forbidden[key, offset:offset + months], f, :] = INF
                if room_mbps is not None:
                    room = room_mbps[key, offset:offset + months, None]
                    cost[:, f, :][self.bandwidth[None, :] > room + 1e-6] = INF
        for bound in bounds:
            t = bound.month - offset
            if not 0 <= t < months:
                continue
            for f, key in enumerate(self.pool_of):
                if key == bound.key:
                    outside = ((self.bandwidth < bound.low_mbps - 1e-6)
                               | (self.bandwidth > bound.high_mbps + 1e-6))
                    cost[t, f, outside] = INF
                elif bound.low_mbps > 1e-6:
                    cost[t, f, :] = INF
        return cost

    def price(self, usd_per_mbps: np.ndarray, bounds: list[LoadBound],
              forbidden: np.ndarray | None = None, usd_per_use: np.ndarray | None = None,
              capped: list[CappedPrice] | None = None,
              room_mbps: np.ndarray | None = None) -> tuple[float, Column | None]:
        """The cheapest plan at the given Direct prices.

        Parameters
        ----------
        usd_per_mbps : numpy.ndarray
            Price of Direct bandwidth per pool and portfolio month [USD per Mb/s], >= 0.
        bounds : list of LoadBound
            The customer's branching bounds.
        forbidden : numpy.ndarray of bool, optional
            Pools and months ``(keys, months)`` where no pair may be held: no Direct there.
        usd_per_use : numpy.ndarray, optional
            Price of riding each pool in each month at all ``(keys, months)`` [USD], >= 0.
        capped : list of CappedPrice, optional
            Prices of the load up to a cap in one pool and month (capacity cuts' duals).
        room_mbps : numpy.ndarray, optional
            Most Direct bandwidth the plan may use per pool and portfolio month
            ``(keys, months)`` [Mb/s] (what the pairs held leave to it).

        Returns
        -------
        value : float
            Least plan cost plus priced Direct load [USD]; inf when no plan obeys the bounds.
        column : Column or None
            That plan.
        """
        value, found = self.cheapest(usd_per_mbps, bounds, forbidden, usd_per_use, capped,
                                     room_mbps)
        return value, None if found is None else self.build(found)

    def cheapest(self, usd_per_mbps: np.ndarray, bounds: list[LoadBound],
                 forbidden: np.ndarray | None = None, usd_per_use: np.ndarray | None = None,
                 capped: list[CappedPrice] | None = None, room_mbps: np.ndarray | None = None
                 ) -> tuple[float, Candidate | None]:
        """``price`` without building the plan (see ``Candidate``)."""
        cost = self.month_costs(usd_per_mbps, bounds, forbidden, usd_per_use, capped,
                                room_mbps)
        path = cheapest_path_one_site(self.tables, cost)
        if path is None:
            return INF, None
        value, tfs, states = path
        own = value
        loads = []
        for t, (f, i) in enumerate(zip(tfs, states, strict=True)):
            key = self.pool_of[f]
            if key is not None:
                month = self.customer.offset + t
                mbps = float(self.bandwidth[i])
                loads.append((key, month, mbps))
                own -= usd_per_mbps[key, month] * mbps
                if usd_per_use is not None and mbps > 0:
                    own -= usd_per_use[key, month]
        own -= capped_usd(loads, capped)
        return value, Candidate(self.position, own, tuple(loads), (tfs, states))

    def build(self, candidate: Candidate) -> Column:
        """The column of a candidate plan (its plan re-costed by the rules)."""
        tfs, states = candidate.path
        return self.column(tuple(self.tables.plan(tfs, states)))

    def column(self, plans: tuple[MonthPlan, ...] | list[MonthPlan]) -> Column:
        """The master's column of a plan: its own total and its Direct loads."""
        loads = []
        for t, plan in enumerate(plans):
            key = self.customer.key_of(plan.tier_family)
            if key is not None:
                loads.append((key, self.customer.offset + t, float(plan.capacity_mbps)))
        total = plan_total(self.customer.problem, list(plans))
        return Column(self.position, total, tuple(loads), tuple(plans))
