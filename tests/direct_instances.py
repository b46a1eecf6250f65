"""Small coupled portfolios for the Direct tests: frames for the planner, data for the reference."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pandas as pd

from tests.direct_reference import RefCustomer, RefPorts, RefSku

LOCATION = "Amsterdam"
USD_PER_GB = 0.025


@dataclass
class CoupledInstance:
    customers: pd.DataFrame
    demand: pd.DataFrame
    catalog: pd.DataFrame
    egress_rates: pd.DataFrame
    ports: pd.DataFrame | None
    ref_customers: list[RefCustomer]
    ref_catalog: list[RefSku]
    ref_ports: RefPorts | None


PROVIDER_SKUS = [("MeteredData", 1000, 436.0), ("MeteredData", 2000, 872.0),
                 ("MeteredData", 5000, 2180.0), ("UnlimitedData", 1000, 5700.0),
                 ("UnlimitedData", 2000, 11400.0)]
DIRECT_SKUS = [("MeteredData", 1000, 0.0, 10), ("MeteredData", 5000, 0.0, 10),
               ("MeteredData", 10000, 0.0, 10)]


def generate(seed: int) -> CoupledInstance:
    """2-3 customers, 2-3 months, one location, 0-2 pairs."""
    rng = random.Random(seed)
    n_customers, months = rng.choice([2, 3]), rng.choice([2, 3])
    peaks_pool = [300, 700, 1500, 2600, 3900, 6000, 7500]
    catalog_rows, ref_catalog = [], []
    for family, bandwidth, usd in PROVIDER_SKUS:
        catalog_rows.append(dict(tier="Standard", family=family, bandwidth_mbps=bandwidth,
                                 monthly_usd=usd, vnet_links=10, routes_ipv4=4000, port_gbps=""))
        ref_catalog.append(RefSku(family, bandwidth, usd, 0))
    for family, bandwidth, usd, port in DIRECT_SKUS:
        catalog_rows.append(dict(tier="Standard", family=family, bandwidth_mbps=bandwidth,
                                 monthly_usd=usd, vnet_links=10, routes_ipv4=4000,
                                 port_gbps=port))
        ref_catalog.append(RefSku(family, bandwidth, usd, port))
    customers, demand, ref_customers = [], [], []
    for i in range(n_customers):
        setup = rng.choice([0.0, 500.0, 1500.0])
        most = rng.choice([1, 2])
        u = rng.choice([0.8, 1.0])
        through = rng.random() > 0.15
        peaks = [float(rng.choice(peaks_pool)) for _ in range(months)]
        egress = [float(rng.choice([0, 20_000, 150_000])) for _ in range(months)]
        customers.append(dict(customer_id=f"c{i}", peering_location=LOCATION, provider="X",
                              zone="1", setup_usd=setup, max_circuits=most,
                              target_utilization=u,
                              model="connect-through" if through else "connect-to"))
        for m in range(months):
            demand.append(dict(customer_id=f"c{i}", period=f"2027-{m + 1:02d}",
                               peak_mbps=peaks[m], egress_gb=egress[m]))
        ref_customers.append(RefCustomer(tuple(peaks), tuple(egress), setup, most, u, through))
    ports = ref_ports = None
    if rng.random() > 0.1:
        fee = rng.choice([1500.0, 3000.0, 6000.0])
        pair_setup = rng.choice([0.0, 2000.0])
        most_pairs = rng.choice([0, 1, 2])
        existing = rng.choice([0, min(1, most_pairs)])
        over = rng.choice([1.0, 2.0])
        ports = pd.DataFrame([dict(peering_location=LOCATION, port_gbps=10,
                                   billing="MeteredData", monthly_usd=fee,
                                   setup_usd=pair_setup, max_pairs=most_pairs,
                                   existing_pairs=existing, oversubscription=over)]).astype(str)
        ref_ports = RefPorts(10, "MeteredData", fee, pair_setup, most_pairs, existing, over)
    return CoupledInstance(pd.DataFrame(customers).astype(str), pd.DataFrame(demand).astype(str),
                           pd.DataFrame(catalog_rows).astype(str),
                           pd.DataFrame([dict(zone="1", usd_per_gb=USD_PER_GB)]).astype(str),
                           ports, ref_customers, ref_catalog, ref_ports)
