"""Exhaustive-search reference for the planner, written from SPEC sections 2-4 only.

Nothing here comes from the ``planner`` package. It is meant to be obviously correct, not
fast, and only works on small instances:

1. For every month, enumerate every configuration (tier, family, multiset of circuit
   bandwidths at the primary site and at the secondary site) and keep those that satisfy
   every rule of SPEC section 3 (:func:`violations` lists the rules one by one).
2. Enumerate every sequence of configurations over the months with ``itertools.product``.
3. Cost each sequence: monthly costs plus ``setup_usd`` x circuits created, where the number
   created is found by brute force over all injections of previous circuits into current
   circuits (:func:`circuits_created`).

Readings of the SPEC used here (shared with the planner):

- rule 1 (total bandwidth x u >= P) applies in every resiliency mode;
- a circuit contributes ``min(vnet_links, V)`` vNet links;
- ``n+1`` needs >= 2 circuits, all at the primary site, sum of links >= 2V and
  total bandwidth minus the largest >= P;
- ``maximum`` needs >= 1 circuit at each site, and per site: bandwidth >= P and links >= V;
- egress is charged when the family is MeteredData, except on Local circuits ("UnlimitedData
  and Local pay no egress");
- raising bandwidth and moving Standard -> Premium in the same step is still in place.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

TIERS: tuple[str, ...] = ("Local", "Standard", "Premium")
FAMILIES: tuple[str, ...] = ("MeteredData", "UnlimitedData")
RESILIENCY_MODES: tuple[str, ...] = ("standard", "n+1", "maximum")
SITES: tuple[str, ...] = ("primary", "secondary")

#: Absolute slack used in ``>=`` comparisons of bandwidths against peaks [Mb/s].
CAPACITY_TOL = 1e-7

_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


# --------------------------------------------------------------------------------------------
# Input parsing with the defaults of SPEC section 2
# --------------------------------------------------------------------------------------------


def _cell(row: pd.Series, column: str) -> object | None:
    """Return the cell, or None when the column is missing or the cell is empty."""
    if column not in row.index:
        return None
    value = row[column]
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str) and value.strip() == "":
        return None
    return value


def _text(row: pd.Series, column: str, default: str) -> str:
    value = _cell(row, column)
    if value is None:
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(row: pd.Series, column: str, default: float) -> float:
    value = _cell(row, column)
    return default if value is None else float(str(value).strip())


def _integer(row: pd.Series, column: str, default: int) -> int:
    value = _number(row, column, float(default))
    if not value.is_integer():
        raise ValueError(f"{column}: {value} is not an integer")
    return int(value)


def parse_bool(value: object | None, default: bool) -> bool:
    """Read a SPEC boolean: true/false, yes/no, 1/0 in any case; empty means ``default``."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text.endswith(".0"):
        text = text[:-2]
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"not a boolean: {value!r}")


@dataclass(frozen=True)
class Sku:
    """One catalog row."""

    tier: str
    family: str
    bandwidth_mbps: int
    monthly_usd: float
    vnet_links: int
    routes_ipv4: int


Catalog = dict[tuple[str, str, int], Sku]


@dataclass(frozen=True)
class Customer:
    """One customers.csv row with the defaults of SPEC section 2 applied."""

    customer_id: str
    zone: str
    vnets: int
    routes_ipv4: int
    resiliency: str
    premium_required: bool
    local_eligible: bool
    billing: str
    max_circuits: int
    max_circuits_per_location: int
    target_utilization: float
    setup_usd: float


@dataclass(frozen=True)
class Month:
    """One demand.csv row with defaults applied."""

    period: str
    peak_mbps: float
    egress_gb: float
    vnets: int


@dataclass(frozen=True)
class Config:
    """What a customer runs in one month: one tier, one family, bandwidths per site."""

    tier: str
    family: str
    primary: tuple[int, ...]  # sorted bandwidths [Mb/s] of the circuits at the primary site
    secondary: tuple[int, ...]  # same at the secondary site

    @property
    def circuits(self) -> int:
        return len(self.primary) + len(self.secondary)

    def site(self, name: str) -> tuple[int, ...]:
        return self.primary if name == "primary" else self.secondary


