"""Generate the bundled sample data of the planner.

Writes ``customers.csv``, ``demand.csv`` and ``inventory.csv`` next to this script (or into
the directory given as the first argument). ``catalog.csv`` and ``egress_rates.csv`` come
from the bundled Retail Prices API pages: ``python data/azure/make_retail_pages.py``.
The output is deterministic: the only randomness is a small multiplicative noise on the
demand, drawn from a generator with a fixed seed.

Run with ``python data/make_sample.py [OUT_DIR]``; ``data/README.md`` documents the files.
"""

from __future__ import annotations

import csv
import sys
import uuid
from pathlib import Path

import numpy as np

SEED = 20270101
FIRST_PERIOD = "2027-01"
LAST_PERIOD = "2028-12"
SECONDS_PER_MONTH = 2.628e6
SUBSCRIPTION_NAMESPACE = uuid.UUID("6f1c2b0e-5d8a-4c3e-9a7b-2e4f6a8c0d12")

# fmt: off
CUSTOMER_COLUMNS = (
    "customer_id", "name", "model", "subscription_id", "peering_location",
    "secondary_peering_location", "provider", "zone", "vnets", "routes_ipv4", "resiliency",
    "premium_required", "local_eligible", "billing", "max_circuits",
    "max_circuits_per_location", "target_utilization", "setup_usd",
)

# Seasonal multiplier of the peak, by calendar month (1-12); missing months are 1.0.
SEASONS = {
    "flat": {},
    "retail": {11: 1.25, 12: 1.6, 1: 0.9},
    "education": {7: 0.55, 8: 0.6, 9: 1.1},
    "ski": {12: 1.5, 1: 1.7, 2: 1.6, 3: 1.2},
    "fiscal": {3: 1.15, 6: 1.1, 9: 1.1, 12: 1.2},
    "travel": {7: 1.35, 8: 1.35, 12: 1.2},
    "yearend": {12: 1.3},
}

