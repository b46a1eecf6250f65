"""Manifests for a whole portfolio: allocate, build, render and write.

:func:`build_portfolio` turns a plan's circuits table into one neutral manifest per optimal
customer (allocating peering addresses across the portfolio first);
:func:`write_manifests` renders the chosen formats into ``manifests/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planner.io import read_table
from planner.provision.allocate import Allocation, Request, allocate, read_record, record_frame
from planner.provision.formats import RENDERERS
from planner.provision.manifest import MANIFEST_FILE, build_manifest, dumps
from planner.provision.settings import (
    PROVISIONING_COLUMNS,
    ProvisioningSettings,
    read_customer_options,
    read_settings,
)
from planner.validate import InputError, Inputs, Problem

FORMATS = ("json", "terraform", "arm", "azcli")
#: The folder of a plan that holds its manifests.
MANIFESTS_DIR = "manifests"
SETTINGS_FILE = "provisioning.toml"
RECORD_FILE = "peering_allocations.csv"
ALLOCATIONS_OUT = "allocations.csv"


@dataclass
class ProvisioningInputs:
    """What the manifests need beyond the plan.

    Parameters
    ----------
    settings : ProvisioningSettings
        CSP-wide settings.
    options : pandas.DataFrame
        Per-customer provisioning columns, indexed by customer_id.
    record : list of Allocation
        Earlier peering allocations to keep.
    """

    settings: ProvisioningSettings = field(default_factory=ProvisioningSettings)
    options: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=[c.name for c in PROVISIONING_COLUMNS.columns]).set_index("customer_id"))
    record: list[Allocation] = field(default_factory=list)


def read_provisioning(customers: str | Path, settings: str | Path | None = None,
                      record: str | Path | None = None) -> ProvisioningInputs:
    """Read the settings file, the provisioning columns of customers.csv and the record.

    Raises
    ------
    InputError
        With every problem of the three files.
    """
    problems: list[Problem] = []
    result = ProvisioningInputs()
    for load in (lambda: setattr(result, "settings", read_settings(settings)),
                 lambda: setattr(result, "options", read_customer_options(
                     read_table(customers), str(customers))),
                 lambda: setattr(result, "record", read_record(record))):
        try:
            load()
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(problems)
    return result


def _requests(inputs: Inputs, circuits: pd.DataFrame, customer_ids: list[str]
              ) -> list[Request]:
    customers = inputs.customers.set_index("customer_id")
    first = (circuits.sort_values(["customer_id", "period", "circuit_name"])
             .drop_duplicates("circuit_name"))
    requests = []
    for row in first.itertuples(index=False):
        if row.customer_id not in customer_ids:
            continue
        customer = customers.loc[row.customer_id]
        location = (customer["secondary_peering_location"] if row.site == "secondary"
                    else customer["peering_location"])
        requests.append(Request(row.circuit_name, row.customer_id, str(location)))
    return requests


def check_regions(inputs: Inputs, provisioning: ProvisioningInputs,
                  customer_ids: list[str]) -> None:
    """Check that an Azure region is known for every peering location of the customers.

    Raises
    ------
    InputError
        Naming the settings file and each location without a region.
    """
    wanted = set(customer_ids)
    options = provisioning.options
    unknown: dict[str, list[str]] = {}
    for row in inputs.customers.itertuples(index=False):
        if row.customer_id not in wanted:
            continue
        if row.customer_id in options.index and options.loc[row.customer_id, "region"]:
            continue
        for location in (row.peering_location, row.secondary_peering_location):
            if location and provisioning.settings.region_of(location) is None:
                unknown.setdefault(location, []).append(row.customer_id)
    problems = []
    for location, customers in unknown.items():
        named = ", ".join(customers[:3]) + (f" and {len(customers) - 3} more"
                                            if len(customers) > 3 else "")
        problems.append(Problem(provisioning.settings.source, 0, "regions", (
            f"no Azure region known for peering location {location!r} (customers {named}): "
            "add it under [regions] or give the customers a region column")))
    if problems:
        raise InputError(problems)


def build_portfolio(inputs: Inputs, circuits: pd.DataFrame, customer_ids: list[str],
                    provisioning: ProvisioningInputs
                    ) -> tuple[dict[str, dict], dict[str, Allocation]]:
    """One neutral manifest per customer and the portfolio's peering allocations.

    Parameters
    ----------
    inputs : Inputs
        The validated inputs of the plan.
    circuits : pandas.DataFrame
        The plan's circuits.csv.
    customer_ids : list of str
        The customers to write (the optimal ones).
    provisioning : ProvisioningInputs
        Settings, per-customer options and the allocation record.

    Returns
    -------
    manifests : dict of str to dict
        By customer_id, in ``customer_ids`` order.
    allocations : dict of str to Allocation
        By circuit name.

    Raises
    ------
    InputError
        When a region is unknown or the address pools or VLANs run out.
    """
    wanted = sorted(customer_ids)
    check_regions(inputs, provisioning, wanted)
    allocations = allocate(_requests(inputs, circuits, wanted), provisioning.settings,
                           provisioning.record)
    vnet_links = {(r.tier, r.family, int(r.bandwidth_mbps)): int(r.vnet_links)
                  for r in inputs.catalog.itertuples(index=False)}
    customers = inputs.customers.set_index("customer_id", drop=False)
    demand = inputs.demand
    by_customer = {cid: rows for cid, rows in circuits.groupby("customer_id", sort=False)}
    manifests = {}
    for customer_id in customer_ids:
        rows = by_customer.get(customer_id)
        if rows is None:
            continue
        mine = demand[demand["customer_id"] == customer_id]
        vnets = dict(zip(mine["period"], (int(v) for v in mine["vnets"]), strict=True))
        options = (provisioning.options.loc[customer_id].to_dict()
                   if customer_id in provisioning.options.index else {})
        manifests[customer_id] = build_manifest(
            customers.loc[customer_id].to_dict(), options, rows.to_dict("records"), vnets,
            vnet_links, allocations, provisioning.settings)
    return manifests, allocations


def render(manifest: dict, formats: tuple[str, ...] = FORMATS) -> dict[str, str]:
    """The files of one customer's folder in the chosen formats."""
    files = {MANIFEST_FILE: dumps(manifest)} if "json" in formats else {}
    for name in formats:
        if name in RENDERERS:
            files.update(RENDERERS[name](manifest))
    return files


def write_manifests(folder: Path, manifests: dict[str, dict],
                    allocations: dict[str, Allocation],
                    formats: tuple[str, ...] = FORMATS) -> None:
    """Write ``<folder>/<customer_id>/...`` and ``<folder>/allocations.csv``."""
    folder.mkdir(parents=True, exist_ok=True)
    for customer_id, manifest in manifests.items():
        for name, text in render(manifest, formats).items():
            path = folder / customer_id / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            if name.endswith(".sh"):
                path.chmod(0o755)
    record_frame(allocations.values()).to_csv(folder / ALLOCATIONS_OUT, index=False,
                                              lineterminator="\n")