def load_catalog(catalog: pd.DataFrame) -> Catalog:
    skus: Catalog = {}
    for _, row in catalog.iterrows():
        sku = Sku(
            tier=_text(row, "tier", ""),
            family=_text(row, "family", ""),
            bandwidth_mbps=_integer(row, "bandwidth_mbps", 0),
            monthly_usd=_number(row, "monthly_usd", math.nan),
            vnet_links=_integer(row, "vnet_links", 0),
            routes_ipv4=_integer(row, "routes_ipv4", 0),
        )
        skus[(sku.tier, sku.family, sku.bandwidth_mbps)] = sku
    return skus


def load_egress_rates(egress_rates: pd.DataFrame) -> dict[str, float]:
    return {
        _text(row, "zone", ""): _number(row, "usd_per_gb", math.nan)
        for _, row in egress_rates.iterrows()
    }


def load_customers(customers: pd.DataFrame) -> dict[str, Customer]:
    result: dict[str, Customer] = {}
    for _, row in customers.iterrows():
        customer = Customer(
            customer_id=_text(row, "customer_id", ""),
            zone=_text(row, "zone", ""),
            vnets=_integer(row, "vnets", 1),
            routes_ipv4=_integer(row, "routes_ipv4", 0),
            resiliency=_text(row, "resiliency", "standard").lower(),
            premium_required=parse_bool(_cell(row, "premium_required"), False),
            local_eligible=parse_bool(_cell(row, "local_eligible"), False),
            billing=_text(row, "billing", "auto"),
            max_circuits=_integer(row, "max_circuits", 10),
            max_circuits_per_location=_integer(row, "max_circuits_per_location", 4),
            target_utilization=_number(row, "target_utilization", 0.8),
            setup_usd=_number(row, "setup_usd", 1000.0),
        )
        result[customer.customer_id] = customer
    return result


def load_demand(demand: pd.DataFrame, customers: dict[str, Customer]) -> dict[str, list[Month]]:
    months: dict[str, list[Month]] = {cid: [] for cid in customers}
    for _, row in demand.iterrows():
        cid = _text(row, "customer_id", "")
        months[cid].append(
            Month(
                period=_text(row, "period", ""),
                peak_mbps=_number(row, "peak_mbps", math.nan),
                egress_gb=_number(row, "egress_gb", 0.0),
                vnets=_integer(row, "vnets", customers[cid].vnets),
            )
        )
    return {cid: sorted(rows, key=lambda m: m.period) for cid, rows in months.items()}


def load_inventory(inventory: pd.DataFrame | None) -> dict[str, Config]:
    """Inventory per customer as a :class:`Config` (customers without circuits are absent)."""
    if inventory is None:
        return {}
    skus: dict[str, set[tuple[str, str]]] = {}
    bandwidths: dict[tuple[str, str], list[int]] = {}
    for _, row in inventory.iterrows():
        cid = _text(row, "customer_id", "")
        skus.setdefault(cid, set()).add((_text(row, "tier", ""), _text(row, "family", "")))
        site = _text(row, "site", "primary").lower()
        if site not in SITES:
            raise ValueError(f"inventory site {site!r}")
        bandwidths.setdefault((cid, site), []).append(_integer(row, "bandwidth_mbps", 0))
    result: dict[str, Config] = {}
    for cid, pairs in skus.items():
        if len(pairs) != 1:
            raise ValueError(f"inventory of {cid} mixes tiers or families")
        ((tier, family),) = pairs
        result[cid] = Config(
            tier=tier,
            family=family,
            primary=tuple(sorted(bandwidths.get((cid, "primary"), []))),
            secondary=tuple(sorted(bandwidths.get((cid, "secondary"), []))),
        )
    return result


# --------------------------------------------------------------------------------------------
# SPEC section 3: the rules for one customer in one month
# --------------------------------------------------------------------------------------------


