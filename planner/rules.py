"""The planning rules (see docs/model.rst) as pure functions.

Engines formulate these rules their own way; the functions here are the plain statement
used to check any engine's plan, to cost it, and to diagnose infeasible months.
"""

from __future__ import annotations

from collections.abc import Iterable

from planner.domain import (
    CAPACITY_TOLERANCE_MBPS,
    Billing,
    Family,
    Resiliency,
    Site,
    Tier,
    TierFamily,
    port_of,
)
from planner.problems import CustomerProblem, MonthPlan, Sku

STANDARD_PREMIUM = {Tier.STANDARD, Tier.PREMIUM}

RULE_CAPACITY = "rule 1 (capacity)"
RULE_TIER_FAMILY = "rule 2 (tier and family)"
RULE_COUNTS = "rule 3 (circuit counts)"
RULE_VNET_LINKS = "rule 4 (vNet links)"
RULE_RESILIENCY = "rule 5 (resiliency)"


def tier_in_place(old: TierFamily, new: TierFamily) -> bool:
    """Whether the tier change ``old`` -> ``new`` is made in place.

    Standard <-> Premium is; Local -> Standard or Premium is when the family stays
    UnlimitedData; anything -> Local from another tier is not.
    """
    if old[0] == new[0]:
        return True
    if old[0] in STANDARD_PREMIUM and new[0] in STANDARD_PREMIUM:
        return True
    return old[0] == Tier.LOCAL and new[0] in STANDARD_PREMIUM and (
        old[1] == new[1] == Family.UNLIMITED)


def family_in_place(old: TierFamily, new: TierFamily) -> bool:
    """Whether the family change ``old`` -> ``new`` is made in place (Metered -> Unlimited)."""
    return old[1] == new[1] or (old[1], new[1]) == (Family.METERED, Family.UNLIMITED)


def in_place(old: TierFamily, new: TierFamily) -> bool:
    """Whether circuits of ``old`` tier and family can be carried into ``new`` in place.

    A change between provider and Direct circuits, or between Direct pairs of another size,
    is never in place (docs/direct.md).
    """
    return port_of(old) == port_of(new) and tier_in_place(old, new) and family_in_place(old, new)


def pays_egress(tf: TierFamily) -> bool:
    """Whether circuits of ``tf`` pay metered egress: MeteredData, except Local (docs/model.rst)."""
    return tf[1] == Family.METERED and tf[0] != Tier.LOCAL


def sku_eligible(problem: CustomerProblem, sku: Sku) -> bool:
    """Whether ``sku`` may be chosen for the customer (see docs/model.rst, Tier and family)."""
    if problem.premium_required and sku.tier != Tier.PREMIUM:
        return False
    if sku.tier == Tier.LOCAL and not problem.local_eligible:
        return False
    if problem.billing != Billing.AUTO and str(sku.family) != str(problem.billing):
        return False
    return sku.routes_ipv4 >= problem.routes_ipv4


#: Eligible groups by catalog identity and the customer fields eligibility reads: every
#: customer of a portfolio shares one catalog tuple, and rules are checked month by month.
_ELIGIBLE: dict[tuple[object, ...], tuple[tuple[Sku, ...], dict[TierFamily, tuple[Sku, ...]]]] = {}


def eligible_skus(problem: CustomerProblem) -> dict[TierFamily, tuple[Sku, ...]]:
    """Eligible SKUs grouped by (tier, family), each group ascending in bandwidth."""
    key = (id(problem.catalog), problem.premium_required, problem.local_eligible,
           problem.billing, problem.routes_ipv4)
    cached = _ELIGIBLE.get(key)
    if cached is not None and cached[0] is problem.catalog:
        return dict(cached[1])
    groups: dict[TierFamily, list[Sku]] = {}
    for sku in problem.catalog:
        if sku_eligible(problem, sku):
            groups.setdefault(sku.tier_family, []).append(sku)
    result = {tf: tuple(sorted(s, key=lambda k: k.bandwidth_mbps)) for tf, s in groups.items()}
    if len(_ELIGIBLE) >= 4096:
        _ELIGIBLE.clear()
    _ELIGIBLE[key] = (problem.catalog, result)
    return dict(result)


def max_matching(previous: Iterable[int], current: Iterable[int]) -> int:
    """Largest number of previous circuits raised in place into distinct current ones.

    Parameters
    ----------
    previous, current : iterable of int
        Bandwidths [Mb/s] at one site in consecutive months.

    Returns
    -------
    int
        The size of a maximum matching of previous to current circuits with
        previous bandwidth <= current bandwidth.
    """
    # Smallest current first, each takes a fitting previous one: the count of the greedy
    # matching of match_circuits, found with two pointers.
    waiting = sorted(previous)
    matched = fitting = 0
    for bandwidth in sorted(current):
        while fitting < len(waiting) and waiting[fitting] <= bandwidth:
            fitting += 1
        if fitting > matched:
            matched += 1
    return matched


def match_circuits(previous: list[int], current: list[int]) -> list[tuple[int, int]]:
    """A maximum matching between previous and current circuits at one site.

    Parameters
    ----------
    previous, current : list of int
        Bandwidths [Mb/s], ascending.

    Returns
    -------
    list of (int, int)
        Pairs ``(i, j)``: previous circuit ``i`` becomes current circuit ``j``. Each current
        circuit, smallest first, takes the largest unmatched previous one that fits, so an
        equal bandwidth is kept rather than upgraded whenever possible.
    """
    free = list(range(len(previous)))
    pairs = []
    for j, bandwidth in enumerate(current):
        fitting = [i for i in free if previous[i] <= bandwidth]
        if fitting:
            best = max(fitting, key=lambda i: (previous[i], -i))
            free.remove(best)
            pairs.append((best, j))
    return pairs


