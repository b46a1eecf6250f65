"""The ``dp`` engine's fallback for ``maximum`` customers whose sites are coupled.

When the total count cap or the capacity rule at the target utilization can bind across the
two sites (see :mod:`planner.engines.dp.solve`), the state is the pair of per-site multisets.
The three moves run as the compiled one-site relaxation along each site's axis in turn, so a month
costs about (pairs x bandwidths) operations per tier-family.
"""

from __future__ import annotations

import time

import numpy as np

from planner.domain import CAPACITY_TOLERANCE_MBPS, Resiliency, Site, TierFamily
from planner.engines.dp._kernels import relax_rows
from planner.engines.dp.space import build_state_space, dp_skus
from planner.engines.dp.tables import (
    LadderPrices,
    created_from,
    inventory_before,
    ladder_of,
    one_site_ok,
    site_of_pair_ok,
)
from planner.problems import CustomerProblem, MonthPlan
from planner.rules import in_place, pays_egress

INF = np.inf


class PairCustomer:
    """The DP over pairs of per-site multisets: state space, month costs, forward, backtrack."""

    def __init__(self, problem: CustomerProblem):
        self.problem = problem
        self.skus = dp_skus(problem)
        ladder = ladder_of(self.skus)
        self.two_sites = problem.resiliency == Resiliency.MAXIMUM
        self.space = build_state_space(tuple(int(b) for b in ladder), problem.per_site_cap)
        self.tfs = list(self.skus)
        self.prices = {tf: LadderPrices.of(group, self.space.ladder)
                       for tf, group in self.skus.items()}

    def month_cost(self, t: int, tf: TierFamily) -> np.ndarray:
        """Cost of every state in month ``t`` [USD]; infinity where a rule is broken."""
        p, space, prices = self.problem, self.space, self.prices[tf]
        peak, vnets = float(p.peak_mbps[t]), int(p.vnets[t])
        valid, fee = prices.valid(space), prices.fee(space)
        site_links = prices.links(space, np.array([vnets]))[0]
        egress = float(p.egress_gb[t] * p.usd_per_gb) if pays_egress(tf) else 0.0
        if not self.two_sites:
            ok = valid & one_site_ok(p, space, site_links, peak, vnets)
            return np.where(ok, fee + egress, INF)
        site_fee = np.where(valid & site_of_pair_ok(space, site_links, peak, vnets), fee, INF)
        cost = site_fee[:, None] + site_fee[None, :] + egress
        bandwidth = space.bandwidth
        pair_ok = (space.size[:, None] + space.size[None, :]) <= p.max_circuits
        pair_ok &= ((bandwidth[:, None] + bandwidth[None, :]) * p.target_utilization
                    >= peak - CAPACITY_TOLERANCE_MBPS)
        return np.where(pair_ok, cost, INF)

    def relax(self, values: np.ndarray) -> np.ndarray:
        """Cheapest arrival at every state from ``values`` by in-place moves and creations."""
        space, setup = self.space, self.problem.setup_usd

        def along_last_axis(table: np.ndarray) -> np.ndarray:
            return relax_rows(np.ascontiguousarray(table), space.moves, setup)

        if not self.two_sites:
            relaxed: np.ndarray = along_last_axis(values[None, :])[0]
            return relaxed
        return along_last_axis(along_last_axis(values.T).T)

    def fresh(self) -> np.ndarray:
        """Setup of creating every circuit of each state [USD]."""
        size = self.space.size
        if self.two_sites:
            size = size[:, None] + size[None, :]
        return self.problem.setup_usd * size

    def created_from(self, before: dict[Site, np.ndarray]) -> np.ndarray:
        """Circuits created from per-site cumulative counts ``before`` to each state."""
        primary = created_from(self.space, before[Site.PRIMARY])
        if not self.two_sites:
            return primary
        secondary = created_from(self.space, before[Site.SECONDARY])
        created: np.ndarray = primary[:, None] + secondary[None, :]
        return created

    def first_arrival(self, tf: TierFamily) -> np.ndarray:
        """Setup cost of reaching each state of ``tf`` in the first month [USD]."""
        p = self.problem
        if p.inventory_tier_family is None or not in_place(p.inventory_tier_family, tf):
            return self.fresh()
        before = {site: inventory_before(self.space, p.inventory_bandwidths(site))
                  for site in (Site.PRIMARY, Site.SECONDARY)}
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
        circuits: dict[Site, tuple[int, ...]] = {
            Site.PRIMARY: tuple(int(ladder[x]) for x in self.space.states[index[0]])}
        if self.two_sites:
            circuits[Site.SECONDARY] = tuple(int(ladder[x]) for x in self.space.states[index[1]])
        return MonthPlan.of(tf, circuits)

    def backtrack(self, values: list[dict[TierFamily, np.ndarray]]
                  ) -> tuple[float, list[MonthPlan]]:
        """The optimal plan and its cost from the forward values."""
        last = values[-1]
        tf = min(self.tfs, key=lambda k: float(last[k].min()))
        best = float(last[tf].min())
        index = tuple(int(i) for i in np.unravel_index(int(np.argmin(last[tf])), last[tf].shape))
        plans = [self.state_plan(tf, index)]
        for t in range(self.problem.months - 1, 0, -1):
            target = values[t][tf][index] - self.month_cost(t, tf)[index]
            before = {Site.PRIMARY: self.space.cumulative[index[0]]}
            if self.two_sites:
                before[Site.SECONDARY] = self.space.cumulative[index[1]]
            size = sum(len(self.space.states[i]) for i in index)
            tf, index = self._predecessor(values[t - 1], tf, before, size, target)
            plans.append(self.state_plan(tf, index))
        return best, plans[::-1]

    def _predecessor(self, previous: dict[TierFamily, np.ndarray], tf: TierFamily,
                     after: dict[Site, np.ndarray], size: int,
                     target: float) -> tuple[TierFamily, tuple[int, ...]]:
        """The previous state from which the transition into the current one costs ``target``."""
        setup = self.problem.setup_usd
        best: tuple[float, TierFamily, tuple[int, ...]] | None = None
        for old in self.tfs:
            if in_place(old, tf):
                # created(prev -> cur) = max(0, max_x cur(<=x) - prev(<=x)), per site.
                created = np.maximum(0, (after[Site.PRIMARY] - self.space.cumulative).max(axis=1))
                if self.two_sites:
                    other = np.maximum(
                        0, (after[Site.SECONDARY] - self.space.cumulative).max(axis=1))
                    created = created[:, None] + other[None, :]
                total = previous[old] + setup * created
            else:
                total = previous[old] + setup * size
            i = int(np.argmin(total))
            value = float(total.flat[i])
            if best is None or value < best[0] - 1e-9:
                best = (value, old, tuple(int(j) for j in np.unravel_index(i, total.shape)))
        assert best is not None and abs(best[0] - target) <= 1e-6 * max(1.0, abs(target))
        return best[1], tuple(int(i) for i in best[2])