def violations(customer: Customer, month: Month, config: Config, catalog: Catalog) -> list[str]:
    """Every rule of SPEC section 3 that ``config`` breaks (empty list: allowed)."""
    broken: list[str] = []
    bandwidths = list(config.primary) + list(config.secondary)
    p, v, r, u = month.peak_mbps, month.vnets, customer.routes_ipv4, customer.target_utilization

    # The chosen SKUs must be in the catalog (one tier and one family per month by construction).
    skus = [catalog.get((config.tier, config.family, bw)) for bw in bandwidths]
    if any(sku is None for sku in skus):
        return ["catalog"]
    links = {bw: min(catalog[(config.tier, config.family, bw)].vnet_links, v) for bw in bandwidths}

    # 1. Capacity: total bandwidth x u >= P.
    if sum(bandwidths) * u < p - CAPACITY_TOL:
        broken.append("capacity")

    # 2. Tier and family.
    if customer.premium_required and config.tier != "Premium":
        broken.append("premium_required")
    if config.tier == "Local" and not customer.local_eligible:
        broken.append("local_eligible")
    if customer.billing != "auto" and config.family != customer.billing:
        broken.append("billing")
    if any(sku is not None and sku.routes_ipv4 < r for sku in skus):
        broken.append("routes_ipv4")

    # 3. Counts.
    if config.circuits > customer.max_circuits:
        broken.append("max_circuits")
    if max(len(config.primary), len(config.secondary)) > customer.max_circuits_per_location:
        broken.append("max_circuits_per_location")

    # 4./5. vNet links and resiliency.
    if customer.resiliency == "standard":
        if config.secondary:
            broken.append("standard: secondary site")
        if not config.primary:
            broken.append("standard: no circuit")
        if sum(links[bw] for bw in config.primary) < v:
            broken.append("standard: vnet links")
    elif customer.resiliency == "n+1":
        if config.secondary:
            broken.append("n+1: secondary site")
        if len(config.primary) < 2:
            broken.append("n+1: fewer than two circuits")
        elif sum(config.primary) - max(config.primary) < p - CAPACITY_TOL:
            broken.append("n+1: capacity after losing the largest")
        if sum(links[bw] for bw in config.primary) < 2 * v:
            broken.append("n+1: vnet links")
    elif customer.resiliency == "maximum":
        for site in SITES:
            circuits = config.site(site)
            if not circuits:
                broken.append(f"maximum: no circuit at {site}")
            if sum(circuits) < p - CAPACITY_TOL:
                broken.append(f"maximum: capacity at {site}")
            if sum(links[bw] for bw in circuits) < v:
                broken.append(f"maximum: vnet links at {site}")
    else:
        raise ValueError(f"unknown resiliency {customer.resiliency!r}")
    return broken


def candidate_configs(customer: Customer, catalog: Catalog) -> list[Config]:
    """Every configuration with catalog SKUs, at most max_circuits_per_location per site and
    at most max_circuits in all.

    Only ``maximum`` gets circuits at the secondary site (the other modes forbid them, see
    :func:`violations`). These bounds only skip configurations that break rule 3 or 5, so the
    result contains every allowed configuration; :func:`violations` decides which are.
    """
    per_site = customer.max_circuits_per_location
    result: list[Config] = []
    for tier, family in itertools.product(TIERS, FAMILIES):
        bandwidths = sorted(bw for (t, f, bw) in catalog if (t, f) == (tier, family))
        if not bandwidths:
            continue
        multisets = [
            combo
            for size in range(per_site + 1)
            for combo in itertools.combinations_with_replacement(bandwidths, size)
        ]
        secondaries = multisets if customer.resiliency == "maximum" else [()]
        for primary, secondary in itertools.product(multisets, secondaries):
            if 0 < len(primary) + len(secondary) <= customer.max_circuits:
                result.append(Config(tier, family, primary, secondary))
    return result


def month_configs(
    customer: Customer, month: Month, catalog: Catalog, candidates: Sequence[Config]
) -> list[Config]:
    return [c for c in candidates if not violations(customer, month, c, catalog)]


