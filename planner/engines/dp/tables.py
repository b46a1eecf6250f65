"""Month costs of the ``dp`` engine's states, shared by its solvers and by other engines.

The prices, vNet links and rules of one month are evaluated for every multiset of a
:class:`~planner.engines.dp.space.StateSpace` at once; :class:`SiteTables` holds them for
every tier-family and month of a customer, and :class:`~planner.engines.dp.pairs.PairCustomer`
combines the same per-site terms into pairs of multisets.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from planner.domain import CAPACITY_TOLERANCE_MBPS, Resiliency, Site, TierFamily
from planner.engines.dp.space import StateSpace, build_state_space, dp_skus
from planner.problems import CustomerProblem, MonthPlan, Sku
from planner.rules import in_place, pays_egress

INF = np.inf


@dataclass(frozen=True)
class LadderPrices:
    """One tier-family's SKUs along the bandwidth ladder.

    Parameters
    ----------
    allowed : numpy.ndarray
        ``(k,)`` whether the tier-family offers each ladder bandwidth.
    monthly_usd : numpy.ndarray
        ``(k,)`` monthly fee of each bandwidth [USD/month]; 0 where not offered.
    vnet_links : numpy.ndarray
        ``(k,)`` vNet links one circuit of each bandwidth allows [count].
    """

    allowed: np.ndarray
    monthly_usd: np.ndarray
    vnet_links: np.ndarray

    @classmethod
    def of(cls, skus: list[Sku], ladder: np.ndarray) -> LadderPrices:
        """The prices of ``skus`` (one tier-family) along ``ladder`` [Mb/s]."""
        position = {int(b): i for i, b in enumerate(ladder)}
        k = len(ladder)
        allowed = np.zeros(k, dtype=bool)
        price = np.zeros(k)
        links = np.zeros(k, dtype=np.int64)
        for sku in skus:
            x = position[sku.bandwidth_mbps]
            allowed[x], price[x], links[x] = True, sku.monthly_usd, sku.vnet_links
        return cls(allowed, price, links)

    def valid(self, space: StateSpace) -> np.ndarray:
        """``(n,)`` whether every circuit of each state is offered."""
        valid: np.ndarray = (space.counts[:, ~self.allowed] == 0).all(axis=1)
        return valid

    def fee(self, space: StateSpace) -> np.ndarray:
        """``(n,)`` monthly fee of each state's circuits [USD/month]."""
        fee: np.ndarray = space.counts @ self.monthly_usd
        return fee

    def links(self, space: StateSpace, vnets: np.ndarray) -> np.ndarray:
        """``(months, n)`` vNets each state's circuits can link, each at most ``vnets``."""
        links: np.ndarray = np.minimum(self.vnet_links[None, :], vnets[:, None]) @ space.counts.T
        return links


def one_site_ok(problem: CustomerProblem, space: StateSpace, links: np.ndarray,
                peak_mbps: np.ndarray | float, vnets: np.ndarray | int) -> np.ndarray:
    """Whether each state alone meets a month's rules for ``standard`` and ``n+1``.

    ``links``, ``peak_mbps`` and ``vnets`` broadcast against the states (months by rows).
    """
    short = peak_mbps - CAPACITY_TOLERANCE_MBPS
    ok = space.bandwidth * problem.target_utilization >= short
    if problem.resiliency == Resiliency.STANDARD:
        return ok & (space.size >= 1) & (links >= vnets)
    ok &= (space.size >= 2) & (links >= 2 * vnets)
    n_plus_one_ok: np.ndarray = ok & (space.bandwidth - space.largest >= short)
    return n_plus_one_ok


def site_of_pair_ok(space: StateSpace, links: np.ndarray, peak_mbps: np.ndarray | float,
                    vnets: np.ndarray | int) -> np.ndarray:
    """Whether each state meets the rules of one site of a ``maximum`` customer."""
    ok: np.ndarray = ((space.size >= 1) & (space.bandwidth >= peak_mbps - CAPACITY_TOLERANCE_MBPS)
            & (links >= vnets))
    return ok


def inventory_before(space: StateSpace, bandwidths: tuple[int, ...]) -> np.ndarray:
    """``(k,)`` existing circuits no larger than each ladder bandwidth [count]."""
    return np.array([sum(1 for b in bandwidths if b <= x) for x in space.ladder])


def created_from(space: StateSpace, before: np.ndarray) -> np.ndarray:
    """``(n,)`` circuits created going from ``before`` (circuits <= each step) to each state."""
    created: np.ndarray = np.maximum(0, (space.cumulative - before).max(axis=1))
    return created


def ladder_of(skus: dict[TierFamily, list[Sku]]) -> np.ndarray:
    """The ascending bandwidths [Mb/s] any of ``skus`` offers."""
    return np.array(sorted({s.bandwidth_mbps for g in skus.values() for s in g}),
                    dtype=np.int64)


@functools.lru_cache(maxsize=256)
def in_place_matrix(tfs: tuple[TierFamily, ...]) -> np.ndarray:
    """``[g, f]``: whether tier-family ``g`` goes to ``f`` in place (read-only, cached)."""
    matrix = np.array([[in_place(g, f) for f in tfs] for g in tfs], dtype=bool)
    matrix.flags.writeable = False
    return matrix


