"""What changes for one customer, month by month, and in which order it is safe to do it.

Built from the customer's rows of circuits.csv, so a finished plan can be turned into
manifests again without solving anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from planner.domain import Family, Resiliency, Site, Tier
from planner.errors import PlannerError

SiteSku = tuple[str, str, int]  # tier, family, bandwidth [Mb/s]


class ProvisioningError(PlannerError):
    """A plan that cannot be turned into a consistent rollout."""


@dataclass
class CircuitLife:
    """One circuit from the month it appears to the month it is retired.

    Parameters
    ----------
    name, site : str
        Azure name and ``primary``/``secondary``.
    timeline : list of dict
        Its circuits.csv rows: ``period``, ``action``, ``tier``, ``family``,
        ``bandwidth_mbps``, in period order.
    """

    name: str
    site: str
    timeline: list[dict[str, Any]] = field(default_factory=list)
    _by_period: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False,
                                                      compare=False)

    @property
    def existing(self) -> bool:
        """Whether the circuit exists before the plan starts (an inventory circuit)."""
        return bool(self.timeline[0]["action"] != "create")

    def _row(self, period: str) -> dict[str, Any] | None:
        if len(self._by_period) != len(self.timeline):
            self._by_period = {str(row["period"]): row for row in self.timeline}
        return self._by_period.get(period)

    def sku_at(self, period: str) -> SiteSku | None:
        """Tier, family and bandwidth in ``period``, or None when not alive then."""
        row = self._row(period)
        if row is None:
            return None
        return (str(row["tier"]), str(row["family"]), int(row["bandwidth_mbps"]))

    def action_at(self, period: str) -> str | None:
        """The circuits.csv action in ``period``, or None."""
        row = self._row(period)
        return None if row is None else str(row["action"])


def lives(rows: Iterable[Mapping[str, Any]]) -> list[CircuitLife]:
    """Group one customer's circuits.csv rows by circuit, in order of first appearance."""
    by_name: dict[str, CircuitLife] = {}
    for row in sorted(rows, key=lambda r: (str(r["period"]), str(r["circuit_name"]))):
        name = str(row["circuit_name"])
        life = by_name.setdefault(name, CircuitLife(name, str(row["site"])))
        life.timeline.append({"period": str(row["period"]), "action": str(row["action"]),
                              "tier": str(row["tier"]), "family": str(row["family"]),
                              "bandwidth_mbps": int(row["bandwidth_mbps"])})
    return list(by_name.values())


def alive(circuits: list[CircuitLife], period: str) -> dict[str, SiteSku]:
    """Circuits in service in ``period`` (not retiring then) and their SKU."""
    return {c.name: sku for c in circuits
            if (sku := c.sku_at(period)) is not None and c.action_at(period) != "retire"}


def link_vnets(circuits: list[tuple[str, str, int]], vnets: int, resiliency: str,
               previous: Mapping[str, tuple[str, ...]] | None = None
               ) -> dict[str, tuple[str, ...]]:
    """Which circuits each vNet links to, following docs/model.rst, Resiliency.

    ``standard`` links each vNet once, ``n+1`` twice (to two different circuits) and
    ``maximum`` once at each site. Links of the previous month are kept where they still
    fit, so a month changes only the connections it must.

    Parameters
    ----------
    circuits : list of (name, site, links)
        The month's circuits and the vNets each may link (min(vnet_links, V)).
    vnets : int
        vNets to link this month.
    resiliency : str
        ``standard``, ``n+1`` or ``maximum``.
    previous : mapping of str to tuple of str, optional
        Last month's links, vNet name to circuit names.

    Returns
    -------
    dict of str to tuple of str
        vNet name (``vnet-01``, ...) to the circuits it links to, sorted.

    Raises
    ------
    ProvisioningError
        When the circuits cannot carry the links (a plan that breaks the link rule).
    """
    previous = previous or {}
    if resiliency == Resiliency.MAXIMUM:
        groups = [[c for c in circuits if c[1] == site] for site in (Site.PRIMARY, Site.SECONDARY)]
    else:
        groups = [list(circuits)] * (2 if resiliency == Resiliency.N_PLUS_ONE else 1)
    capacity = {name: links for name, _, links in circuits}
    # Keeping last month's links first changes the fewest connections; when that greedy
    # order strands a vNet (n+1 needs two distinct circuits with room left), filling the
    # circuits with the most room first always succeeds where the link rule holds.
    for stable in (True, False):
        result = _assign(groups, capacity, vnets, previous, stable)
        if result is not None:
            return result
    raise ProvisioningError(
        f"{vnet_name(vnets)} cannot be linked: the circuits allow too few vNet links")


