"""The Direct search's local search: exact best moves in the room the pairs leave."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from planner.direct.local import LocalSearch, Selection, pair_moves
from planner.direct.master import Master
from planner.direct.ports import check_ports
from planner.direct.pricing import Column, Pricer
from planner.direct.problem import PortfolioProblem, build_portfolio_problem
from planner.inputs.validate import validate_inputs
from tests.direct_instances import generate
from tests.direct_reference import customer_options

SEEDS = [s for s in range(40) if generate(s).ports is not None]


def coupled(seed: int) -> tuple[PortfolioProblem, dict[int, Pricer]]:
    instance = generate(seed)
    inputs = validate_inputs(instance.customers, instance.demand, instance.catalog,
                             instance.egress_rates)
    offers, problems = check_ports(instance.ports, "ports.csv")
    assert not problems
    portfolio = build_portfolio_problem(inputs, offers)
    pricers = {c: Pricer(c, customer) for c, customer in portfolio.coupled.items()}
    return portfolio, {c: p for c, p in pricers.items() if p.has_direct}


def respond_with(pricers: dict[int, Pricer], shape: tuple[int, int]):
    def respond(c: int, room: np.ndarray, below_usd: float = math.inf) -> Column | None:
        _, found = pricers[c].cheapest(np.zeros(shape), [], room_mbps=room)
        return None if found is None or found.cost_usd >= below_usd else pricers[c].build(found)
    return respond


@pytest.mark.parametrize("seed", SEEDS)
def test_the_best_plan_in_a_room_is_the_exhaustive_one(seed: int) -> None:
    instance = generate(seed)
    portfolio, pricers = coupled(seed)
    shape = (len(portfolio.offers), portfolio.months)
    rng = random.Random(seed)
    for c, pricer in pricers.items():
        options = customer_options(instance.ref_customers[c], instance.ref_catalog,
                                   instance.ref_ports, 0.025)
        for _ in range(4):
            room = np.array([[rng.choice([0.0, 1000.0, 5000.0, 10_000.0, 20_000.0])
                              for _ in range(shape[1])]])
            expected = min((cost for loads, cost in options.items()
                            if all(v <= r + 1e-9 for v, r in zip(loads, room[0],
                                                                 strict=True))),
                           default=math.inf)
            _, found = pricer.cheapest(np.zeros(shape), [], room_mbps=room)
            if math.isinf(expected):
                assert found is None
                continue
            assert found is not None
            column = pricer.build(found)
            assert column.cost_usd == pytest.approx(expected, abs=0.005)
            assert all(mbps <= room[k, m] + 1e-6 for k, m, mbps in column.loads)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_local_search_fits_the_pairs_and_never_costs_more(seed: int) -> None:
    portfolio, pricers = coupled(seed)
    if not pricers:
        pytest.skip("no customer may use Direct")
    shape = (len(portfolio.offers), portfolio.months)
    capacity = portfolio.capacity_mbps()
    respond = respond_with(pricers, shape)
    unbounded = np.full(shape, np.inf)
    big_m = {c: 1e7 for c in pricers}
    search = LocalSearch(respond, big_m, capacity, math.inf, lambda: 0.0)
    most = np.array([o.max_pairs for o in portfolio.offers], dtype=float)
    # Everyone's plan with unlimited pairs, then fitted to each count one step from none.
    start = Selection.of({c: respond(c, unbounded) for c in pricers}, shape)
    for pairs in [np.zeros(shape), *pair_moves(np.zeros(shape), most),
                  np.full(shape, most[0])]:
        selection = start.copy()
        if not search.fit(selection, pairs):
            continue
        assert (selection.loads_mbps <= pairs * capacity[:, None] + 1e-6).all()
        fitted = search.plan_usd(selection)
        search.within(selection, pairs)
        assert (selection.loads_mbps <= pairs * capacity[:, None] + 1e-6).all()
        assert search.plan_usd(selection) <= fitted + 1e-6
        again = Selection.of(selection.chosen, shape)
        assert np.allclose(again.loads_mbps, selection.loads_mbps)
        # Settled: no customer has a cheaper plan in the room the others leave.
        for c in pricers:
            column = respond(c, search.room(selection, c, pairs))
            assert column is None or column.cost_usd >= search.own_usd(selection, c) - 1e-6


def test_pair_moves_are_one_step_away() -> None:
    pairs = np.array([[1, 1, 2, 2, 0], [0, 0, 0, 0, 0]], dtype=float)
    moves = [m.tolist() for m in pair_moves(pairs, np.array([2.0, 1.0]))]
    assert moves == [[[0, 0, 2, 2, 0], [0, 0, 0, 0, 0]],
                     [[1, 1, 1, 1, 0], [0, 0, 0, 0, 0]],
                     [[1, 1, 2, 2, 0], [1, 1, 1, 1, 1]]]


@pytest.mark.parametrize("seed", SEEDS[:12])
def test_the_integer_master_starts_from_a_whole_selection(seed: int) -> None:
    portfolio, pricers = coupled(seed)
    if not pricers:
        pytest.skip("no customer may use Direct")
    shape = (len(portfolio.offers), portfolio.months)
    customers = sorted(pricers)
    respond = respond_with(pricers, shape)
    alone = {c: respond(c, np.zeros(shape)) for c in customers}
    most = np.array([[o.max_pairs] * shape[1] for o in portfolio.offers], dtype=float)
    master = Master(portfolio, customers, np.full(len(customers), 1e7), np.zeros(shape), most,
                    integer=True, time_limit_s=5.0)
    stranger = respond(customers[0], np.full(shape, np.inf))
    master.add([col for col in alone.values() if col is not None])
    if stranger is not None and stranger.signature != (
            None if alone[customers[0]] is None else alone[customers[0]].signature):
        assert not master.start_from({**alone, customers[0]: stranger}, np.zeros(shape))
    assert master.start_from(alone, np.zeros(shape))
    solution = master.solve()
    assert solution is not None
    start_usd = sum(1e7 if col is None else col.cost_usd for col in alone.values())
    assert solution.objective_usd <= start_usd + 1e-6


@pytest.mark.parametrize("seed", SEEDS[:16])
def test_capacity_reserved_for_plans_outside_is_kept_free(seed: int) -> None:
    portfolio, pricers = coupled(seed)
    if not pricers or portfolio.offers[0].max_pairs < 1:
        pytest.skip("no customer may use Direct, or no pair may be held")
    shape = (len(portfolio.offers), portfolio.months)
    customers = sorted(pricers)
    respond = respond_with(pricers, shape)
    pairs = np.ones(shape)
    left = 1000.0
    taken = pairs * portfolio.capacity_mbps()[:, None] - left
    master = Master(portfolio, customers, np.full(len(customers), 1e7), pairs, pairs,
                    integer=True, time_limit_s=5.0)
    master.reserve(taken)
    columns = [col for c in customers for col in
               (respond(c, np.zeros(shape)), respond(c, np.full(shape, np.inf)),
                respond(c, np.full(shape, left)))
               if col is not None]
    master.add(columns)
    solution = master.solve()
    assert solution is not None
    loads = np.zeros(shape)
    plans_usd = 1e7 * float(np.round(solution.artificial).sum())
    for column, weight in zip(master.columns, solution.weights, strict=True):
        if weight > 0.5:
            plans_usd += column.cost_usd
            for k, m, mbps in column.loads:
                loads[k, m] += mbps
    assert (loads <= left + 1e-6).all()
    # The plans chosen are the cheapest mix that fits the room left: never dearer than
    # every customer on its provider plan.
    alone = [respond(c, np.zeros(shape)) for c in customers]
    assert plans_usd <= sum(1e7 if col is None else col.cost_usd for col in alone) + 1e-6
