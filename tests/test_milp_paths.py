"""The MILP engine's graph pruning: Dijkstra's distances, reduced-cost fixing, matched plans."""

from __future__ import annotations

import numpy as np
import pytest

import planner
from planner.engines.milp import create_model
from planner.engines.milp.paths import Arcs, distances, families_along, keep_within, only_families
from tests.notebook_data import sample_problems

# Nodes: 0 source, 1 sink, then (month, tier-family, state) nodes 2 to 5.
KEYS = np.array([[-1, -1, -1], [-1, -1, -1], [0, 0, 0], [0, 1, 0], [1, 0, 0], [1, 1, 0]])


def small_graph() -> Arcs:
    """Two months, two tier-families; the ways 2-4 and 3-5 both cost 4, 2-5 costs 6."""
    tail = np.array([0, 0, 0, 2, 2, 3, 4, 5])
    head = np.array([2, 2, 3, 4, 5, 5, 1, 1])
    cost = np.array([1.0, 9.0, 2.0, 3.0, 5.0, 2.0, 0.0, 0.0])
    into = np.array([0, 0, 1, 0, 1, 1, -1, -1])
    month = np.array([0, 0, 0, 1, 1, 1, -1, -1])
    return Arcs(tail, head, cost, KEYS, into, month)


def test_distances_take_the_cheapest_of_parallel_arcs() -> None:
    from_source, to_sink, previous = distances(small_graph())
    # A sparse matrix would add the parallel arcs 0 -> 2 (1 and 9) into one of 10.
    assert from_source.tolist() == [0.0, 4.0, 1.0, 2.0, 4.0, 4.0]
    assert to_sink.tolist() == [4.0, 0.0, 3.0, 2.0, 0.0, 0.0]
    assert previous[2] == 0 and previous[4] == 2


def test_keep_within_keeps_exactly_the_arcs_of_ways_within_the_bound() -> None:
    graph = small_graph()
    from_source, to_sink, _ = distances(graph)
    shortest = keep_within(graph, from_source, to_sink, 4.0)
    assert sorted(zip(shortest.tail.tolist(), shortest.head.tolist(),
                      shortest.cost.tolist(), strict=True)) == [
        (0, 2, 1.0), (0, 3, 2.0), (2, 4, 3.0), (3, 5, 2.0), (4, 1, 0.0), (5, 1, 0.0)]
    # Up to 6 the way 2 -> 5 is kept too, never the dear parallel arc.
    wider = keep_within(graph, from_source, to_sink, 6.0)
    assert (2, 5) in set(zip(wider.tail.tolist(), wider.head.tolist(), strict=True))
    assert 9.0 not in wider.cost.tolist()


def test_only_families_follows_the_tier_families_of_a_path() -> None:
    graph = small_graph()
    _, _, previous = distances(graph)
    families = families_along(graph, previous, 2)
    assert families.tolist() in ([0, 0], [1, 1])
    # Month 0 in tier-family 0 and month 1 in tier-family 1: only the way 2 -> 5 remains.
    mixed = only_families(graph, np.array([0, 1]))
    assert distances(mixed)[0][1] == 6.0
    assert set(mixed.into.tolist()) <= {0, 1, -1}
    assert not ((mixed.head_month == 0) & (mixed.into == 1)).any()


def test_a_negative_arc_is_refused() -> None:
    graph = small_graph()
    graph.cost[3] = -1.0
    with pytest.raises(ValueError, match="negative"):
        distances(graph)


@pytest.mark.parametrize("customer_id", ["fabrikam-uk", "wingtip-au", "kestrel-energy"])
def test_two_site_bounds_enclose_the_optimum(customer_id: str) -> None:
    problem = sample_problems()[customer_id]
    model = create_model(problem)
    assert len(model.graphs) == 2
    best = planner.plan_customer(problem, "dp").total_usd
    assert model.lower_usd <= best + 1e-6 <= model.upper_usd + 2e-6
    result = planner.plan_customer(problem, "milp")
    assert result.total_usd == pytest.approx(best, abs=0.005)
