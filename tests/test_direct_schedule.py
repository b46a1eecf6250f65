"""The compiled pair schedule against brute force over every sequence of pair counts."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pytest

from planner.direct.ports import PortKey, PortOffer
from planner.direct.solve import pair_schedule


def reference(offers: list[PortOffer], credit: np.ndarray, low: np.ndarray, high: np.ndarray,
              opened: np.ndarray | None) -> tuple[float, np.ndarray]:
    """The schedule by brute force: every sequence of counts, the first least one wins."""
    keys, months = low.shape
    total, pairs = 0.0, np.zeros((keys, months), dtype=np.int64)
    for k, offer in enumerate(offers):
        best, best_counts = np.inf, None
        for counts in itertools.product(range(offer.max_pairs + 1), repeat=months):
            if any(not low[k, m] <= counts[m] <= high[k, m] for m in range(months)):
                continue
            if opened is not None and opened[k] and not any(counts):
                continue
            held, usd = offer.existing_pairs, 0.0
            for m, y in enumerate(counts):
                usd += max(0, y - held) * offer.setup_usd + (offer.monthly_usd - credit[k, m]) * y
                held = y
            if usd < best - 1e-9:
                best, best_counts = usd, counts
        if best_counts is None:
            return np.inf, pairs
        total += best
        pairs[k] = best_counts
    return total, pairs


@pytest.mark.parametrize("seed", range(40))
def test_schedule_is_the_least_sequence_of_counts(seed: int) -> None:
    rng = np.random.default_rng(seed)
    keys, months = int(rng.integers(1, 3)), int(rng.integers(1, 5))
    offers = []
    for k in range(keys):
        most = int(rng.integers(0, 4))
        offers.append(PortOffer(PortKey("Amsterdam", 10, "MeteredData" if k else "UnlimitedData"),
                                float(rng.choice([0.0, 1000.0, 6000.0])),
                                float(rng.choice([0.0, 500.0, 5000.0])), most,
                                int(rng.integers(0, most + 1)), 2.0))
    credit = rng.choice([0.0, 800.0, 1500.0, 7000.0], size=(keys, months))
    low = rng.integers(0, 2, size=(keys, months)).astype(float)
    high = np.array([[o.max_pairs] * months for o in offers], dtype=float)
    high -= rng.integers(0, 2, size=(keys, months))
    opened = rng.random(keys) < 0.5
    expected_usd, expected_pairs = reference(offers, credit, low, high, opened)
    cost, pairs = pair_schedule(SimpleNamespace(offers=offers), credit, low, high, opened)
    if np.isinf(expected_usd):
        assert np.isinf(cost)
        return
    assert cost == pytest.approx(expected_usd, abs=1e-6)
    # The counts found cost the least too (ties may pick another sequence of equal cost).
    check, _ = reference(offers, credit, pairs.astype(float), pairs.astype(float), opened)
    assert check == pytest.approx(expected_usd, abs=1e-6)
