"""The neutral JSON manifest of one customer, and reading manifests back.

The manifest is the single description every other format is rendered from or reads: the
customer, who owns and who acts, the security intent, every circuit with its SKU timeline
and its private peering, each month that changes anything with its changes, and the
rollout: the steps in a safe order with each circuit, peering and vNet connection listed
once with the steps it exists in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import orjson
import pandas as pd

from planner.domain import Model, Site, Tier
from planner.provision.allocate import Allocation
from planner.provision.rollout import (
    CircuitLife,
    alive,
    connection_pairs,
    link_vnets,
    lives,
    month_changes,
)
from planner.provision.settings import ZERO_SUBSCRIPTION, ProvisioningSettings
from planner.tables import CIRCUIT_COLUMNS

MANIFEST_VERSION = "2.0"
SCHEMA_FILE = Path(__file__).with_name("manifest.schema.json")
MANIFEST_FILE = "manifest.json"
AZURE_ASN = 12076
MAX_NAME = 80
#: What a month's change leaves to the circuits' timelines.
_IN_TIMELINE = frozenset({"site", "from", "to"})
#: IPv4 prefixes Azure private peering accepts from on-premises [count] (facts 3.2).
ADVERTISE_LIMIT: dict[str, int] = {Tier.LOCAL: 4000, Tier.STANDARD: 4000, Tier.PREMIUM: 10000}


def resource_name(*parts: str) -> str:
    """A valid Azure resource name from ``parts``: shortened with a hash when over 80."""
    name = "-".join(parts)
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[:MAX_NAME - 9].rstrip('-.')}-{digest}"


def _peering(allocation: Allocation, peer_asn: int, forced_tunneling: bool, routes: int,
             tier: str, settings: ProvisioningSettings, circuit: str) -> dict[str, Any]:
    primary, secondary = allocation.primary_prefix, allocation.secondary_prefix
    # The vault itself is named once, under the manifest's security.
    secret = settings.md5_secret.format(circuit=circuit) if settings.md5_key_vault else None
    return {
        "peering_type": "AzurePrivatePeering",
        "vlan_id": allocation.vlan_id,
        "address_block": str(allocation.address_block),
        "primary_peer_address_prefix": str(primary),
        "secondary_peer_address_prefix": str(secondary),
        "azure_asn": AZURE_ASN,
        "peer_asn": peer_asn,
        "shared_key_secret": secret,
        "on_premises": {
            "primary": {"address": f"{primary[1]}/30", "azure_neighbor": str(primary[2])},
            "secondary": {"address": f"{secondary[1]}/30",
                          "azure_neighbor": str(secondary[2])},
            "advertise": {"default_route": forced_tunneling,
                          "planned_ipv4_prefixes": routes,
                          "max_ipv4_prefixes": ADVERTISE_LIMIT.get(tier, 4000)},
        },
    }


def build_manifest(customer: Mapping[str, Any], options: Mapping[str, Any],
                   circuit_rows: list[Mapping[str, Any]],
                   vnets_by_period: Mapping[str, int], vnet_links: Mapping[tuple[Any, ...], int],
                   allocations: Mapping[str, Allocation],
                   settings: ProvisioningSettings) -> dict[str, Any]:
    """The neutral manifest of one customer.

    Parameters
    ----------
    customer : mapping
        The customer's validated customers.csv row.
    options : mapping
        Its provisioning columns (see :data:`planner.provision.settings.PROVISIONING_COLUMNS`).
    circuit_rows : list of mapping
        Its rows of circuits.csv.
    vnets_by_period : mapping of str to int
        vNets to link in each month of service.
    vnet_links : mapping of (tier, family, bandwidth_mbps) to int
        vNet links one circuit of each catalog SKU allows [count].
    allocations : mapping of str to Allocation
        Peering addresses and VLAN by circuit name.
    settings : ProvisioningSettings
        CSP-wide settings.

    Returns
    -------
    dict
        JSON-ready; see ``manifest.schema.json``.
    """
    customer_id = str(customer["customer_id"])
    circuits = lives(circuit_rows)
    subscription = str(customer.get("subscription_id") or "") or ZERO_SUBSCRIPTION
    resource_group = (str(options.get("resource_group") or "")
                      or settings.resource_group.format(customer=customer_id))
    locations: dict[str, str] = {Site.PRIMARY: str(customer["peering_location"]),
                 Site.SECONDARY: str(customer.get("secondary_peering_location") or "")}
    connect_to = customer.get("model") == Model.CONNECT_TO
    peer_asn = int(options.get("customer_asn") or 0) or settings.asn
    forced = bool(options.get("forced_tunneling"))
    region = str(options.get("region") or "")

    def region_of(site: str) -> str:
        return region or settings.region_of(locations[site]) or ""

    manifest_circuits = []
    for circuit in circuits:
        tier = str(circuit.timeline[-1]["tier"])
        manifest_circuits.append({
            "name": circuit.name, "site": circuit.site,
            "peering_location": locations[circuit.site],
            "service_provider": str(customer["provider"]),
            "region": region_of(circuit.site),
            "existing": circuit.existing,
            "timeline": compact_timeline(circuit.timeline),
            "last_period": str(circuit.timeline[-1]["period"]),
            "private_peering": _peering(allocations[circuit.name], peer_asn, forced,
                                        int(customer.get("routes_ipv4") or 0), tier, settings,
                                        circuit.name),
        })
    months = _months(circuits, vnets_by_period, vnet_links, str(customer["resiliency"]))
    # A gateway connection is a resource of its gateway's region, whichever circuit it joins.
    gateway_region = region or settings.vnet_region or region_of(Site.PRIMARY)
    vnets = {vnet: {"region": gateway_region,
                    "gateway_id": settings.gateway_id.format(subscription=subscription,
                                                             customer=customer_id, vnet=vnet)}
             for vnet in sorted({c["vnet"] for m in months for c in m["connections"]})}
    group_id = f"/subscriptions/{subscription}/resourceGroups/{resource_group}"
    steps = _rollout_steps(circuits, months)
    manifest: dict[str, Any] = {
        "manifest_version": MANIFEST_VERSION,
        "customer": {
            "id": customer_id, "name": str(customer.get("name") or customer_id),
            "subscription_id": subscription,
            "subscription_known": subscription != ZERO_SUBSCRIPTION,
            "resource_group": resource_group,
            "location": manifest_circuits[0]["region"] if manifest_circuits else "",
            "resiliency": str(customer["resiliency"]),
        },
        "ownership": {
            "model": Model.CONNECT_TO if connect_to else Model.CONNECT_THROUGH,
            "circuit_owner": "customer" if connect_to else "csp",
            "acts": "customer" if connect_to else "csp",
            "note": ("the customer creates the circuits in its own subscription following "
                     "the steps below and shares each circuit's service key with the CSP"
                     if connect_to else
                     "the CSP builds and runs the circuits in the customer's subscription "
                     "on its behalf"),
        },
        "security": {
            "forced_tunneling": forced,
            "encryption": str(options.get("encryption") or "none"),
            "md5": bool(settings.md5_key_vault),
            "md5_key_vault": ({"name": settings.md5_key_vault, "id": settings.md5_key_vault_id}
                              if settings.md5_key_vault else None),
        },
        "circuits": manifest_circuits,
        "vnets": vnets,
        "months": [{"period": m["period"], "vnets": m["vnets"],
                    # The SKUs before and after are in the circuits' timelines.
                    "changes": [{k: v for k, v in c.items() if k not in _IN_TIMELINE}
                                for c in m["changes"] if c["action"] != "keep"]}
                   for m in months],
        "rollout": _rollout(steps, circuits, group_id),
    }
    manifest["rollout"]["changes"] = step_changes(manifest)
    return manifest


def _months(circuits: list[CircuitLife], vnets_by_period: Mapping[str, int],
            vnet_links: Mapping[tuple[Any, ...], int], resiliency: str) -> list[dict[str, Any]]:
    periods = sorted({str(r["period"]) for c in circuits for r in c.timeline})
    previous_links: dict[str, tuple[str, ...]] = {}
    previous_period: str | None = None
    previous_state: tuple[Any, ...] | None = None
    sites = {c.name: c.site for c in circuits}
    months = []
    for period in periods:
        now = alive(circuits, period)
        vnets = int(vnets_by_period.get(period, 0)) if now else 0
        # A month where every circuit is kept as it was and the vNets are as many links
        # them as the month before (link_vnets keeps links it can): nothing to write.
        state = (now, vnets)
        if state == previous_state and all(
                c.action_at(period) in (None, "keep") for c in circuits):
            previous_period = period
            continue
        previous_state = state
        links = link_vnets(
            [(name, sites[name], min(vnet_links[sku], vnets)) for name, sku in sorted(now.items())],
            vnets, resiliency, previous_links) if vnets else {}
        before, after = connection_pairs(previous_links), connection_pairs(links)
        changes = month_changes(circuits, period, previous_period)
        if previous_period is None or before != after or any(
                c["action"] != "keep" for c in changes):
            months.append({
                "period": period,
                "vnets": vnets,
                "changes": changes,
                "connections": [{"name": resource_name("cn", circuit, vnet), "vnet": vnet,
                                 "circuit": circuit} for vnet, circuit in sorted(after)],
            })
        previous_links, previous_period = links, period
    return months


def compact_timeline(timeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A circuit's months without the ``keep`` months that change nothing.

    Every month from one entry to the next (and to the circuit's ``last_period``) that is
    not listed keeps the SKU of the entry before it.
    """
    kept: list[dict[str, Any]] = []
    before: tuple[Any, ...] | None = None
    for entry in timeline:
        sku = (entry["tier"], entry["family"], entry["bandwidth_mbps"])
        if entry["action"] != "keep" or sku != before:
            kept.append(entry)
        before = sku
    return kept


