"""Small random planning instances in the CSV formats of SPEC section 2.

Every instance is written to CSV text and read back with :func:`pandas.read_csv` as text
(``dtype=str, keep_default_na=False``), so the DataFrames hold exactly the cells of the files,
empty cells as empty strings, as the command line reads them. Instances are kept small
enough for the exhaustive reference in :mod:`reference` to finish quickly.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass

import pandas as pd
from reference import ReferenceInputs, feasible_configs, load_catalog, load_customers, load_demand

#: Largest number of month-by-month configuration sequences per customer.
MAX_SEQUENCES = 20_000

BANDWIDTH_POOL = (50, 100, 200, 500, 1000, 2000, 5000, 10000)
UTILIZATIONS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 1.0)
SETUPS = (0, 0, 150, 500, 1000, 2500)
ZONES = ("1", "2", "3", "4")
CUSTOMER_IDS = ("a", "b-2", "c_3", "d.4")
#: Share of customers drawn without regard to feasibility (often infeasible).
STRESS_SHARE = 0.2
LOCATIONS = ("Amsterdam", "London", "Frankfurt", "Dublin", "Paris")

Row = dict[str, object]


@dataclass(frozen=True)
class Instance:
    """One random instance: the input tables of SPEC section 2."""

    seed: int
    customers: pd.DataFrame
    demand: pd.DataFrame
    catalog: pd.DataFrame
    egress_rates: pd.DataFrame
    inventory: pd.DataFrame | None

    def describe(self) -> str:
        """The instance as CSV text, for failure messages."""
        parts = [
            ("customers.csv", self.customers),
            ("demand.csv", self.demand),
            ("catalog.csv", self.catalog),
            ("egress_rates.csv", self.egress_rates),
        ]
        if self.inventory is not None:
            parts.append(("inventory.csv", self.inventory))
        return "\n".join(f"--- {name}\n{df.to_csv(index=False)}" for name, df in parts)


def _frame(rows: list[Row], columns: list[str]) -> pd.DataFrame:
    """Write rows as CSV (None -> empty cell) and read them back like a file."""
    text = io.StringIO()
    pd.DataFrame(rows, columns=columns).to_csv(text, index=False)
    return pd.read_csv(io.StringIO(text.getvalue()), dtype=str, keep_default_na=False)


def _maybe(rng: random.Random, value: object, default: object, blank: float = 0.2) -> object:
    """``value``, or an empty cell when ``value`` is the default (sometimes)."""
    if value == default and rng.random() < blank:
        return None
    return value


def _bool_text(rng: random.Random, value: bool) -> str:
    spelled = rng.choice([("true", "false"), ("yes", "no"), ("1", "0"), ("True", "FALSE")])
    return spelled[0] if value else spelled[1]


def _catalog_rows(rng: random.Random) -> list[Row]:
    count = rng.randint(2, 4)
    if rng.random() < 0.8:
        bandwidths = sorted(rng.sample(BANDWIDTH_POOL, count))
    else:
        bandwidths = sorted(rng.sample(range(50, 10001, 50), count))
    pairs = []
    if rng.random() < 0.7:
        pairs.append(("Local", "UnlimitedData"))
    if rng.random() < 0.15:
        pairs.append(("Local", "MeteredData"))  # outside the facts, but a catalog may say so
    for tier, keep in (("Standard", 0.9), ("Premium", 0.7)):
        if rng.random() < keep:
            families = [f for f in ("MeteredData", "UnlimitedData") if rng.random() < 0.85]
            pairs.extend((tier, f) for f in families or ["MeteredData"])
    if not any(t != "Local" for t, _ in pairs):
        pairs.append(("Standard", "MeteredData"))
    rows: list[Row] = []
    for bw in bandwidths:
        metered = round((40 + 0.35 * bw) * rng.uniform(0.6, 1.4), 2)
        unlimited = round(metered * rng.uniform(1.2, 2.6), 2)
        premium_addon = round((30 + 0.1 * bw) * rng.uniform(0.5, 1.5), 2)
        for tier, family in pairs:
            if rng.random() < 0.15:
                continue  # SKU missing
            price = metered if family == "MeteredData" else unlimited
            if tier == "Premium":
                price = round(price + premium_addon, 2)
                links = rng.choice((2, 3, 5, 10, 20))
                routes = rng.choice((1000, 4000, 10000))
            else:
                links = rng.choice((1, 1, 2, 3, 10))
                routes = rng.choice((100, 400, 4000))
            if tier == "Local":
                price = round(price * rng.uniform(0.5, 1.0), 2)
            rows.append(
                {
                    "tier": tier,
                    "family": family,
                    "bandwidth_mbps": bw,
                    "monthly_usd": price,
                    "vnet_links": links,
                    "routes_ipv4": routes,
                }
            )
    if not rows:
        rows.append(
            {
                "tier": "Standard",
                "family": "MeteredData",
                "bandwidth_mbps": bandwidths[-1],
                "monthly_usd": 100.0,
                "vnet_links": 10,
                "routes_ipv4": 4000,
            }
        )
    return rows


def _customer_row(rng: random.Random, cid: str) -> Row:
    resiliency = rng.choice(("standard", "n+1", "maximum"))
    primary = rng.choice(LOCATIONS)
    has_secondary = resiliency == "maximum" or rng.random() < 0.3
    secondary = rng.choice([x for x in LOCATIONS if x != primary]) if has_secondary else None
    roll = rng.random()
    billing = "auto" if roll < 0.5 else ("MeteredData" if roll < 0.75 else "UnlimitedData")
    routes = rng.choice((0, 0, 50, 300, 1000, 5000))
    premium = rng.random() < 0.2
    local = rng.random() < 0.4
    return {
        "customer_id": cid,
        "name": f"Customer {cid}",
        "model": rng.choice(("connect-through", "connect-to", None)),
        "subscription_id": None,
        "peering_location": primary,
        "secondary_peering_location": secondary,
        "provider": rng.choice(("Equinix", "Megaport")),
        "zone": rng.choice(ZONES[:2]),
        "vnets": _maybe(rng, rng.choice((1, 1, 2, 3, 4)), 1),
        "routes_ipv4": _maybe(rng, routes, 0),
        "resiliency": _maybe(rng, resiliency, "standard"),
        "premium_required": _bool_text(rng, premium) if premium or rng.random() < 0.7 else None,
        "local_eligible": _bool_text(rng, local) if local or rng.random() < 0.7 else None,
        "billing": _maybe(rng, billing, "auto"),
        "max_circuits": rng.randint(1, 4),
        "max_circuits_per_location": rng.randint(1, 3),
        "target_utilization": _maybe(rng, rng.choice(UTILIZATIONS), 0.8),
        "setup_usd": _maybe(rng, float(rng.choice(SETUPS)), 1000.0),
    }


def _demand_rows(
    rng: random.Random, customer: Row, catalog: list[Row], max_months: int
) -> list[Row]:
    vnets = customer["vnets"] if customer["vnets"] is not None else 1
    assert isinstance(vnets, int)
    start = rng.randint(0, 5)
    months = rng.randint(1, max_months)
    bandwidths = sorted({int(str(r["bandwidth_mbps"])) for r in catalog})
    largest = bandwidths[-1]
    u = customer["target_utilization"] if customer["target_utilization"] is not None else 0.8
    assert isinstance(u, float)
    peak = largest * rng.uniform(0.02, 1.4)
    rows: list[Row] = []
    for i in range(start, start + months):
        year, month = 2025 + (10 + i) // 12, (10 + i) % 12 + 1
        roll = rng.random()
        if roll < 0.08:
            this_peak = 0.0
        elif roll < 0.2:  # exactly on a boundary: bandwidths x u, or bandwidths at full load
            total = sum(rng.choice(bandwidths) for _ in range(rng.randint(1, 2)))
            this_peak = round(total * u, 2) if rng.random() < 0.6 else float(total)
        else:
            peak = max(1.0, peak * rng.choice((0.5, 0.8, 1.0, 1.0, 1.25, 1.6)))
            this_peak = round(peak) if rng.random() < 0.8 else round(peak, 1)
        month_vnets = max(1, vnets + rng.choice((-1, 0, 0, 1, 2)))
        rows.append(
            {
                "customer_id": customer["customer_id"],
                "period": f"{year:04d}-{month:02d}",
                "peak_mbps": this_peak,
                "egress_gb": _maybe(rng, rng.choice((0, 0, 200, 1500, 8000, 40000)), 0),
                "vnets": None if rng.random() < 0.4 else month_vnets,
            }
        )
    return rows


def _inventory_rows(rng: random.Random, customer: Row, catalog: list[Row]) -> list[Row]:
    tier, family = rng.choice(sorted({(str(r["tier"]), str(r["family"])) for r in catalog}))
    bandwidths = [
        int(str(r["bandwidth_mbps"])) for r in catalog if (r["tier"], r["family"]) == (tier, family)
    ]
    sites = ["primary", "secondary"] if customer["secondary_peering_location"] else ["primary"]
    rows: list[Row] = []
    for i in range(rng.randint(1, 3)):
        site = (
            rng.choice(sites)
            if customer["resiliency"] == "maximum" or rng.random() < 0.2
            else "primary"
        )
        rows.append(
            {
                "customer_id": customer["customer_id"],
                "circuit_name": f"er-{customer['customer_id']}-{i + 1}",
                "tier": tier,
                "family": family,
                "bandwidth_mbps": rng.choice(bandwidths),
                "site": None if site == "primary" and rng.random() < 0.3 else site,
            }
        )
    return rows


CUSTOMER_COLUMNS = [
    "customer_id",
    "name",
    "model",
    "subscription_id",
    "peering_location",
    "secondary_peering_location",
    "provider",
    "zone",
    "vnets",
    "routes_ipv4",
    "resiliency",
    "premium_required",
    "local_eligible",
    "billing",
    "max_circuits",
    "max_circuits_per_location",
    "target_utilization",
    "setup_usd",
]
REQUIRED_CUSTOMER_COLUMNS = {"customer_id", "peering_location", "provider", "zone"}
REQUIRED_DEMAND_COLUMNS = {"customer_id", "period", "peak_mbps"}
REQUIRED_INVENTORY_COLUMNS = {"customer_id", "circuit_name", "tier", "family", "bandwidth_mbps"}
DEMAND_COLUMNS = ["customer_id", "period", "peak_mbps", "egress_gb", "vnets"]
CATALOG_COLUMNS = ["tier", "family", "bandwidth_mbps", "monthly_usd", "vnet_links", "routes_ipv4"]
INVENTORY_COLUMNS = ["customer_id", "circuit_name", "tier", "family", "bandwidth_mbps", "site"]


def generate(seed: int, max_sequences: int = MAX_SEQUENCES, max_months: int = 4) -> Instance:
    """A random instance, deterministic in ``seed``; every customer has <= max_sequences.

    Each customer is meant to be feasible with probability ``1 - STRESS_SHARE`` (redrawn until
    the reference finds it feasible); the others are drawn once, whatever comes out, and are
    often infeasible.
    """
    rng = random.Random(seed)
    catalog = _catalog_rows(rng)
    egress = [{"zone": z, "usd_per_gb": round(rng.uniform(0.0, 0.2), 4)} for z in ZONES]
    catalog_df = _frame(catalog, CATALOG_COLUMNS)
    egress_df = _frame(egress, ["zone", "usd_per_gb"])
    skus = load_catalog(catalog_df)
    with_inventory = rng.random() < 0.5

    customers: list[Row] = []
    demand: list[Row] = []
    inventory: list[Row] = []
    for cid in rng.sample(CUSTOMER_IDS, rng.randint(1, 3)):
        want_feasible = rng.random() >= STRESS_SHARE
        for _attempt in range(50):
            customer = _customer_row(rng, cid)
            months = _demand_rows(rng, customer, catalog, max_months)
            circuits = []
            if with_inventory and rng.random() < 0.7:
                circuits = _inventory_rows(rng, customer, catalog)
            parsed = load_customers(pd.DataFrame([customer], columns=CUSTOMER_COLUMNS))
            reference = ReferenceInputs(
                customers=parsed,
                months=load_demand(pd.DataFrame(months, columns=DEMAND_COLUMNS), parsed),
                catalog=skus,
                egress_rates={},
                inventory={},
            )
            sizes = [len(configs) for configs in feasible_configs(reference, cid)]
            if want_feasible and not all(sizes):
                continue
            while math.prod(sizes) > max_sequences:  # drop months until the search is small
                months.pop()
                sizes.pop()
                assert months, f"seed {seed}: one month of {cid} is too big"
            break
        customers.append(customer)
        demand.extend(months)
        inventory.extend(circuits)

    if rng.random() < 0.3:
        rng.shuffle(demand)  # the file order of months is not the calendar order
    return Instance(
        seed=seed,
        customers=_trim(rng, _frame(customers, CUSTOMER_COLUMNS), REQUIRED_CUSTOMER_COLUMNS),
        demand=_trim(rng, _frame(demand, DEMAND_COLUMNS), REQUIRED_DEMAND_COLUMNS),
        catalog=catalog_df,
        egress_rates=egress_df,
        inventory=(
            _trim(rng, _frame(inventory, INVENTORY_COLUMNS), REQUIRED_INVENTORY_COLUMNS)
            if inventory
            else None
        ),
    )


def _trim(rng: random.Random, frame: pd.DataFrame, required: set[str]) -> pd.DataFrame:
    """Sometimes leave out optional columns that are empty throughout, or add an unknown one."""
    for column in list(frame.columns):
        if column not in required and (frame[column] == "").all() and rng.random() < 0.5:
            frame = frame.drop(columns=column)
    if rng.random() < 0.2:
        frame = frame.assign(notes="ignored")
    return frame
