"""The month-by-month state graph of one customer, in which a plan is a path.

A node is a month ``t``, a tier-family ``f`` and a state ``s`` of the ``dp`` engine's state
space (:mod:`planner.engines.dp.space`; the same reductions of bandwidths and tier-families). An arc
from ``(t - 1, g, s')`` to ``(t, f, s)`` costs the setup of the circuits created,
``setup x max(0, max_x (#s(<= x) - #s'(<= x)))`` (Hall's bound; docs/model.rst, Rules
across months), plus the month cost of ``(t, f, s)``; it exists when ``g -> f`` is in
place, and is built as a path through layers of free moves and creations
(:func:`build_arcs`). Any other change goes
through the month's *restart* node, from which every state is built anew at
``setup x |s|``. The first month is entered from the inventory, the last one leaves to a
sink, so a plan is a source-sink path and its cost is the path's length.

A :class:`Flow` holds the month costs of one such graph: one site (``standard``, ``n+1``),
one site of a ``maximum`` customer whose sites do not couple (two flows then share the
tier-family of every month), or the pairs of states of a coupled ``maximum`` customer.

Two prunings keep the graph small and every optimal path in it. First, before the arcs are
built: ``floor[t]``, the least month cost of month ``t`` over all states (with the first
month's arrival), bounds every plan's cost in that month from below, so a node whose own cost
plus the floors of the other months exceeds the cost ``upper`` of some plan lies on no optimal
path. :func:`greedy_plan` gives ``upper``: month by month it takes the cheapest next state.
Then, on the built graph: :func:`distances` finds the shortest way from the source to every
node and from every node to the sink (Dijkstra's algorithm; no arc costs less than zero), and
:func:`keep_within` keeps an arc only when the way through it, ``from_source[tail] + cost +
to_sink[head]``, fits the bound. These distances are optimal dual values of the shortest-path
linear program, so this is reduced-cost fixing: an arc dropped lies on no path within the
bound, and every optimal path keeps all its arcs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse
from scipy.sparse.csgraph import dijkstra

#: Slack [USD] on the pruning bound, far above floating-point noise of sums of prices.
PRUNE_SLACK_USD = 1e-4


@dataclass(eq=False)
class Flow:
    """The month costs of one graph.

    Parameters
    ----------
    cost : numpy.ndarray
        ``(tier-families, months, states)`` month cost [USD], ``inf`` where a rule breaks.
    first : numpy.ndarray
        ``(tier-families, states)`` setup of reaching each state in the first month [USD].
    cumulative : list of numpy.ndarray
        Per site, ``(states, bandwidths)`` circuits with bandwidth <= each ladder step.
    counts : list of numpy.ndarray
        Per site, ``(states, bandwidths)`` circuits of each ladder step.
    remove, lower : numpy.ndarray
        ``(states, moves)``: the state with one circuit less, and with one circuit lowered a
        ladder step (``states`` where there is none), as in
        :class:`planner.engines.dp.space.StateSpace`.
    size : numpy.ndarray
        ``(states,)`` circuits of each state.
    in_place : numpy.ndarray
        ``(tier-families, tier-families)``: whether ``g -> f`` is in place.
    setup : float
        Setup of one created circuit [USD].
    """

    cost: np.ndarray
    first: np.ndarray
    cumulative: list[np.ndarray]
    counts: list[np.ndarray]
    remove: np.ndarray
    lower: np.ndarray
    size: np.ndarray
    in_place: np.ndarray
    setup: float

    @property
    def months(self) -> int:
        """Months of the plan."""
        return int(self.cost.shape[1])

    def arrival(self) -> np.ndarray:
        """``(tier-families, months, states)`` month cost, the first month's setup included."""
        total = self.cost.copy()
        total[:, 0] += self.first
        return total

    def created(self, before: np.ndarray, after: np.ndarray) -> np.ndarray:
        """Circuits created from each state of ``before`` to each of ``after`` (a matrix)."""
        total = np.zeros((len(before), len(after)), dtype=np.int64)
        for cumulative in self.cumulative:
            gap = cumulative[after][None, :, :] - cumulative[before][:, None, :]
            total += np.maximum(0, gap.max(axis=2))
        return total