# One entry per customer: the customers.csv cells (None = empty cell, the default applies)
# and the demand profile: first month, peak in the first month (Mb/s), monthly growth,
# season, step changes {period: factor applied from that month on}, average utilisation
# of the peak over the month (drives egress_gb), noise and vNet changes {period: vnets}.
CUSTOMERS = [
    dict(id="contoso-eu", name="Contoso Retail Europe", model="connect-through",
         loc="Amsterdam", provider="Equinix", zone="1", vnets=6, routes=350,
         local=True, u=0.8, setup=1500,
         base=600, growth=0.015, season="retail", util=0.25, vnet_steps={"2028-03": 8}),
    dict(id="fabrikam-uk", name="Fabrikam Manufacturing UK", model="connect-through",
         loc="London", sec="Dublin", provider="Equinix", zone="1", vnets=12, routes=900,
         resiliency="maximum", u=0.7, setup=2000,
         base=800, growth=0.01, util=0.3),
    dict(id="northwind-media", name="Northwind Media", model="connect-to",
         loc="Amsterdam", provider="DE-CIX", zone="1", vnets=15, routes=2200,
         resiliency="n+1", u=0.75, setup=3000,
         base=9500, growth=0.02, util=0.35),
    dict(id="adatum-health", name="A. Datum Health", model="connect-through",
         loc="Frankfurt", provider="Deutsche Telekom AG", zone="1", vnets=8, routes=4800,
         resiliency="n+1", u=0.8, setup=1800,
         base=1200, growth=0.01, util=0.2),
    dict(id="tailspin-toys", name="Tailspin Toys", loc="Seattle", provider="Zayo", zone="1",
         vnets=3, routes=120, billing="MeteredData", u=0.85, setup=900,
         base=400, growth=0.02, season="retail", util=0.2),
    dict(id="woodgrove-bank", name="Woodgrove Bank", model="connect-to",
         loc="Washington DC", sec="New York", provider="Equinix", zone="1", vnets=18,
         routes=5200, resiliency="maximum", premium=True, max_circuits=8, u=0.6, setup=2500,
         base=2500, growth=0.01, season="fiscal", util=0.15),
    dict(id="litware-sg", name="Litware Asia", model="connect-through", loc="Singapore",
         provider="SingTel", zone="2", vnets=4, routes=300, local=True,
         billing="UnlimitedData", u=0.8, setup=1200,
         base=1500, growth=0.025, util=0.3),
    dict(id="proseware-jp", name="Proseware Japan", loc="Tokyo",
         provider="NTT DOCOMO BUSINESS", zone="2", vnets=5, routes=450, resiliency="n+1",
         u=0.75, base=700, growth=0.03, util=0.25),
    dict(id="wingtip-au", name="Wingtip Logistics", model="connect-through", loc="Sydney",
         sec="Melbourne", provider="Telstra Corporation", zone="2", vnets=4, routes=260,
         resiliency="maximum", u=0.8, setup=1600,
         base=450, growth=0.02, season="retail", util=0.3),
    dict(id="alpine-ski-house", name="Alpine Ski House", loc="Zurich", provider="Colt",
         zone="1", vnets=2, u=0.9, setup=600,
         base=120, growth=0.005, season="ski", util=0.15),
    dict(id="blue-yonder-air", name="Blue Yonder Airlines", model="connect-to",
         loc="Dallas", provider="AT&T NetBond", zone="1", vnets=22, routes=1200,
         resiliency="n+1", max_circuits=8, u=0.7, setup=2200,
         base=1800, growth=0.015, season="travel", util=0.2, vnet_steps={"2028-01": 25}),
    dict(id="coho-winery", name="Coho Winery", loc="Silicon Valley", provider="Megaport",
         zone="1", setup=500, start="2027-07",
         base=35, growth=0.01, season="yearend", util=0.1),
    dict(id="relecloud", name="Relecloud", model="connect-through", loc="Washington DC",
         provider="Verizon", zone="1", vnets=4, routes=600, u=0.8, setup=1000,
         base=250, growth=0.04, util=0.2, vnet_steps={"2027-07": 8, "2028-01": 14}),
    dict(id="trey-research", name="Trey Research", loc="Chicago", provider="Equinix",
         zone="1", vnets=3, routes=200, u=0.8, setup=1400,
         base=2200, growth=0.005, util=0.35, steps={"2027-10": 0.5}),
    dict(id="fourth-coffee", name="Fourth Coffee", model="connect-through", loc="Toronto",
         provider="Bell Canada", zone="1", vnets=2, routes=80, u=0.85, setup=800,
         base=300, growth=0.01, season="retail", util=0.15),
    dict(id="graphic-design-inst", name="Graphic Design Institute", loc="Paris",
         provider="Orange", zone="1", vnets=3, routes=150, local=True, u=0.8,
         base=500, growth=0.01, season="education", util=0.2),
    dict(id="margies-travel", name="Margie's Travel", model="connect-through", loc="Dubai2",
         provider="DE-CIX", zone="3", vnets=2, routes=60, billing="MeteredData", u=0.8,
         setup=1300, base=150, growth=0.02, season="travel", util=0.15),
    dict(id="lamna-healthcare", name="Lamna Healthcare", loc="Johannesburg",
         provider="British Telecom", zone="3", vnets=3, routes=220, resiliency="n+1",
         u=0.8, setup=1700, base=350, growth=0.015, util=0.2),
    dict(id="humongous-insurance", name="Humongous Insurance", model="connect-to",
         loc="London", provider="British Telecom", zone="1", vnets=9, routes=800,
         resiliency="n+1", premium=True, u=0.75, setup=2000,
         base=900, growth=0.01, season="fiscal", util=0.2),
    dict(id="consolidated-messenger", name="Consolidated Messenger", loc="Sao Paulo",
         provider="Equinix", zone="3", vnets=4, routes=340, billing="UnlimitedData", u=0.8,
         setup=1500, base=600, growth=0.03, season="retail", util=0.3),
    dict(id="southridge-video", name="Southridge Video", model="connect-to",
         loc="Silicon Valley", provider="Equinix", zone="1", vnets=6, routes=700, u=0.8,
         setup=2500, base=5000, growth=0.025, util=0.4),
    dict(id="vanarsdel", name="VanArsdel Ltd", loc="Queretaro (Mexico)",
         provider="Megaport", zone="4", vnets=2, routes=90, u=0.8, setup=1100,
         start="2028-01", base=200, growth=0.05, util=0.2),
    dict(id="wide-world-importers", name="Wide World Importers", model="connect-to",
         loc="Hong Kong", provider="Colt", zone="2", vnets=5, routes=420, u=0.8,
         setup=1200, base=1100, growth=0.01, season="retail", util=0.25,
         steps={"2028-04": 0.5}),
    dict(id="tailwind-traders", name="Tailwind Traders", model="connect-through",
         loc="Frankfurt", sec="Amsterdam", provider="DE-CIX", zone="1", vnets=5,
         routes=500, resiliency="maximum", u=0.8, setup=1800,
         base=1600, growth=0.02, season="retail", util=0.25),
    dict(id="nod-publishers", name="Nod Publishers", loc="Dublin", provider="Zayo",
         zone="1", vnets=1, base=60, growth=0.01, util=0.1),
    dict(id="adventure-works-in", name="Adventure Works Cycles India",
         model="connect-through", loc="Mumbai", provider="Tata Communications", zone="2",
         vnets=3, routes=250, local=True, u=0.8, setup=900,
         base=400, growth=0.04, util=0.3),
    dict(id="bellows-college", name="Bellows College", loc="Melbourne", provider="AARNet",
         zone="2", vnets=2, routes=100, local=True, u=0.7, setup=700, start="2028-01",
         base=300, growth=0.01, season="education", util=0.2),
    dict(id="city-power-light", name="City Power & Light", model="connect-through",
         loc="Canberra", provider="Telstra Corporation", zone="1", vnets=4, routes=300,
         resiliency="n+1", u=0.8, setup=2000, base=180, growth=0.005, util=0.2),
    dict(id="meridian-capital", name="Meridian Capital Markets", model="connect-through",
         loc="London", provider="Equinix", zone="1", vnets=10, routes=12000,
         resiliency="n+1", premium=True, u=0.75, setup=2500,
         base=1500, growth=0.01, season="fiscal", util=0.2),
    dict(id="polar-render", name="Polar Render Studios", model="connect-through",
         loc="Frankfurt", provider="Megaport", zone="1", vnets=2, routes=150,
         max_per_location=1, u=0.85, setup=1500,
         base=6500, growth=0.01, season="yearend", util=0.4, noise=0.015),
    dict(id="contoso-us", name="Contoso Retail US", model="connect-through", loc="Dallas",
         provider="Equinix", zone="1", vnets=5, routes=400, u=0.8, setup=1500,
         base=1400, growth=0.015, season="retail", util=0.25),
    dict(id="lucerne-publishing", name="Lucerne Publishing", model="connect-to",
         loc="Paris", provider="Equinix", zone="1", vnets=2, routes=120, u=0.65,
         base=250, growth=0.005, util=0.15, no_subscription=True),
    dict(id="harborline-freight", name="Harborline Freight", loc="Seattle",
         provider="Megaport", zone="1", vnets=4, routes=380, resiliency="n+1", u=0.8,
         setup=1400, start="2027-10", base=800, growth=0.02, util=0.2,
         no_subscription=True),
    dict(id="kestrel-energy", name="Kestrel Energy", model="connect-to", loc="Amsterdam",
         sec="Amsterdam2", provider="Colt", zone="1", vnets=3, routes=280,
         resiliency="maximum", u=0.8, setup=1700, base=300, growth=0.01, util=0.2),
]

