"""A realistic synthetic portfolio in the formats of docs/inputs.rst, deterministic for a seed.

:func:`synthesize` draws customers at real peering locations with real providers (the
ExpressRoute locations list), every resiliency mode, both billings, Premium and Local
customers, monthly demand with growth, seasonality, noise and occasional drops, late starters
and early leavers, and an inventory of existing circuits for some customers. The catalog and
egress rates are taken as given (normally the bundled ``data/`` files).
"""

from __future__ import annotations

import math
import re
import shutil
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from planner.domain import Billing, Family, Model, Resiliency, Site, Tier
from planner.inputs.read import write_atomically

#: (peering location, egress zone, has Local regions, providers there), from the locations
#: list of ExpressRoute ("Locations and connectivity providers").
LOCATIONS: tuple[tuple[str, str, bool, tuple[str, ...]], ...] = (
    ("Amsterdam", "1", True, ("Equinix", "Colt", "DE-CIX", "Megaport", "Verizon")),
    ("Amsterdam2", "1", True, ("Colt", "DE-CIX", "Equinix", "Megaport")),
    ("London", "1", True, ("AT&T NetBond", "British Telecom", "Equinix", "Megaport", "Verizon")),
    ("Frankfurt", "1", True, ("DE-CIX", "Deutsche Telekom AG", "Equinix", "Megaport")),
    ("Paris", "1", True, ("Equinix", "Orange", "Colt", "Megaport")),
    ("Dublin", "1", True, ("Equinix", "Colt", "Megaport", "Zayo")),
    ("Silicon Valley", "1", True, ("Equinix", "AT&T NetBond", "Megaport", "Verizon", "Zayo")),
    ("Washington DC", "1", True, ("Equinix", "AT&T NetBond", "Megaport", "Verizon", "Zayo")),
    ("Chicago", "1", True, ("Equinix", "Megaport", "Zayo", "Verizon")),
    ("Dallas", "1", False, ("Equinix", "AT&T NetBond", "Megaport")),
    ("New York", "1", False, ("Equinix", "Megaport", "Zayo")),
    ("Seattle", "1", True, ("Equinix", "Megaport", "Zayo")),
    ("Toronto", "1", True, ("Bell Canada", "Equinix", "Megaport", "Telus")),
    ("Canberra", "1", True, ("CDC", "Telstra Corporation")),
    ("Zurich", "1", True, ("Equinix", "Colt", "Megaport", "Swisscom")),
    ("Singapore", "2", True, ("Equinix", "SingTel", "Megaport", "Telstra Corporation")),
    ("Hong Kong", "2", True, ("Equinix", "Colt", "Megaport", "Orange")),
    ("Tokyo", "2", True, ("Equinix", "KDDI", "Megaport", "NTT DOCOMO BUSINESS")),
    ("Sydney", "2", True, ("Equinix", "Megaport", "Telstra Corporation", "AARNet")),
    ("Melbourne", "2", True, ("Equinix", "Megaport", "Telstra Corporation", "AARNet")),
    ("Mumbai", "2", True, ("Tata Communications", "Reliance Jio", "Verizon")),
    ("Sao Paulo", "3", True, ("Equinix", "Megaport", "Telefonica")),
    ("Johannesburg", "3", True, ("Teraco", "British Telecom", "Orange")),
    ("Dubai2", "3", True, ("DE-CIX", "Equinix", "Megaport")),
    ("Queretaro (Mexico)", "4", True, ("Equinix", "Megaport", "KIO")),
)