#: The last few customers' feasibility masks (see :func:`feasible_states`).
_FEASIBLE: dict[tuple[object, ...], list[np.ndarray]] = {}
_FEASIBLE_KEPT = 8


def feasible_states(problem: CustomerProblem, two_sites: bool, space: StateSpace,
                    prices: list[LadderPrices]) -> list[np.ndarray]:
    """Per tier-family, whether each state keeps every rule of one month: ``(months, n)``.

    With ``two_sites`` the rules of one site of a ``maximum`` customer. The masks read the
    state space, the bandwidths and vNet links each tier-family offers, the peaks, vNets,
    target utilization and resiliency, and nothing else: no fee, egress rate or setup. A
    scenario that changes prices only (or a customer planned again) gets the masks of the
    same key from a small cache instead of computing them again.
    """
    peak_mbps = np.asarray(problem.peak_mbps, dtype=float)
    vnets = np.asarray(problem.vnets, dtype=np.int64)
    key = (two_sites, str(problem.resiliency), problem.target_utilization,
           tuple(int(b) for b in space.ladder), int(space.size.max(initial=0)), space.n,
           tuple((p.allowed.tobytes(), p.vnet_links.tobytes()) for p in prices),
           peak_mbps.tobytes(), vnets.tobytes())
    masks = _FEASIBLE.get(key)
    if masks is not None:
        return masks
    peak = peak_mbps[:, None]
    masks = []
    for ladder_prices in prices:
        links = ladder_prices.links(space, vnets)
        rules = (site_of_pair_ok(space, links, peak, vnets[:, None]) if two_sites
                 else one_site_ok(problem, space, links, peak, vnets[:, None]))
        ok = ladder_prices.valid(space) & rules
        ok.flags.writeable = False
        masks.append(ok)
    if len(_FEASIBLE) >= _FEASIBLE_KEPT:
        del _FEASIBLE[next(iter(_FEASIBLE))]
    _FEASIBLE[key] = masks
    return masks


class SiteTables:
    """State space, tier-families and per-site month costs of one customer.

    Parameters
    ----------
    problem : CustomerProblem
        The customer.
    two_sites : bool
        Cost one site of a ``maximum`` customer's pair (:attr:`cost` carries the egress,
        :attr:`second` does not) instead of the whole month of a one-site customer.
    """

    def __init__(self, problem: CustomerProblem, two_sites: bool):
        self.problem = problem
        skus = dp_skus(problem)
        self.tfs: list[TierFamily] = list(skus)
        self.space: StateSpace = build_state_space(tuple(int(b) for b in ladder_of(skus)),
                                                   problem.per_site_cap)
        self.in_place = in_place_matrix(tuple(self.tfs))
        space, months = self.space, problem.months
        shape = (len(self.tfs), months, space.n)
        self.cost = np.empty(shape)
        self.second = np.empty(shape) if two_sites else None
        prices = [LadderPrices.of(skus[tf], space.ladder) for tf in self.tfs]
        masks = feasible_states(problem, two_sites, space, prices)
        for f, tf in enumerate(self.tfs):
            fee = prices[f].fee(space)
            egress = (np.asarray(problem.egress_gb, dtype=float) * problem.usd_per_gb
                      if pays_egress(tf) else np.zeros(months))
            if self.second is not None:
                site_fee = np.where(masks[f], fee, INF)
                self.cost[f] = site_fee + egress[:, None]
                self.second[f] = site_fee
            else:
                self.cost[f] = np.where(masks[f], fee + egress[:, None], INF)
        self._fresh = problem.setup_usd * space.size.astype(float)
        self._first: dict[Site, np.ndarray] = {}

    def fresh(self) -> np.ndarray:
        """Setup of creating every circuit of each state [USD] (shared; do not modify)."""
        return self._fresh

    def first_arrival(self, site: Site) -> np.ndarray:
        """Setup of reaching each state at ``site`` in the first month, per tier-family [USD].

        Computed once per site and shared; do not modify.
        """
        if site not in self._first:
            p, space = self.problem, self.space
            before = inventory_before(space, p.inventory_bandwidths(site))
            kept = p.setup_usd * created_from(space, before)
            inventory_tf = p.inventory_tier_family
            self._first[site] = np.array(
                [kept if inventory_tf is not None and in_place(inventory_tf, tf)
                 else self._fresh for tf in self.tfs], dtype=float)
        return self._first[site]

    def circuits(self, state: int) -> tuple[int, ...]:
        """Bandwidths [Mb/s] of a state."""
        return self.space.circuits[state]

    def month_plans(self, picked: list[tuple[int, dict[Site, int]]]) -> list[MonthPlan]:
        """The month plans of (tier-family, state per site) picks; equal months share one."""
        plans: list[MonthPlan] = []
        for t, (f, states) in enumerate(picked):
            if t and picked[t - 1] == (f, states):
                plans.append(plans[-1])
            else:
                plans.append(MonthPlan.of(self.tfs[f], {site: self.circuits(int(i))
                                                        for site, i in states.items()}))
        return plans

    def plan(self, tfs: tuple[int, ...], states: tuple[int, ...]) -> list[MonthPlan]:
        """The one-site month plans of tier-family and state indices, month by month."""
        return self.month_plans([(f, {Site.PRIMARY: i})
                                 for f, i in zip(tfs, states, strict=True)])
