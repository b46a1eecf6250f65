"""The coupled problem: customers that may ride the CSP's Direct pairs (docs/direct.md).

Customers are coupled only through the capacity of each pool of pairs (a :class:`PortKey`)
in each month of the portfolio. :func:`build_portfolio_problem` gives every eligible
customer a catalog with the Direct SKUs of its peering location; the others keep their
independent problem and are planned alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from planner.direct.ports import PortKey, PortOffer
from planner.domain import Family, Model, Resiliency, Tier, TierFamily, port_of
from planner.inputs.validate import Inputs
from planner.problems import CustomerProblem, Sku, build_problems
from planner.tables import next_period


@dataclass(frozen=True)
class CoupledCustomer:
    """A customer whose plan may use Direct SKUs.

    Parameters
    ----------
    problem : CustomerProblem
        The customer with the Direct SKUs of its peering location in its catalog.
    provider_problem : CustomerProblem
        The same customer with provider SKUs only (its independent problem).
    offset : int
        Portfolio month index of the customer's first month.
    keys : dict of (int, str) to int
        Pool index (into the portfolio's keys) of each (port size, billing) on offer.
    """

    problem: CustomerProblem
    provider_problem: CustomerProblem
    offset: int
    keys: dict[tuple[int, str], int]

    def key_of(self, tier_family: TierFamily) -> int | None:
        """Pool index of a tier-family key, or None for provider circuits."""
        port = port_of(tier_family)
        return self.keys[(port, tier_family[1])] if port else None


@dataclass(frozen=True)
class PortfolioProblem:
    """Everything the coupled optimizer needs.

    Parameters
    ----------
    periods : tuple of str
        Every month from the portfolio's first to its last, ``YYYY-MM``.
    offers : tuple of PortOffer
        The pools of pairs, indexed like ``keys``.
    problems : list of CustomerProblem
        Every customer's independent (provider-only) problem, in customers.csv order.
    coupled : dict of int to CoupledCustomer
        The customers that may use Direct SKUs, by position in ``problems``.
    """

    periods: tuple[str, ...]
    offers: tuple[PortOffer, ...]
    problems: list[CustomerProblem]
    coupled: dict[int, CoupledCustomer]

    @property
    def keys(self) -> tuple[PortKey, ...]:
        """The pools, in ``offers`` order."""
        return tuple(o.key for o in self.offers)

    @property
    def months(self) -> int:
        """Months of the portfolio."""
        return len(self.periods)

    def capacity_mbps(self) -> np.ndarray:
        """Circuit bandwidth one pair of each pool carries [Mb/s], shape (keys,)."""
        return np.array([o.pair_capacity_mbps for o in self.offers])


def portfolio_periods(problems: list[CustomerProblem]) -> tuple[str, ...]:
    """Every month from the earliest first month to the latest last month."""
    first = min(p.periods[0] for p in problems)
    last = max(p.periods[-1] for p in problems)
    periods = [first]
    while periods[-1] != last:
        periods.append(next_period(periods[-1]))
    return tuple(periods)


def direct_skus(inputs: Inputs) -> tuple[Sku, ...]:
    """The Direct SKUs of the catalog (rows with a ``port_gbps``)."""
    table = inputs.direct_catalog
    if table is None or table.empty:
        return ()
    return tuple(
        Sku(Tier(r["tier"]), Family(r["family"]), int(r["bandwidth_mbps"]), float(r["monthly_usd"]),
            int(r["vnet_links"]), int(r["routes_ipv4"]), int(r["port_gbps"]))
        for r in table.to_dict("records"))


def build_portfolio_problem(inputs: Inputs, offers: list[PortOffer]) -> PortfolioProblem:
    """Build the coupled problem.

    A customer is coupled when it is ``connect-through``, its resiliency is ``standard`` or
    ``n+1`` (all circuits at the primary site) and the catalog has Direct SKUs of pairs at
    its peering location. ``maximum`` customers keep provider circuits (see docs/direct.md).

    Parameters
    ----------
    inputs : Inputs
        Validated inputs.
    offers : list of PortOffer
        The pairs of ports.csv.

    Returns
    -------
    PortfolioProblem
    """
    problems = build_problems(inputs)
    periods = portfolio_periods(problems)
    start = {p: i for i, p in enumerate(periods)}
    index = {o.key: i for i, o in enumerate(offers)}
    direct = direct_skus(inputs)
    catalogs: dict[str, tuple[tuple[Sku, ...], dict[tuple[int, str], int]]] = {}
    for location in {o.key.peering_location for o in offers}:
        keys = {(k.port_gbps, k.billing): i for k, i in index.items()
                if k.peering_location == location}
        offered = tuple(s for s in direct if (s.port_gbps, s.family) in keys)
        if offered:
            catalogs[location] = (offered, keys)
    coupled = {}
    row: Any  # a row of itertuples(): pandas-stubs types every field as any scalar
    for position, (problem, row) in enumerate(zip(
            problems, inputs.customers.itertuples(index=False), strict=True)):
        found = catalogs.get(row.peering_location)
        if (found is None or row.model != Model.CONNECT_THROUGH
                or row.resiliency == Resiliency.MAXIMUM):
            continue
        offered, keys = found  # beside the provider SKUs of the customer's own zone
        coupled[position] = CoupledCustomer(replace(problem, catalog=problem.catalog + offered),
                                            problem,
                                            start[problem.periods[0]], keys)
    return PortfolioProblem(periods, tuple(offers), problems, coupled)
