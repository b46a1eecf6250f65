"""The data model of one customer's planning problem and of its plan.

Everything here is plain data: :func:`build_problems` turns validated tables into one
:class:`CustomerProblem` per customer; engines return a list of :class:`MonthPlan`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planner.domain import Billing, Family, Resiliency, Site, Tier, TierFamily, port_of, with_port
from planner.inputs.validate import Inputs


@dataclass(frozen=True)
class Sku:
    """One catalog row.

    Parameters
    ----------
    tier, family : Tier, Family
        ``Local``/``Standard``/``Premium`` and ``MeteredData``/``UnlimitedData``.
    bandwidth_mbps : int
        Circuit bandwidth [Mb/s].
    monthly_usd : float
        Monthly circuit fee [USD/month].
    vnet_links : int
        vNet links one circuit allows [count].
    routes_ipv4 : int
        Private-peering IPv4 routes one circuit accepts [count].
    port_gbps : int, default 0
        Size of the ExpressRoute Direct port pairs the circuit is carved from [Gb/s];
        0 for a provider circuit.
    """

    tier: Tier
    family: Family
    bandwidth_mbps: int
    monthly_usd: float
    vnet_links: int
    routes_ipv4: int
    port_gbps: int = 0

    @property
    def tier_family(self) -> TierFamily:
        """The (tier, family) pair; a Direct SKU appends its port size (docs/direct.md)."""
        return with_port(self.tier, self.family, self.port_gbps)


@dataclass(frozen=True)
class ExistingCircuit:
    """A circuit of the inventory.

    Parameters
    ----------
    name : str
        Its Azure name.
    site : Site
        ``primary`` or ``secondary``.
    bandwidth_mbps : int
        Its bandwidth [Mb/s].
    """

    name: str
    site: Site
    bandwidth_mbps: int


@dataclass(frozen=True)
class CustomerProblem:
    """Everything needed to plan one customer, with every default resolved.

    Parameters
    ----------
    customer_id : str
        The customer.
    resiliency : Resiliency
        ``standard``, ``n+1`` or ``maximum``.
    periods : tuple of str
        The consecutive months of service, ``YYYY-MM``.
    peak_mbps : numpy.ndarray
        Peak bandwidth per month [Mb/s].
    egress_gb : numpy.ndarray
        Outbound data per month [GB].
    vnets : numpy.ndarray
        vNets to link per month [count].
    routes_ipv4 : int
        Prefixes advertised over private peering [count].
    premium_required, local_eligible : bool
        Tier rules (see docs/model.rst, Tier and family).
    billing : Billing
        ``auto``, ``MeteredData`` or ``UnlimitedData``.
    max_circuits, max_circuits_per_location : int
        Count caps [circuits].
    target_utilization : float
        Share of capacity the peak may fill in normal operation, in (0, 1].
    setup_usd : float
        One-time cost of creating a circuit [USD].
    usd_per_gb : float
        Metered egress price of the customer's zone [USD/GB].
    catalog : tuple of Sku
        Every catalog SKU on offer in the customer's zone (docs/model.rst, Prices by zone;
        eligibility is decided by :mod:`planner.rules`).
    inventory : tuple of ExistingCircuit
        Circuits that exist before the first month.
    inventory_tier_family : tuple of str or None
        Their shared (tier, family), or None without inventory.
    """

    customer_id: str
    resiliency: Resiliency
    periods: tuple[str, ...]
    peak_mbps: np.ndarray
    egress_gb: np.ndarray
    vnets: np.ndarray
    routes_ipv4: int
    premium_required: bool
    local_eligible: bool
    billing: Billing
    max_circuits: int
    max_circuits_per_location: int
    target_utilization: float
    setup_usd: float
    usd_per_gb: float
    catalog: tuple[Sku, ...]
    inventory: tuple[ExistingCircuit, ...] = ()
    inventory_tier_family: tuple[str, str] | None = None

    @property
    def sites(self) -> tuple[Site, ...]:
        """The sites circuits may stand at: both only for ``maximum``."""
        return tuple(Site) if self.resiliency == Resiliency.MAXIMUM else (Site.PRIMARY,)

    @property
    def months(self) -> int:
        """Number of months of service."""
        return len(self.periods)

    @property
    def per_site_cap(self) -> int:
        """Circuits one site may hold [count]: the lesser of the two count caps."""
        return min(self.max_circuits, self.max_circuits_per_location)

    def inventory_bandwidths(self, site: str) -> tuple[int, ...]:
        """Bandwidths [Mb/s] of the existing circuits at ``site``, ascending."""
        return tuple(sorted(c.bandwidth_mbps for c in self.inventory if c.site == site))


@dataclass(frozen=True)
class MonthPlan:
    """The circuits of one customer in one month.

    Parameters
    ----------
    tier, family : Tier, Family
        Shared by all the month's circuits.
    circuits : dict of Site to tuple of int
        Bandwidths [Mb/s] at each site, ascending.
    port_gbps : int, default 0
        Port size [Gb/s] of the Direct pairs the circuits ride; 0 for provider circuits.
    """

    tier: Tier
    family: Family
    circuits: dict[Site, tuple[int, ...]] = field(default_factory=dict)
    port_gbps: int = 0

    @property
    def tier_family(self) -> TierFamily:
        """The (tier, family) pair, with the port size for Direct circuits."""
        return with_port(self.tier, self.family, self.port_gbps)

    @classmethod
    def of(cls, tier_family: TierFamily, circuits: dict[Site, tuple[int, ...]]) -> MonthPlan:
        """The plan of ``circuits`` with the tier, family (and port) of ``tier_family``."""
        return cls(Tier(tier_family[0]), Family(tier_family[1]), circuits, port_of(tier_family))

    def at(self, site: Site) -> tuple[int, ...]:
        """Bandwidths [Mb/s] at ``site``."""
        return self.circuits.get(site, ())

    @property
    def count(self) -> int:
        """Number of circuits in all."""
        return sum(len(v) for v in self.circuits.values())

    @property
    def capacity_mbps(self) -> int:
        """Total bandwidth [Mb/s]."""
        return sum(sum(v) for v in self.circuits.values())


def catalog_skus(catalog: pd.DataFrame, zone: str | None = None) -> tuple[Sku, ...]:
    """Turn a validated catalog table into SKUs sorted by tier, family and bandwidth.

    Parameters
    ----------
    catalog : pandas.DataFrame
        Validated catalog; its optional ``zone`` column is read as docs/model.rst, Prices by
        zone, says.
    zone : str, optional
        The egress zone of the customer the SKUs are for. A row with a zone applies only to
        that zone and wins over the zone-less row of the same (tier, family, bandwidth); a
        zone-less row applies to every zone. None keeps only the zone-less rows.

    Returns
    -------
    tuple of Sku
        The SKUs on offer in ``zone``.
    """
    zones = catalog["zone"] if "zone" in catalog.columns else [""] * len(catalog)
    chosen: dict[tuple[str, str, int], Sku] = {}
    r: Any  # a row of itertuples(): pandas-stubs types every field as any scalar
    for r, row_zone in zip(catalog.itertuples(index=False), zones, strict=True):
        row_zone = row_zone or ""
        if row_zone and row_zone != zone:
            continue
        sku = Sku(Tier(r.tier), Family(r.family), int(r.bandwidth_mbps), float(r.monthly_usd),
                  int(r.vnet_links), int(r.routes_ipv4))
        key = (sku.tier, sku.family, sku.bandwidth_mbps)
        if row_zone or key not in chosen:
            chosen[key] = sku
    return tuple(sorted(chosen.values(), key=lambda s: (s.tier, s.family, s.bandwidth_mbps)))


def build_problems(inputs: Inputs) -> list[CustomerProblem]:
    """Build one :class:`CustomerProblem` per customer, in the order of customers.csv.

    Parameters
    ----------
    inputs : Inputs
        Validated tables.

    Returns
    -------
    list of CustomerProblem
    """
    # One tuple per zone, shared by the zone's customers (rules cache by catalog identity).
    skus_of: dict[str, tuple[Sku, ...]] = {}
    rates = dict(zip(inputs.egress_rates["zone"], inputs.egress_rates["usd_per_gb"],
                     strict=True))
    # Row positions per customer and whole columns as arrays: slicing arrays is far cheaper
    # than a DataFrame per customer (rows keep their order within each customer).
    demand = inputs.demand
    months_of = demand.groupby("customer_id", sort=False).indices
    period = demand["period"].to_numpy(dtype=object)
    peak = demand["peak_mbps"].to_numpy(dtype=float)
    egress = demand["egress_gb"].to_numpy(dtype=float)
    vnets = demand["vnets"].to_numpy(dtype=np.int64)
    stock = inputs.inventory
    circuits_of = stock.groupby("customer_id", sort=False).indices if len(stock) else {}
    stock_columns = {c: stock[c].to_numpy(dtype=object) for c in
                     ("circuit_name", "site", "bandwidth_mbps", "tier", "family")}
    problems = []
    row: Any  # a row of itertuples(): pandas-stubs types every field as any scalar
    for row in inputs.customers.itertuples(index=False):
        months = months_of[row.customer_id]
        existing = circuits_of.get(row.customer_id)
        circuits: tuple[ExistingCircuit, ...] = ()
        tier_family = None
        if existing is not None and len(existing):
            circuits = tuple(
                ExistingCircuit(str(stock_columns["circuit_name"][i]),
                                Site(stock_columns["site"][i]),
                                int(stock_columns["bandwidth_mbps"][i]))
                for i in existing)
            tier_family = (Tier(stock_columns["tier"][existing[0]]),
                           Family(stock_columns["family"][existing[0]]))
        if row.zone not in skus_of:
            skus_of[row.zone] = catalog_skus(inputs.catalog, row.zone)
        problems.append(CustomerProblem(
            customer_id=row.customer_id,
            resiliency=Resiliency(row.resiliency),
            periods=tuple(period[months]),
            peak_mbps=peak[months],
            egress_gb=egress[months],
            vnets=vnets[months],
            routes_ipv4=int(row.routes_ipv4),
            premium_required=bool(row.premium_required),
            local_eligible=bool(row.local_eligible),
            billing=Billing(row.billing),
            max_circuits=int(row.max_circuits),
            max_circuits_per_location=int(row.max_circuits_per_location),
            target_utilization=float(row.target_utilization),
            setup_usd=float(row.setup_usd),
            usd_per_gb=float(rates[row.zone]),
            catalog=skus_of[row.zone],
            inventory=circuits,
            inventory_tier_family=tier_family,
        ))
    return problems
