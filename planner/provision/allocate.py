"""Private-peering addresses and VLAN IDs for every circuit of a portfolio.

Each circuit gets one /29 (split into a primary and a secondary /30) and one VLAN ID for
its Azure private peering, for its whole life. Blocks never overlap anywhere in the
portfolio; a VLAN ID is used at most once per peering location, where the CSP's edge
terminates every circuit of that site. Circuits listed in an allocation record keep what
the record says, so addresses stay put across re-runs once the record is kept.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planner.inputs.schema import Column, FileSchema
from planner.inputs.validate import InputError, InputIssue, parse_table
from planner.provision.settings import ProvisioningSettings

BLOCK_PREFIX = 29
RECORD_COLUMNS = ["circuit_name", "customer_id", "peering_location", "address_block", "vlan_id"]

RECORD = FileSchema(
    "peering_allocations.csv",
    (
        Column("circuit_name", "str", required=True,
               description="Azure name of the circuit the addresses belong to; unique in the "
                           "file."),
        Column("customer_id", "str", required=True,
               description="Owner of the circuit."),
        Column("peering_location", "str", required=True,
               description="Peering location of the circuit; its VLAN ID is unique there."),
        Column("address_block", "pattern", required=True,
               pattern=r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/29", describe="an IPv4 /29",
               unit="IPv4 /29",
               description="The circuit's private-peering block: first /30 primary link, second "
                           "/30 secondary link."),
        Column("vlan_id", "int", required=True, minimum=1, maximum=4094,
               unit="VLAN ID",
               description="The circuit's private-peering VLAN, 1 to 4094."),
    ),
    key=("circuit_name",),
)


@dataclass(frozen=True)
class Allocation:
    """The private-peering addresses and VLAN of one circuit.

    Parameters
    ----------
    circuit_name, customer_id, peering_location : str
        The circuit, its owner and its site.
    address_block : ipaddress.IPv4Network
        The /29; its first /30 serves the primary link, the second the secondary.
    vlan_id : int
        802.1Q VLAN ID of the peering (the same on both links).
    """

    circuit_name: str
    customer_id: str
    peering_location: str
    address_block: ipaddress.IPv4Network
    vlan_id: int

    @property
    def primary_prefix(self) -> ipaddress.IPv4Network:
        """The primary link's /30."""
        return next(self.address_block.subnets(new_prefix=30))

    @property
    def secondary_prefix(self) -> ipaddress.IPv4Network:
        """The secondary link's /30."""
        return list(self.address_block.subnets(new_prefix=30))[1]

    def record_row(self) -> dict[str, object]:
        """The allocation as a row of the allocation record."""
        return {"circuit_name": self.circuit_name, "customer_id": self.customer_id,
                "peering_location": self.peering_location,
                "address_block": str(self.address_block), "vlan_id": self.vlan_id}


@dataclass(frozen=True)
class Request:
    """A circuit that needs an allocation: its name, owner and peering location."""

    circuit_name: str
    customer_id: str
    peering_location: str


def read_record(path: str | Path | None) -> list[Allocation]:
    """Read an allocation record (the ``allocations.csv`` a previous run wrote).

    Parameters
    ----------
    path : str or Path or None
        The CSV file; None for no record.

    Returns
    -------
    list of Allocation

    Raises
    ------
    InputError
        Naming file, row and column of every bad cell, overlap or VLAN clash.
    """
    if path is None:
        return []
    from planner.inputs.read import read_table

    file = str(path)
    issues: list[InputIssue] = []
    table = parse_table(read_table(path), RECORD, file, issues)
    records: list[tuple[int, Allocation]] = []
    for row in table.to_dict("records"):
        if row["address_block"] is None or row["vlan_id"] is None:
            continue
        try:
            block = ipaddress.IPv4Network(row["address_block"])
        except ValueError as error:
            issues.append(InputIssue(file, row["_row"], "address_block", str(error)))
            continue
        records.append((row["_row"], Allocation(row["circuit_name"], row["customer_id"],
                                                row["peering_location"], block,
                                                int(row["vlan_id"]))))
    issues += _clashes(records, file)
    if issues:
        raise InputError(issues)
    return [allocation for _, allocation in records]