# Circuits that exist before 2027-01: (customer_id, site, count, tier, family, bandwidth).
INVENTORY = [
    ("contoso-eu", "primary", 1, "Standard", "MeteredData", 1000),
    ("fabrikam-uk", "primary", 2, "Standard", "MeteredData", 500),
    ("fabrikam-uk", "secondary", 2, "Standard", "MeteredData", 500),
    ("northwind-media", "primary", 2, "Standard", "MeteredData", 10000),
    ("adatum-health", "primary", 2, "Premium", "MeteredData", 1000),
    ("tailspin-toys", "primary", 1, "Standard", "MeteredData", 2000),
    ("woodgrove-bank", "primary", 1, "Premium", "MeteredData", 5000),
    ("woodgrove-bank", "secondary", 1, "Premium", "MeteredData", 5000),
    ("blue-yonder-air", "primary", 2, "Premium", "UnlimitedData", 2000),
    ("relecloud", "primary", 1, "Standard", "MeteredData", 200),
    ("trey-research", "primary", 1, "Standard", "MeteredData", 5000),
    ("litware-sg", "primary", 1, "Local", "UnlimitedData", 2000),
    ("humongous-insurance", "primary", 2, "Premium", "MeteredData", 1000),
    ("contoso-us", "primary", 1, "Standard", "UnlimitedData", 2000),
]
# fmt: on


