"""A local search over whole plans within the pairs held: the Direct search's best plans.

A selection is one plan per coupled customer and the pairs held per pool and month. With
the pairs fixed, the customers compete only for their capacity, so each customer's best
move is exact: its pricing DP with the room the others leave as bounds on its Direct load
(``respond``). The search

1. lets each customer in turn take its best plan in that room, until none moves
   (``settle``);
2. moves each customer on Direct off it, lets the others respond to the room freed, then
   the customer itself, and keeps the round when the plans cost less in all (``eject``);
3. for the pair counts one step away (``pair_moves``: one pair less over a run of months at
   one count, or one more in every month), first moves the customers that no longer fit
   (``fit``), then 1;
4. to leave a local optimum, moves a few customers off Direct at random, then 1 and 2 in a
   shuffled order (``kick``, a step of an iterated local search).

Every selection it returns fits its pairs; the caller re-costs it with the cheapest pairs
for its loads.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from planner.direct.pricing import Column

#: Least saving of a move [USD].
SAVING_USD = 1e-6

#: ``respond(customer, room_mbps, below_usd)``: the customer's cheapest plan whose Direct
#: load fits ``room_mbps`` per pool and month, or None when it has none costing less than
#: ``below_usd`` [USD].
Respond = Callable[[int, np.ndarray, float], Column | None]


@dataclass
class Selection:
    """One plan per customer (None: its artificial plan) and their Direct loads [Mb/s]."""

    chosen: dict[int, Column | None]
    loads_mbps: np.ndarray

    @classmethod
    def of(cls, chosen: dict[int, Column | None], shape: tuple[int, int]) -> Selection:
        """The selection of the given plans, loads summed into ``shape`` (pools, months)."""
        loads = np.zeros(shape)
        for column in chosen.values():
            for key, month, mbps in () if column is None else column.loads:
                loads[key, month] += mbps
        return cls(dict(chosen), loads)

    def copy(self) -> Selection:
        """An independent copy."""
        return Selection(dict(self.chosen), self.loads_mbps.copy())

    def take(self, customer: int, column: Column | None) -> None:
        """Give ``customer`` the plan ``column``."""
        for key, month, mbps in self._loads(self.chosen[customer]):
            self.loads_mbps[key, month] -= mbps
        for key, month, mbps in self._loads(column):
            self.loads_mbps[key, month] += mbps
        self.chosen[customer] = column

    def riders(self) -> list[int]:
        """The customers whose plans ride Direct in some month."""
        return [c for c, column in self.chosen.items() if column is not None and column.loads]

    def others_mbps(self, customer: int) -> np.ndarray:
        """The loads of every customer but ``customer`` [Mb/s]."""
        others = self.loads_mbps.copy()
        for key, month, mbps in self._loads(self.chosen[customer]):
            others[key, month] -= mbps
        return others

    @staticmethod
    def _loads(column: Column | None) -> tuple[tuple[int, int, float], ...]:
        return () if column is None else column.loads


class LocalSearch:
    """The local search of the module docstring.

    Parameters
    ----------
    respond : Respond
        The customers' exact best moves.
    big_m : dict of int to float
        Cost of each customer's artificial plan [USD].
    capacity_mbps : numpy.ndarray
        Capacity of one pair of each pool [Mb/s].
    stop : float
        The ``clock`` time at which to stop [s].
    clock : callable
        The clock of ``stop`` [s].
    unbounded_usd : dict of int to float, optional
        Each customer's least plan cost with room without end [USD], as far as known; filled
        in as needed (pass the same dict to every search of one problem).
    """

    def __init__(self, respond: Respond, big_m: dict[int, float], capacity_mbps: np.ndarray,
                 stop: float, clock: Callable[[], float],
                 unbounded_usd: dict[int, float] | None = None):
        self.respond = respond
        self.big_m = big_m
        self.capacity = np.asarray(capacity_mbps, dtype=float)
        self.stop = stop
        self.clock = clock
        self.unbounded = {} if unbounded_usd is None else unbounded_usd

    def out_of_time(self) -> bool:
        """Whether the search's time is up."""
        return self.clock() >= self.stop

    def plan_usd(self, selection: Selection) -> float:
        """The customers' plans' total, pairs aside [USD]."""
        return sum(self.own_usd(selection, c) for c in selection.chosen)

    def own_usd(self, selection: Selection, customer: int) -> float:
        """One customer's plan cost [USD]."""
        column = selection.chosen[customer]
        return self.big_m[customer] if column is None else column.cost_usd

    def unbounded_usd(self, customer: int, shape: tuple[int, int]) -> float:
        """The customer's least plan cost with room without end (pairs for free) [USD]."""
        if customer not in self.unbounded:
            column = self.respond(customer, np.full(shape, np.inf), math.inf)
            self.unbounded[customer] = math.inf if column is None else column.cost_usd
        return self.unbounded[customer]

    def room(self, selection: Selection, customer: int, pairs: np.ndarray) -> np.ndarray:
        """What ``pairs`` leave ``customer`` beside the others' loads [Mb/s]."""
        room: np.ndarray = np.maximum(0.0, pairs * self.capacity[:, None]
                                      - selection.others_mbps(customer))
        return room

    def improve(self, selection: Selection, customer: int, pairs: np.ndarray) -> bool:
        """Give ``customer`` its best plan in its room if that costs less; whether it did."""
        below = self.own_usd(selection, customer) - SAVING_USD
        if below < self.unbounded_usd(customer, selection.loads_mbps.shape):
            return False  # no room could make it cheaper
        column = self.respond(customer, self.room(selection, customer, pairs), below)
        if column is None or column.cost_usd >= below:
            return False
        selection.take(customer, column)
        return True

    def settle(self, selection: Selection, pairs: np.ndarray) -> None:
        """Best moves, customer by customer, until none moves or the time is up."""
        moved = True
        while moved and not self.out_of_time():
            moved = False
            for customer in list(selection.chosen):
                if self.out_of_time():
                    return
                moved = self.improve(selection, customer, pairs) or moved

    def eject(self, selection: Selection, pairs: np.ndarray) -> bool:
        """One round of moving each Direct customer off and back; whether any was kept."""
        kept_any = False
        none = np.zeros_like(selection.loads_mbps)
        for rider in selection.riders():
            if self.out_of_time():
                break
            before, trial = self.plan_usd(selection), selection.copy()
            trial.take(rider, self.respond(rider, none, math.inf))
            for customer in trial.chosen:
                if customer != rider:
                    self.improve(trial, customer, pairs)
            self.improve(trial, rider, pairs)
            if self.plan_usd(trial) < before - SAVING_USD:
                selection.chosen, selection.loads_mbps = trial.chosen, trial.loads_mbps
                kept_any = True
        return kept_any

    def fit(self, selection: Selection, pairs: np.ndarray) -> bool:
        """Move the customers that overload ``pairs`` to plans that fit; whether all fit."""
        limit = pairs * self.capacity[:, None] + 1e-6
        for _ in range(len(selection.chosen) + 1):
            over = selection.loads_mbps > limit
            if not over.any():
                return True
            if self.out_of_time():
                return False
            riders = sorted((c for c, column in selection.chosen.items()
                             if column is not None
                             and any(over[k, m] for k, m, _ in column.loads)),
                            key=lambda c: -self.own_usd(selection, c))
            for customer in riders:
                if (selection.loads_mbps > limit).any():
                    column = self.respond(customer, self.room(selection, customer, pairs),
                                          math.inf)
                    selection.take(customer, column)
        return not (selection.loads_mbps > limit).any()

    def kick(self, selection: Selection, pairs: np.ndarray, rng: random.Random) -> None:
        """Move two to five Direct customers off it, then ``within`` in a shuffled order.

        One step of an iterated local search: a way out of the local optimum ``within``
        ends at.
        """
        riders = selection.riders()
        none = np.zeros_like(selection.loads_mbps)
        for rider in rng.sample(riders, min(len(riders), rng.randint(2, 5))):
            selection.take(rider, self.respond(rider, none, math.inf))
        order = list(selection.chosen)
        rng.shuffle(order)
        selection.chosen = {c: selection.chosen[c] for c in order}
        self.within(selection, pairs)

    def within(self, selection: Selection, pairs: np.ndarray) -> None:
        """Settle, then eject rounds (each followed by a settle) while they save."""
        self.settle(selection, pairs)
        while not self.out_of_time() and self.eject(selection, pairs):
            self.settle(selection, pairs)


def pair_moves(pairs: np.ndarray, max_pairs: np.ndarray) -> Iterator[np.ndarray]:
    """Pair counts one step from ``pairs``: one less over a run, or one more throughout.

    A run is a maximal span of months of one pool holding the same positive count.
    """
    keys, months = pairs.shape
    for k in range(keys):
        m = 0
        while m < months:
            end = m
            while end + 1 < months and pairs[k, end + 1] == pairs[k, m]:
                end += 1
            if pairs[k, m] > 0:
                fewer = pairs.copy()
                fewer[k, m:end + 1] -= 1
                yield fewer
            m = end + 1
    for k in range(keys):
        if (pairs[k] < max_pairs[k]).all():
            more = pairs.copy()
            more[k] += 1
            yield more
