"""Manifests for a whole portfolio: allocate, build, render and write.

:func:`build_portfolio` turns a plan's circuits table into one neutral manifest per optimal
customer (allocating peering addresses across the portfolio first);
:func:`write_manifests` renders the chosen formats into ``manifests/``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from itertools import repeat
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
from planner.tables import CIRCUIT_COLUMNS
from planner.validate import InputError, Inputs, Problem

FORMATS = ("json", "terraform", "arm", "azcli")
#: The folder of a plan that holds its manifests.
MANIFESTS_DIR = "manifests"
SETTINGS_FILE = "provisioning.toml"
RECORD_FILE = "peering_allocations.csv"
ALLOCATIONS_OUT = "allocations.csv"
#: Customers a worker builds or writes per task: large enough that sending the work to a
#: process costs little next to the work.
CHUNK = 250


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


def _records(frame: pd.DataFrame, columns: list[str] | None = None) -> list[dict]:
    """Rows as plain dicts of Python values, much faster than ``DataFrame.to_dict``."""
    columns = list(frame.columns) if columns is None else columns
    values = [frame[column].tolist() for column in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def _requests(inputs: Inputs, circuits: pd.DataFrame, customer_ids: set[str]
              ) -> list[Request]:
    locations = {row["customer_id"]: row for row in _records(
        inputs.customers, ["customer_id", "peering_location", "secondary_peering_location"])}
    mine = circuits[circuits["customer_id"].isin(customer_ids)]
    first = (mine.sort_values(["customer_id", "period", "circuit_name"])
             .drop_duplicates("circuit_name"))
    requests = []
    for row in _records(first, ["circuit_name", "customer_id", "site"]):
        customer = locations[row["customer_id"]]
        location = (customer["secondary_peering_location"] if row["site"] == "secondary"
                    else customer["peering_location"])
        requests.append(Request(row["circuit_name"], row["customer_id"], str(location)))
    return requests


def check_regions(inputs: Inputs, provisioning: ProvisioningInputs,
                  customer_ids: Iterable[str]) -> None:
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
                    provisioning: ProvisioningInputs, jobs: int = 1
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
    jobs : int
        Processes building manifests at once (the allocation comes first, in this one);
        the manifests are the same whatever the number.

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
    wanted = set(customer_ids)
    check_regions(inputs, provisioning, wanted)
    allocations = allocate(_requests(inputs, circuits, wanted), provisioning.settings,
                           provisioning.record)
    vnet_links = {(r.tier, r.family, int(r.bandwidth_mbps)): int(r.vnet_links)
                  for r in inputs.catalog.itertuples(index=False)}
    for r in ([] if inputs.direct_catalog is None
              else inputs.direct_catalog.itertuples(index=False)):  # circuits on Direct pairs
        vnet_links.setdefault((r.tier, r.family, int(r.bandwidth_mbps)), int(r.vnet_links))
    # Plain records grouped once: pandas look-ups per customer cost more than the manifests.
    customers = {row["customer_id"]: row for row in _records(inputs.customers)}
    options = provisioning.options.to_dict("index")
    by_customer: dict[str, list[dict]] = {}
    for row in _records(circuits[circuits["customer_id"].isin(wanted)], CIRCUIT_COLUMNS):
        by_customer.setdefault(row["customer_id"], []).append(row)
    vnets: dict[str, dict[str, int]] = {}
    demand = inputs.demand
    for customer_id, period, count in zip(demand["customer_id"].tolist(),
                                          demand["period"].tolist(),
                                          demand["vnets"].tolist(), strict=True):
        if customer_id in by_customer:
            vnets.setdefault(customer_id, {})[period] = int(count)
    work = [(customers[cid], options.get(cid, {}), by_customer[cid], vnets.get(cid, {}),
             {row["circuit_name"]: allocations[row["circuit_name"]] for row in by_customer[cid]})
            for cid in customer_ids if cid in by_customer]
    batches = [work[i:i + CHUNK] for i in range(0, len(work), CHUNK)]
    built: list[dict] = []
    if jobs > 1 and len(batches) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for manifests in pool.map(_build_customers, batches, repeat(vnet_links),
                                      repeat(provisioning.settings)):
                built += manifests
    else:
        for batch in batches:
            built += _build_customers(batch, vnet_links, provisioning.settings)
    return {m["customer"]["id"]: m for m in built}, allocations


def _build_customers(batch: list[tuple], vnet_links: dict[tuple, int],
                     settings: ProvisioningSettings) -> list[dict]:
    """The manifests of some customers (run in a worker process when ``jobs`` > 1)."""
    return [build_manifest(customer, options, rows, vnets, vnet_links, allocations, settings)
            for customer, options, rows, vnets, allocations in batch]


def render(manifest: dict, formats: tuple[str, ...] = FORMATS) -> dict[str, str]:
    """The files of one customer's folder in the chosen formats."""
    files = {MANIFEST_FILE: dumps(manifest)} if "json" in formats else {}
    for name in formats:
        if name in RENDERERS:
            files.update(RENDERERS[name](manifest))
    return files


def _write_customers(folder: Path, manifests: list[dict], formats: tuple[str, ...]) -> int:
    """Render and write the folders of some customers; return how many."""
    for manifest in manifests:
        customer_folder = folder / manifest["customer"]["id"]
        made: set[Path] = set()
        for name, text in render(manifest, formats).items():
            path = customer_folder / name
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            path.write_bytes(text.encode("utf-8"))
            if name.endswith(".sh"):
                path.chmod(0o755)
    return len(manifests)


def write_manifests(folder: Path, manifests: dict[str, dict],
                    allocations: dict[str, Allocation],
                    formats: tuple[str, ...] = FORMATS, jobs: int = 1,
                    progress: Callable[[int], None] | None = None) -> None:
    """Write ``<folder>/<customer_id>/...`` and ``<folder>/allocations.csv``.

    Parameters
    ----------
    folder : Path
        The ``manifests/`` folder to fill (made if missing).
    manifests : dict of str to dict
        Neutral manifests by customer_id, as :func:`build_portfolio` returns them.
    allocations : dict of str to Allocation
        The portfolio's peering allocations, written as the record.
    formats : tuple of str
        Formats to write, from :data:`FORMATS`.
    jobs : int
        Processes rendering and writing customers' folders at once. The files are the same
        whatever the number.
    progress : callable, optional
        Called with the number of customers written after each batch.
    """
    folder.mkdir(parents=True, exist_ok=True)
    batches = [list(manifests.values())[i:i + CHUNK] for i in range(0, len(manifests), CHUNK)]
    if jobs > 1 and len(batches) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            done = [pool.submit(_write_customers, folder, batch, formats) for batch in batches]
            for future in as_completed(done):
                count = future.result()
                if progress:
                    progress(count)
    else:
        for batch in batches:
            count = _write_customers(folder, batch, formats)
            if progress:
                progress(count)
    record_frame(allocations.values()).to_csv(folder / ALLOCATIONS_OUT, index=False,
                                              lineterminator="\n")