def monthly_cost(
    customer: Customer, month: Month, config: Config, catalog: Catalog, usd_per_gb: float
) -> float:
    """SPEC rule 6: circuit fees, plus egress when MeteredData and not Local [USD]."""
    fees = sum(
        catalog[(config.tier, config.family, bw)].monthly_usd
        for bw in config.primary + config.secondary
    )
    metered = config.family == "MeteredData" and config.tier != "Local"
    egress = month.egress_gb * usd_per_gb if metered else 0.0
    return fees + egress


# --------------------------------------------------------------------------------------------
# SPEC section 4: the rules across months
# --------------------------------------------------------------------------------------------


def tier_change_in_place(old_tier: str, old_family: str, new_tier: str, new_family: str) -> bool:
    if old_tier == new_tier:
        return True
    if {old_tier, new_tier} == {"Standard", "Premium"}:
        return True
    if old_tier == "Local" and new_tier in ("Standard", "Premium"):
        return old_family == "UnlimitedData" and new_family == "UnlimitedData"
    return False  # Standard/Premium -> Local


def family_change_in_place(old_family: str, new_family: str) -> bool:
    return old_family == new_family or (old_family, new_family) == ("MeteredData", "UnlimitedData")


def max_kept(previous: Sequence[int], current: Sequence[int]) -> int:
    """Largest number of previous circuits raised in place into distinct current ones.

    Brute force: try every subset of previous circuits against every ordered choice of
    distinct current circuits, largest first. A previous circuit can become a current one
    when the bandwidth is not lowered.
    """
    for size in range(min(len(previous), len(current)), 0, -1):
        for olds in itertools.combinations(range(len(previous)), size):
            for news in itertools.permutations(range(len(current)), size):
                if all(previous[o] <= current[n] for o, n in zip(olds, news, strict=True)):
                    return size
    return 0


def circuits_created(previous: Config | None, current: Config) -> int:
    """Circuits of ``current`` that need a setup, given last month's (or inventory) circuits."""
    if previous is None:
        return current.circuits
    if not (
        tier_change_in_place(previous.tier, previous.family, current.tier, current.family)
        and family_change_in_place(previous.family, current.family)
    ):
        return current.circuits
    kept = sum(max_kept(previous.site(s), current.site(s)) for s in SITES)
    return current.circuits - kept


# --------------------------------------------------------------------------------------------
# Exhaustive search
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerResult:
    """Reference answer for one customer."""

    customer_id: str
    total_usd: float | None  # None when infeasible
    plan: tuple[Config, ...] | None  # one optimal configuration per month
    periods: tuple[str, ...]
    infeasible_periods: tuple[str, ...]  # months with no configuration meeting section 3
    sequences: int  # how many sequences were enumerated


@dataclass(frozen=True)
class ReferenceInputs:
    """Parsed inputs of one instance."""

    customers: dict[str, Customer]
    months: dict[str, list[Month]]
    catalog: Catalog
    egress_rates: dict[str, float]
    inventory: dict[str, Config]


def parse(
    customers: pd.DataFrame,
    demand: pd.DataFrame,
    catalog: pd.DataFrame,
    egress_rates: pd.DataFrame,
    inventory: pd.DataFrame | None = None,
) -> ReferenceInputs:
    parsed_customers = load_customers(customers)
    return ReferenceInputs(
        customers=parsed_customers,
        months=load_demand(demand, parsed_customers),
        catalog=load_catalog(catalog),
        egress_rates=load_egress_rates(egress_rates),
        inventory=load_inventory(inventory),
    )


def feasible_configs(reference: ReferenceInputs, customer_id: str) -> list[list[Config]]:
    """The configurations allowed in each month of the customer, in month order."""
    customer = reference.customers[customer_id]
    candidates = candidate_configs(customer, reference.catalog)
    return [
        month_configs(customer, month, reference.catalog, candidates)
        for month in reference.months[customer_id]
    ]


def sequence_count(reference: ReferenceInputs, customer_id: str) -> int:
    return math.prod(len(configs) for configs in feasible_configs(reference, customer_id))