def _clashes(records: list[tuple[int, Allocation]], file: str) -> list[InputIssue]:
    issues = []
    blocks: dict[ipaddress.IPv4Network, int] = {}
    vlans: dict[tuple[str, int], int] = {}
    for row, allocation in records:
        first = blocks.setdefault(allocation.address_block, row)
        if first != row:
            issues.append(InputIssue(file, row, "address_block",
                                    f"{allocation.address_block} is also used at row {first}"))
        key = (allocation.peering_location, allocation.vlan_id)
        first = vlans.setdefault(key, row)
        if first != row:
            issues.append(InputIssue(file, row, "vlan_id", (
                f"VLAN {allocation.vlan_id} at {allocation.peering_location} is also used "
                f"at row {first}")))
    return issues


def _free_blocks(pools: Iterable[str], taken: set[ipaddress.IPv4Network]
                 ) -> Iterator[ipaddress.IPv4Network]:
    for pool in pools:
        for block in ipaddress.IPv4Network(pool).subnets(new_prefix=BLOCK_PREFIX):
            if block not in taken:
                yield block


def allocate(requests: list[Request], settings: ProvisioningSettings,
             record: Iterable[Allocation] = ()) -> dict[str, Allocation]:
    """Give every requested circuit a /29 and a VLAN ID.

    Circuits found in ``record`` keep their allocation; the others take, in the order
    given, the first free /29 of the pools and the lowest free VLAN ID of their peering
    location. Record entries of circuits not requested are released.

    Parameters
    ----------
    requests : list of Request
        The circuits, in a deterministic order.
    settings : ProvisioningSettings
        Pools and VLAN range.
    record : list of Allocation
        Earlier allocations to keep.

    Returns
    -------
    dict of str to Allocation
        Keyed by circuit name.

    Raises
    ------
    InputError
        When the pools or a location's VLAN range run out; nothing is wrapped around.
    """
    kept = {a.circuit_name: a for a in record}
    result: dict[str, Allocation] = {}
    vlans: dict[str, set[int]] = {}
    for request in requests:
        if request.circuit_name in kept:
            previous = kept[request.circuit_name]
            result[request.circuit_name] = Allocation(
                request.circuit_name, request.customer_id, request.peering_location,
                previous.address_block, previous.vlan_id)
            vlans.setdefault(request.peering_location, set()).add(previous.vlan_id)
    taken = {a.address_block for a in result.values()}
    missing = [r for r in requests if r.circuit_name not in result]
    capacity = sum(2 ** (BLOCK_PREFIX - ipaddress.IPv4Network(p).prefixlen)
                   for p in settings.pools)
    if len(missing) + len(taken) > capacity:
        raise InputError([InputIssue(settings.source, 0, "peering.pools", (
            f"peering.pools ({', '.join(settings.pools)}) hold {capacity} /29 blocks but "
            f"{len(missing) + len(taken)} circuits need one: add or widen a pool"))])
    blocks = _free_blocks(settings.pools, taken)
    # Only ever more VLANs are taken, so a location's lowest free ID never goes down:
    # searching on from the last one keeps the hand-out linear in the circuits.
    lowest_free: dict[str, int] = {}
    for request in missing:
        used = vlans.setdefault(request.peering_location, set())
        vlan = lowest_free.get(request.peering_location, settings.vlan_min)
        while vlan <= settings.vlan_max and vlan in used:
            vlan += 1
        lowest_free[request.peering_location] = vlan
        if vlan > settings.vlan_max:
            raise InputError([InputIssue(settings.source, 0, "peering.vlan_min", (
                f"the VLAN range {settings.vlan_min}..{settings.vlan_max} is used up at "
                f"{request.peering_location} ({len(used)} circuits): widen it"))])
        used.add(vlan)
        result[request.circuit_name] = Allocation(
            request.circuit_name, request.customer_id, request.peering_location,
            next(blocks), vlan)
    return result


def record_frame(allocations: Iterable[Allocation]) -> pd.DataFrame:
    """The allocation record to keep beside the inputs, sorted by circuit name."""
    rows = [a.record_row() for a in sorted(allocations, key=lambda a: a.circuit_name)]
    return pd.DataFrame(rows, columns=RECORD_COLUMNS)
