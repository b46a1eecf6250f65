"""The PuLP model of one customer: a shortest path through the month-by-month states.

The graph is :mod:`planner.engines.milp.paths`, built from the ``dp`` engine's state space and
month costs (:class:`planner.engines.dp.tables.SiteTables`,
:class:`planner.engines.dp.pairs.PairCustomer`).

Variables
---------
``arc[i]``
    Flow on arc ``i`` of a graph, in [0, 1]. Each node conserves flow, one unit leaves the
    source, and the objective is the arcs' costs: monthly fees, metered egress and the
    setup of created circuits [USD].
``choose[t, f]``
    Binary, only for a ``maximum`` customer whose sites do not couple: month ``t`` uses
    tier-family ``f``. The two sites then have a graph each (one state space per site
    instead of their product), and the flow of each site into month ``t``'s nodes of ``f``
    equals ``choose[t, f]``.

One graph is a shortest-path problem: its constraint matrix is a network matrix, so the
linear program has an integral optimum and HiGHS solves it without branching. With two
graphs the choices are binary; once they are fixed, each site is again a shortest path,
so the branch-and-bound only branches on tier-families (often not at all).

Each graph is pruned by its own shortest distances (:func:`planner.engines.milp.paths.keep_within`).
Alone, a graph keeps only the arcs of its shortest paths. Of two, a graph's path costs at
most the best plan found less the other graph's shortest path; the best plan found is the
cheaper of the greedy plan and a *matched plan* (one site's shortest path, the other's
shortest path through the same tier-families). The sum of the graphs' shortest paths is a
lower bound on every plan (``MilpModel.lower_usd``). None of it reads the ``dp``
engine's values or plan: only its state space and month costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pulp

from planner.domain import Resiliency, Site, TierFamily
from planner.engines.dp import SiteTables, sites_couple
from planner.engines.dp.pairs import PairCustomer
from planner.engines.milp.paths import (
    Arcs,
    Flow,
    build_arcs,
    distances,
    families_along,
    greedy_plan,
    keep_within,
    month_floors,
    only_families,
)
from planner.problems import CustomerProblem
from planner.rules import in_place


@dataclass
class MilpModel:
    """A built model, its graphs and how their states read as circuits.

    Parameters
    ----------
    problem : CustomerProblem
        The customer it plans.
    prob : pulp.LpProblem or None
        The PuLP model; None when some month has no state meeting every rule.
    tfs : list of tuple of str
        The tier-families searched.
    flows, graphs : list
        One :class:`Flow` and its pruned :class:`Arcs` per graph.
    arcs : list of list of pulp.LpVariable
        The arc variables of each graph.
    sites : list of tuple of str
        The sites each graph's states describe (two for a graph of pairs of states).
    ladder : numpy.ndarray
        Bandwidths [Mb/s] of the state space.
    states : list of tuple of int
        Ladder indices of each one-site state.
    upper_usd : float
        Cost of the best plan found before solving, which bounded the pruning: the greedy
        plan, or for two graphs the cheaper of it and the matched plan [USD].
    lower_usd : float
        Sum of the graphs' shortest paths, a lower bound on every plan [USD].
    """

    problem: CustomerProblem
    prob: pulp.LpProblem | None
    tfs: list[TierFamily]
    flows: list[Flow] = field(default_factory=list)
    graphs: list[Arcs] = field(default_factory=list)
    arcs: list[list[pulp.LpVariable]] = field(default_factory=list)
    sites: list[tuple[Site, ...]] = field(default_factory=list)
    ladder: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    states: list[tuple[int, ...]] = field(default_factory=list)
    upper_usd: float = np.inf
    lower_usd: float = -np.inf
    choose: dict[tuple[int, int], pulp.LpVariable] = field(default_factory=dict)

    def circuits(self, graph: int, state: int) -> dict[Site, tuple[int, ...]]:
        """Bandwidths [Mb/s] at each site of a state of graph ``graph``."""
        sites = self.sites[graph]
        parts = [state] if len(sites) == 1 else list(divmod(state, len(self.states)))
        return {site: tuple(int(self.ladder[x]) for x in self.states[part])
                for site, part in zip(sites, parts, strict=True)}


def _one_site_flows(problem: CustomerProblem
                    ) -> tuple[SiteTables, list[Flow], list[tuple[Site, ...]]]:
    two = problem.resiliency == Resiliency.MAXIMUM
    tables = SiteTables(problem, two_sites=two)
    space = tables.space
    def make(cost: np.ndarray, site: Site) -> Flow:
        return Flow(cost, tables.first_arrival(site), [space.cumulative], [space.counts],
                    space.remove, space.lower, space.size, tables.in_place, problem.setup_usd)

    if not two:
        return tables, [make(tables.cost, Site.PRIMARY)], [(Site.PRIMARY,)]
    assert tables.second is not None  # two_sites=True builds it
    return tables, [make(tables.cost, Site.PRIMARY), make(tables.second, Site.SECONDARY)], [
        (Site.PRIMARY,), (Site.SECONDARY,)]


def _pair_flow(problem: CustomerProblem) -> tuple[PairCustomer, Flow]:
    pairs = PairCustomer(problem)
    space, n = pairs.space, pairs.space.n
    cost = np.array([[pairs.month_cost(t, tf).ravel() for t in range(problem.months)]
                     for tf in pairs.tfs])
    first = np.array([pairs.first_arrival(tf).ravel() for tf in pairs.tfs], dtype=float)
    index = np.arange(n * n)
    moves_in_place = np.array([[in_place(g, f) for f in pairs.tfs] for g in pairs.tfs])
    one, two = index // n, index % n
    flow = Flow(cost, first, [space.cumulative[one], space.cumulative[two]],
                [space.counts[one], space.counts[two]],
                np.hstack([_pair_moves(space.remove[one], two, n, True),
                           _pair_moves(space.remove[two], one, n, False)]),
                np.hstack([_pair_moves(space.lower[one], two, n, True),
                           _pair_moves(space.lower[two], one, n, False)]),
                space.size[one] + space.size[two], moves_in_place, problem.setup_usd)
    return pairs, flow


def _pair_moves(moved: np.ndarray, other: np.ndarray, n: int, first: bool) -> np.ndarray:
    """A one-site move table applied to one site of the pairs ``(first site) * n + second``."""
    other = other[:, None]
    pairs = moved * n + other if first else other * n + moved
    return np.where(moved == n, n * n, pairs)


def _add_graph(model: MilpModel, k: int, graph: Arcs) -> None:
    """Arc variables and flow conservation of graph ``k``."""
    prob = model.prob
    assert prob is not None  # build_model makes the problem before the graphs
    arcs = [prob.add_variable(f"arc_{k}_{i}", lowBound=0, upBound=1)
            for i in range(len(graph.tail))]
    model.arcs.append(arcs)
    leaving: list[list[tuple[pulp.LpVariable, float]]] = [[] for _ in range(graph.nodes)]
    for i, (tail, head) in enumerate(zip(graph.tail.tolist(), graph.head.tolist(),
                                         strict=True)):
        leaving[tail].append((arcs[i], 1.0))
        leaving[head].append((arcs[i], -1.0))
    for node, terms in enumerate(leaving):
        supply = 1.0 if node == 0 else -1.0 if node == 1 else 0.0
        if terms:
            prob += (pulp.LpAffineExpression(terms) == supply, f"node_{k}_{node}")
        elif supply:
            prob += (pulp.LpAffineExpression([]) == supply, f"node_{k}_{node}")


def create_model(problem: CustomerProblem) -> MilpModel:
    """Build the shortest-path model of one customer.

    Parameters
    ----------
    problem : CustomerProblem
        The customer; it must have at least one eligible SKU.

    Returns
    -------
    MilpModel
        ``prob`` is None when some month has no state that meets every rule.
    """
    sites: list[tuple[Site, ...]]
    if problem.resiliency == Resiliency.MAXIMUM and sites_couple(problem):
        pairs, flow = _pair_flow(problem)
        flows, sites, tfs = [flow], [(Site.PRIMARY, Site.SECONDARY)], list(pairs.tfs)
        space = pairs.space
    else:
        tables, flows, sites = _one_site_flows(problem)
        tfs, space = tables.tfs, tables.space
    model = MilpModel(problem, None, tfs, flows=flows, sites=sites, ladder=space.ladder,
                      states=space.states)
    floors = month_floors(flows)
    if not np.isfinite(floors).all():
        return model
    model.upper_usd = greedy_plan(flows)
    least = [f.arrival().min(axis=2) for f in flows]          # (tier-families, months)
    graphs = []
    for k, flow in enumerate(flows):
        partner = sum((least[j] for j in range(len(flows)) if j != k),
                      np.zeros_like(least[k]))
        graphs.append(build_arcs(flow, floors, partner, model.upper_usd))
    ways = [distances(graph) for graph in graphs]
    shortest = [float(from_source[1]) for from_source, _, _ in ways]
    if np.isfinite(shortest).all():
        model.lower_usd = sum(shortest)
        if len(graphs) == 2:
            model.upper_usd = min(model.upper_usd, _matched_plan(graphs, ways, problem.months))
        # Alone, a graph keeps only its shortest paths; of two, a graph's path costs at most
        # the best plan found less the other graph's shortest path.
        best = model.lower_usd if len(graphs) == 1 else model.upper_usd
        graphs = [keep_within(graph, from_source, to_sink, best - model.lower_usd + length)
                  for graph, (from_source, to_sink, _), length
                  in zip(graphs, ways, shortest, strict=True)]
    model.prob = pulp.LpProblem("plan", pulp.LpMinimize)
    objective = []
    for k, graph in enumerate(graphs):
        model.graphs.append(graph)
        _add_graph(model, k, graph)
        objective += list(zip(model.arcs[k], graph.cost.tolist(), strict=True))
    model.prob += pulp.LpAffineExpression(objective)
    if len(flows) == 2:
        _couple_sites(model)
    return model


def _matched_plan(graphs: list[Arcs], ways: Sequence[tuple[np.ndarray, ...]], months: int
                  ) -> float:
    """Cost of a plan of two sites [USD], an upper bound on the optimum.

    One site follows its shortest path and the other its shortest path through the same
    tier-family each month; the cheaper of both ways round.
    """
    best = np.inf
    for k in (0, 1):
        families = families_along(graphs[k], ways[k][2], months)
        other = only_families(graphs[1 - k], families)
        best = min(best, float(ways[k][0][1]) + float(distances(other)[0][1]))
    return best


def _couple_sites(model: MilpModel) -> None:
    """Both sites' flows enter the nodes of one tier-family each month."""
    prob = model.prob
    assert prob is not None  # build_model makes the problem before coupling the sites
    for t in range(model.problem.months):
        for f in range(len(model.tfs)):
            choose = prob.add_variable(f"choose_{t}_{f}", cat="Binary")
            model.choose[t, f] = choose
            for k, graph in enumerate(model.graphs):
                entering = np.flatnonzero((graph.head_month == t) & (graph.into == f))
                terms = [(model.arcs[k][i], 1.0) for i in entering.tolist()]
                prob += (pulp.LpAffineExpression(terms + [(choose, -1.0)]) == 0,
                         f"site_{k}_takes_{t}_{f}")
