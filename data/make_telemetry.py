"""Write the bundled telemetry sample in data/telemetry/ (deterministic, fixed seed).

Measured traffic before the sample's planning horizon (2027-01 onwards), consistent with
demand.csv: each month's level is the same calendar month of 2027 scaled back by the
customer's year-on-year growth (2028 against 2027, bounded to 0 %..60 %).

- ``plain.csv.gz``: 90 days of 5-minute samples (2026-10-03 .. 2026-12-31) of contoso-eu's
  circuit, plus a week of a lab circuit that is in no inventory (reported as unmatched);
- ``az/*.json.gz``: the same 90 days as ``az monitor metrics list`` prints them, for the
  circuits of tailspin-toys (split by DeviceRole) and adatum-health;
- ``azure_metrics.csv.gz``: 30 months of hourly AzureMetrics (2024-07 .. 2026-12) for
  contoso-us and relecloud, long enough for yearly seasonality.

Run: ``.venv/bin/python data/make_telemetry.py``
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from planner.demand.telemetry import (
    azure_metrics_table,
    synthesize_telemetry,
    write_az_json,
    write_plain_csv,
)

DATA = Path(__file__).resolve().parent
OUT = DATA / "telemetry"
SEED = 11
#: Significant digits kept of each bit rate: the sample stays small once compressed.
DIGITS = 3


def rounded(values: pd.Series | np.ndarray, digits: int = DIGITS) -> np.ndarray:
    """Values rounded to ``digits`` significant digits."""
    values = np.asarray(values, float)
    scale = 10.0 ** (digits - 1 - np.floor(np.log10(np.maximum(values, 1.0))))
    return np.round(values * scale) / scale


def backcast_levels(demand: pd.DataFrame, customers: list[str], first: str, last: str
                    ) -> pd.DataFrame:
    """Monthly target peaks [Mb/s] from ``first`` to ``last`` for ``customers``."""
    periods = pd.period_range(first, last, freq="M")
    rows = []
    for customer in customers:
        own = demand[demand["customer_id"] == customer].set_index("period")["peak_mbps"]
        ratios = [own[f"2028-{m:02d}"] / own[f"2027-{m:02d}"] for m in range(1, 13)
                  if f"2028-{m:02d}" in own and f"2027-{m:02d}" in own]
        growth = float(np.clip(np.median(ratios) if ratios else 1.1, 1.0, 1.6))
        for period in periods:
            years_back = 2027 - period.year
            base = own[f"2027-{period.month:02d}"]
            rows.append((customer, str(period), base / growth ** years_back))
    return pd.DataFrame(rows, columns=["customer_id", "period", "peak_mbps"])


def main() -> None:
    """Rewrite data/telemetry/."""
    demand = pd.read_csv(DATA / "demand.csv", dtype={"period": str})
    inventory = pd.read_csv(DATA / "inventory.csv")
    customers = pd.read_csv(DATA / "customers.csv")
    subscriptions = dict(zip(inventory["circuit_name"], inventory["customer_id"].map(
        dict(zip(customers["customer_id"], customers["subscription_id"], strict=True))),
        strict=True))
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir()

    recent = backcast_levels(demand, ["contoso-eu", "tailspin-toys", "adatum-health"],
                             "2026-10", "2026-12")
    samples = synthesize_telemetry(recent, inventory, "2026-10-03", 90, seed=SEED)
    samples[["bits_in", "bits_out"]] = rounded(samples[["bits_in", "bits_out"]])
    lab_inventory = pd.DataFrame({"customer_id": ["lab"], "circuit_name": ["er-lab-test-1"]})
    lab_levels = pd.DataFrame({"customer_id": ["lab"], "period": ["2026-12"],
                               "peak_mbps": [40.0]})
    lab = synthesize_telemetry(lab_levels, lab_inventory, "2026-12-01", 7, seed=SEED + 1)
    owner = samples["circuit"].astype(str).str.extract(r"^er-(.*)-(?:pri|sec)-\d+$")[0]
    write_plain_csv(pd.concat([samples[owner == "contoso-eu"], lab], ignore_index=True),
                    OUT / "plain.csv.gz")
    tailspin = samples[owner == "tailspin-toys"]
    adatum = samples[owner == "adatum-health"]
    write_az_json(tailspin, OUT / "az", subscriptions, split_roles=True)
    write_az_json(adatum, OUT / "az", subscriptions, split_roles=False)

    long = backcast_levels(demand, ["contoso-us", "relecloud"], "2024-07", "2026-12")
    hourly = synthesize_telemetry(long, inventory, "2024-07-01", 914, seed=SEED + 2)
    table = azure_metrics_table(hourly, 3600, subscriptions)
    table = table.drop(columns=["Total", "Minimum"])
    for column in ("Maximum", "Average"):
        table[column] = rounded(table[column])
    table.to_csv(OUT / "azure_metrics.csv.gz", index=False, lineterminator="\n",
                 float_format="%.0f", compression={"method": "gzip", "mtime": 0})


if __name__ == "__main__":
    main()
