"""Direct pairs for synthetic portfolios: ``planner synth --ports N``.

The ``N`` peering locations with the most customers that may use Direct get 10 Gb/s port
pairs of both billings at the list prices of their zone, and the catalog gains the Direct
SKUs of 10 Gb/s pairs (Standard at no charge, Premium at its add-on).
"""

from __future__ import annotations

import pandas as pd

from planner.domain import Family, Model, Resiliency, Tier

#: List fee of one 10 Gb/s port pair by zone and billing [USD/month] (2026-10-10).
PAIR_USD = {"1": {Family.METERED: 6000, Family.UNLIMITED: 56000},
            "2": {Family.METERED: 7000, Family.UNLIMITED: 88000},
            "3": {Family.METERED: 8500, Family.UNLIMITED: 90000},
            "4": {Family.METERED: 7500, Family.UNLIMITED: 89000}}
#: Premium add-on of a circuit on 10 Gb/s pairs by billing and size [USD/month].
PREMIUM_ADDON_USD = {Family.METERED: {1000: 700, 2000: 1500, 5000: 2000, 10000: 3000},
                     Family.UNLIMITED: {1000: 2000, 2000: 4000, 5000: 10000, 10000: 20000}}
#: One-time cost assumed for adding a pair (cross-connects, optics) [USD].
PAIR_SETUP_USD = 5000
MAX_PAIRS = 4


def direct_catalog(catalog: pd.DataFrame) -> pd.DataFrame:
    """The catalog with the Direct SKUs of 10 Gb/s pairs appended (``port_gbps`` = 10).

    A catalog that already has a ``port_gbps`` column is returned unchanged.
    """
    if "port_gbps" in catalog.columns:
        return catalog.copy()
    out = catalog.copy()
    out["port_gbps"] = ""
    links = {Tier.STANDARD: ("10", "4000"), Tier.PREMIUM: ("100", "10000")}
    rows = []
    for family, addons in PREMIUM_ADDON_USD.items():
        for tier in (Tier.STANDARD, Tier.PREMIUM):
            for bandwidth, addon in addons.items():
                rows.append({"tier": tier, "family": family, "bandwidth_mbps": str(bandwidth),
                             "monthly_usd": str(addon if tier == Tier.PREMIUM else 0),
                             "vnet_links": links[tier][0], "routes_ipv4": links[tier][1],
                             "port_gbps": "10"})
    return pd.concat([out, pd.DataFrame(rows)], ignore_index=True).fillna("")


def synth_ports(customers: pd.DataFrame, locations: int) -> pd.DataFrame:
    """ports.csv for the ``locations`` busiest peering locations of a synthetic portfolio.

    Parameters
    ----------
    customers : pandas.DataFrame
        The portfolio's customers.csv (text cells).
    locations : int
        How many locations get pairs.

    Returns
    -------
    pandas.DataFrame
        Two rows per location (MeteredData and UnlimitedData 10 Gb/s pairs).
    """
    eligible = customers[(customers["model"] != Model.CONNECT_TO)
                         & (customers["resiliency"] != Resiliency.MAXIMUM)]
    counts = eligible.groupby("peering_location").size().sort_values(ascending=False,
                                                                     kind="stable")
    zones = dict(zip(customers["peering_location"], customers["zone"], strict=False))
    rows = []
    for location in counts.index[:locations]:
        for billing, fee in PAIR_USD[str(zones[location])].items():
            rows.append({"peering_location": location, "port_gbps": 10, "billing": billing,
                         "monthly_usd": fee, "setup_usd": PAIR_SETUP_USD,
                         "max_pairs": MAX_PAIRS, "existing_pairs": 0, "oversubscription": 2})
    return pd.DataFrame(rows)