@dataclass
class Arcs:
    """The pruned graph of one flow: its nodes and arcs.

    Nodes ``0`` (source) and ``1`` (sink), then one restart node per month after the first,
    then the kept ``(month, tier-family, state)`` nodes in :attr:`node_key`.
    """

    tail: np.ndarray
    head: np.ndarray
    cost: np.ndarray
    node_key: np.ndarray     # (nodes, 3): month, tier-family, state; -1 for the others
    into: np.ndarray         # (arcs,) tier-family index of the arc's head month-node, else -1
    head_month: np.ndarray   # (arcs,) month of the arc's head, -1 for the sink

    @property
    def nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_key)


def month_floors(flows: list[Flow]) -> np.ndarray:
    """Least cost of every month over tier-families, the flows' least states summed [USD]."""
    least = sum(f.arrival().min(axis=2) for f in flows)     # (tier-families, months)
    floors: np.ndarray = least.min(axis=0)
    return floors


def greedy_plan(flows: list[Flow]) -> float:
    """Cost of the plan that takes, month by month, the cheapest next state [USD].

    The flows share each month's tier-family. ``inf`` when a month has no state.
    """
    families = flows[0].cost.shape[0]
    total = 0.0
    previous: tuple[int, list[int]] | None = None
    for t in range(flows[0].months):
        best: tuple[float, int, list[int]] = (np.inf, -1, [])
        for f in range(families):
            value, picks = 0.0, []
            for i, flow in enumerate(flows):
                if previous is None:
                    arrive = flow.first[f] + flow.cost[f, 0]
                elif flow.in_place[previous[0], f]:
                    moved = flow.created(np.array([previous[1][i]]), np.arange(len(flow.size)))
                    arrive = flow.setup * moved[0] + flow.cost[f, t]
                else:
                    arrive = flow.setup * flow.size + flow.cost[f, t]
                j = int(np.argmin(arrive))
                value += float(arrive[j])
                picks.append(j)
            if value < best[0]:
                best = (value, f, picks)
        if not np.isfinite(best[0]):
            return np.inf
        total += best[0]
        previous = (best[1], best[2])
    return total


def _closure(start: np.ndarray, push: list[np.ndarray], pull: list[np.ndarray]) -> np.ndarray:
    """States reached from the states of mask ``start`` by any number of moves.

    A move of a table in ``push`` goes from ``s`` to ``table[s, x]``, one of a table in
    ``pull`` from ``table[s, x]`` to ``s``; ``n`` in a table means no move.
    """
    n = len(start)
    reach = np.append(start, False)
    while True:
        grown = reach.copy()
        for table in push:
            grown[table[reach[:n]].ravel()] = True
        for table in pull:
            grown[:n] |= reach[table].any(axis=1)
        grown[n] = False
        if np.array_equal(grown, reach):
            return reach[:n]
        reach = grown


