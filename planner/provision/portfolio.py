"""Manifests for a whole portfolio: allocate, build, render and write.

:func:`build_portfolio` turns a plan's circuits table into one neutral manifest per optimal
customer (allocating peering addresses across the portfolio first);
:func:`write_manifests` renders the chosen formats into ``manifests/``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

import pandas as pd

from planner.domain import Site
from planner.inputs.read import read_table
from planner.inputs.validate import InputError, InputIssue, Inputs
from planner.provision.allocate import Allocation, Request, allocate, read_record, record_frame
from planner.provision.formats import RENDERERS, SHARED_FILES
from planner.provision.manifest import MANIFEST_FILE, build_manifest, dumps
from planner.provision.settings import (
    PROVISIONING_COLUMNS,
    ProvisioningSettings,
    read_customer_options,
    read_settings,
)
from planner.tables import frame_rows

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
    issues: list[InputIssue] = []
    result = ProvisioningInputs()
    loads: tuple[Callable[[], None], ...] = (
        lambda: setattr(result, "settings", read_settings(settings)),
        lambda: setattr(result, "options", read_customer_options(
            read_table(customers), str(customers))),
        lambda: setattr(result, "record", read_record(record)))
    for load in loads:
        try:
            load()
        except InputError as error:
            issues += error.issues
    if issues:
        raise InputError(issues)
    return result


def _records(frame: pd.DataFrame, columns: list[str] | None = None) -> list[dict[str, Any]]:
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
        location = (customer["secondary_peering_location"] if row["site"] == Site.SECONDARY
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
    with_region = set(options.index[options["region"].astype(bool)]) if len(options) else set()
    unknown: dict[str, list[str]] = {}
    for row in frame_rows(inputs.customers):
        if row.customer_id not in wanted or row.customer_id in with_region:
            continue
        for location in (row.peering_location, row.secondary_peering_location):
            if location and provisioning.settings.region_of(location) is None:
                unknown.setdefault(location, []).append(row.customer_id)
    issues = []
    for location, customers in unknown.items():
        named = ", ".join(customers[:3]) + (f" and {len(customers) - 3} more"
                                            if len(customers) > 3 else "")
        issues.append(InputIssue(provisioning.settings.source, 0, "regions", (
            f"no Azure region known for peering location {location!r} (customers {named}): "
            "add it under [regions] or give the customers a region column")))
    if issues:
        raise InputError(issues)


#: The circuits.csv columns a manifest is built from, in the order work items hold them.
_ROW_COLUMNS = ("period", "circuit_name", "site", "action", "tier", "family", "bandwidth_mbps")


@dataclass
class Portfolio:
    """A portfolio ready to be built: peering allocations made, work grouped by customer.

    Parameters
    ----------
    work : list of tuple
        Per customer, in order: its customers.csv row, its provisioning options, its
        circuits.csv rows (tuples of :data:`_ROW_COLUMNS`), its vNets by period and its
        circuits' allocations.
    allocations : dict[str, Any] of str to Allocation
        The portfolio's peering allocations by circuit name.
    vnet_links : dict[str, Any] of tuple to int
        vNet links per catalog SKU [count].
    settings : ProvisioningSettings
        CSP-wide settings.
    """

    work: list[tuple[Any, ...]]
    allocations: dict[str, Allocation]
    vnet_links: dict[tuple[Any, ...], int]
    settings: ProvisioningSettings


def prepare_portfolio(inputs: Inputs, circuits: pd.DataFrame, customer_ids: list[str],
                      provisioning: ProvisioningInputs) -> Portfolio:
    """Allocate the peering addresses and group the plan by customer, building nothing yet.

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
    Portfolio

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
                  for r in frame_rows(inputs.catalog)}
    for r in ([] if inputs.direct_catalog is None
              else frame_rows(inputs.direct_catalog)):  # circuits on Direct pairs
        vnet_links.setdefault((r.tier, r.family, int(r.bandwidth_mbps)), int(r.vnet_links))
    # Plain tuples grouped once: pandas look-ups per customer cost more than the manifests.
    customers = {row["customer_id"]: row for row in _records(inputs.customers)}
    options = provisioning.options.to_dict("index")
    mine = circuits[circuits["customer_id"].isin(wanted)]
    by_customer: dict[str, list[tuple[Any, ...]]] = {}
    for customer_id, *row in zip(mine["customer_id"].tolist(),
                                 *(mine[c].tolist() for c in _ROW_COLUMNS), strict=True):
        by_customer.setdefault(customer_id, []).append(tuple(row))
    vnets: dict[str, dict[str, int]] = {}
    demand = inputs.demand
    for customer_id, period, count in zip(demand["customer_id"].tolist(),
                                          demand["period"].tolist(),
                                          demand["vnets"].tolist(), strict=True):
        if customer_id in by_customer:
            vnets.setdefault(customer_id, {})[period] = int(count)
    work = []
    for cid in customer_ids:
        rows = by_customer.get(cid)
        if rows:
            work.append((customers[cid], options.get(cid, {}), rows, vnets.get(cid, {}),
                         {row[1]: allocations[row[1]] for row in rows}))
    return Portfolio(work, allocations, vnet_links, provisioning.settings)


