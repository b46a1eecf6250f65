"""State spaces and search-space reductions shared by the ``dp`` engine's solvers.

A site's state is the multiset of its circuits' bandwidths, of size at most the per-site
cap. :func:`build_state_space` enumerates them with neighbour tables (one circuit more,
one less, one raised a ladder step) and the processing orders of the relaxation.

Two reductions shrink the search before any solver runs; each keeps the optimum:

* :func:`prune_ladder`: a bandwidth above the smallest one that alone covers every
  month's peak (the cover) is dropped when the cover is no dearer and links as many vNets,
  unless an existing circuit above the cover is no larger than it. Proof: follow one
  circuit through a plan; its bandwidth never falls (lowering is not in place). If it was
  created, or existed at most at the cover, cap every month's bandwidth at the cover: the
  changes stay in place, a creation stays one creation, fees do not rise and the cover
  alone carries every month. A circuit that existed above the cover never uses a
  bandwidth below its own, and those are all kept.
* :func:`drop_dominated_tier_families`: a tier-family ``d`` is dropped when another one
  ``k`` stands in for it. ``k`` stands in when (a) ``d -> k`` and ``k -> d`` are both in
  place, (b) for every tier-family ``o`` of the catalog (the inventory's included),
  ``o -> d`` is in place exactly when ``o -> k`` is, and ``d -> o`` exactly when
  ``k -> o`` is, (c) both pay egress alike, and (d) for every bandwidth ``d`` still offers,
  ``k`` offers it no dearer, with at least ``min(links of d, most vNets of any month)``
  vNet links (eligibility, routes included, is already decided). Proof: in any plan,
  relabel every month of ``d`` as ``k``. By (d) each month keeps every rule of one
  month (docs/model.rst) (the capacity, count and resiliency rules only see bandwidths, and each
  circuit links at least as many vNets) and its circuit fees do not rise; by (c) the
  egress is unchanged. By (a) and (b) every transition in place before stays in place
  (including ``d -> d``, ``d -> k`` and ``k -> d``, which become ``k -> k``), and the
  bandwidths are unchanged, so no more circuits are created. The relabelled plan is
  feasible and no dearer. ``k`` itself is kept, so the relation never drops both of two
  tier-families that stand in for each other. In practice this drops Premium when neither
  premium_required, the routes nor the vNets need it (Standard and Premium of one family
  are mutually in place and relate alike to every other tier-family; Local does not).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from itertools import combinations_with_replacement, product
from typing import NamedTuple

import numpy as np

from planner.domain import TierFamily
from planner.inputs.schema import FAMILIES, TIERS
from planner.problems import CustomerProblem, Sku
from planner.rules import eligible_skus, in_place, pays_egress

ALL_TIER_FAMILIES: tuple[TierFamily, ...] = tuple(product(TIERS, FAMILIES))


class Moves(NamedTuple):
    """The three moves between states and the orders that apply them, for the kernels.

    Neighbour tables are ``(n, k)`` and hold ``n`` for "no such state"; each order lists
    the states so that a move's source is processed before its target.
    """

    add: np.ndarray             # (n, k) the state with one more circuit of ladder step x
    lower: np.ndarray           # (n, k) the state with one x lowered to x - 1
    remove: np.ndarray          # (n, k) the state with one circuit of x less
    by_size_down: np.ndarray    # largest multisets first (free removals)
    by_rank_up: np.ndarray      # ascending sum of ladder indices (free raises)
    by_size_up: np.ndarray      # smallest multisets first (paid creations)


@dataclass(eq=False)
class StateSpace:
    """All multisets of at most ``most`` circuits over the bandwidth ladder ``ladder``.

    The moves between them, with the orders the relaxation applies them in, are
    :attr:`moves`.
    """

    ladder: np.ndarray          # bandwidths [Mb/s], ascending
    states: list[tuple[int, ...]]
    counts: np.ndarray          # (n, k) circuits of each ladder step
    size: np.ndarray            # (n,) circuits
    cumulative: np.ndarray      # (n, k) circuits with ladder index <= x
    largest: np.ndarray         # (n,) largest bandwidth [Mb/s], 0 for the empty state
    bandwidth: np.ndarray       # (n,) total bandwidth [Mb/s]
    moves: Moves

    @property
    def n(self) -> int:
        """Number of states."""
        return len(self.states)

    @property
    def remove(self) -> np.ndarray:
        """``(n, k)`` index of the state with one circuit of ladder step x less (or ``n``)."""
        return self.moves.remove

    @property
    def lower(self) -> np.ndarray:
        """``(n, k)`` index of the state with one x lowered to x - 1 (or ``n``)."""
        return self.moves.lower
    @functools.cached_property
    def circuits(self) -> list[tuple[int, ...]]:
        """Bandwidths [Mb/s] of each state, ascending."""
        ladder = [int(b) for b in self.ladder]
        return [tuple(ladder[x] for x in s) for s in self.states]


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
    size = counts.sum(axis=1)
    rank = counts @ np.arange(k)
    by_size_up = np.argsort(size, kind="stable")
    moves = Moves(add, lower, remove, by_size_up[::-1].copy(), np.argsort(rank, kind="stable"),
                  by_size_up)
    return StateSpace(bandwidths, states, counts, size, np.cumsum(counts, axis=1), largest,
                      counts @ bandwidths, moves)


def prune_ladder(problem: CustomerProblem, skus: dict[TierFamily, tuple[Sku, ...]]
                 ) -> dict[TierFamily, list[Sku]]:
    """Eligible SKUs per tier-family without the bandwidths that can never help."""
    need = float(np.max(problem.peak_mbps)) / problem.target_utilization
    most_vnets = int(np.max(problem.vnets))
    existing = [c.bandwidth_mbps for c in problem.inventory]
    kept = {}
    for tf, group in skus.items():
        cover = next((s for s in group if s.bandwidth_mbps >= need), None)
        # An existing circuit above the cover can only stay or rise in place: every
        # bandwidth from its own up is kept.
        above = [b for b in existing if cover is not None and b > cover.bandwidth_mbps]
        kept_from = min(above, default=np.inf)
        keep = []
        for sku in group:
            dominated = (cover is not None and sku.bandwidth_mbps > cover.bandwidth_mbps
                         and sku.bandwidth_mbps < kept_from
                         and cover.monthly_usd <= sku.monthly_usd
                         and cover.vnet_links >= min(sku.vnet_links, most_vnets))
            if not dominated:
                keep.append(sku)
        kept[tf] = keep
    return kept


@functools.lru_cache(maxsize=1024)
def _relates_alike(dropped: TierFamily, kept: TierFamily) -> bool:
    """Conditions (a) to (c) of the module docstring (they read the two keys only)."""
    if not (in_place(dropped, kept) and in_place(kept, dropped)):
        return False
    if pays_egress(dropped) != pays_egress(kept):
        return False
    return all(in_place(o, dropped) == in_place(o, kept)
               and in_place(dropped, o) == in_place(kept, o) for o in ALL_TIER_FAMILIES)


def _stands_in(dropped: list[Sku], kept: list[Sku], most_vnets: int) -> bool:
    """Condition (d): ``kept`` offers every bandwidth of ``dropped`` no dearer, as linked."""
    offer = {s.bandwidth_mbps: s for s in kept}
    for sku in dropped:
        other = offer.get(sku.bandwidth_mbps)
        if other is None or other.monthly_usd > sku.monthly_usd or (
                other.vnet_links < min(sku.vnet_links, most_vnets)):
            return False
    return True


def drop_dominated_tier_families(problem: CustomerProblem,
                                 pruned: dict[TierFamily, list[Sku]],
                                 eligible: dict[TierFamily, tuple[Sku, ...]]
                                 ) -> dict[TierFamily, list[Sku]]:
    """``pruned`` without the tier-families another one stands in for (module docstring)."""
    most_vnets = int(np.max(problem.vnets))
    kept = dict(pruned)
    for dropped in list(pruned):
        for other in kept:
            if other != dropped and _relates_alike(dropped, other) and _stands_in(
                    kept[dropped], list(eligible[other]), most_vnets):
                del kept[dropped]
                break
    return kept


def dp_skus(problem: CustomerProblem) -> dict[TierFamily, list[Sku]]:
    """The SKUs the ``dp`` engine searches, per tier-family (both reductions applied)."""
    eligible = eligible_skus(problem)
    return drop_dominated_tier_families(problem, prune_ladder(problem, eligible), eligible)