def _between(flow: Flow, sources: np.ndarray, targets: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """States of the free-move and creation layers on some way from ``sources`` to ``targets``.

    Free moves are removals (``remove``) and raises (a ``lower`` move backwards); creations
    are removals backwards. A way leaves the free-move layer at an *entry*: a state reached
    from a source by free moves that some target contains (reaches by removals backwards).
    Returns the masks of the free-move layer's and the creation layer's states.
    """
    start = np.zeros(len(flow.size), dtype=bool)
    start[targets] = True
    into_target = _closure(start, [flow.remove], [])
    start[:] = False
    start[sources] = True
    freed = _closure(start, [flow.remove], [flow.lower])
    entries = freed & into_target
    free = freed & _closure(entries, [flow.lower], [flow.remove])
    create = into_target & _closure(entries, [], [flow.remove])
    return free, create


def build_arcs(flow: Flow, floors: np.ndarray, partner: np.ndarray, upper: float) -> Arcs:
    """The graph of ``flow`` without the nodes and arcs that lie on no optimal path.

    An in-place change ``g -> f`` between two months passes through two layers of states
    per month and source tier-family ``g``: free moves (a circuit removed, or raised one
    ladder step) and creations (a circuit added at ``setup``), as the ``dp`` engine's
    relaxation orders them; a layer state is kept only when it lies on a way between kept
    month-nodes (:func:`_between`).

    Parameters
    ----------
    flow : Flow
        The month costs.
    floors : numpy.ndarray
        ``(months,)`` least cost of each month over all flows [USD].
    partner : numpy.ndarray
        ``(tier-families, months)`` least cost the other flows add to a month of each
        tier-family [USD] (zeros for a single flow).
    upper : float
        Cost of some plan [USD].
    """
    cost = flow.arrival()
    families, months, n = cost.shape
    spare = upper + PRUNE_SLACK_USD - floors.sum()
    # A node's cost above its month's floor may not exceed what the plan leaves spare.
    excess = cost + partner[:, :, None] - floors[None, :, None]
    kept = [[np.flatnonzero(excess[f, t] <= spare) for f in range(families)]
            for t in range(months)]
    keys: list[tuple[int, int, int]] = [(-1, -1, -1)] * (2 + max(0, months - 1))
    node_of: dict[tuple[int, int], np.ndarray] = {}
    for t in range(months):
        for f in range(families):
            node_of[t, f] = len(keys) + np.arange(len(kept[t][f]))
            keys += [(t, f, int(s)) for s in kept[t][f]]
    parts: list[tuple[np.ndarray, ...]] = []

    def add(tail: np.ndarray, head: np.ndarray | int, price: np.ndarray | float, tf: int,
            month: int) -> None:
        tail = np.asarray(tail, dtype=np.int64)
        parts.append((tail, np.broadcast_to(np.asarray(head, dtype=np.int64), tail.shape),
                      np.broadcast_to(np.asarray(price, dtype=float), tail.shape),
                      np.full(len(tail), tf), np.full(len(tail), month)))

    def layer(mask: np.ndarray) -> np.ndarray:
        """Node ids of a layer's kept states (-1 elsewhere)."""
        ids = np.full(n + 1, -1, dtype=np.int64)
        ids[np.flatnonzero(mask)] = len(keys) + np.arange(int(mask.sum()))
        keys.extend([(-1, -1, -1)] * int(mask.sum()))
        return ids

    def moves(ids: np.ndarray, table: np.ndarray, forward: bool, price: float) -> None:
        """Arcs ``s -> table[s, x]`` (or the reverse) between kept states of one layer."""
        source = np.repeat(np.arange(n), table.shape[1])
        target = table.ravel()
        ok = (ids[source] >= 0) & (ids[np.minimum(target, n)] >= 0) & (target < n)
        a, b = ids[source[ok]], ids[target[ok]]
        add(a, b, price, -1, -1) if forward else add(b, a, price, -1, -1)

    for f in range(families):
        add(np.zeros(len(kept[0][f]), np.int64), node_of[0, f], cost[f, 0, kept[0][f]], f, 0)
    for t in range(1, months):
        restart = 1 + t
        for g in range(families):
            add(node_of[t - 1, g], restart, 0.0, -1, -1)
        for f in range(families):
            add(np.full(len(kept[t][f]), restart), node_of[t, f],
                flow.setup * flow.size[kept[t][f]] + cost[f, t, kept[t][f]], f, t)
        for g in range(families):
            sources = kept[t - 1][g]
            heads = [f for f in range(families) if flow.in_place[g, f] and len(kept[t][f])]
            if not len(sources) or not heads:
                continue
            targets = np.unique(np.concatenate([kept[t][f] for f in heads]))
            free, create = _between(flow, sources, targets)
            free_ids, create_ids = layer(free), layer(create)
            enter = free_ids[sources] >= 0
            add(node_of[t - 1, g][enter], free_ids[sources[enter]], 0.0, -1, -1)
            moves(free_ids, flow.remove, True, 0.0)     # remove a circuit: free
            moves(free_ids, flow.lower, False, 0.0)     # raise a circuit a step: free
            both = np.flatnonzero(free & create)
            add(free_ids[both], create_ids[both], 0.0, -1, -1)
            moves(create_ids, flow.remove, False, flow.setup)   # create a circuit
            for f in heads:
                leave = create_ids[kept[t][f]] >= 0
                add(create_ids[kept[t][f][leave]], node_of[t, f][leave],
                    cost[f, t, kept[t][f][leave]], f, t)
    for f in range(families):
        add(node_of[months - 1, f], np.ones(len(kept[months - 1][f]), np.int64), 0.0, -1, -1)
    tail, head, price, into, head_month = (np.concatenate(c) for c in zip(*parts, strict=True))
    return Arcs(tail, head.astype(np.int64), price.astype(float),
                np.array(keys, dtype=np.int64), into.astype(np.int64),
                head_month.astype(np.int64))


def distances(graph: Arcs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Length of the shortest way from the source to every node, and from every node to the sink.

    Dijkstra's algorithm (every arc costs at least zero); ``inf`` where there is no way.
    Returns two ``(nodes,)`` arrays [USD] and the ``(nodes,)`` predecessor of every node on
    a shortest way from the source (negative where there is none).
    """
    if len(graph.cost) and graph.cost.min() < 0:
        raise ValueError("an arc of the plan graph has a negative cost")
    n = graph.nodes
    # Of parallel arcs only the cheapest matters (a sparse matrix would add them up).
    order = np.lexsort((graph.cost, graph.head, graph.tail))
    tail, head, cost = graph.tail[order], graph.head[order], graph.cost[order]
    first = np.ones(len(tail), dtype=bool)
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    # Explicit zeros of a sparse matrix are arcs to scipy's graph routines.
    matrix = scipy.sparse.csr_array((cost[first], (tail[first], head[first])), shape=(n, n))
    from_source, previous = dijkstra(matrix, directed=True, indices=0,
                                     return_predecessors=True)
    to_sink = dijkstra(matrix.T.tocsr(), directed=True, indices=1)
    return from_source, to_sink, previous


def families_along(graph: Arcs, previous: np.ndarray, months: int) -> np.ndarray:
    """``(months,)`` tier-family of every month on the shortest way to the sink."""
    families = np.full(months, -1, dtype=np.int64)
    node = 1
    while node > 0:
        t, f, _ = graph.node_key[node].tolist()
        if t >= 0:
            families[t] = f
        node = int(previous[node])
    return families


def only_families(graph: Arcs, families: np.ndarray) -> Arcs:
    """``graph`` without the arcs into a month's nodes of another tier-family than ``families``."""
    month = np.maximum(graph.head_month, 0)
    keep = (graph.into < 0) | (graph.into == families[month])
    return Arcs(graph.tail[keep], graph.head[keep], graph.cost[keep], graph.node_key,
                graph.into[keep], graph.head_month[keep])


def keep_within(graph: Arcs, from_source: np.ndarray, to_sink: np.ndarray, bound: float
                ) -> Arcs:
    """``graph`` with only the arcs on some source-sink path of length <= ``bound`` [USD].

    An arc lies on such a path exactly when the shortest way to its tail, its cost and the
    shortest way from its head add up to at most ``bound`` (reduced-cost fixing with the
    distances as the linear program's dual values); :data:`PRUNE_SLACK_USD` is added.
    """
    through = from_source[graph.tail] + graph.cost + to_sink[graph.head]
    keep = through <= bound + PRUNE_SLACK_USD
    return Arcs(graph.tail[keep], graph.head[keep], graph.cost[keep], graph.node_key,
                graph.into[keep], graph.head_month[keep])
