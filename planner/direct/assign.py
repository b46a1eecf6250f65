"""Which pair each Direct circuit rides, month by month (docs/direct.md, Pair assignment).

The optimizer decides how many pairs each pool holds; the capacity rule it keeps is per
pool. Each circuit is carved from one pair, though, so the circuits are placed on the pairs
held, per pool and month:

1. pairs are added with the lowest free number and, when the pool releases pairs, the ones
   carrying the least of this month's circuits go;
2. every circuit that rode a pair still held last month stays on it while it fits (circuits
   that kept their bandwidth first, largest first; then the ones that grew, largest first);
3. the others (new circuits, circuits whose pair was released or that no longer fit where
   they were) are placed first-fit decreasing by bandwidth: on the lowest-numbered pair
   with room;
4. a circuit no pair has room for gets room made on the lowest-numbered pair where moving
   that pair's smallest circuits (smallest first) to pairs with room frees enough.

A circuit on another pair than in its previous month is ``moved`` (its port cannot change
in place: it is re-created on the new pair), with the reason. No pair ever carries more
than oversubscription x port size; a circuit that fits on no pair (the pool's total fits
but not circuit by circuit) is left without a pair and reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from planner.direct.ports import PortKey, PortOffer
from planner.tables import frame_rows

ASSIGNMENT_COLUMNS = ["customer_id", "circuit_name", "period", "peering_location",
                      "port_gbps", "billing", "bandwidth_mbps", "pair", "moved", "reason"]
#: Longest Azure resource name of an ExpressRoute port [characters].
MAX_PORT_NAME = 80


def pair_name(key: PortKey, number: int) -> str:
    """The name of pair ``number`` of a pool: also its port resource's name in the manifests.

    For example ``erd-frankfurt-100g-metered-01``.
    """
    place = re.sub(r"[^a-z0-9]+", "-", key.peering_location.lower()).strip("-") or "location"
    billing = "unlimited" if key.billing == "UnlimitedData" else "metered"
    suffix = f"-{key.port_gbps}g-{billing}-{number:02d}"
    return f"erd-{place}"[:MAX_PORT_NAME - len(suffix)].rstrip("-") + suffix


@dataclass
class _Circuit:
    customer_id: str
    name: str
    bandwidth_mbps: int


@dataclass
class PoolAssignment:
    """The placement of one pool's circuits.

    Parameters
    ----------
    rows : list of dict
        One row per live Direct circuit and month (:data:`ASSIGNMENT_COLUMNS`).
    loads : dict[str, Any] of (str, str) to float
        Bandwidth on each pair in each month [Mb/s], by (pair name, period).
    unplaced : list of str
        ``circuit period`` of the circuits no pair had room for.
    held : dict[str, Any] of str to list of str
        The pairs held in each month, by name.
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    loads: dict[tuple[str, str], float] = field(default_factory=dict)
    unplaced: list[str] = field(default_factory=list)
    held: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class PairPlan:
    """The placement of every Direct circuit on the pairs held.

    Parameters
    ----------
    assignments : pandas.DataFrame
        :data:`ASSIGNMENT_COLUMNS`, one row per live Direct circuit and month.
    unplaced : list of str
        ``circuit period`` of the circuits that fit on no pair.
    held : dict[str, Any] of (str, int, str, str) to list of str
        Pairs held by (peering location, port size, billing, period), by name.
    existing : dict[str, Any] of (str, int, str) to list of str
        Pairs held before the first month, by pool.
    """

    assignments: pd.DataFrame
    unplaced: list[str]
    held: dict[tuple[str, int, str, str], list[str]]
    existing: dict[tuple[str, int, str], list[str]]


