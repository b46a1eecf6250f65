"""Explain infeasible customers: which month, which rule.

:func:`precheck` runs before any solve and catches what is certainly infeasible from
simple bounds. :func:`diagnose` is exact: it searches each month on its own (months never
constrain each other's feasibility, since any circuit can be created anew) and names the
first month with no configuration that meets every rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from itertools import combinations_with_replacement

import numpy as np

from planner.domain import Billing, Resiliency, Site
from planner.problems import CustomerProblem, MonthPlan, Sku
from planner.rules import (
    RULE_CAPACITY,
    RULE_COUNTS,
    RULE_RESILIENCY,
    RULE_TIER_FAMILY,
    RULE_VNET_LINKS,
    broken_rules,
    eligible_skus,
    sku_eligible,
)


def _no_sku_message(problem: CustomerProblem) -> str:
    reasons = []
    if problem.premium_required:
        reasons.append("premium_required is true")
    if problem.billing != Billing.AUTO:
        reasons.append(f"billing is {problem.billing}")
    unrouted = replace(problem, routes_ipv4=0)
    routable = [s.routes_ipv4 for s in problem.catalog if sku_eligible(unrouted, s)]
    if routable and problem.routes_ipv4 > max(routable):
        reasons.append(f"routes_ipv4 {problem.routes_ipv4} exceeds every remaining SKU's "
                       f"routes_ipv4 (at most {max(routable)})")
    why = f" ({'; '.join(reasons)})" if reasons else ""
    return (f"{problem.periods[0]}: {RULE_TIER_FAMILY}: no catalog SKU is eligible{why}; "
            "every month is infeasible")


def _circuits(count: int) -> str:
    return f"{count} circuit{'' if count == 1 else 's'} (the cap of {RULE_COUNTS})"


def _month_bounds(problem: CustomerProblem, t: int) -> str | None:
    """A message when simple bounds already rule month ``t`` out, else None."""
    skus = [s for group in eligible_skus(problem).values() for s in group]
    largest = max(s.bandwidth_mbps for s in skus)
    most_links = max(min(s.vnet_links, int(problem.vnets[t])) for s in skus)
    peak, vnets, u = float(problem.peak_mbps[t]), int(problem.vnets[t]), problem.target_utilization
    total_cap = min(problem.max_circuits,
                    problem.max_circuits_per_location * len(problem.sites))
    site_cap = problem.per_site_cap
    month = problem.periods[t]
    if problem.resiliency == Resiliency.N_PLUS_ONE and site_cap < 2:
        return (f"{month}: {RULE_RESILIENCY}: n+1 needs at least 2 circuits at one site but "
                f"{RULE_COUNTS} allows {site_cap}")
    if problem.resiliency == Resiliency.MAXIMUM and problem.max_circuits < 2:
        return (f"{month}: {RULE_RESILIENCY}: maximum needs a circuit at each site but "
                f"max_circuits is {problem.max_circuits}")
    if total_cap * largest * u < peak:
        return (f"{month}: {RULE_CAPACITY}: peak {peak:g} Mb/s at target utilization {u:g} "
                f"needs {peak / u:g} Mb/s, but {_circuits(total_cap)} of the "
                f"largest eligible SKU ({largest} Mb/s) give {total_cap * largest} Mb/s")
    if problem.resiliency == Resiliency.N_PLUS_ONE and (site_cap - 1) * largest < peak:
        return (f"{month}: {RULE_RESILIENCY}: after losing one circuit the other "
                f"{_circuits(site_cap - 1)} of at most {largest} Mb/s carry "
                f"{(site_cap - 1) * largest} Mb/s, less than the peak {peak:g} Mb/s")
    if problem.resiliency == Resiliency.MAXIMUM and site_cap * largest < peak:
        return (f"{month}: {RULE_RESILIENCY}: one site alone must carry the peak {peak:g} Mb/s "
                f"but {_circuits(site_cap)} of at most {largest} Mb/s carry "
                f"{site_cap * largest} Mb/s")
    need = 2 * vnets if problem.resiliency == Resiliency.N_PLUS_ONE else vnets
    if site_cap * most_links < need:
        return (f"{month}: {RULE_VNET_LINKS}: {need} vNet links are needed at one site but "
                f"{_circuits(site_cap)} link at most {most_links} each")
    return None


def precheck(problem: CustomerProblem) -> str | None:
    """Cheap checks for certain infeasibility.

    Parameters
    ----------
    problem : CustomerProblem
        The customer.

    Returns
    -------
    str or None
        A message naming the first month and rule that cannot be met, or None when the
        bounds leave the customer possibly feasible.
    """
    eligible = eligible_skus(problem)
    if not eligible:
        return _no_sku_message(problem)
    failing = np.flatnonzero(_months_out(problem, [s for g in eligible.values() for s in g]))
    return _month_bounds(problem, int(failing[0])) if len(failing) else None


def _months_out(problem: CustomerProblem, skus: list[Sku]) -> np.ndarray:
    """Which months :func:`_month_bounds` rules out, for all months at once."""
    largest = max(s.bandwidth_mbps for s in skus)
    vnets = np.asarray(problem.vnets, dtype=np.int64)
    most_links = np.minimum(max(s.vnet_links for s in skus), vnets)
    peak = np.asarray(problem.peak_mbps, dtype=float)
    u = problem.target_utilization
    total_cap = min(problem.max_circuits,
                    problem.max_circuits_per_location * len(problem.sites))
    site_cap = problem.per_site_cap
    mode = problem.resiliency
    out = np.full(problem.months, (mode == Resiliency.N_PLUS_ONE and site_cap < 2)
                  or (mode == Resiliency.MAXIMUM and problem.max_circuits < 2))
    out |= total_cap * largest * u < peak
    if mode == Resiliency.N_PLUS_ONE:
        out |= (site_cap - 1) * largest < peak
    if mode == Resiliency.MAXIMUM:
        out |= site_cap * largest < peak
    need = 2 * vnets if mode == Resiliency.N_PLUS_ONE else vnets
    months_out: np.ndarray = out | (site_cap * most_links < need)
    return months_out


def _site_options(bandwidths: list[int], most: int) -> list[tuple[int, ...]]:
    options: list[tuple[int, ...]] = []
    for size in range(most + 1):
        options += combinations_with_replacement(bandwidths, size)
    return options


def month_configurations(problem: CustomerProblem, t: int) -> Iterator[MonthPlan]:
    """Every configuration within the count caps in month ``t`` (a generator of MonthPlan)."""
    per_site = problem.per_site_cap
    for tier_family, skus in eligible_skus(problem).items():
        tier, family = tier_family[:2]
        options = _site_options([s.bandwidth_mbps for s in skus], per_site)
        if problem.resiliency != Resiliency.MAXIMUM:
            for primary in options:
                yield MonthPlan.of((tier, family), {Site.PRIMARY: primary})
            continue
        for primary in options:
            for secondary in options:
                if len(primary) + len(secondary) <= problem.max_circuits:
                    yield MonthPlan.of((tier, family),
                                       {Site.PRIMARY: primary, Site.SECONDARY: secondary})


def diagnose_month(problem: CustomerProblem, t: int) -> str | None:
    """Exact check of month ``t`` alone: None when some configuration meets every rule.

    Otherwise the message names the month and the rules that the closest configurations
    (those breaking the fewest rules) still break.
    """
    fewest: set[str] | None = None
    for plan in month_configurations(problem, t):
        broken = broken_rules(problem, t, plan)
        if not broken:
            return None
        if fewest is None or len(broken) < len(fewest):
            fewest = set(broken)
    rules = " and ".join(sorted(fewest or {RULE_TIER_FAMILY}))
    return (f"{problem.periods[t]}: no configuration of at most "
            f"{min(problem.max_circuits, problem.max_circuits_per_location * len(problem.sites))}"
            f" circuits meets every rule; the closest still break {rules}")


def diagnose(problem: CustomerProblem) -> str:
    """Name the first infeasible month and its rule, for a customer known to be infeasible."""
    early = precheck(problem)
    if early:
        return early
    for t in range(problem.months):
        message = diagnose_month(problem, t)
        if message:
            return message
    return "no plan meets every rule in every month"