def build_portfolio(inputs: Inputs, circuits: pd.DataFrame, customer_ids: list[str],
                    provisioning: ProvisioningInputs, jobs: int = 1
                    ) -> tuple[dict[str, dict[str, Any]], dict[str, Allocation]]:
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
    manifests : dict[str, Any] of str to dict
        By customer_id, in ``customer_ids`` order.
    allocations : dict[str, Any] of str to Allocation
        By circuit name.

    Raises
    ------
    InputError
        When a region is unknown or the address pools or VLANs run out.
    """
    portfolio = prepare_portfolio(inputs, circuits, customer_ids, provisioning)
    built: list[dict[str, Any]] = []
    for manifests in _map(_build_customers, portfolio, jobs):
        built += manifests
    return {m["customer"]["id"]: m for m in built}, portfolio.allocations


def _map(task: Callable[..., Any], portfolio: Portfolio, jobs: int, *more: Any
         ) -> Iterator[Any]:
    """``task(batch, vnet_links, settings, *more)`` for each batch of customers, in order."""
    work = portfolio.work
    batches = [work[i:i + CHUNK] for i in range(0, len(work), CHUNK)]
    arguments: tuple[Iterable[Any], ...] = (
        repeat(portfolio.vnet_links), repeat(portfolio.settings), *(repeat(m) for m in more))
    if jobs > 1 and len(batches) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            yield from pool.map(task, batches, *arguments)
    else:
        yield from map(task, batches, *arguments)


def _build_customers(batch: list[tuple[Any, ...]], vnet_links: dict[tuple[Any, ...], int],
                     settings: ProvisioningSettings) -> list[dict[str, Any]]:
    """The manifests of some customers (run in a worker process when ``jobs`` > 1)."""
    return [build_manifest(customer, options,
                           [dict(zip(_ROW_COLUMNS, row, strict=True)) for row in rows],
                           vnets, vnet_links, allocations, settings)
            for customer, options, rows, vnets, allocations in batch]


def _build_and_write(batch: list[tuple[Any, ...]], vnet_links: dict[tuple[Any, ...], int],
                     settings: ProvisioningSettings, folder: Path,
                     formats: tuple[str, ...]) -> int:
    """Build, render and write some customers' folders; return how many."""
    return _write_customers(folder, _build_customers(batch, vnet_links, settings), formats)


def write_portfolio(folder: Path, portfolio: Portfolio, formats: tuple[str, ...] = FORMATS,
                    jobs: int = 1, progress: Callable[[int], None] | None = None) -> None:
    """Build and write every customer's manifests in ``jobs`` processes, in one pass.

    The same files as :func:`build_portfolio` followed by :func:`write_manifests`, without
    sending the manifests between processes.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for count in _map(_build_and_write, portfolio, jobs, folder, formats):
        if progress:
            progress(count)
    _write_shared(folder, portfolio.allocations, formats)


def render(manifest: dict[str, Any], formats: tuple[str, ...] = FORMATS) -> dict[str, str]:
    """The files of one customer's folder in the chosen formats.

    Terraform and ARM read ``manifest.json``, so ``terraform`` and ``arm`` write it too.
    """
    files = ({MANIFEST_FILE: dumps(manifest)} if {"json", "terraform", "arm"} & set(formats)
             else {})
    for name in formats:
        if name in RENDERERS:
            files.update(RENDERERS[name](manifest))
    return files


def _write_customers(folder: Path, manifests: list[dict[str, Any]],
                     formats: tuple[str, ...]) -> int:
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


def write_manifests(folder: Path, manifests: dict[str, dict[str, Any]],
                    allocations: dict[str, Allocation],
                    formats: tuple[str, ...] = FORMATS, jobs: int = 1,
                    progress: Callable[[int], None] | None = None) -> None:
    """Write ``<folder>/<customer_id>/...`` and ``<folder>/allocations.csv``.

    Parameters
    ----------
    folder : Path
        The ``manifests/`` folder to fill (made if missing).
    manifests : dict[str, Any] of str to dict
        Neutral manifests by customer_id, as :func:`build_portfolio` returns them.
    allocations : dict[str, Any] of str to Allocation
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
            for count in pool.map(_write_customers, repeat(folder), batches, repeat(formats)):
                if progress:
                    progress(count)
    else:
        for batch in batches:
            count = _write_customers(folder, batch, formats)
            if progress:
                progress(count)
    _write_shared(folder, allocations, formats)


def _write_shared(folder: Path, allocations: dict[str, Allocation],
                  formats: tuple[str, ...]) -> None:
    """The files written once beside the customers' folders, and the allocation record."""
    for name in formats:
        for file_name, text in SHARED_FILES.get(name, {}).items():
            (folder / file_name).parent.mkdir(parents=True, exist_ok=True)
            (folder / file_name).write_bytes(text.encode("utf-8"))
    record_frame(allocations.values()).to_csv(folder / ALLOCATIONS_OUT, index=False,
                                              lineterminator="\n")