def assign_pool(offer: PortOffer, periods: Iterable[str], pairs_held: Iterable[int],
                circuits_by_period: Mapping[str, list[tuple[str, str, int]]]
                ) -> PoolAssignment:
    """Place one pool's circuits on its pairs, month by month.

    Parameters
    ----------
    offer : PortOffer
        The pool (its key and the capacity of one pair).
    periods : iterable of str
        The portfolio's months, in order.
    pairs_held : iterable of int
        Pairs held in each of those months.
    circuits_by_period : mapping of str to list of (customer_id, circuit_name, bandwidth)
        The pool's live Direct circuits in each month, bandwidth in Mb/s.

    Returns
    -------
    PoolAssignment
    """
    capacity = offer.pair_capacity_mbps
    key = offer.key
    result = PoolAssignment()
    active: list[int] = list(range(1, offer.existing_pairs + 1))
    previous: dict[tuple[str, str], tuple[int, int]] = {}  # circuit -> (pair, bandwidth)
    for period, held in zip(periods, pairs_held, strict=True):
        circuits = [_Circuit(*c) for c in circuits_by_period.get(period, [])]
        active = _hold(active, int(held), circuits, previous)
        load = dict.fromkeys(active, 0.0)
        placed: dict[tuple[str, str], int] = {}
        reasons: dict[tuple[str, str], str] = {}
        # Circuits that keep their bandwidth keep their pair first; then grown ones.
        sticky = sorted((c for c in circuits if (c.customer_id, c.name) in previous),
                        key=lambda c: (previous[(c.customer_id, c.name)][1] < c.bandwidth_mbps,
                                       -c.bandwidth_mbps, c.customer_id, c.name))
        for circuit in sticky:
            ident = (circuit.customer_id, circuit.name)
            pair, before = previous[ident]
            if pair not in load:
                reasons[ident] = f"{pair_name(key, pair)} was released"
            elif load[pair] + circuit.bandwidth_mbps <= capacity + 1e-9:
                load[pair] += circuit.bandwidth_mbps
                placed[ident] = pair
            else:
                reasons[ident] = (f"grew from {before} to {circuit.bandwidth_mbps} Mb/s: "
                                  f"{pair_name(key, pair)} had no room left"
                                  if circuit.bandwidth_mbps > before else
                                  f"{pair_name(key, pair)} had no room left")
        rest = sorted((c for c in circuits if (c.customer_id, c.name) not in placed),
                      key=lambda c: (-c.bandwidth_mbps, c.customer_id, c.name))
        bandwidth = {(c.customer_id, c.name): c.bandwidth_mbps for c in circuits}
        for circuit in rest:
            ident = (circuit.customer_id, circuit.name)
            free = next((p for p in active
                         if load[p] + circuit.bandwidth_mbps <= capacity + 1e-9), None)
            if free is None:
                free, made_way = _make_room(circuit.bandwidth_mbps, active, load, placed,
                                            bandwidth, capacity)
                if free is None:
                    result.unplaced.append(f"{circuit.name} {period}")
                    continue
                for other in made_way:
                    reasons.setdefault(other, f"made room for {circuit.name} on "
                                              f"{pair_name(key, free)}")
            load[free] += circuit.bandwidth_mbps
            placed[ident] = free
        for circuit in sorted(circuits, key=lambda c: (c.customer_id, c.name)):
            ident = (circuit.customer_id, circuit.name)
            rides = placed.get(ident)
            moved = ident in previous and rides is not None and previous[ident][0] != rides
            reason = ("no pair has room for it" if rides is None else
                      f"moved from {pair_name(key, previous[ident][0])}: {reasons[ident]}"
                      if moved else "")
            result.rows.append({
                "customer_id": circuit.customer_id, "circuit_name": circuit.name,
                "period": period, "peering_location": key.peering_location,
                "port_gbps": key.port_gbps, "billing": key.billing,
                "bandwidth_mbps": circuit.bandwidth_mbps,
                "pair": "" if rides is None else pair_name(key, rides),
                "moved": moved, "reason": reason})
        for pair, mbps in load.items():
            result.loads[(pair_name(key, pair), period)] = mbps
        result.held[period] = [pair_name(key, pair) for pair in active]
        previous = {ident: (pair, bandwidth[ident]) for ident, pair in placed.items()}
    return result


def _make_room(mbps: int, active: list[int], load: dict[int, float],
               placed: dict[tuple[str, str], int], bandwidth: Mapping[tuple[str, str], int],
               capacity: float) -> tuple[int | None, list[tuple[str, str]]]:
    """Free ``mbps`` on one pair by moving its smallest circuits to others with room.

    The pairs are tried lowest-numbered first; on success ``load`` and ``placed`` hold the
    circuits' new pairs, and the pair freed (its load not yet counting the new circuit) and
    the circuits moved are returned; otherwise nothing changes and ``(None, [])`` is
    returned.
    """
    for pair in active:
        trial_load, trial_placed = dict(load), dict(placed)
        moved: list[tuple[str, str]] = []
        riders = sorted((ident for ident, p in placed.items() if p == pair),
                        key=lambda ident: (bandwidth[ident], ident))
        for ident in riders:
            if trial_load[pair] + mbps <= capacity + 1e-9:
                break
            other = next((q for q in active if q != pair
                          and trial_load[q] + bandwidth[ident] <= capacity + 1e-9), None)
            if other is not None:
                trial_load[pair] -= bandwidth[ident]
                trial_load[other] += bandwidth[ident]
                trial_placed[ident] = other
                moved.append(ident)
        if trial_load[pair] + mbps <= capacity + 1e-9:
            load.update(trial_load)
            placed.update(trial_placed)
            return pair, moved
    return None, []


