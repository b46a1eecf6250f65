"""Capacity cuts: valid for every whole pair count, and found where the LP holds a fraction."""

from __future__ import annotations

import numpy as np
import pytest

from planner.direct.cuts import make_cut, separate
from planner.direct.pricing import Column

PAIR_MBPS = 20_000.0
SIZES = (1_000.0, 2_000.0, 5_000.0, 10_000.0)


def column(customer: int, mbps: float) -> Column:
    return Column(customer, 0.0, ((0, 0, mbps),) if mbps else (), ())


@pytest.mark.parametrize("seed", range(40))
def test_no_whole_pair_count_and_loads_that_fit_break_the_cut(seed: int) -> None:
    rng = np.random.default_rng(seed)
    riders = int(rng.integers(2, 9))
    caps = {c: float(rng.choice(SIZES)) for c in range(riders)}
    cut = make_cut(0, 0, caps, PAIR_MBPS)
    if cut is None:
        assert (sum(caps.values()) / PAIR_MBPS).is_integer()
        return
    for _ in range(300):
        y = int(rng.integers(0, 4))
        loads = {c: float(rng.choice((0.0, *SIZES))) for c in caps}
        if sum(loads.values()) > PAIR_MBPS * y:
            continue  # the capacity row itself forbids it
        counted = sum(cut.coefficient(column(c, mbps)) for c, mbps in loads.items())
        assert counted - cut.pair_mbps * y <= cut.limit_mbps + 1e-6


def test_a_fraction_of_a_pair_carrying_whole_riders_is_cut_off() -> None:
    # Five riders of 5 Gb/s on 1.25 pairs: the LP's point; any whole plan needs 2 pairs or
    # a rider less.
    columns = [column(c, 5_000.0) for c in range(5)]
    pairs = np.array([[1.25]])
    cuts = separate(columns, np.ones(5), pairs, np.array([PAIR_MBPS]))
    assert len(cuts) == 1
    cut = cuts[0]
    counted = sum(cut.coefficient(col) for col in columns)
    assert counted - cut.pair_mbps * 1.25 > cut.limit_mbps + 1.0
    # Two pairs, or one pair with four riders, meet it.
    assert counted - cut.pair_mbps * 2 <= cut.limit_mbps + 1e-6
    assert sum(cut.coefficient(col) for col in columns[:4]) - cut.pair_mbps <= (
        cut.limit_mbps + 1e-6)


def test_whole_pair_counts_get_no_cut() -> None:
    columns = [column(c, 5_000.0) for c in range(4)]
    assert separate(columns, np.ones(4), np.array([[1.0]]), np.array([PAIR_MBPS])) == []


def test_a_rider_split_between_plans_is_capped_at_its_largest_load() -> None:
    # Rider 0 weighs half on 10 Gb/s and half on nothing; four others ride 5 Gb/s whole:
    # 25 Gb/s on 1.25 pairs.
    columns = [column(0, 10_000.0), column(0, 0.0), *(column(c, 5_000.0) for c in range(1, 5))]
    weights = np.array([0.5, 0.5, 1.0, 1.0, 1.0, 1.0])
    cuts = separate(columns, weights, np.array([[1.25]]), np.array([PAIR_MBPS]))
    assert len(cuts) == 1
    cut = cuts[0]
    assert dict(cut.caps_mbps) == {0: 10_000.0, 1: 5_000.0, 2: 5_000.0, 3: 5_000.0, 4: 5_000.0}
    counted = sum(w * cut.coefficient(col) for col, w in zip(columns, weights, strict=True))
    assert counted - cut.pair_mbps * 1.25 > cut.limit_mbps + 1.0
