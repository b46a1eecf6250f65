"""`planner prices`: saved Retail Prices API pages -> catalog.csv, egress rates, Direct rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from helpers import DATA

from planner.azure.retail_prices import read_retail_prices
from planner.inputs.validate import InputError

PAGES = sorted((DATA / "azure").glob("retail_prices_*.json"))


def item(meter: str, price: float, *, zone: str = "1", sku: str = "1 Gbps Metered Data",
         product: str = "ExpressRoute", unit: str = "1/Month", **extra: object) -> dict:
    fields = {"currencyCode": "USD", "tierMinimumUnits": 0.0, "retailPrice": price,
              "unitPrice": price, "armRegionName": f"Zone {zone}", "location": f"Zone {zone}",
              "effectiveStartDate": "2026-10-01T00:00:00Z", "meterName": meter,
              "productName": product, "skuName": sku, "serviceName": "ExpressRoute",
              "unitOfMeasure": unit, "type": "Consumption", "isPrimaryMeterRegion": True}
    fields.update(extra)
    return fields


def page(tmp_path: Path, items: list[dict], name: str = "page.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"Items": items, "NextPageLink": None, "Count": len(items)}))
    return path


def run_prices(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planner", "prices", *args],
                          capture_output=True, text=True, timeout=120)


def test_the_bundled_pages_give_the_bundled_catalog_and_rates_byte_for_byte(tmp_path: Path
                                                                           ) -> None:
    out = tmp_path / "prices"
    done = run_prices("--retail", *map(str, PAGES), "--out", str(out))
    assert done.returncode == 0, done.stderr
    for name in ("catalog.csv", "egress_rates.csv"):
        assert (out / name).read_bytes() == (DATA / name).read_bytes(), name
    assert "US Gov Zone 1" in done.stdout  # the one unknown meter is listed


def test_the_bundled_catalog_holds_the_reference_list_prices() -> None:
    catalog = pd.read_csv(DATA / "catalog.csv", dtype=str, keep_default_na=False)
    price = {(r.tier, r.family, int(r.bandwidth_mbps), r.zone): float(r.monthly_usd)
             for r in catalog.itertuples()}
    assert price[("Local", "UnlimitedData", 1000, "1")] == 1200
    assert price[("Standard", "UnlimitedData", 5000, "1")] == 25650
    assert price[("Standard", "UnlimitedData", 10000, "2")] == 82000
    assert price[("Standard", "MeteredData", 100, "1")] == 110
    assert price[("Standard", "MeteredData", 100, "4")] == 100
    assert price[("Standard", "MeteredData", 1000, "")] == 436
    assert price[("Premium", "UnlimitedData", 1000, "3")] == 8700 + 1450
    assert not any(k[0] == "Local" and k[3] == "4" for k in price)
    assert set(catalog["price_basis"]) == {"list"}


def test_standard_and_premium_share_the_sku_name(tmp_path: Path) -> None:
    path = page(tmp_path, [item("Standard Metered Data 1 Gbps Circuit", 436),
                           item("Premium Metered Data 1 Gbps Circuit", 1186)])
    catalog = read_retail_prices([path]).catalog
    assert catalog[["tier", "monthly_usd", "vnet_links", "routes_ipv4"]].values.tolist() == [
        ["Standard", 436.0, 10, 4000], ["Premium", 1186.0, 50, 10000]]


def test_msft_peering_other_types_and_secondary_regions_are_left_out(tmp_path: Path) -> None:
    path = page(tmp_path, [
        item("Standard Metered Data 10 Gbps Circuit", 3400, sku="10 Gbps Metered Data"),
        item("Standard MSFT Peering Metered Data 10 Gbps Circuit", 5000,
             sku="10 Gbps MSFT Peering Metered Data"),
        item("Standard Metered Data 10 Gbps Circuit", 1, sku="10 Gbps Metered Data",
             type="DevTestConsumption"),
        item("Standard Metered Data 10 Gbps Circuit", 2, sku="10 Gbps Metered Data",
             isPrimaryMeterRegion=False),
    ])
    prices = read_retail_prices([path])
    assert prices.catalog["monthly_usd"].tolist() == [3400.0]
    assert sorted(prices.unused["path"]) == ["$.Items[1]", "$.Items[2]", "$.Items[3]"]
    assert prices.unknown.empty


def test_units_decide_and_unknown_meters_are_listed_not_guessed(tmp_path: Path) -> None:
    path = page(tmp_path, [
        item("Standard Metered Data 1 Gbps Circuit", 436),
        item("Standard Metered Data 2 Gbps Circuit", 1.2, unit="1 Hour"),
        item("Metered Data - Data Transfer Out", 0.025, unit="1 GB"),
        item("Metered Data - Data Transfer Out", 25, unit="1 TB"),
        item("Standard Metered Data 1 Gbps Circuit Plus", 99),
    ])
    prices = read_retail_prices([path])
    assert prices.catalog["bandwidth_mbps"].tolist() == [1000]
    assert prices.egress_rates.values.tolist() == [["1", 0.025]]
    assert prices.unknown["path"].tolist() == ["$.Items[1]", "$.Items[3]", "$.Items[4]"]


def test_one_price_in_every_zone_is_one_zone_less_row(tmp_path: Path) -> None:
    items = [item("Standard Metered Data 1 Gbps Circuit", 436, zone=z) for z in "1234"]
    items += [item("Local Unlimited Data 1 Gbps Circuit", p, zone=z, sku="1 Gbps Unlimited Data")
              for z, p in (("1", 1200), ("2", 1600), ("3", 2000))]
    catalog = read_retail_prices([page(tmp_path, items)]).catalog
    assert catalog[["tier", "zone", "monthly_usd"]].values.tolist() == [
        ["Standard", "", 436.0], ["Local", "1", 1200.0], ["Local", "2", 1600.0],
        ["Local", "3", 2000.0]]


def test_keys_match_case_insensitively_and_pages_combine(tmp_path: Path) -> None:
    first = page(tmp_path, [item("Standard Metered Data 1 Gbps Circuit", 436)], "a.json")
    second = tmp_path / "b.json"
    shouting = {k[0].upper() + k[1:]: v for k, v in
                item("Premium Metered Data 1 Gbps Circuit", 1186).items()}
    second.write_text(json.dumps({"items": [shouting]}))
    assert len(read_retail_prices([first, second]).catalog) == 2


def test_direct_ports_and_circuits(tmp_path: Path) -> None:
    path = page(tmp_path, [
        item("Standard Metered Data 1 Gbps Circuit", 436),
        item("Port 10 Gbps Port", 6000, sku="10 Gbps", product="ExpressRoute Direct"),
        item("Port Unlimited 100 Gbps Port", 250000, sku="100 Gbps",
             product="ExpressRoute Direct"),
        item("Premium Metered Data 10 Gbps Circuit", 3000, sku="10 Gbps Metered Data",
             product="ExpressRoute Direct"),
    ])
    prices = read_retail_prices([path])
    assert prices.direct_ports.values.tolist() == [["1", 10, "MeteredData", 6000.0],
                                                   ["1", 100, "UnlimitedData", 250000.0]]
    # 10 Gb/s circuits ride both port sizes (SPEC section 8).
    assert prices.direct_catalog[["bandwidth_mbps", "port_gbps", "monthly_usd"]
                                 ].values.tolist() == [[10000, 10, 3000.0], [10000, 100, 3000.0]]


def problems_of(paths: list[Path]) -> list[str]:
    with pytest.raises(InputError) as caught:
        read_retail_prices(paths)
    return [str(p) for p in caught.value.issues]


def test_bad_items_name_the_file_and_the_json_path(tmp_path: Path) -> None:
    path = page(tmp_path, [item("Standard Metered Data 1 Gbps Circuit", "436"),
                           item("Standard Metered Data 2 Gbps Circuit", 872, meterName=None),
                           item("Standard Metered Data 5 Gbps Circuit", 1, currencyCode="GBP"),
                           "text"])
    messages = problems_of([path])
    assert messages == [
        f"{path}: $.Items[0].retailPrice: expected a number >= 0",
        f"{path}: $.Items[1].meterName: expected a string",
        f"{path}: $.Items[2].currencyCode: 'GBP': the planner's prices are in USD; save the "
        "pages with currencyCode='USD'",
        f"{path}: $.Items[3]: expected an object"]


def test_disagreeing_prices_of_one_meter_are_an_error(tmp_path: Path) -> None:
    path = page(tmp_path, [item("Standard Metered Data 1 Gbps Circuit", 436),
                           item("Standard Metered Data 1 Gbps Circuit", 500)])
    [message] = problems_of([path])
    assert "$.Items[1].retailPrice: 500 disagrees with 436" in message


def test_a_later_price_replaces_an_earlier_one(tmp_path: Path) -> None:
    path = page(tmp_path, [item("Standard Metered Data 1 Gbps Circuit", 436),
                           item("Standard Metered Data 1 Gbps Circuit", 400,
                                effectiveStartDate="2026-11-01T00:00:00Z")])
    assert read_retail_prices([path]).catalog["monthly_usd"].tolist() == [400.0]


def test_malformed_json_exits_2_with_file_and_place_and_writes_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"Items": [\n  {"retailPrice": 1,}\n]}')
    out = tmp_path / "out"
    done = run_prices("--retail", str(broken), "--out", str(out))
    assert done.returncode == 2
    assert f"{broken}: not valid JSON at line 2, column 21" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


@pytest.mark.parametrize("text, where", [
    ('[1, 2]', "$: expected an object with Items"),
    ('{"Items": {}}', "$.Items: expected a list"),
    ('{"Items": []}', "no ExpressRoute circuit price"),
    ('\xff\xfe', "cannot read it as UTF-8"),
])
def test_pages_without_prices_are_refused(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "page.json"
    path.write_bytes(text.encode("latin-1"))
    out = tmp_path / "out"
    done = run_prices("--retail", str(path), "--out", str(out))
    assert done.returncode == 2 and where in done.stderr and str(path) in done.stderr
    assert not out.exists()


def test_pages_without_the_last_one_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_text(json.dumps({
        "Items": [item("Standard Metered Data 1 Gbps Circuit", 436)],
        "NextPageLink": "https://prices.azure.com:443/api/retail/prices?$skip=100"}))
    [message] = problems_of([path])
    assert "the last page of the API's answer is missing" in message
    assert len(read_retail_prices([path, page(tmp_path, [], "last.json")]).catalog) == 1


def test_a_json_that_is_not_a_price_page_is_named_once_per_item(tmp_path: Path) -> None:
    path = page(tmp_path, [{"name": "er-1", "retailPrice": 1}])
    [message] = problems_of([path])
    assert message.startswith(f"{path}: $.Items[0]: not a Retail Prices item: serviceName, ")