#: The second site of a ``maximum`` customer: a nearby, different peering location.
SECOND_SITE = {
    "Amsterdam": "Amsterdam2", "Amsterdam2": "Amsterdam", "London": "Dublin",
    "Dublin": "London", "Frankfurt": "Amsterdam", "Paris": "Amsterdam", "Zurich": "Frankfurt",
    "Silicon Valley": "Seattle", "Seattle": "Silicon Valley", "Washington DC": "New York",
    "New York": "Washington DC", "Chicago": "Dallas", "Dallas": "Chicago",
    "Toronto": "Chicago", "Canberra": "Sydney", "Singapore": "Hong Kong",
    "Hong Kong": "Singapore", "Tokyo": "Hong Kong", "Sydney": "Melbourne",
    "Melbourne": "Sydney", "Mumbai": "Singapore", "Sao Paulo": "Queretaro (Mexico)",
    "Johannesburg": "Dubai2", "Dubai2": "Mumbai", "Queretaro (Mexico)": "Dallas",
}

#: Seasonal multiplier of the peak by calendar month (index 0 = January).
SEASONS = np.array([
    [1.0] * 12,                                                      # flat
    [0.9, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.25, 1.6],                     # retail
    [1, 1, 1, 1, 1, 1, 0.55, 0.6, 1.1, 1, 1, 1],                     # education
    [1.7, 1.6, 1.2, 1, 1, 1, 1, 1, 1, 1, 1, 1.5],                    # ski
    [1, 1, 1.15, 1, 1, 1.1, 1, 1, 1.1, 1, 1, 1.2],                   # fiscal
    [1, 1, 1, 1, 1, 1, 1.35, 1.35, 1, 1, 1, 1.2],                    # travel
])
SEASON_SHARES = (0.4, 0.2, 0.1, 0.05, 0.15, 0.1)

RESILIENCY_SHARES = {Resiliency.STANDARD: 0.6, Resiliency.N_PLUS_ONE: 0.25,
                     Resiliency.MAXIMUM: 0.15}
BILLING_SHARES = {Billing.AUTO: 0.7, Billing.METERED: 0.15, Billing.UNLIMITED: 0.15}
PREMIUM_SHARE = 0.15
LOCAL_SHARE = 0.2
INVENTORY_SHARE = 0.25
LATE_START_SHARE = 0.1
EARLY_END_SHARE = 0.05
DROP_SHARE = 0.1
CONNECT_TO_SHARE = 0.3

#: Median first-month peak [Mb/s] and the spread of its logarithm.
PEAK_MEDIAN_MBPS = 400.0
PEAK_LOG_SIGMA = 1.1
PEAK_RANGE_MBPS = (20.0, 9000.0)
SECONDS_PER_MONTH = 2.628e6
SUBSCRIPTION_NAMESPACE = uuid.UUID("0b7f6a52-3c1e-4d7a-9f0e-5a2c8b1d4e63")

NAME_WORDS = (
    ("Northwind", "Contoso", "Fabrikam", "Litware", "Proseware", "Adatum", "Woodgrove",
     "Tailspin", "Wingtip", "Relecloud", "Coho", "Lamna", "Margie's", "Alpine", "Fourth",
     "Trey", "Humongous", "Southridge", "VanArsdel", "Kestrel", "Harbor", "Polar", "Bellows"),
    ("Retail", "Health", "Bank", "Media", "Logistics", "Energy", "Insurance", "Travel",
     "Foods", "Studios", "Manufacturing", "Research", "Publishing", "Freight", "Labs"),
)

CUSTOMER_COLUMNS = [
    "customer_id", "name", "model", "subscription_id", "peering_location",
    "secondary_peering_location", "provider", "zone", "vnets", "routes_ipv4", "resiliency",
    "premium_required", "local_eligible", "billing", "max_circuits",
    "max_circuits_per_location", "target_utilization", "setup_usd",
]
DEMAND_COLUMNS = ["customer_id", "period", "peak_mbps", "egress_gb", "vnets"]
INVENTORY_COLUMNS = ["customer_id", "circuit_name", "tier", "family", "bandwidth_mbps", "site"]