def _hold(active: list[int], held: int, circuits: list[_Circuit],
          previous: Mapping[tuple[str, str], tuple[int, int]]) -> list[int]:
    """The pairs held this month: the lowest free numbers added, the emptiest released."""
    active = list(active)
    while len(active) < held:
        active.append(min(set(range(1, len(active) + 2)) - set(active)))
    if len(active) > held:
        staying: dict[int, int] = dict.fromkeys(active, 0)
        for circuit in circuits:
            pair = previous.get((circuit.customer_id, circuit.name), (0, 0))[0]
            if pair in staying:
                staying[pair] += circuit.bandwidth_mbps
        releasing = sorted(active, key=lambda p: (staying[p], -p))[:len(active) - held]
        active = [p for p in active if p not in releasing]
    return sorted(active)


def assign_pairs(offers: Iterable[PortOffer], periods: list[str],
                 pairs: Mapping[PortKey, list[int]],
                 circuits: pd.DataFrame, customers: pd.DataFrame) -> PairPlan:
    """Place every Direct circuit of a plan on a pair of its pool.

    Parameters
    ----------
    offers : iterable of PortOffer
        The pools of ports.csv.
    periods : list of str
        The portfolio's months.
    pairs : mapping of PortKey to list of int
        Pairs held per pool, one count per month of ``periods``.
    circuits : pandas.DataFrame
        circuits.csv rows with ``medium`` and ``port_gbps`` (the Direct circuits' port size).
    customers : pandas.DataFrame
        The customers table (for each customer's peering location).

    Returns
    -------
    PairPlan
        Its assignments sorted by location, port, billing, period and circuit.
    """
    location = dict(zip(customers["customer_id"], customers["peering_location"], strict=True))
    direct = circuits[(circuits["medium"] == "direct") & (circuits["action"] != "retire")]
    grouped: dict[PortKey, dict[str, list[tuple[str, str, int]]]] = {}
    for row in frame_rows(direct):
        key = PortKey(str(location[row.customer_id]), int(row.port_gbps), str(row.family))
        grouped.setdefault(key, {}).setdefault(str(row.period), []).append(
            (str(row.customer_id), str(row.circuit_name), int(row.bandwidth_mbps)))
    return _place(offers, periods, lambda key: pairs[key], grouped)


def _place(offers: Iterable[PortOffer], periods: list[str],
           pairs_held: Callable[[PortKey], Iterable[int]],
           grouped: Mapping[PortKey, dict[str, list[tuple[str, str, int]]]]) -> PairPlan:
    """:func:`assign_pool` for every pool, gathered into one :class:`PairPlan`.

    ``pairs_held(key)`` gives a pool's pairs per month of ``periods``; ``grouped`` its
    circuits (customer, name, bandwidth [Mb/s]) by period.
    """
    rows: list[dict[str, Any]] = []
    unplaced: list[str] = []
    held: dict[tuple[str, int, str, str], list[str]] = {}
    existing: dict[tuple[str, int, str], list[str]] = {}
    for offer in offers:
        key = offer.key
        pool = (key.peering_location, key.port_gbps, key.billing)
        placed = assign_pool(offer, periods, pairs_held(key), grouped.get(key, {}))
        rows += placed.rows
        unplaced += placed.unplaced
        for period, names in placed.held.items():
            held[(*pool, period)] = names
        existing[pool] = [pair_name(key, n) for n in range(1, offer.existing_pairs + 1)]
    frame = pd.DataFrame(rows, columns=ASSIGNMENT_COLUMNS)
    order = ["peering_location", "port_gbps", "billing", "period", "customer_id",
             "circuit_name"]
    return PairPlan(frame.sort_values(order, ignore_index=True, kind="stable"), unplaced,
                    held, existing)


def replay_pairs(offers: Iterable[PortOffer], ports: pd.DataFrame,
                 assignments: pd.DataFrame) -> PairPlan:
    """The placement again, from a written plan's ports.csv and pair_assignments.csv.

    The placement depends only on each pool's circuits, their bandwidths and the pairs held
    each month, so placing the circuits listed in ``assignments`` again gives the same
    pairs, and with them the pairs held each month (which the table does not list).

    Parameters
    ----------
    offers : iterable of PortOffer
        The pools of the ports.csv input.
    ports : pandas.DataFrame
        ports.csv of the plan (pairs held per pool and month).
    assignments : pandas.DataFrame
        pair_assignments.csv of the plan.

    Returns
    -------
    PairPlan
    """
    periods = sorted({str(p) for p in ports["period"]})
    grouped: dict[PortKey, dict[str, list[tuple[str, str, int]]]] = {}
    for row in frame_rows(assignments):
        key = PortKey(str(row.peering_location), int(row.port_gbps), str(row.billing))
        grouped.setdefault(key, {}).setdefault(str(row.period), []).append(
            (str(row.customer_id), str(row.circuit_name), int(row.bandwidth_mbps)))
    held_counts = {(str(r.peering_location), int(r.port_gbps), str(r.billing), str(r.period)):
                   int(r.pairs) for r in frame_rows(ports)}
    return _place(offers, periods, lambda key: [
        held_counts.get((key.peering_location, key.port_gbps, key.billing, p), 0)
        for p in periods], grouped)