def customer_rows() -> list[dict]:
    """Build the customers.csv rows; empty strings are empty cells.

    Returns
    -------
    list of dict
        One row per customer with the customers.csv columns.
    """
    rows = []
    for c in CUSTOMERS:
        sub = "" if c.get("no_subscription") else str(uuid.uuid5(SUBSCRIPTION_NAMESPACE, c["id"]))
        cells = dict(
            customer_id=c["id"],
            name=c["name"],
            model=c.get("model"),
            subscription_id=sub,
            peering_location=c["loc"],
            secondary_peering_location=c.get("sec"),
            provider=c["provider"],
            zone=c["zone"],
            vnets=c.get("vnets"),
            routes_ipv4=c.get("routes"),
            resiliency=c.get("resiliency"),
            premium_required="true" if c.get("premium") else None,
            local_eligible="true" if c.get("local") else None,
            billing=c.get("billing"),
            max_circuits=c.get("max_circuits"),
            max_circuits_per_location=c.get("max_per_location"),
            target_utilization=c.get("u"),
            setup_usd=c.get("setup"),
        )
        rows.append({k: "" if v is None else str(v) for k, v in cells.items()})
    return rows


def periods(start: str, end: str) -> list[str]:
    """List the months from ``start`` to ``end`` inclusive.

    Parameters
    ----------
    start, end : str
        Months as ``YYYY-MM``.

    Returns
    -------
    list of str
        Consecutive months as ``YYYY-MM``.
    """
    year, month = map(int, start.split("-"))
    out = []
    while f"{year:04d}-{month:02d}" <= end:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def demand_rows(rng: np.random.Generator) -> list[dict]:
    """Build the monthly demand of every customer.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the multiplicative noise on peak and egress.

    Returns
    -------
    list of dict
        One row per customer per month with the demand.csv columns.
    """
    rows = []
    for c in CUSTOMERS:
        season = SEASONS[c.get("season", "flat")]
        steps = c.get("steps", {})
        vnet_steps = c.get("vnet_steps", {})
        level, vnets = 1.0, None
        for i, period in enumerate(periods(c.get("start", FIRST_PERIOD), LAST_PERIOD)):
            level *= steps.get(period, 1.0)
            vnets = vnet_steps.get(period, vnets)
            trend = c["base"] * (1 + c["growth"]) ** i * level
            peak = trend * season.get(int(period[5:]), 1.0) * rng.normal(1, c.get("noise", 0.03))
            gigabytes = peak * c["util"] * SECONDS_PER_MONTH / 8 / 1000 * rng.uniform(0.9, 1.1)
            rows.append(
                dict(
                    customer_id=c["id"],
                    period=period,
                    peak_mbps=round(peak),
                    egress_gb=round(gigabytes),
                    vnets="" if vnets is None else vnets,
                )
            )
    return rows


def inventory_rows() -> list[dict]:
    """Build the circuits that exist before the first month.

    Returns
    -------
    list of dict
        One row per existing circuit with the inventory.csv columns.
    """
    rows = []
    for customer_id, site, count, tier, family, bandwidth in INVENTORY:
        tag = "pri" if site == "primary" else "sec"
        for n in range(1, count + 1):
            rows.append(
                dict(
                    customer_id=customer_id,
                    circuit_name=f"er-{customer_id}-{tag}-{n}",
                    tier=tier,
                    family=family,
                    bandwidth_mbps=bandwidth,
                    site=site,
                )
            )
    return rows


def write_csv(path: Path, rows: list[dict], columns: tuple[str, ...] | None = None) -> None:
    """Write rows to a UTF-8 CSV file with a header row.

    Parameters
    ----------
    path : pathlib.Path
        File to write.
    rows : list of dict
        The rows; keys are column names.
    columns : tuple of str, optional
        Column order; defaults to the keys of the first row.
    """
    fields = list(columns or rows[0].keys())
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(out_dir: Path) -> None:
    """Write the three portfolio files into ``out_dir``.

    Parameters
    ----------
    out_dir : pathlib.Path
        Destination directory.
    """
    rng = np.random.default_rng(SEED)
    tables = {
        "customers.csv": customer_rows(),
        "demand.csv": demand_rows(rng),
        "inventory.csv": inventory_rows(),
    }
    for name, rows in tables.items():
        write_csv(out_dir / name, rows, CUSTOMER_COLUMNS if name == "customers.csv" else None)
        print(f"{name}: {len(rows)} rows")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent)