@dataclass
class Portfolio:
    """The five input tables of a portfolio, as text cells ready to write.

    Parameters
    ----------
    customers, demand, inventory, catalog, egress_rates : pandas.DataFrame
        Tables in the CSV formats of docs/inputs.rst.
    """

    customers: pd.DataFrame
    demand: pd.DataFrame
    inventory: pd.DataFrame
    catalog: pd.DataFrame
    egress_rates: pd.DataFrame

    def write(self, out_dir: str | Path, copies: tuple[Path, ...] = ()) -> Path:
        """Write the five CSV files into ``out_dir`` atomically (the folder is replaced).

        ``copies`` are further files (e.g. provisioning settings) copied in; a TOML file's
        peering address ``pools`` are replaced by one pool sized for the portfolio (see
        :func:`sized_pool`), since the sample's pool holds too few /29 blocks for thousands
        of customers.
        """
        tables = {"customers.csv": self.customers, "demand.csv": self.demand,
                  "inventory.csv": self.inventory, "catalog.csv": self.catalog,
                  "egress_rates.csv": self.egress_rates}

        def write(folder: Path) -> None:
            for name, table in tables.items():
                table.to_csv(folder / name, index=False, lineterminator="\n")
            for path in copies:
                if path.suffix == ".toml":
                    text = path.read_text(encoding="utf-8")
                    pool = sized_pool(len(self.customers))
                    text = re.sub(r"^pools\s*=.*$", f'pools = ["{pool}"]  # sized by planner synth',
                                  text, count=1, flags=re.MULTILINE)
                    (folder / path.name).write_text(text, encoding="utf-8")
                else:
                    shutil.copyfile(path, folder / path.name)

        return write_atomically(out_dir, write)


def sized_pool(customers: int, blocks_per_customer: int = 16) -> str:
    """A private IPv4 pool with room for ``blocks_per_customer`` /29 peering blocks each.

    Parameters
    ----------
    customers : int
        Customers in the portfolio.
    blocks_per_customer : int
        /29 blocks to allow per customer (every circuit a customer ever has takes one).

    Returns
    -------
    str
        A block of 10.0.0.0/8, from a /16 for small portfolios up to the whole /8.
    """
    needed = max(1, customers * blocks_per_customer)
    prefix = max(8, min(16, 29 - math.ceil(math.log2(needed))))
    return f"10.0.0.0/{prefix}"


def month_labels(start: str, count: int) -> list[str]:
    """``count`` consecutive months from ``start`` (``YYYY-MM``)."""
    year, month = (int(x) for x in start.split("-"))
    first = year * 12 + month - 1
    return [f"{(first + i) // 12:04d}-{(first + i) % 12 + 1:02d}" for i in range(count)]


Choice = TypeVar("Choice", bound=str)


def _choice(rng: np.random.Generator, shares: Mapping[Choice, float], size: int) -> np.ndarray:
    return rng.choice(np.array(list(shares)), size=size, p=list(shares.values()))


def _bandwidth_for(need_mbps: float, ladder: np.ndarray) -> int:
    """The smallest ladder bandwidth [Mb/s] at or above ``need_mbps`` (the largest if none)."""
    fits = ladder[ladder >= need_mbps]
    return int(fits[0] if fits.size else ladder[-1])


def _local_zones(catalog: pd.DataFrame, zones: set[str]) -> set[str]:
    """Zones where the catalog offers Local: a zone-less Local row offers it everywhere."""
    local = catalog[catalog["tier"].astype(str).str.strip() == Tier.LOCAL]
    if "zone" not in catalog.columns:
        return zones if len(local) else set()
    row_zones = {str(z).strip() if pd.notna(z) else "" for z in local["zone"]}
    return zones if "" in row_zones else row_zones


