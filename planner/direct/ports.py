"""ports.csv: the ExpressRoute Direct port pairs on offer (docs/direct.md), read and checked.

Every problem is reported at once, naming file, row and column, like the other inputs; the
Direct catalog rows (``port_gbps`` set) are checked against the pairs here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planner.inputs.read import read_table
from planner.inputs.schema import DIRECT_BANDWIDTHS_MBPS, FAMILIES, Column, FileSchema
from planner.inputs.validate import HEADER_ROW, InputError, InputIssue, Inputs, parse_table

PORTS = FileSchema(
    "ports.csv",
    (
        Column("peering_location", "str", required=True),
        Column("port_gbps", "int", required=True, minimum=0, exclusive_minimum=True),
        Column("billing", "enum", required=True, choices=FAMILIES),
        Column("monthly_usd", "float", required=True, minimum=0),
        Column("setup_usd", "float", default=0.0, minimum=0),
        Column("max_pairs", "int", default=4, minimum=0, maximum=10_000),
        Column("existing_pairs", "int", default=0, minimum=0, maximum=10_000),
        Column("oversubscription", "float", default=2.0, minimum=0, exclusive_minimum=True,
               maximum=1_000),
    ),
    key=("peering_location", "port_gbps", "billing"),
)


@dataclass(frozen=True, order=True)
class PortKey:
    """Pairs of one size and billing at one peering location: one capacity pool.

    Parameters
    ----------
    peering_location : str
        Where the pairs stand.
    port_gbps : int
        Port size [Gb/s], 10 or 100.
    billing : str
        ``MeteredData`` or ``UnlimitedData``: the family of every circuit on the pairs.
    """

    peering_location: str
    port_gbps: int
    billing: str

    def __str__(self) -> str:
        return f"{self.peering_location} {self.port_gbps} Gb/s {self.billing}"


@dataclass(frozen=True)
class PortOffer:
    """One row of ports.csv.

    Parameters
    ----------
    key : PortKey
        Location, size and billing.
    monthly_usd : float
        Fee of one pair per month [USD/month].
    setup_usd : float
        One-time cost of adding a pair [USD].
    max_pairs : int
        Pairs that can be held at once [pairs].
    existing_pairs : int
        Pairs held before the first month [pairs].
    oversubscription : float
        Circuits on a pair may add up to this multiple of the port size.
    """

    key: PortKey
    monthly_usd: float
    setup_usd: float
    max_pairs: int
    existing_pairs: int
    oversubscription: float

    @property
    def pair_capacity_mbps(self) -> float:
        """Circuit bandwidth one pair carries [Mb/s]: oversubscription x port size."""
        return self.oversubscription * self.key.port_gbps * 1000.0


def check_ports(frame: pd.DataFrame, file: str) -> tuple[list[PortOffer], list[InputIssue]]:
    """Type ports.csv and check every row.

    Parameters
    ----------
    frame : pandas.DataFrame
        The raw table (cells as text).
    file : str
        Its name, for messages.

    Returns
    -------
    offers : list of PortOffer
        The pairs on offer, in file order (empty when there are issues).
    issues : list of InputIssue
    """
    issues: list[InputIssue] = []
    table = parse_table(frame, PORTS, file, issues)
    for row in table.to_dict("records"):
        gbps = row["port_gbps"]
        if gbps is not None and gbps not in DIRECT_BANDWIDTHS_MBPS:
            issues.append(InputIssue(file, row["_row"], "port_gbps",
                                    f"{gbps} is not a Direct port size (10 or 100)"))
        held, most = row["existing_pairs"], row["max_pairs"]
        if held is not None and most is not None and held > most:
            issues.append(InputIssue(file, row["_row"], "existing_pairs",
                                    f"{held} pairs held exceed max_pairs {most}"))
        if row["peering_location"] is not None and not str(row["peering_location"]).strip():
            issues.append(InputIssue(file, row["_row"], "peering_location", "value is required"))
    if issues:
        return [], issues
    offers = [PortOffer(PortKey(str(r["peering_location"]), int(r["port_gbps"]), r["billing"]),
                        float(r["monthly_usd"]), float(r["setup_usd"]), int(r["max_pairs"]),
                        int(r["existing_pairs"]), float(r["oversubscription"]))
              for r in table.to_dict("records")]
    return offers, []


def check_direct_catalog(direct_catalog: pd.DataFrame | None, offers: list[PortOffer],
                         file: str) -> list[InputIssue]:
    """Problems of the Direct catalog rows against the pairs on offer.

    A Direct SKU's family must be the billing of pairs of its size (docs/direct.md); a size
    no pairs offer at all is simply not on offer. Sizes a port does not carve were already
    reported by :func:`planner.inputs.validate.validate_inputs`.
    """
    if direct_catalog is None or direct_catalog.empty:
        return []
    billings: dict[int, set[str]] = {}
    for offer in offers:
        billings.setdefault(offer.key.port_gbps, set()).add(offer.key.billing)
    issues = []
    for row in direct_catalog.to_dict("records"):
        held = billings.get(row["port_gbps"])
        if held and row["family"] not in held:
            issues.append(InputIssue(
                file, row["_row"], "family",
                f"{row['family']} differs from the billing of the {row['port_gbps']} Gb/s "
                f"pairs in ports.csv ({', '.join(sorted(held))}): a Direct circuit has its "
                "pairs' family"))
    return issues


def read_ports(path: str | Path, inputs: Inputs, inventory: str | Path | None = None
               ) -> list[PortOffer]:
    """Read ports.csv and check it with the Direct rows of the validated catalog.

    Parameters
    ----------
    path : str or Path
        ports.csv.
    inputs : Inputs
        The validated portfolio inputs.
    inventory : str or Path, optional
        inventory.csv, checked for circuits on Direct pairs.

    Returns
    -------
    list of PortOffer

    Raises
    ------
    InputError
        With every problem found, naming file, row and column.
    """
    frame = read_table(path)
    offers, issues = check_ports(frame, str(path))
    if not issues and not offers:
        issues.append(InputIssue(str(path), HEADER_ROW, "peering_location",
                                "ports.csv has no pairs"))
    issues += check_direct_catalog(inputs.direct_catalog, offers,
                                     inputs.files.get("catalog", "catalog.csv"))
    issues += check_inventory_ports(inventory)
    if issues:
        raise InputError(issues)
    return offers


def check_inventory_ports(path: str | Path | None) -> list[InputIssue]:
    """Inventory circuits that already ride Direct pairs are not planned yet: report them.

    The planner reads them as provider circuits otherwise, so a filled ``port_gbps`` cell of
    inventory.csv is refused rather than misread.
    """
    if path is None:
        return []
    frame = read_table(path)
    if "port_gbps" not in [str(c).strip() for c in frame.columns]:
        return []
    frame.columns = [str(c).strip() for c in frame.columns]
    return [InputIssue(str(path), index + 2, "port_gbps",
                    "circuits already on Direct pairs are not supported in the inventory yet")
            for index, cell in enumerate(frame["port_gbps"].tolist()) if str(cell).strip()]