def sequence_cost(
    customer: Customer,
    months: Sequence[Month],
    plan: Sequence[Config],
    catalog: Catalog,
    usd_per_gb: float,
    inventory: Config | None,
) -> float:
    """Total cost of one sequence of configurations: monthly costs plus setups [USD]."""
    total = 0.0
    previous = inventory
    for month, config in zip(months, plan, strict=True):
        total += monthly_cost(customer, month, config, catalog, usd_per_gb)
        total += customer.setup_usd * circuits_created(previous, config)
        previous = config
    return total


def solve_customer(
    reference: ReferenceInputs, customer_id: str, max_sequences: int | None = None
) -> CustomerResult:
    customer = reference.customers[customer_id]
    months = reference.months[customer_id]
    periods = tuple(m.period for m in months)
    configs = feasible_configs(reference, customer_id)
    infeasible = tuple(m.period for m, c in zip(months, configs, strict=True) if not c)
    if infeasible:
        return CustomerResult(customer_id, None, None, periods, infeasible, 0)
    count = math.prod(len(c) for c in configs)
    if max_sequences is not None and count > max_sequences:
        raise ValueError(f"{customer_id}: {count} sequences exceed {max_sequences}")
    usd_per_gb = reference.egress_rates[customer.zone]
    inventory = reference.inventory.get(customer_id)

    # Tables so that the product loop below only adds numbers; each entry is computed by the
    # same functions as sequence_cost (checked again on the winner at the end).
    fees = [
        [monthly_cost(customer, m, c, reference.catalog, usd_per_gb) for c in cs]
        for m, cs in zip(months, configs, strict=True)
    ]
    first_setup = [customer.setup_usd * circuits_created(inventory, c) for c in configs[0]]
    setups = [
        [[customer.setup_usd * circuits_created(a, b) for b in configs[i]] for a in configs[i - 1]]
        for i in range(1, len(months))
    ]

    best_cost = math.inf
    best: tuple[int, ...] = ()
    for seq in itertools.product(*(range(len(c)) for c in configs)):
        cost = fees[0][seq[0]] + first_setup[seq[0]]
        for i in range(1, len(seq)):
            cost += fees[i][seq[i]] + setups[i - 1][seq[i - 1]][seq[i]]
        if cost < best_cost:
            best_cost, best = cost, seq
    plan = tuple(configs[i][k] for i, k in enumerate(best))
    check = sequence_cost(customer, months, plan, reference.catalog, usd_per_gb, inventory)
    assert math.isclose(check, best_cost, abs_tol=1e-6)
    return CustomerResult(customer_id, best_cost, plan, periods, (), count)


def reference_solve(
    customers: pd.DataFrame,
    demand: pd.DataFrame,
    catalog: pd.DataFrame,
    egress_rates: pd.DataFrame,
    inventory: pd.DataFrame | None = None,
    max_sequences: int | None = None,
) -> dict[str, CustomerResult]:
    """Exhaustive optimum per customer (see the module docstring)."""
    reference = parse(customers, demand, catalog, egress_rates, inventory)
    return {cid: solve_customer(reference, cid, max_sequences) for cid in reference.customers}


def reference_costs(
    customers: pd.DataFrame,
    demand: pd.DataFrame,
    catalog: pd.DataFrame,
    egress_rates: pd.DataFrame,
    inventory: pd.DataFrame | None = None,
) -> dict[str, float | None]:
    """Least total cost per customer [USD], None when infeasible."""
    results = reference_solve(customers, demand, catalog, egress_rates, inventory)
    return {cid: r.total_usd for cid, r in results.items()}


def describe_plan(plan: Iterable[Config] | None, periods: Iterable[str]) -> str:
    """One line per month, for failure messages."""
    if plan is None:
        return "infeasible"
    return "\n".join(
        f"  {period}: {c.tier}/{c.family} primary={list(c.primary)} secondary={list(c.secondary)}"
        for period, c in zip(periods, plan, strict=True)
    )
