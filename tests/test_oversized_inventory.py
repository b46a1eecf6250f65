"""An oversized existing circuit: the ``dp`` engine keeps the bandwidths it may stay at."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import DATA

import planner


def test_dp_keeps_an_oversized_inventory_circuit_when_that_is_cheapest() -> None:
    # One 10 Gb/s circuit exists; 100 Mb/s peaks need far less, but creating anything costs
    # more than keeping the big circuit for two months.
    customers = pd.DataFrame([{"customer_id": "acme", "peering_location": "Amsterdam",
                               "provider": "Equinix", "zone": "1", "setup_usd": 50000,
                               "billing": "MeteredData"}])
    demand = pd.DataFrame([{"customer_id": "acme", "period": p, "peak_mbps": 100}
                           for p in ("2027-01", "2027-02")])
    inventory = pd.DataFrame([{"customer_id": "acme", "circuit_name": "er-acme-1",
                               "tier": "Standard", "family": "MeteredData",
                               "bandwidth_mbps": 10000}])
    tables = (customers, demand, pd.read_csv(DATA / "catalog.csv"),
              pd.read_csv(DATA / "egress_rates.csv"), inventory)
    totals = {engine: planner.plan(*tables, engine=engine).summary["total_usd"].iloc[0]
              for engine in ("dp", "milp")}
    assert totals["dp"] == pytest.approx(totals["milp"], abs=0.01)