def synthesize(customers: int, months: int, seed: int, catalog: pd.DataFrame,
               egress_rates: pd.DataFrame, start: str = "2027-01") -> Portfolio:
    """Draw a synthetic portfolio.

    Parameters
    ----------
    customers : int
        Number of customers (>= 1).
    months : int
        Length of the planning horizon [months] (>= 1); late starters and early leavers
        cover part of it.
    seed : int
        Seed of the random generator: the same seed gives the same portfolio.
    catalog, egress_rates : pandas.DataFrame
        The catalog and egress rates, copied into the portfolio as given (text cells).
    start : str
        First month of the horizon, ``YYYY-MM``.

    Returns
    -------
    Portfolio
    """
    if customers < 1 or months < 1:
        raise ValueError("customers and months must be at least 1")
    rng = np.random.default_rng(seed)
    n = customers
    zones = set(egress_rates["zone"].astype(str))
    places = [loc for loc in LOCATIONS if loc[1] in zones] or list(LOCATIONS)
    ladder = np.sort(pd.to_numeric(catalog["bandwidth_mbps"]).unique())
    local_ladder = np.sort(pd.to_numeric(
        catalog.loc[catalog["tier"] == Tier.LOCAL, "bandwidth_mbps"]).unique())

    ids = [f"cust-{i + 1:05d}" for i in range(n)]
    where = rng.integers(0, len(places), n)
    resiliency = _choice(rng, RESILIENCY_SHARES, n)
    billing = _choice(rng, BILLING_SHARES, n)
    premium = rng.random(n) < PREMIUM_SHARE
    local_zones = _local_zones(catalog, zones)
    has_local = np.array([places[w][2] and places[w][1] in local_zones for w in where])
    local = has_local & ~premium & (billing != Billing.METERED) & (rng.random(n) < LOCAL_SHARE)
    vnets = np.minimum(1 + rng.geometric(0.25, n), 30)
    routes = np.round(rng.lognormal(np.log(300), 0.9, n), -1).astype(int).clip(10, 3900)
    routes = np.where(premium & (rng.random(n) < 0.3), rng.integers(4001, 9500, n), routes)
    utilization = rng.choice([0.6, 0.7, 0.75, 0.8, 0.85, 0.9], n)
    setup = rng.choice([500, 800, 1000, 1200, 1500, 2000, 2500, 3000], n)
    max_circuits = np.where(rng.random(n) < 0.1, 8, 10)
    per_location = np.where(rng.random(n) < 0.1, rng.integers(2, 4, n), 4)

    base = np.exp(rng.normal(np.log(PEAK_MEDIAN_MBPS), PEAK_LOG_SIGMA, n))
    base = base.clip(*PEAK_RANGE_MBPS)
    growth = rng.uniform(-0.005, 0.035, n)
    season = rng.choice(len(SEASONS), n, p=SEASON_SHARES)
    first = np.where(rng.random(n) < LATE_START_SHARE, rng.integers(0, months, n), 0)
    last = np.where(rng.random(n) < EARLY_END_SHARE, rng.integers(first, months), months - 1)
    drop_at = np.where(rng.random(n) < DROP_SHARE, rng.integers(0, months, n), months + 1)
    util_share = rng.uniform(0.1, 0.4, n)

    labels = month_labels(start, months)
    calendar = np.array([int(p[5:]) - 1 for p in labels])
    t = np.arange(months)
    trend = base[:, None] * (1 + growth[:, None]) ** t[None, :]
    trend *= np.where(t[None, :] >= drop_at[:, None], 0.5, 1.0)
    peak = trend * SEASONS[season][:, calendar] * rng.normal(1, 0.03, (n, months))
    peak = np.maximum(1, np.round(peak))
    egress = np.round(peak * util_share[:, None] * SECONDS_PER_MONTH / 8 / 1000
                      * rng.uniform(0.9, 1.1, (n, months)))
    vnet_step = rng.random(n) < 0.15
    step_at = rng.integers(0, months, n)
    extra_vnets = rng.integers(1, 6, n)
    alive = (t[None, :] >= first[:, None]) & (t[None, :] <= last[:, None])

    rows, cols = np.nonzero(alive)
    month_vnets = np.where(vnet_step[rows] & (cols >= step_at[rows]),
                           (vnets[rows] + extra_vnets[rows]).astype(str), "")
    demand = pd.DataFrame({
        "customer_id": np.array(ids)[rows],
        "period": np.array(labels)[cols],
        "peak_mbps": peak[rows, cols].astype(np.int64),
        "egress_gb": egress[rows, cols].astype(np.int64),
        "vnets": month_vnets,
    }, columns=DEMAND_COLUMNS)

    secondary = np.array([SECOND_SITE[places[w][0]] if r == Resiliency.MAXIMUM else ""
                          for w, r in zip(where, resiliency, strict=True)])
    names = [f"{NAME_WORDS[0][a]} {NAME_WORDS[1][b]} {i + 1}" for i, (a, b) in enumerate(zip(
        rng.integers(0, len(NAME_WORDS[0]), n), rng.integers(0, len(NAME_WORDS[1]), n),
        strict=True))]
    provider_pick = rng.random(n)
    providers = [places[w][3][int(r * len(places[w][3]))]
                 for w, r in zip(where, provider_pick, strict=True)]
    connect_to = rng.random(n) < CONNECT_TO_SHARE
    customers_table = pd.DataFrame({
        "customer_id": ids,
        "name": names,
        "model": np.where(connect_to, Model.CONNECT_TO, Model.CONNECT_THROUGH),
        "subscription_id": [str(uuid.uuid5(SUBSCRIPTION_NAMESPACE, f"{seed}/{c}")) for c in ids],
        "peering_location": [places[w][0] for w in where],
        "secondary_peering_location": secondary,
        "provider": providers,
        "zone": [places[w][1] for w in where],
        "vnets": vnets,
        "routes_ipv4": routes,
        "resiliency": resiliency,
        "premium_required": np.where(premium, "true", ""),
        "local_eligible": np.where(local, "true", ""),
        "billing": billing,
        "max_circuits": max_circuits,
        "max_circuits_per_location": per_location,
        "target_utilization": utilization,
        "setup_usd": setup,
    }, columns=CUSTOMER_COLUMNS)

    inventory = _inventory(rng, ids, resiliency, billing, premium, local, routes, utilization,
                           peak[np.arange(n), first], first, ladder, local_ladder)
    return Portfolio(customers_table, demand, inventory, catalog.copy(), egress_rates.copy())


