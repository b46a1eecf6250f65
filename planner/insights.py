"""Tables that describe a portfolio's demand and plan, for plots and notebooks.

Pure functions of validated inputs and plan tables; nothing here plans or draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.domain import CAPACITY_TOLERANCE_MBPS, Family, Resiliency, Tier
from planner.inputs.validate import Inputs
from planner.planning import PlanResult
from planner.problems import catalog_skus

BREAK_EVEN_TIER = Tier.STANDARD
COST_PARTS = ("circuit_usd", "egress_usd", "setup_usd")


def break_even_table(catalog: pd.DataFrame, egress_rates: pd.DataFrame,
                     tier: str = BREAK_EVEN_TIER) -> pd.DataFrame:
    """Monthly egress at which Unlimited costs the same as Metered, per bandwidth and zone.

    Each zone is priced with its own catalog rows where the catalog has a ``zone`` column.

    Parameters
    ----------
    catalog, egress_rates : pandas.DataFrame
        Validated catalog and egress rates.
    tier : str
        Tier whose two families are compared.

    Returns
    -------
    pandas.DataFrame
        ``bandwidth_mbps`` [Mb/s], ``zone``, ``metered_usd`` and ``unlimited_usd``
        [USD/month], ``usd_per_gb`` [USD/GB], ``break_even_gb`` [GB/month] (infinite when
        egress is free).
    """
    prices: dict[tuple[str, int], tuple[float, float]] = {}
    for zone in egress_rates["zone"]:
        skus = catalog_skus(catalog, zone)  # the zone's prices (docs/model.rst, Prices by zone)
        metered = {s.bandwidth_mbps: s.monthly_usd for s in skus
                   if s.tier_family == (tier, Family.METERED)}
        unlimited = {s.bandwidth_mbps: s.monthly_usd for s in skus
                     if s.tier_family == (tier, Family.UNLIMITED)}
        for bandwidth in set(metered) & set(unlimited):
            prices[(zone, bandwidth)] = (metered[bandwidth], unlimited[bandwidth])
    out = []
    for bandwidth in sorted({b for _, b in prices}):
        for zone, rate in zip(egress_rates["zone"], egress_rates["usd_per_gb"], strict=True):
            if (zone, bandwidth) not in prices:
                continue
            metered_usd, unlimited_usd = prices[(zone, bandwidth)]
            gap = unlimited_usd - metered_usd
            out.append({"bandwidth_mbps": int(bandwidth), "zone": zone,
                        "metered_usd": float(metered_usd),
                        "unlimited_usd": float(unlimited_usd),
                        "usd_per_gb": float(rate),
                        "break_even_gb": gap / rate if rate > 0 else np.inf})
    return pd.DataFrame(out, columns=["bandwidth_mbps", "zone", "metered_usd", "unlimited_usd",
                                      "usd_per_gb", "break_even_gb"])


def demand_table(inputs: Inputs) -> pd.DataFrame:
    """Demand by customer and month with the bandwidth each month needs.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``period``, ``peak_mbps`` [Mb/s], ``egress_gb`` [GB], ``vnets``
        and ``needed_mbps`` = peak / target utilization [Mb/s].
    """
    demand = inputs.demand[["customer_id", "period", "peak_mbps", "egress_gb", "vnets"]]
    utilization = inputs.customers.set_index("customer_id")["target_utilization"]
    out = demand.copy()
    out["needed_mbps"] = out["peak_mbps"] / out["customer_id"].map(utilization)
    return out.reset_index(drop=True)


def _reasons_several(row: pd.Series, vnet_links_standard: int, largest_mbps: float
                     ) -> list[str]:
    reasons = []
    if row["resiliency"] == Resiliency.N_PLUS_ONE:
        reasons.append("n+1 resiliency: at least two circuits")
    if row["resiliency"] == Resiliency.MAXIMUM:
        reasons.append("maximum resiliency: a circuit at each of two sites")
    if row["needed_mbps"] > largest_mbps:
        reasons.append(f"needs {row['needed_mbps']:,.0f} Mb/s, more than the largest circuit "
                       f"({largest_mbps:,.0f} Mb/s)")
    if row["max_vnets"] > vnet_links_standard and not row["premium_required"]:
        reasons.append(f"{row['max_vnets']} vNets, more than the {vnet_links_standard} links of "
                       "one Standard circuit (or go Premium)")
    return reasons


def customer_profile(inputs: Inputs) -> pd.DataFrame:
    """One row per customer: growth, peak against the SKU ladder, egress against break-even.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``name``, ``resiliency``, ``months``, ``first_peak_mbps``,
        ``max_peak_mbps`` [Mb/s], ``growth_pct`` (last month's peak against the first) [%],
        ``needed_mbps`` (highest peak / target utilization) [Mb/s], ``next_size_mbps`` (the
        smallest catalog bandwidth at or above it, NaN when none) [Mb/s],
        ``mean_egress_gb`` [GB/month], ``break_even_gb`` (at ``next_size_mbps`` in the
        customer's zone, Standard tier) [GB/month], ``premium``, ``local`` and ``several``
        (whether the customer needs Premium, may use Local, needs several circuits) and
        ``why`` (the reasons, in words).
    """
    customers = inputs.customers.set_index("customer_id")
    demand = demand_table(inputs)
    grouped = demand.groupby("customer_id", sort=False)
    ladder = np.sort(inputs.catalog["bandwidth_mbps"].unique())
    even = break_even_table(inputs.catalog, inputs.egress_rates).set_index(
        ["bandwidth_mbps", "zone"])["break_even_gb"]
    standard = inputs.catalog[inputs.catalog["tier"] == Tier.STANDARD]
    links = int(standard["vnet_links"].max()) if len(standard) else 0
    standard_routes = int(standard["routes_ipv4"].max()) if len(standard) else 0
    rows = []
    for cid in inputs.customers["customer_id"]:
        group, customer = grouped.get_group(cid), customers.loc[cid]
        first, last = float(group["peak_mbps"].iloc[0]), float(group["peak_mbps"].iloc[-1])
        needed = float(group["needed_mbps"].max())
        fits = ladder[ladder >= needed - CAPACITY_TOLERANCE_MBPS]
        size = float(fits[0]) if fits.size else np.nan
        values: dict[str, object] = {
            "customer_id": cid, "name": customer["name"], "resiliency": customer["resiliency"],
            "months": len(group), "first_peak_mbps": first,
            "max_peak_mbps": float(group["peak_mbps"].max()),
            "growth_pct": (last / first - 1) * 100 if first > 0 else np.nan,
            "needed_mbps": needed, "next_size_mbps": size,
            "mean_egress_gb": float(group["egress_gb"].mean()),
            "break_even_gb": float(even.get((int(size), customer["zone"]), np.nan))
            if fits.size else np.nan,
            "max_vnets": int(group["vnets"].max()),
            "premium_required": bool(customer["premium_required"]),
        }
        row = pd.Series(values)
        why = []
        premium = row["premium_required"] or customer["routes_ipv4"] > standard_routes
        if row["premium_required"]:
            why.append("Premium: vNets outside the geopolitical region or Microsoft 365")
        elif customer["routes_ipv4"] > standard_routes:
            why.append(f"Premium: {customer['routes_ipv4']:,} routes, above the "
                       f"{standard_routes:,} of Standard")
        if customer["local_eligible"]:
            why.append("Local allowed: every vNet is local to the peering location")
        several = _reasons_several(row, links, float(ladder[-1]))
        why += several
        row["premium"], row["local"], row["several"] = (bool(premium),
                                                        bool(customer["local_eligible"]),
                                                        bool(several))
        row["why"] = "; ".join(why)
        rows.append(row)
    return pd.DataFrame(rows).drop(columns=["premium_required"]).reset_index(drop=True)


def cost_breakdown(result: PlanResult, by: str) -> pd.DataFrame:
    """Total cost over the horizon of the optimal customers, split into its parts, by group.

    Parameters
    ----------
    result : PlanResult
        A planned portfolio.
    by : str
        ``customer_id``, ``tier``, ``family`` or ``peering_location``.

    Returns
    -------
    pandas.DataFrame
        ``by``, ``circuit_usd``, ``egress_usd``, ``setup_usd``, ``total_usd`` [USD], sorted
        by total, largest first.
    """
    locations = result.inputs.customers.set_index("customer_id")["peering_location"]
    return periods_cost_breakdown(result.periods, by, locations)


def periods_cost_breakdown(periods: pd.DataFrame, by: str,
                           locations: pd.Series | None = None) -> pd.DataFrame:
    """Total cost per group from rows of periods.csv, split into its parts.

    Parameters
    ----------
    periods : pandas.DataFrame
        Rows of periods.csv (costs in USD).
    by : str
        ``customer_id``, ``tier``, ``family``, or ``peering_location`` (needs ``locations``).
    locations : pandas.Series, optional
        Peering location by customer id; each customer's cost counts at that location
        (``unknown`` for a customer it lacks).

    Returns
    -------
    pandas.DataFrame
        ``by``, ``circuit_usd``, ``egress_usd``, ``setup_usd``, ``total_usd`` [USD], sorted
        by total, largest first.
    """
    columns = [by] if by in periods.columns else ["customer_id"]
    periods = periods[columns + list(COST_PARTS) + ["total_usd"]].copy()
    if by == "peering_location" and locations is not None:
        periods[by] = periods["customer_id"].map(locations).fillna("unknown")
    if by not in periods.columns:
        raise ValueError(f"cannot group costs by {by!r}")
    parts = list(COST_PARTS) + ["total_usd"]
    table = periods.groupby(by, sort=False)[parts].sum().reset_index()
    return table.sort_values("total_usd", ascending=False, kind="stable").reset_index(drop=True)


def not_optimal(result: PlanResult) -> pd.DataFrame:
    """Customers without an optimal plan: ``customer_id``, ``status`` and ``message``."""
    summary = result.summary
    return summary.loc[summary["status"] != "optimal",
                       ["customer_id", "status", "message"]].reset_index(drop=True)


ROLLOUT_STAGE = {"create": 1, "upgrade": 1, "retire": 2}


def rollout_preview(circuits: pd.DataFrame) -> pd.DataFrame:
    """The circuit changes of a plan in the order they are rolled out.

    Month by month, new and upgraded circuits come first (``build``), retirements after
    (``retire``), so service never drops below the plan. Months without a change are left out.

    Parameters
    ----------
    circuits : pandas.DataFrame
        Rows of circuits.csv.

    Returns
    -------
    pandas.DataFrame
        ``step`` (1, 2, ...), ``period``, ``stage``, ``customer_id``, ``circuit_name``,
        ``site``, ``action``, ``tier``, ``family``, ``bandwidth_mbps`` [Mb/s].
    """
    changes = circuits[circuits["action"] != "keep"].copy()
    changes["stage"] = changes["action"].map(ROLLOUT_STAGE).map({1: "build", 2: "retire"})
    changes = changes.sort_values(["period", "stage", "customer_id", "circuit_name"],
                                  kind="stable").reset_index(drop=True)
    steps = changes[["period", "stage"]].apply(tuple, axis=1)
    changes.insert(0, "step", pd.factorize(steps)[0] + 1 if len(changes) else [])
    return changes[["step", "period", "stage", "customer_id", "circuit_name", "site", "action",
                    "tier", "family", "bandwidth_mbps"]]
