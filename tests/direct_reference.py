"""Exhaustive search for small coupled portfolios with Direct port pairs (SPEC section 8).

Written from the SPEC, not from the planner, for tiny instances only: ``standard``
customers at one peering location, one tier (Standard), defaults elsewhere.

1. Per customer, every sequence of month configurations (family, medium, multiset of
   bandwidths) that meets rules 1, 3, 4 and 5 is costed (fees, egress, setups by brute
   force over injections); for each vector of monthly Direct loads the cheapest is kept.
2. Every combination of the customers' load vectors and every sequence of pair counts in
   ``[0, max_pairs]`` is tried; capacity is checked per month and the pairs are costed.

Reading shared with the planner (docs/direct.md): a customer-month's circuits are all
provider or all Direct.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

PROVIDER = 0


@dataclass(frozen=True)
class RefSku:
    family: str
    bandwidth_mbps: int
    monthly_usd: float
    port_gbps: int  # 0 for provider


@dataclass(frozen=True)
class RefCustomer:
    peaks: tuple[float, ...]
    egress_gb: tuple[float, ...]
    setup_usd: float
    max_circuits: int
    utilization: float
    connect_through: bool = True


@dataclass(frozen=True)
class RefPorts:
    port_gbps: int
    billing: str
    monthly_usd: float
    setup_usd: float
    max_pairs: int
    existing_pairs: int
    oversubscription: float


def created(previous: tuple[int, ...] | None, current: tuple[int, ...], in_place: bool) -> int:
    if previous is None or not in_place:
        return len(current)
    for size in range(min(len(previous), len(current)), 0, -1):
        for chosen in itertools.permutations(range(len(current)), size):
            for kept in itertools.combinations(range(len(previous)), size):
                if all(previous[i] <= current[j] for i, j in zip(kept, chosen, strict=True)):
                    return len(current) - size
    return len(current)


def in_place(old: tuple[str, int], new: tuple[str, int]) -> bool:
    """(family, medium): same medium, and the family the same or Metered -> Unlimited."""
    if old[1] != new[1]:
        return False
    return old[0] == new[0] or (old[0], new[0]) == ("MeteredData", "UnlimitedData")


def configs(customer: RefCustomer, catalog: list[RefSku], ports: RefPorts | None):
    groups: dict[tuple[str, int], list[RefSku]] = {}
    for sku in catalog:
        if sku.port_gbps:
            if ports is None or not customer.connect_through:
                continue
            if sku.port_gbps != ports.port_gbps or sku.family != ports.billing:
                continue
        groups.setdefault((sku.family, sku.port_gbps), []).append(sku)
    out = []
    for key, skus in groups.items():
        for n in range(1, customer.max_circuits + 1):
            for combo in itertools.combinations_with_replacement(skus, n):
                out.append((key, tuple(sorted(s.bandwidth_mbps for s in combo)),
                            sum(s.monthly_usd for s in combo)))
    return out


def customer_options(customer: RefCustomer, catalog: list[RefSku], ports: RefPorts | None,
                     usd_per_gb: float) -> dict[tuple[float, ...], float]:
    """Cheapest total per vector of monthly Direct loads [Mb/s]."""
    per_month = []
    for peak in customer.peaks:
        month = [c for c in configs(customer, catalog, ports)
                 if sum(c[1]) * customer.utilization >= peak - 1e-9]
        per_month.append(month)
    best: dict[tuple[float, ...], float] = {}
    for sequence in itertools.product(*per_month):
        total, previous = 0.0, None
        loads = []
        for t, (key, bandwidths, fees) in enumerate(sequence):
            total += fees
            if key[0] == "MeteredData":
                total += customer.egress_gb[t] * usd_per_gb
            carried = previous is not None and in_place(previous[0], key)
            total += customer.setup_usd * created(previous[1] if previous else None,
                                                  bandwidths, carried)
            loads.append(float(sum(bandwidths)) if key[1] else 0.0)
            previous = (key, bandwidths)
        vector = tuple(loads)
        if total < best.get(vector, math.inf):
            best[vector] = total
    return best


def portfolio_optimum(customers: list[RefCustomer], catalog: list[RefSku],
                      ports: RefPorts | None, usd_per_gb: float) -> float:
    """Least total [USD] of the customers that have a plan at all (inf when they do not fit).

    A customer with no plan that fits ``max_pairs`` pairs on its own is infeasible and left
    out.
    """
    most = 0.0 if ports is None else (
        ports.oversubscription * ports.port_gbps * 1000 * ports.max_pairs)
    options = []
    for customer in customers:
        fitting = {v: cost for v, cost in customer_options(customer, catalog, ports,
                                                           usd_per_gb).items()
                   if all(load <= most + 1e-9 for load in v)}
        if fitting:
            options.append(fitting)
    months = len(customers[0].peaks)
    if ports is None:
        return sum(min(o.values()) for o in options)
    capacity = ports.oversubscription * ports.port_gbps * 1000
    schedules = []
    for pairs in itertools.product(range(ports.max_pairs + 1), repeat=months):
        cost, held = 0.0, ports.existing_pairs
        for y in pairs:
            cost += ports.monthly_usd * y + ports.setup_usd * max(0, y - held)
            held = y
        schedules.append((pairs, cost))
    best = math.inf
    for choice in itertools.product(*(list(o.items()) for o in options)):
        plans = sum(cost for _, cost in choice)
        loads = [sum(vector[m] for vector, _ in choice) for m in range(months)]
        for pairs, cost in schedules:
            if all(loads[m] <= capacity * pairs[m] + 1e-9 for m in range(months)):
                best = min(best, plans + cost)
    return best