def _inventory(rng: np.random.Generator, ids: list[str], resiliency: np.ndarray,
               billing: np.ndarray, premium: np.ndarray, local: np.ndarray, routes: np.ndarray,
               utilization: np.ndarray, first_peak: np.ndarray, first: np.ndarray,
               ladder: np.ndarray, local_ladder: np.ndarray) -> pd.DataFrame:
    """Circuits bought before the horizon for some customers that are there from the start."""
    owns = (rng.random(len(ids)) < INVENTORY_SHARE) & (first == 0)
    sizing = rng.uniform(0.7, 1.3, len(ids))
    rows = []
    for i in np.flatnonzero(owns):
        family = billing[i] if billing[i] != Billing.AUTO else (Family.METERED if rng.random() < 0.7
                                                          else Family.UNLIMITED)
        tier = Tier.PREMIUM if premium[i] or routes[i] > 4000 else Tier.STANDARD
        steps = ladder
        if local[i] and family == Family.UNLIMITED and local_ladder.size and rng.random() < 0.5:
            tier, steps = Tier.LOCAL, local_ladder
        need = first_peak[i] * sizing[i]
        if resiliency[i] == Resiliency.STANDARD:
            layout = [(Site.PRIMARY, need / utilization[i])]
        elif resiliency[i] == Resiliency.N_PLUS_ONE:
            layout = [(Site.PRIMARY, need), (Site.PRIMARY, need)]
        else:
            layout = [(Site.PRIMARY, need), (Site.SECONDARY, need)]
        counter = {Site.PRIMARY: 0, Site.SECONDARY: 0}
        for site, mbps in layout:
            counter[site] += 1
            tag = "pri" if site == Site.PRIMARY else "sec"
            rows.append({"customer_id": ids[i],
                         "circuit_name": f"er-{ids[i]}-{tag}-{counter[site]}",
                         "tier": tier, "family": family,
                         "bandwidth_mbps": _bandwidth_for(mbps, steps), "site": site})
    return pd.DataFrame(rows, columns=INVENTORY_COLUMNS)