def _assign(groups: list[list[tuple[str, str, int]]], capacity: Mapping[str, int], vnets: int,
            previous: Mapping[str, tuple[str, ...]], stable: bool
            ) -> dict[str, tuple[str, ...]] | None:
    """Link each vNet to one circuit of each group; None when a vNet finds no room."""
    load = dict.fromkeys(capacity, 0)
    result: dict[str, tuple[str, ...]] = {}
    for index in range(1, vnets + 1):
        vnet = vnet_name(index)
        kept = previous.get(vnet, ())
        chosen: list[str] = []
        for group in groups:
            candidates = [name for name, _, _ in group
                          if name not in chosen and load[name] < capacity[name]]
            if not candidates:
                return None
            if stable:
                best = min(candidates, key=lambda n: (n not in kept, load[n], n))
            else:
                best = min(candidates, key=lambda n: (load[n] - capacity[n], n not in kept, n))
            chosen.append(best)
            load[best] += 1
        result[vnet] = tuple(sorted(chosen))
    return result


def vnet_name(index: int) -> str:
    """The name the manifests give the ``index``-th vNet (1-based)."""
    return f"vnet-{index:02d}"


def connection_pairs(links: Mapping[str, tuple[str, ...]]) -> set[tuple[str, str]]:
    """(vNet, circuit) pairs of a link map."""
    return {(vnet, circuit) for vnet, circuits in links.items() for circuit in circuits}


def replacement_reason(old: SiteSku, new: SiteSku) -> str:
    """Why ``old`` could not simply be changed into ``new`` (see docs/model.rst)."""
    reasons = []
    if old[1] == Family.UNLIMITED and new[1] == Family.METERED:
        reasons.append("UnlimitedData to MeteredData is not possible in place")
    if old[0] == Tier.LOCAL and new[0] != Tier.LOCAL and new[1] != Family.UNLIMITED:
        reasons.append(f"leaving Local for {new[0]} is in place only with UnlimitedData")
    if old[0] != Tier.LOCAL and new[0] == Tier.LOCAL:
        reasons.append(f"{old[0]} to Local is not possible in place")
    if new[2] < old[2]:
        reasons.append(f"bandwidth lowered from {old[2]} to {new[2]} Mb/s")
    return "; ".join(reasons) or "a new circuit replaces it"


def upgrade_reason(old: SiteSku, new: SiteSku) -> str:
    """What an in-place upgrade changes."""
    parts = []
    if new[2] != old[2]:
        parts.append(f"bandwidth {old[2]} to {new[2]} Mb/s")
    if new[0] != old[0]:
        parts.append(f"tier {old[0]} to {new[0]}")
    if new[1] != old[1]:
        parts.append(f"family {old[1]} to {new[1]}")
    return ", ".join(parts)


def _bandwidth(circuit: CircuitLife, period: str) -> int:
    """Bandwidth [Mb/s] of a circuit alive in ``period``."""
    sku = circuit.sku_at(period)
    assert sku is not None, (circuit.name, period)
    return sku[2]


def month_changes(circuits: list[CircuitLife], period: str, previous_period: str | None
                  ) -> list[dict[str, Any]]:
    """Every circuit's change in ``period``: create, upgrade, keep, retire or replace.

    A circuit created in the month a circuit of the same site is retired is a
    replacement of it (largest with largest), flagged disruptive with the reason.
    """
    changes: list[dict[str, Any]] = []
    for site in (Site.PRIMARY, Site.SECONDARY):
        here = [c for c in circuits if c.site == site and c.action_at(period) is not None]
        created = [c for c in here if c.action_at(period) == "create"]
        retired = [c for c in here if c.action_at(period) == "retire"]
        ending = not any(c.action_at(period) != "retire" for c in here)
        by_size = sorted(created, key=lambda c: (-_bandwidth(c, period), c.name))
        gone = sorted(retired, key=lambda c: (-_bandwidth(c, period), c.name))
        pairs = {} if ending else dict(zip((c.name for c in by_size),
                                           (c for c in gone), strict=False))
        replaced = {old.name for old in pairs.values()}
        for circuit in here:
            action = circuit.action_at(period)
            sku = circuit.sku_at(period)
            assert action is not None and sku is not None
            entry: dict[str, Any] = {"circuit": circuit.name, "site": site,
                                        "action": action, "to": _sku_dict(sku),
                                        "disruptive": False, "reason": ""}
            if action == "create" and circuit.name in pairs:
                old = pairs[circuit.name]
                old_sku = old.sku_at(period)
                assert old_sku is not None
                entry.update(action="replace", replaces=old.name, **{"from": _sku_dict(old_sku)},
                             disruptive=True, reason=replacement_reason(old_sku, sku))
            elif action in ("upgrade", "keep") and previous_period is not None:
                before = circuit.sku_at(previous_period)
                if before is not None:
                    entry["from"] = _sku_dict(before)
                    entry["reason"] = upgrade_reason(before, sku)
            elif action == "retire":
                entry["from"] = entry.pop("to")
                entry["reason"] = ("replaced by a new circuit" if circuit.name in replaced
                                   else "service ends" if ending else "no longer needed")
                entry["disruptive"] = False
            changes.append(entry)
    order = {"create": 0, "replace": 0, "upgrade": 1, "keep": 2, "retire": 3}
    return sorted(changes, key=lambda e: (order[str(e["action"])], str(e["circuit"])))


def _sku_dict(sku: SiteSku) -> dict[str, Any]:
    return {"tier": sku[0], "family": sku[1], "bandwidth_mbps": sku[2]}
