"""Saved Azure Retail Prices API pages -> catalog.csv, egress_rates.csv and Direct prices.

docs/azure.rst, Retail prices. Each page is the JSON the
API returns (``{"Items": [...], "NextPageLink": ..., ...}``); any number of pages, in any
order. The traps of the feed are handled here:

- Standard and Premium share ``skuName``; the tier is read from ``meterName``.
- ``MSFT Peering`` meters are not circuit prices and are left out.
- Only ``type`` Consumption and ``isPrimaryMeterRegion`` items count.
- Units must be what the meter means: ``1/Month`` for circuits and ports, ``1 GB`` for
  egress; anything else is listed, not guessed.

Every item that is not used is returned with the reason, so meters the importer does not
know are listed rather than silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pandas as pd

from planner.azure.jsonfile import get_key, is_number, json_problem, load_json
from planner.domain import Family, Tier
from planner.inputs.validate import InputError, InputIssue

CIRCUIT_PRODUCT = "ExpressRoute"
DIRECT_PRODUCT = "ExpressRoute Direct"
SERVICE = "ExpressRoute"
MONTHLY = "1/Month"
PER_GB = "1 GB"
EGRESS_METER = "Metered Data - Data Transfer Out"

#: vNet links per circuit (catalog.csv's vnet_links) by bandwidth [Mb/s]: Local and Standard 10 at
#: every size, Premium by size (facts file section 3.3). Not in the price feed.
STANDARD_VNET_LINKS = 10
PREMIUM_VNET_LINKS = {50: 20, 100: 25, 200: 25, 500: 40, 1000: 50, 2000: 60, 5000: 75,
                      10000: 100, 40000: 100, 100000: 100}
#: Private-peering IPv4 routes per circuit: 4,000 Local/Standard, 10,000 Premium.
ROUTES_IPV4 = {Tier.LOCAL: 4000, Tier.STANDARD: 4000, Tier.PREMIUM: 10000}
#: Circuit sizes carved from a Direct port pair [Gb/s] by port size (docs/azure.rst).
DIRECT_SIZES_GBPS = {10: (1, 2, 5, 10), 100: (5, 10, 40, 100)}

TIER_ORDER = {Tier.STANDARD: 0, Tier.PREMIUM: 1, Tier.LOCAL: 2}
FAMILY_ORDER = {Family.METERED: 0, Family.UNLIMITED: 1}
PRICE_BASIS = "list"

CATALOG_COLUMNS = ["tier", "family", "bandwidth_mbps", "zone", "monthly_usd", "vnet_links",
                   "routes_ipv4", "price_basis"]
DIRECT_CATALOG_COLUMNS = [*CATALOG_COLUMNS[:-1], "port_gbps", "price_basis"]
DIRECT_PORT_COLUMNS = ["zone", "port_gbps", "billing", "monthly_usd"]
UNUSED_COLUMNS = ["file", "path", "reason", "productName", "skuName", "meterName",
                  "armRegionName", "unitOfMeasure", "type", "retailPrice"]

_CIRCUIT = re.compile(r"(Standard|Premium|Local) (Metered|Unlimited) Data "
                      r"(\d+(?:\.\d+)?) (Mbps|Gbps) Circuit")
_PORT = re.compile(r"Port (Unlimited )?(\d+) Gbps Port")
_METRO_PORT = re.compile(r"Port Metro (Unlimited )?(\d+) Gbps Port")
_ZONE = re.compile(r"Zone ([1-9]\d*)")

#: Products of the ExpressRoute service the planner knows but does not plan.
NOT_PLANNED = {
    "ExpressRoute Gateway": "gateway (not part of the circuit plan)",
    "ExpressRoute Standard Gateway": "gateway (not part of the circuit plan)",
    "ExpressRoute High Performance Gateway": "gateway (not part of the circuit plan)",
    "ExpressRoute Ultra High Performance Gateway": "gateway (not part of the circuit plan)",
    "ExpressRoute Global Reach": "Global Reach add-on (not planned)",
}

REASON_TYPE = "type is not Consumption"
REASON_REGION = "not the primary meter region"
REASON_MSFT = "MSFT Peering meter: not a circuit price"
REASON_UNKNOWN = "unknown meter"


@dataclass(frozen=True)
class _Item:
    file: str
    path: str
    fields: dict[str, object]

    def __getitem__(self, key: str) -> object:
        return self.fields[key]


@dataclass
class RetailPrices:
    """What the price pages hold, in the planner's formats.

    Parameters
    ----------
    catalog : pandas.DataFrame
        catalog.csv rows of provider circuits, with ``zone`` (empty when one price holds in
        every zone of the feed) and ``price_basis`` ``list`` [USD/month].
    egress_rates : pandas.DataFrame
        egress_rates.csv: ``zone``, ``usd_per_gb`` [USD/GB].
    direct_ports : pandas.DataFrame
        Direct port-pair fees: ``zone``, ``port_gbps`` [Gb/s], ``billing``,
        ``monthly_usd`` [USD/month per pair], for ports.csv (docs/azure.rst).
    direct_catalog : pandas.DataFrame
        The Direct catalog rows (docs/azure.rst) (``port_gbps`` filled; ``monthly_usd`` the
        per-circuit charge).
    unused : pandas.DataFrame
        Every item not used, with the file, its JSON path and the reason.
    items : int
        Items read.
    """

    catalog: pd.DataFrame
    egress_rates: pd.DataFrame
    direct_ports: pd.DataFrame
    direct_catalog: pd.DataFrame
    unused: pd.DataFrame
    items: int

    @property
    def unknown(self) -> pd.DataFrame:
        """The unused items whose meter the importer does not know."""
        return self.unused[self.unused["reason"].str.startswith(REASON_UNKNOWN)]


_TEXT_FIELDS = ("serviceName", "productName", "skuName", "meterName", "armRegionName",
                "unitOfMeasure", "type", "currencyCode")


def _items_of(document: object, file: str, issues: list[InputIssue]) -> list[_Item]:
    if not isinstance(document, dict):
        issues.append(json_problem(file, "$", "expected an object with Items (a saved "
                                                "Retail Prices API page)"))
        return []
    raw = get_key(document, "Items")
    if not isinstance(raw, list):
        issues.append(json_problem(file, "$.Items", "expected a list of price items"))
        return []
    items = []
    for index, entry in enumerate(raw):
        where = f"$.Items[{index}]"
        if not isinstance(entry, dict):
            issues.append(json_problem(file, where, "expected an object"))
            continue
        fields = {name: get_key(entry, name) for name in _TEXT_FIELDS}
        missing = [name for name, value in fields.items() if not isinstance(value, str)]
        bad = bool(missing)
        if len(missing) == 1:
            issues.append(json_problem(file, f"{where}.{missing[0]}", "expected a string"))
        elif missing:
            issues.append(json_problem(file, where, (
                f"not a Retail Prices item: {', '.join(missing)} missing or not text")))
        price = get_key(entry, "retailPrice")
        if not is_number(price) or float(price) < 0:
            issues.append(json_problem(file, f"{where}.retailPrice",
                                         "expected a number >= 0"))
            bad = True
        primary = get_key(entry, "isPrimaryMeterRegion", True)
        if not isinstance(primary, bool):
            issues.append(json_problem(file, f"{where}.isPrimaryMeterRegion",
                                         "expected true or false"))
            bad = True
        minimum = get_key(entry, "tierMinimumUnits", 0)
        if not is_number(minimum):
            issues.append(json_problem(file, f"{where}.tierMinimumUnits",
                                         "expected a number"))
            bad = True
        start = get_key(entry, "effectiveStartDate", "")
        if bad:
            continue
        if fields["currencyCode"] != "USD":
            issues.append(json_problem(
                file, f"{where}.currencyCode",
                f"{fields['currencyCode']!r}: the planner's prices are in USD; save the pages "
                "with currencyCode='USD'"))
            continue
        # Both numbers passed is_number above.
        fields.update(retailPrice=float(cast(float, price)), isPrimaryMeterRegion=primary,
                      tierMinimumUnits=float(cast(float, minimum)),
                      effectiveStartDate=str(start or ""))
        items.append(_Item(file, where, fields))
    return items


def _bandwidth_mbps(number: str, unit: str) -> int | None:
    value = float(number) * (1000 if unit == "Gbps" else 1)
    return int(value) if value == int(value) and value > 0 else None


@dataclass(frozen=True)
class _Price:
    key: tuple[object, ...]
    zone: str
    usd: float
    item: _Item


def _classify(item: _Item) -> tuple[str, tuple[object, ...] | None, str]:
    """Return (kind, key, reason): kind is circuit, direct_circuit, port, egress or unused."""
    meter, product, unit = str(item["meterName"]), str(item["productName"]), item["unitOfMeasure"]
    if item["serviceName"] != SERVICE:
        return "unused", None, f"{REASON_UNKNOWN}: service {item['serviceName']!r}"
    if item["type"] != "Consumption":
        return "unused", None, f"{REASON_TYPE} ({item['type']})"
    if not item["isPrimaryMeterRegion"]:
        return "unused", None, REASON_REGION
    if "MSFT Peering" in meter:
        return "unused", None, REASON_MSFT
    if product in NOT_PLANNED:
        return "unused", None, NOT_PLANNED[product]
    if product not in (CIRCUIT_PRODUCT, DIRECT_PRODUCT):
        return "unused", None, f"{REASON_UNKNOWN}: product {product!r}"
    if item["tierMinimumUnits"] != 0:
        return "unused", None, f"{REASON_UNKNOWN}: tiered price (tierMinimumUnits > 0)"
    if not _ZONE.fullmatch(str(item["armRegionName"])):
        return "unused", None, (f"{REASON_UNKNOWN}: region {item['armRegionName']!r} is not an "
                                "egress zone 'Zone N'")
    # "Circuit" is matched before "Metered Data": circuit meters hold both.
    if (circuit := _CIRCUIT.fullmatch(meter)) is not None:
        if unit != MONTHLY:
            return "unused", None, f"{REASON_UNKNOWN}: circuit meter in {unit!r}, not {MONTHLY}"
        tier, family = circuit.group(1), f"{circuit.group(2)}Data"
        bandwidth = _bandwidth_mbps(circuit.group(3), circuit.group(4))
        if bandwidth is None:
            return "unused", None, f"{REASON_UNKNOWN}: bandwidth of {meter!r}"
        if product == DIRECT_PRODUCT:
            if not any(bandwidth in (1000 * g for g in sizes)
                       for sizes in DIRECT_SIZES_GBPS.values()):
                return "unused", None, (f"Direct {bandwidth // 1000} Gb/s circuit: no 10 or "
                                        "100 Gb/s port carries it (docs/azure.rst)")
            return "direct_circuit", (tier, family, bandwidth), ""
        if tier == Tier.PREMIUM and bandwidth not in PREMIUM_VNET_LINKS:
            return "unused", None, f"{REASON_UNKNOWN}: no vNet-link limit for {meter!r}"
        return "circuit", (tier, family, bandwidth), ""
    if meter == EGRESS_METER and product == CIRCUIT_PRODUCT:
        if unit != PER_GB:
            return "unused", None, f"{REASON_UNKNOWN}: egress meter in {unit!r}, not {PER_GB}"
        return "egress", (), ""
    if product == DIRECT_PRODUCT and (port := _PORT.fullmatch(meter)) is not None:
        if unit != MONTHLY:
            return "unused", None, f"{REASON_UNKNOWN}: port meter in {unit!r}, not {MONTHLY}"
        size = int(port.group(2))
        if size not in DIRECT_SIZES_GBPS:
            return "unused", None, f"Direct {size} Gb/s port (ports of 10 and 100 Gb/s are planned)"
        billing = Family.UNLIMITED if port.group(1) else Family.METERED
        return "port", (size, billing), ""
    if product == DIRECT_PRODUCT and _METRO_PORT.fullmatch(meter):
        return "unused", None, "ExpressRoute Metro port (not planned)"
    if meter == "ERTC":
        return "unused", None, "ExpressRoute Traffic Collector (not planned)"
    if product == DIRECT_PRODUCT and meter.startswith("Local Data Transfer"):
        return "unused", None, "Direct Local data transfer (not planned)"
    return "unused", None, REASON_UNKNOWN


def _pick(prices: Iterable[_Price], issues: list[InputIssue]) -> dict[tuple[object, ...], float]:
    """One price per (key, zone).

    The latest effectiveStartDate wins; a tie that disagrees is an error naming both items.
    """
    chosen: dict[tuple[object, ...], _Price] = {}
    for price in prices:
        full = (*price.key, price.zone)
        before = chosen.get(full)
        if before is None:
            chosen[full] = price
            continue
        # _items_of stored every effectiveStartDate as text.
        new_date = cast(str, price.item["effectiveStartDate"])
        old_date = cast(str, before.item["effectiveStartDate"])
        if new_date > old_date:
            chosen[full] = price
        elif new_date == old_date and price.usd != before.usd:
            issues.append(json_problem(
                price.item.file, f"{price.item.path}.retailPrice",
                f"{price.usd:g} disagrees with {before.usd:g} of the same meter and zone "
                f"({before.item.file}, {before.item.path}), effective the same day"))
    return {k: v.usd for k, v in chosen.items()}


def _collapse(prices: dict[tuple[object, ...], float], zones: Sequence[str]
              ) -> list[tuple[tuple[object, ...], str, float]]:
    """(key, zone, usd) rows: one zone-less row when every zone has the same price."""
    by_key: dict[tuple[object, ...], dict[str, float]] = {}
    for full, usd in prices.items():
        by_key.setdefault(full[:-1], {})[str(full[-1])] = usd
    rows = []
    for key, per_zone in by_key.items():
        if set(per_zone) == set(zones) and len(set(per_zone.values())) == 1:
            rows.append((key, "", next(iter(per_zone.values()))))
        else:
            rows += [(key, zone, usd) for zone, usd in per_zone.items()]
    return rows


def _zone_order(zone: str) -> tuple[int, int]:
    return (0, 0) if zone == "" else (1, int(zone))


def _vnet_links(tier: str, bandwidth: int) -> int:
    return PREMIUM_VNET_LINKS[bandwidth] if tier == Tier.PREMIUM else STANDARD_VNET_LINKS


def _catalog_frame(rows: list[tuple[tuple[object, ...], str, float]], columns: list[str]
                   ) -> pd.DataFrame:
    records = []
    for key, zone, usd in rows:
        tier, family, bandwidth = str(key[0]), str(key[1]), int(cast(int, key[2]))
        record = {"tier": tier, "family": family, "bandwidth_mbps": bandwidth, "zone": zone,
                  "monthly_usd": usd, "vnet_links": _vnet_links(tier, bandwidth),
                  "routes_ipv4": ROUTES_IPV4[Tier(tier)], "price_basis": PRICE_BASIS}
        if len(key) > 3:
            record["port_gbps"] = key[3]
        records.append(record)
    frame = pd.DataFrame(records, columns=columns)
    if frame.empty:
        return frame
    zone_order: list[Any] = [_zone_order(z) for z in frame["zone"]]
    order = frame.assign(
        _t=frame["tier"].map(TIER_ORDER), _f=frame["family"].map(FAMILY_ORDER),
        _p=frame["port_gbps"] if "port_gbps" in frame else 0,
        _z=zone_order)
    order = order.sort_values(["_p", "_t", "_f", "bandwidth_mbps", "_z"], kind="stable")
    return frame.loc[order.index].reset_index(drop=True)


def read_retail_prices(paths: Sequence[str | Path]) -> RetailPrices:
    """Read saved Retail Prices API pages into the planner's price tables.

    Parameters
    ----------
    paths : sequence of str or Path
        The saved pages (JSON with ``Items``), as many as the API returned.

    Returns
    -------
    RetailPrices

    Raises
    ------
    InputError
        When a file is not a valid page (naming the file and the JSON path), prices of one
        meter disagree, or the pages hold no ExpressRoute circuit price; nothing is returned.
    """
    issues: list[InputIssue] = []
    items: list[_Item] = []
    final_pages = 0
    for path in paths:
        try:
            document = load_json(path)
        except InputError as error:
            issues += error.issues
            continue
        items += _items_of(document, str(path), issues)
        if not isinstance(document, dict) or not get_key(document, "NextPageLink"):
            final_pages += 1
    if paths and not final_pages and not issues:
        issues.append(InputIssue(", ".join(map(str, paths)), 0, "NextPageLink", (
            "every page has a NextPageLink: the last page of the API's answer is missing; "
            "save every page until NextPageLink is null")))
    found: dict[str, list[_Price]] = {"circuit": [], "direct_circuit": [], "port": [],
                                      "egress": []}
    unused = []
    for item in items:
        kind, key, reason = _classify(item)
        if kind == "unused":
            unused.append({"file": item.file, "path": item.path, "reason": reason,
                           **{c: item.fields[c] for c in UNUSED_COLUMNS[3:]}})
            continue
        # _classify keeps only items whose region is a zone, and the price was checked.
        zone = cast(re.Match[str], _ZONE.fullmatch(str(item["armRegionName"]))).group(1)
        found[kind].append(_Price(key or (), zone, float(cast(float, item["retailPrice"])), item))
    circuits = _pick(found["circuit"], issues)
    egress = _pick(found["egress"], issues)
    direct = _pick(found["direct_circuit"], issues)
    ports = _pick(found["port"], issues)
    if not circuits and not issues:
        issues.append(InputIssue(", ".join(map(str, paths)) or "--retail", 0, "",
                                "no ExpressRoute circuit price (productName 'ExpressRoute', "
                                "meter '... Data ... Circuit') in the pages"))
    if issues:
        raise InputError(issues)
    zones = sorted({str(k[-1]) for k in circuits}, key=int)
    catalog = _catalog_frame(_collapse(circuits, zones), CATALOG_COLUMNS)
    egress_rows = sorted(((str(k[-1]), v) for k, v in egress.items()), key=lambda r: int(r[0]))
    egress_rates = pd.DataFrame(egress_rows, columns=["zone", "usd_per_gb"])
    direct_rows: dict[tuple[object, ...], float] = {
        (tier, family, bandwidth, port_gbps, zone): usd
        for (tier, family, bandwidth, zone), usd in direct.items()
        for port_gbps, sizes in DIRECT_SIZES_GBPS.items()
        if int(cast(int, bandwidth)) in (1000 * g for g in sizes)}
    direct_zones = sorted({str(k[-1]) for k in direct}, key=int)
    direct_catalog = _catalog_frame(_collapse(direct_rows, direct_zones),
                                    DIRECT_CATALOG_COLUMNS)
    port_frame = pd.DataFrame(
        [(zone, size, billing, usd) for (size, billing, zone), usd in ports.items()],
        columns=DIRECT_PORT_COLUMNS)
    if len(port_frame):
        port_frame = port_frame.assign(_z=port_frame["zone"].astype(int)).sort_values(
            ["port_gbps", "billing", "_z"]).drop(columns="_z").reset_index(drop=True)
    return RetailPrices(catalog, egress_rates, port_frame, direct_catalog,
                        pd.DataFrame(unused, columns=UNUSED_COLUMNS), len(items))


def _number(value: float) -> str:
    return format(float(value), ".10g")


def price_tables(prices: RetailPrices) -> dict[str, pd.DataFrame]:
    """The files ``planner prices`` writes, by name, with numbers as text."""
    def money(frame: pd.DataFrame, column: str) -> pd.DataFrame:
        return frame.assign(**{column: [_number(v) for v in frame[column]]})

    return {
        "catalog.csv": money(prices.catalog, "monthly_usd"),
        "egress_rates.csv": money(prices.egress_rates, "usd_per_gb"),
        "direct_ports.csv": money(prices.direct_ports, "monthly_usd"),
        "direct_catalog.csv": money(prices.direct_catalog, "monthly_usd"),
        "unused_meters.csv": prices.unused,
    }
