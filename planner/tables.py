"""Turn a customer's month plans into the rows of periods.csv and circuits.csv.

Circuits get stable names here: inventory circuits keep theirs, new ones are called
``er-<customer_id>-<pri|sec>-<n>`` with ``n`` counting up per customer and site.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from planner.domain import Site, TierFamily, port_of
from planner.problems import CustomerProblem, MonthPlan
from planner.rules import created_count, in_place, inventory_plan, match_circuits, month_costs

SITE_TAGS = {Site.PRIMARY: "pri", Site.SECONDARY: "sec"}

PERIOD_COLUMNS = ["customer_id", "period", "tier", "family", "circuits", "capacity_mbps",
                  "peak_mbps", "utilization", "circuit_usd", "egress_usd", "setup_usd",
                  "total_usd"]
CIRCUIT_COLUMNS = ["customer_id", "circuit_name", "site", "period", "tier", "family",
                   "bandwidth_mbps", "action"]
#: circuits.csv of a plan with Direct pairs (docs/direct.md): ``medium`` is provider or direct.
CIRCUIT_COLUMNS_WITH_MEDIUM = [*CIRCUIT_COLUMNS, "medium"]


@dataclass
class _Live:
    name: str
    bandwidth_mbps: int


def next_period(period: str) -> str:
    """The month after ``period`` (``YYYY-MM``)."""
    year, month = (int(x) for x in period.split("-"))
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year:04d}-{month:02d}"


class _Namer:
    def __init__(self, customer_id: str, taken: set[str]):
        self.customer_id = customer_id
        self.taken = set(taken)
        self.counter = {Site.PRIMARY: 0, Site.SECONDARY: 0}

    def new(self, site: Site) -> str:
        while True:
            self.counter[site] += 1
            name = f"er-{self.customer_id}-{SITE_TAGS[site]}-{self.counter[site]}"
            if name not in self.taken:
                self.taken.add(name)
                return name


def period_rows(problem: CustomerProblem, plans: list[MonthPlan]) -> list[dict[str, object]]:
    """Rows of periods.csv for one customer (see docs/model.rst, Outputs), costs in USD."""
    rows = []
    previous = inventory_plan(problem)
    for t, plan in enumerate(plans):
        circuit_usd, egress_usd = month_costs(problem, t, plan)
        setup_usd = problem.setup_usd * created_count(previous, plan)
        capacity = plan.capacity_mbps
        rows.append({
            "customer_id": problem.customer_id,
            "period": problem.periods[t],
            "tier": plan.tier,
            "family": plan.family,
            "circuits": plan.count,
            "capacity_mbps": capacity,
            "peak_mbps": float(problem.peak_mbps[t]),
            "utilization": float(problem.peak_mbps[t]) / capacity if capacity else 0.0,
            "circuit_usd": circuit_usd,
            "egress_usd": egress_usd,
            "setup_usd": setup_usd,
            "total_usd": circuit_usd + egress_usd + setup_usd,
        })
        previous = plan
    return rows


def circuit_events(problem: CustomerProblem, plans: list[MonthPlan]
                   ) -> Iterator[tuple[str, str, str, TierFamily, int, str]]:
    """The rows of circuits.csv for one customer as tuples, in the order of the file.

    Each is ``(circuit_name, site, period, tier_family, bandwidth_mbps, action)``; see
    :func:`circuit_rows`.
    """
    live: dict[str, list[_Live]] = {Site.PRIMARY: [], Site.SECONDARY: []}
    for circuit in sorted(problem.inventory, key=lambda c: (c.bandwidth_mbps, c.name)):
        live[circuit.site].append(_Live(circuit.name, circuit.bandwidth_mbps))
    namer = _Namer(problem.customer_id, {c.name for c in problem.inventory})
    previous = inventory_plan(problem)
    for t, plan in enumerate(plans):
        period = problem.periods[t]
        if plan is previous or plan == previous:
            # The same circuits as the month before: the matching below pairs each with
            # itself (equal bandwidths, lowest index first), so every one is kept.
            tier_family = plan.tier_family
            for site in (Site.PRIMARY, Site.SECONDARY):
                for alive in live[site]:
                    yield (alive.name, site, period, tier_family, alive.bandwidth_mbps, "keep")
            continue
        carried = previous is not None and in_place(previous.tier_family, plan.tier_family)
        for site in (Site.PRIMARY, Site.SECONDARY):
            before = live[site]
            current = list(plan.at(site))
            pairs = match_circuits([c.bandwidth_mbps for c in before], current) if carried else []
            kept = {j: before[i] for i, j in pairs}
            now: list[_Live] = []
            for j, bandwidth in enumerate(current):
                if j in kept:
                    same = (kept[j].bandwidth_mbps == bandwidth
                            and previous is not None
                            and previous.tier_family == plan.tier_family)
                    action = "keep" if same else "upgrade"
                    now.append(_Live(kept[j].name, bandwidth))
                else:
                    action = "create"
                    now.append(_Live(namer.new(site), bandwidth))
                yield now[-1].name, site, period, plan.tier_family, bandwidth, action
            matched = {i for i, _ in pairs}
            for i, old in enumerate(before):
                if i not in matched:
                    assert previous is not None
                    yield (old.name, site, period, previous.tier_family, old.bandwidth_mbps,
                           "retire")
            live[site] = now
        previous = plan
    end = next_period(problem.periods[-1])
    for site in (Site.PRIMARY, Site.SECONDARY):
        for last in live[site]:
            assert previous is not None
            yield (last.name, site, end, previous.tier_family, last.bandwidth_mbps, "retire")


def circuit_rows(problem: CustomerProblem, plans: list[MonthPlan], medium: bool = False
                 ) -> list[dict[str, object]]:
    """Rows of circuits.csv for one customer (see docs/model.rst, Outputs).

    Each month lists its circuits as ``create``, ``keep`` or ``upgrade``; a circuit that
    goes away appears once more as ``retire`` with its last SKU, in the first month without
    it, or in the month after the customer's last month. With ``medium`` each row also says
    whether the circuit is a ``provider`` or a ``direct`` one (docs/direct.md).
    """
    rows: list[dict[str, object]] = []
    for name, site, period, tf, bandwidth, action in circuit_events(problem, plans):
        rows.append({"customer_id": problem.customer_id, "circuit_name": name, "site": site,
                     "period": period, "tier": tf[0], "family": tf[1],
                     "bandwidth_mbps": bandwidth, "action": action})
        if medium:
            rows[-1]["medium"] = "direct" if port_of(tf) else "provider"
            rows[-1]["port_gbps"] = port_of(tf)  # for the pair assignment, not circuits.csv
    return rows


def frame_rows(frame: pd.DataFrame) -> Iterable[Any]:
    """The rows of ``frame`` as named tuples whose fields the caller converts (``int(...)``).

    pandas types a row's fields as any scalar; the callers know their columns.
    """
    return frame.itertuples(index=False)