def full_timeline(circuit: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The month-by-month circuits.csv rows of a manifest circuit (see :func:`compact_timeline`)."""
    entries = list(circuit["timeline"])
    last = str(circuit["last_period"])
    rows: list[dict[str, Any]] = []
    for index, entry in enumerate(entries):
        rows.append(dict(entry))
        until = str(entries[index + 1]["period"]) if index + 1 < len(entries) else None
        period = _next_month(str(entry["period"]))
        while (period < until) if until else (period <= last):
            rows.append({**entry, "period": period, "action": "keep"})
            period = _next_month(period)
    return rows


def _next_month(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def _rollout_steps(circuits: list[CircuitLife], months: list[dict[str, Any]]
                   ) -> list[dict[str, Any]]:
    """The state after each step of the rollout (see :func:`rollout_steps`)."""
    peerings = {c.name for c in circuits if c.existing}
    steps: list[dict[str, Any]] = []
    sku_before: dict[str, tuple[Any, ...]] = {}
    previous: set[str] = set()
    connections: dict[str, dict[str, str]] = {}

    def add(stage: str, number: int, period: str, state: Mapping[str, tuple[Any, ...]],
            with_peering: set[str], names: set[str]) -> None:
        steps.append({"label": f"{period}-{number}-{stage}", "circuits": dict(state),
                      "peerings": with_peering & set(state), "connections": set(names)})

    for month in months:
        period = str(month["period"])
        live: dict[str, Any] = {}
        retiring: dict[str, Any] = {}
        created = False
        for circuit in circuits:
            action = circuit.action_at(period)
            if action is None:
                continue
            (retiring if action == "retire" else live)[circuit.name] = circuit.sku_at(period)
            created |= action == "create"
        for connection in month["connections"]:
            connections[connection["name"]] = connection
        current = {c["name"] for c in month["connections"]}
        kept_previous = previous - current
        if created:
            ordered = {n: sku_before.get(n, s) for n, s in {**retiring, **live}.items()}
            add("circuits", 1, period, ordered, peerings, previous)
        if live:
            peerings |= set(live)
            add("build", 2, period, {**retiring, **live}, peerings, current | kept_previous)
        if retiring or kept_previous or not live:
            add("retire", 3, period, live, peerings, current)
        peerings &= set(live)
        sku_before = dict(live)
        previous = current
    for step in steps:
        step["connection_details"] = connections
    return steps


def _rollout(steps: list[dict[str, Any]], circuits: list[CircuitLife], group_id: str
             ) -> dict[str, Any]:
    """The rollout as spans of steps: each resource listed once, with the steps it exists in.

    ``steps`` lists the step labels in order; a circuit exists in the steps numbered
    ``from`` to ``until - 1`` (0-based), has its private peering from step ``peered`` on and
    the SKU of the last ``skus`` entry whose ``from`` is not after the step; a connection
    exists in the steps of each ``[from, until)`` pair of its ``steps``.
    """
    count = len(steps)
    spans: dict[str, dict[str, Any]] = {}
    links: dict[str, dict[str, Any]] = {}
    for index, step in enumerate(steps):
        for name, sku in step["circuits"].items():
            span = spans.setdefault(name, {"from": index, "until": count, "peered": count,
                                           "skus": []})
            if not span["skus"] or span["skus"][-1][1:] != sku:
                span["skus"].append((index, *sku))
            if name in step["peerings"] and span["peered"] == count:
                span["peered"] = index
        for name in set(spans) - set(step["circuits"]):
            spans[name]["until"] = min(spans[name]["until"], index)
        for name in step["connections"]:
            link = links.get(name)
            if link is None:
                detail = step["connection_details"][name]
                link = links[name] = {"vnet": detail["vnet"], "circuit": detail["circuit"],
                                      "steps": []}
            ranges = link["steps"]
            if ranges and ranges[-1][1] == index:
                ranges[-1][1] = index + 1
            else:
                ranges.append([index, index + 1])
    for span in spans.values():
        span["skus"] = [{"from": i, "tier": t, "family": f, "bandwidth_mbps": b}
                        for i, t, f, b in span["skus"]]
    imports = {}
    for circuit in circuits:
        if circuit.existing:
            circuit_id = (f"{group_id}/providers/Microsoft.Network/expressRouteCircuits/"
                          f"{circuit.name}")
            imports[circuit.name] = {"circuit": circuit_id,
                                     "peering": f"{circuit_id}/peerings/AzurePrivatePeering"}
    return {"steps": [step["label"] for step in steps],
            "circuits": dict(sorted(spans.items())),
            "connections": dict(sorted(links.items())), "imports": imports}


def dumps(document: Mapping[str, Any]) -> str:
    """A JSON file written here: sorted keys, one line per record, final newline.

    Objects and arrays are broken over lines, two spaces deeper each level, down to
    :data:`RECORD_DEPTH` levels and only when they hold more than :data:`RECORD_WIDTH`
    characters; anything smaller or deeper stays on one line (a circuit's timeline entry,
    a change, one connection). The bytes depend only on the document.
    """
    return _layout(document, 0) + "\n"


#: Levels below the top that may still be broken over lines.
RECORD_DEPTH = 2
#: Characters a JSON value may take on one line before it is broken over lines.
RECORD_WIDTH = 100


def _layout(value: object, depth: int) -> str:
    text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    if depth > RECORD_DEPTH or len(text) <= RECORD_WIDTH or not value or not isinstance(
            value, dict | list):
        return text
    inner = "\n" + "  " * (depth + 1)
    if isinstance(value, list):
        items = [_layout(item, depth + 1) for item in value]
        return "[" + inner + ("," + inner).join(items) + "\n" + "  " * depth + "]"
    items = [orjson.dumps(key).decode("utf-8") + ": " + _layout(value[key], depth + 1)
             for key in sorted(value)]
    return "{" + inner + ("," + inner).join(items) + "\n" + "  " * depth + "}"


def load_schema() -> dict[str, Any]:
    """The JSON Schema every manifest follows."""
    return cast(dict[str, Any], json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def circuits_from_manifests(folder: str | Path) -> pd.DataFrame:
    """Read ``<folder>/<customer>/manifest.json`` files back into circuits.csv rows.

    Parameters
    ----------
    folder : str or Path
        A ``manifests/`` folder.

    Returns
    -------
    pandas.DataFrame
        The columns of circuits.csv, sorted by customer, period and circuit name.
    """
    rows = []
    for path in sorted(Path(folder).glob(f"*/{MANIFEST_FILE}")):
        manifest = json.loads(path.read_text(encoding="utf-8"))
        for circuit in manifest["circuits"]:
            for entry in full_timeline(circuit):
                rows.append({"customer_id": manifest["customer"]["id"],
                             "circuit_name": circuit["name"], "site": circuit["site"],
                             **{k: entry[k] for k in ("period", "tier", "family",
                                                      "bandwidth_mbps", "action")}})
    frame = pd.DataFrame(rows, columns=CIRCUIT_COLUMNS)
    return frame.sort_values(["customer_id", "period", "circuit_name"], ignore_index=True)


def rollout_steps(manifest: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The desired state after each step of the rollout, for every provisioning tool.

    A month that changes anything gives up to three steps, in this order:

    - ``<period>-1-circuits`` when the month creates circuits: the new circuits are
      ordered (nothing else changes), so that the provider can provision them;
    - ``<period>-2-build``: the new circuits' private peerings (once the provider has
      provisioned them), in-place upgrades and the month's new vNet connections, with
      everything old still in place;
    - ``<period>-3-retire`` when something goes away: only what the month keeps.

    Inventory circuits and their private peerings are in place from the first step on.
    Read from the manifest's ``rollout``, which lists each resource once with its steps.

    Returns
    -------
    list of dict
        ``label``, ``period``, ``stage`` (``circuits``, ``build`` or ``retire``),
        ``circuits`` (name to ``{tier, family, bandwidth_mbps}``), ``peerings`` (circuit
        names with a private peering, sorted), ``connections`` (connection dicts with
        ``name``, ``vnet``, ``circuit`` and their gateway's ``region`` and ``gateway_id``, by
        name), ``new`` (circuits whose peering the step makes, in a ``build`` step; circuits
        ordered, in a ``circuits`` step) and ``upgraded`` (circuits changed in place).
    """
    rollout = manifest["rollout"]
    gateways = manifest["vnets"]
    existing = {c["name"] for c in manifest["circuits"] if c["existing"]}
    spans = rollout["circuits"]
    upgrades = {(c["name"], e["period"]) for c in manifest["circuits"] for e in c["timeline"]
                if e["action"] == "upgrade"}
    links = [{"name": name, "vnet": link["vnet"], "circuit": link["circuit"],
              **gateways[link["vnet"]], "_steps": link["steps"]}
             for name, link in rollout["connections"].items()]
    steps = []
    for index, label in enumerate(rollout["steps"]):
        period, stage = label[:7], label.split("-", 3)[3]
        circuits, new, upgraded = {}, [], []
        for name, span in spans.items():
            if not span["from"] <= index < span["until"]:
                continue
            sku = next(s for s in reversed(span["skus"]) if s["from"] <= index)
            circuits[name] = {k: sku[k] for k in ("tier", "family", "bandwidth_mbps")}
            if stage == "circuits" and span["from"] == index and name not in existing:
                new.append(name)
            elif stage == "build" and span["peered"] == index and name not in existing:
                new.append(name)
            elif stage == "build" and (name, period) in upgrades:
                upgraded.append(name)
        steps.append({
            "label": label, "period": period, "stage": stage, "circuits": circuits,
            "peerings": sorted(n for n in circuits if spans[n]["peered"] <= index),
            "connections": [{k: v for k, v in link.items() if k != "_steps"} for link in links
                            if any(a <= index < b for a, b in link["_steps"])],
            "new": new, "upgraded": upgraded})
    return steps


def step_changes(manifest: Mapping[str, Any]) -> dict[str, dict[str, list[Any]]]:
    """What each ``circuits`` and ``build`` step makes, by step label (what ARM deploys).

    ``create`` (circuits ordered, with their SKU), ``peer`` (private peerings made),
    ``upgrade`` (circuits changed in place, with their new SKU) and ``connect`` (vNet
    connections made), each only when not empty. A circuit comes with its ``index`` in the
    manifest's ``circuits``. Retire steps are left out: ARM does not delete.
    """
    index = {c["name"]: i for i, c in enumerate(manifest["circuits"])}
    changes: dict[str, dict[str, list[Any]]] = {}
    before: Mapping[str, Any] | None = None
    for step in rollout_steps(manifest):
        old = {c["name"] for c in before["connections"]} if before else set()
        if step["stage"] == "circuits":
            changes[step["label"]] = {"create": [
                {"circuit": n, "index": index[n], **step["circuits"][n]} for n in step["new"]]}
        elif step["stage"] == "build":
            change = {
                "peer": [{"circuit": n, "index": index[n]} for n in step["new"]],
                "upgrade": [{"circuit": n, "index": index[n], **step["circuits"][n]}
                            for n in step["upgraded"]],
                "connect": [c["name"] for c in step["connections"] if c["name"] not in old]}
            changes[step["label"]] = {key: value for key, value in change.items() if value}
        before = step
    return changes