def created_count(previous: MonthPlan | None, current: MonthPlan) -> int:
    """Circuits created in a month (see docs/model.rst, Circuits created).

    Parameters
    ----------
    previous : MonthPlan or None
        The month before (for the first month, :func:`inventory_plan`), or None when
        there is nothing before.
    current : MonthPlan
        The month.

    Returns
    -------
    int
        Number of circuits created [circuits].
    """
    if previous is None:
        return current.count
    if previous == current:     # every circuit kept as it is
        return 0
    if not in_place(previous.tier_family, current.tier_family):
        return current.count
    return sum(len(current.at(site)) - max_matching(previous.at(site), current.at(site))
               for site in (Site.PRIMARY, Site.SECONDARY))


def inventory_plan(problem: CustomerProblem) -> MonthPlan | None:
    """The inventory as a :class:`MonthPlan`, or None without inventory."""
    if problem.inventory_tier_family is None:
        return None
    return MonthPlan.of(problem.inventory_tier_family,
                        {site: problem.inventory_bandwidths(site)
                         for site in (Site.PRIMARY, Site.SECONDARY)
                         if problem.inventory_bandwidths(site)})


def links(sku: Sku, vnets: int) -> int:
    """VNets one circuit of ``sku`` can link in a month with ``vnets`` vNets [count]."""
    return min(sku.vnet_links, vnets)


def broken_rules(problem: CustomerProblem, t: int, plan: MonthPlan) -> list[str]:
    """The rules (docs/model.rst) that ``plan`` breaks in month ``t`` (empty when none).

    Parameters
    ----------
    problem : CustomerProblem
        The customer.
    t : int
        Month index into ``problem.periods``.
    plan : MonthPlan
        The month's circuits.

    Returns
    -------
    list of str
        Rule names, e.g. ``"rule 1 (capacity)"``.
    """
    skus = {s.bandwidth_mbps: s for s in eligible_skus(problem).get(plan.tier_family, ())}
    broken = []
    everything = [b for site in plan.circuits for b in plan.at(site)]
    if any(b not in skus for b in everything) or set(plan.circuits) - set(problem.sites):
        broken.append(RULE_TIER_FAMILY)
        return broken
    peak, vnets = problem.peak_mbps[t], int(problem.vnets[t])
    if plan.capacity_mbps * problem.target_utilization < peak - CAPACITY_TOLERANCE_MBPS:
        broken.append(RULE_CAPACITY)
    if plan.count > problem.max_circuits or any(
            len(plan.at(site)) > problem.per_site_cap for site in problem.sites):
        broken.append(RULE_COUNTS)
    site_links = {site: sum(links(skus[b], vnets) for b in plan.at(site))
                  for site in problem.sites}
    if problem.resiliency == Resiliency.STANDARD:
        links_ok = site_links[Site.PRIMARY] >= vnets
        resilient = plan.count >= 1
    elif problem.resiliency == Resiliency.N_PLUS_ONE:
        links_ok = site_links[Site.PRIMARY] >= 2 * vnets
        resilient = plan.count >= 2 and (
            plan.capacity_mbps - max(everything, default=0) >= peak - CAPACITY_TOLERANCE_MBPS)
    else:
        links_ok = all(site_links[site] >= vnets for site in problem.sites)
        resilient = all(len(plan.at(site)) >= 1
                        and sum(plan.at(site)) >= peak - CAPACITY_TOLERANCE_MBPS
                        for site in problem.sites)
    if not links_ok:
        broken.append(RULE_VNET_LINKS)
    if not resilient:
        broken.append(RULE_RESILIENCY)
    return broken


_PRICES: dict[tuple[int, TierFamily], tuple[tuple[Sku, ...], dict[int, float]]] = {}


def _prices(catalog: tuple[Sku, ...], tier_family: TierFamily) -> dict[int, float]:
    """Monthly fee [USD] by bandwidth [Mb/s] of one tier-family (cached per catalog)."""
    cached = _PRICES.get((id(catalog), tier_family))
    if cached is not None and cached[0] is catalog:
        return cached[1]
    prices = {s.bandwidth_mbps: s.monthly_usd for s in catalog if s.tier_family == tier_family}
    if len(_PRICES) >= 4096:
        _PRICES.clear()
    _PRICES[(id(catalog), tier_family)] = (catalog, prices)
    return prices


def month_costs(problem: CustomerProblem, t: int, plan: MonthPlan) -> tuple[float, float]:
    """Circuit fees and egress charge of month ``t`` [USD].

    Returns
    -------
    tuple of float
        ``(circuit_usd, egress_usd)``.
    """
    prices = _prices(problem.catalog, plan.tier_family)
    circuit_usd = sum(prices[b] for site in plan.circuits for b in plan.at(site))
    egress_usd = (problem.egress_gb[t] * problem.usd_per_gb
                  if pays_egress(plan.tier_family) else 0.0)
    return float(circuit_usd), float(egress_usd)


def plan_total(problem: CustomerProblem, plans: list[MonthPlan]) -> float:
    """Total cost of a whole plan: monthly costs plus setup [USD]."""
    total = 0.0
    previous = inventory_plan(problem)
    for t, plan in enumerate(plans):
        circuit_usd, egress_usd = month_costs(problem, t, plan)
        total += circuit_usd + egress_usd + problem.setup_usd * created_count(previous, plan)
        previous = plan
    return total
