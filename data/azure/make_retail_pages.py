"""Write the bundled Azure Retail Prices API pages and the sample's price tables.

The pages hold the ExpressRoute list prices of 2026-10-10 in USD for the four zones, as
``reference/prices_and_formats.md`` sections 1, 2 and 5 give them, laid out the way the API
returns them (``Items``, ``NextPageLink``, 100 items a page). ``meterId``, ``productId``,
``skuId``, ``serviceId`` and ``effectiveStartDate`` are deterministic placeholders: no raw
ExpressRoute item with its real identifiers was found (see ``data/README.md``).

Then ``catalog.csv`` and ``egress_rates.csv`` of ``data/`` are written from the pages by the
same code as ``planner prices``, so the two always agree.

Run with ``python data/azure/make_retail_pages.py``.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAMESPACE = uuid.UUID("0b7e3c7a-2f4d-4b8e-9c61-5a0d3e9f7c21")
PAGE_SIZE = 100
START = "2026-10-01T00:00:00Z"
ZONES = ("1", "2", "3", "4")
FILTER = "serviceName%20eq%20%27ExpressRoute%27"

# fmt: off
SIZES = ("50 Mbps", "100 Mbps", "200 Mbps", "500 Mbps", "1 Gbps", "2 Gbps", "5 Gbps", "10 Gbps")
# Provider circuits [USD/month] per zone, in the order of SIZES (reference section 2.3).
STANDARD_METERED = {
    "1": (55, 110, 145, 290, 436, 872, 2180, 3400),
    **{z: (55, 100, 145, 290, 436, 872, 2180, 3400) for z in ("2", "3", "4")},
}
PREMIUM_METERED = {
    "1": (130, 200, 295, 690, 1186, 2372, 5180, 6400),
    **{z: (155, 275, 445, 1090, 1886, 3122, 5180, 6400) for z in ("2", "3", "4")},
}
STANDARD_UNLIMITED = {
    "1": (300, 575, 1150, 2750, 5700, 11400, 25650, 51300),
    "2": (610, 1230, 2300, 5200, 8700, 17400, 41000, 82000),
    "3": (872, 1300, 3220, 5200, 8700, 17400, 41000, 82000),
    "4": (741, 1265, 2760, 5200, 8700, 17400, 41000, 82000),
}
# Premium UnlimitedData = Standard UnlimitedData + the zone's Premium add-on.
PREMIUM_ADDON_UNLIMITED = {
    "1": (75, 100, 150, 400, 750, 1500, 3000, 3000),
    **{z: (100, 175, 300, 800, 1450, 2250, 3000, 3000) for z in ("2", "3", "4")},
}
LOCAL_SIZES = ("1 Gbps", "2 Gbps", "5 Gbps", "10 Gbps")
LOCAL = {"1": (1200, 2200, 3600, 5500), "2": (1600, 2500, 3900, 6000),
         "3": (2000, 2900, 4300, 7000)}  # no Local meter in Zone 4
EGRESS = {"1": 0.025, "2": 0.05, "3": 0.14, "4": 0.10}
# Direct port pairs [USD/month] (reference section 1.1); None: no meter that day.
PORTS = {
    ("10 Gbps", "Port 10 Gbps Port"): (6000, 7000, 8500, 7500),
    ("10 Gbps", "Port Unlimited 10 Gbps Port"): (56000, 88000, 90000, 89000),
    ("100 Gbps", "Port 100 Gbps Port"): (50000, 60000, 80000, 70000),
    ("100 Gbps", "Port Unlimited 100 Gbps Port"): (250000, None, None, None),
    ("400 Gbps", "Port 400 Gbps Port"): (150000, 160000, None, None),
    ("Metro 10 Gbps", "Port Metro 10 Gbps Port"): (3300, 4300, 6600, 5250),
    ("Metro 100 Gbps", "Port Metro 100 Gbps Port"): (33000, 43000, 60000, 50000),
    ("Metro 400 Gbps", "Port Metro 400 Gbps Port"): (125000, 135000, None, None),
}
# Circuits on Direct ports: the Premium add-on by port billing (section 1.2); Standard and
# Local cost nothing. Same in every zone.
DIRECT_PREMIUM = {
    "1 Gbps": (700, 2000), "2 Gbps": (1500, 4000), "5 Gbps": (2000, 10000),
    "10 Gbps": (3000, 20000), "40 Gbps": (5000, 80000), "100 Gbps": (10000, 200000),
    "200 Gbps": (20000, None), "400 Gbps": (40000, None),
}
GLOBAL_REACH = {"50 Mbps": 55, "100 Mbps": 110, "200 Mbps": 145, "500 Mbps": 290, "1 Gbps": 436,
                "2 Gbps": 872, "5 Gbps": 2180, "10 Gbps": 5000, "40 Gbps": 10500,
                "100 Gbps": 21250}
# Gateways [USD/hour], identical in these regions (section 5.1).
GATEWAY_REGIONS = {"uksouth": "UK South", "brazilsouth": "Brazil South",
                   "australiaeast": "AU East"}
GATEWAYS = [
    ("ExpressRoute Gateway", "ErGw1AZ", "ErGw1AZ Gateway", 0.361),
    ("ExpressRoute Gateway", "ErGw2AZ", "ErGw2AZ Gateway", 0.632),
    ("ExpressRoute Gateway", "ErGw3AZ", "ErGw3AZ Gateway", 2.151),
    ("ExpressRoute Gateway", "ErGwScale", "ErGwScale Unit", 0.21),
    ("ExpressRoute Standard Gateway", "Standard", "Standard Gateway", 0.19),
    ("ExpressRoute High Performance Gateway", "High Performance", "High Performance Gateway",
     0.49),
    ("ExpressRoute Ultra High Performance Gateway", "Ultra High Performance",
     "Ultra High Performance Gateway", 1.87),
]
# fmt: on


def _id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def item(product: str, sku: str, meter: str, region: str, price: float, unit: str,
         location: str | None = None) -> dict:
    """One price item with every field the API returns (identifiers are placeholders)."""
    product_id = "DZH" + _id(product).replace("-", "")[:9].upper()
    sku_id = f"{product_id}/{_id(product, sku)[:4].upper()}"
    return {
        "currencyCode": "USD", "tierMinimumUnits": 0.0, "retailPrice": float(price),
        "unitPrice": float(price), "armRegionName": region, "location": location or region,
        "effectiveStartDate": START, "meterId": _id(product, sku, meter, region),
        "meterName": meter, "productId": product_id, "skuId": sku_id,
        "productName": product, "skuName": sku, "serviceName": "ExpressRoute",
        "serviceId": "DZH3178QZK8P", "serviceFamily": "Networking", "unitOfMeasure": unit,
        "type": "Consumption", "isPrimaryMeterRegion": True, "armSkuName": "",
    }


def items() -> list[dict]:
    """Every ExpressRoute price item of the bundled pages."""
    out = []
    for zone in ZONES:
        region = f"Zone {zone}"
        for i, size in enumerate(SIZES):
            metered, unlimited = f"{size} Metered Data", f"{size} Unlimited Data"
            out += [
                item("ExpressRoute", metered, f"Standard Metered Data {size} Circuit", region,
                     STANDARD_METERED[zone][i], "1/Month"),
                item("ExpressRoute", metered, f"Premium Metered Data {size} Circuit", region,
                     PREMIUM_METERED[zone][i], "1/Month"),
                item("ExpressRoute", metered, "Metered Data - Data Transfer Out", region,
                     EGRESS[zone], "1 GB"),
                item("ExpressRoute", unlimited, f"Standard Unlimited Data {size} Circuit",
                     region, STANDARD_UNLIMITED[zone][i], "1/Month"),
                item("ExpressRoute", unlimited, f"Premium Unlimited Data {size} Circuit",
                     region, STANDARD_UNLIMITED[zone][i] + PREMIUM_ADDON_UNLIMITED[zone][i],
                     "1/Month"),
            ]
        for i, size in enumerate(LOCAL_SIZES if zone in LOCAL else ()):
            out.append(item("ExpressRoute", f"{size} Unlimited Data",
                            f"Local Unlimited Data {size} Circuit", region, LOCAL[zone][i],
                            "1/Month"))
        for (sku, meter), prices in PORTS.items():
            price = prices[int(zone) - 1]
            if price is not None:
                out.append(item("ExpressRoute Direct", sku, meter, region, price, "1/Month"))
        for size, (metered_addon, unlimited_addon) in DIRECT_PREMIUM.items():
            for plan, addon in (("Metered", metered_addon), ("Unlimited", unlimited_addon)):
                if addon is None:
                    continue
                sku = f"{size} {plan} Data"
                for tier, price in (("Standard", 0), ("Local", 0), ("Premium", addon)):
                    out.append(item("ExpressRoute Direct", sku,
                                    f"{tier} {plan} Data {size} Circuit", region, price,
                                    "1/Month"))
        for direction in ("In", "Out"):
            out.append(item("ExpressRoute Direct", "Local Data Transfer",
                            f"Local Data Transfer {direction}", region, 0, "1 GB"))
        for size, price in GLOBAL_REACH.items():
            out.append(item("ExpressRoute Global Reach", size, f"{size} Circuit", region, price,
                            "1/Month"))
    # The trap of the feed: MSFT Peering meters share the circuit naming (10 Gb/s, Zone 1).
    out.append(item("ExpressRoute", "10 Gbps MSFT Peering Metered Data",
                    "Standard MSFT Peering Metered Data 10 Gbps Circuit", "Zone 1", 5000,
                    "1/Month"))
    # A zone the sample does not use: US Gov Zone 1 egress (facts file [S24]).
    out.append(item("ExpressRoute", "1 Gbps Metered Data", "Metered Data - Data Transfer Out",
                    "US Gov Zone 1", 0.03, "1 GB"))
    for region, location in GATEWAY_REGIONS.items():
        for product, sku, meter, price in GATEWAYS:
            out.append(item(product, sku, meter, region, price, "1 Hour", location))
    return out


def pages(all_items: list[dict]) -> list[dict]:
    """The items split into API pages of 100 with their NextPageLink."""
    out = []
    for start in range(0, len(all_items), PAGE_SIZE):
        chunk = all_items[start:start + PAGE_SIZE]
        following = start + PAGE_SIZE
        link = (f"https://prices.azure.com:443/api/retail/prices?$filter={FILTER}"
                f"&$skip={following}" if following < len(all_items) else None)
        out.append({"BillingCurrency": "USD", "CustomerEntityId": "Default",
                    "CustomerEntityType": "Retail", "Items": chunk, "NextPageLink": link,
                    "Count": len(chunk)})
    return out


def main() -> None:
    """Write the pages into data/azure/ and catalog.csv, egress_rates.csv into data/."""
    sys.path.insert(0, str(HERE.parents[1]))
    from planner.azure.retail_prices import price_tables, read_retail_prices

    for old in HERE.glob("retail_prices_*.json"):
        old.unlink()
    written = []
    for number, page in enumerate(pages(items()), start=1):
        path = HERE / f"retail_prices_{number}.json"
        path.write_text(json.dumps(page, indent=1) + "\n", encoding="utf-8")
        written.append(path)
    tables = price_tables(read_retail_prices(written))
    for name in ("catalog.csv", "egress_rates.csv"):
        tables[name].to_csv(HERE.parent / name, index=False, lineterminator="\n")
    print(f"{len(written)} pages; catalog.csv {len(tables['catalog.csv'])} rows")


if __name__ == "__main__":
    main()
