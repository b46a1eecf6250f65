"""The neutral JSON manifest of one customer, and reading manifests back.

The manifest is the single description every other format is rendered from: the
customer, who owns and who acts, the security intent, every circuit with its month-by-month
SKU and its private peering, and for each month that changes anything, the changes, the
vNet connections after the month and the steps in a safe order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from planner.provision.allocate import Allocation
from planner.provision.rollout import (
    CircuitLife,
    SiteSku,
    alive,
    connection_pairs,
    link_vnets,
    lives,
    month_changes,
    month_steps,
)
from planner.provision.settings import ZERO_SUBSCRIPTION, ProvisioningSettings
from planner.tables import CIRCUIT_COLUMNS

MANIFEST_VERSION = "1.1"
SCHEMA_FILE = Path(__file__).with_name("manifest.schema.json")
MANIFEST_FILE = "manifest.json"
AZURE_ASN = 12076
MAX_NAME = 80
#: IPv4 prefixes Azure private peering accepts from on-premises [count] (facts 3.2).
ADVERTISE_LIMIT = {"Local": 4000, "Standard": 4000, "Premium": 10000}


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
    secret = ({"key_vault": settings.md5_key_vault, "key_vault_id": settings.md5_key_vault_id,
               "secret": settings.md5_secret.format(circuit=circuit)}
              if settings.md5_key_vault else None)
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
            "asn": peer_asn,
            "vlan_id": allocation.vlan_id,
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
                   vnets_by_period: Mapping[str, int], vnet_links: Mapping[SiteSku, int],
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
    locations = {"primary": str(customer["peering_location"]),
                 "secondary": str(customer.get("secondary_peering_location") or "")}
    connect_to = customer.get("model") == "connect-to"
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
            "timeline": circuit.timeline,
            "private_peering": _peering(allocations[circuit.name], peer_asn, forced,
                                        int(customer.get("routes_ipv4") or 0), tier, settings,
                                        circuit.name),
        })
    months = _months(circuits, vnets_by_period, vnet_links, str(customer["resiliency"]))
    # A gateway connection is a resource of its gateway's region, whichever circuit it joins.
    gateway_region = region or settings.vnet_region or region_of("primary")
    vnets = {vnet: {"region": gateway_region,
                    "gateway_id": settings.gateway_id.format(subscription=subscription,
                                                             customer=customer_id, vnet=vnet)}
             for vnet in sorted({c["vnet"] for m in months for c in m["connections"]})}
    return {
        "manifest_version": MANIFEST_VERSION,
        "customer": {
            "id": customer_id, "name": str(customer.get("name") or customer_id),
            "subscription_id": subscription,
            "subscription_known": subscription != ZERO_SUBSCRIPTION,
            "resource_group": resource_group,
            "resiliency": str(customer["resiliency"]),
        },
        "ownership": {
            "model": "connect-to" if connect_to else "connect-through",
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
        },
        "circuits": manifest_circuits,
        "vnets": vnets,
        "months": months,
    }


def _months(circuits: list[CircuitLife], vnets_by_period: Mapping[str, int],
            vnet_links: Mapping[SiteSku, int], resiliency: str) -> list[dict[str, Any]]:
    periods = sorted({str(r["period"]) for c in circuits for r in c.timeline})
    previous_links: dict[str, tuple[str, ...]] = {}
    previous_period: str | None = None
    months = []
    for period in periods:
        now = alive(circuits, period)
        vnets = int(vnets_by_period.get(period, 0)) if now else 0
        sites = {c.name: c.site for c in circuits}
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
                "steps": month_steps(changes, after - before, before - after),
            })
        previous_links, previous_period = links, period
    return months


def dumps(manifest: Mapping[str, Any]) -> str:
    """A manifest (or any JSON file written here): sorted keys, two-space indent, final newline.

    orjson writes the same bytes as ``json.dumps(..., indent=2, sort_keys=True,
    ensure_ascii=False)`` plus a newline, many times faster, which matters for thousands
    of customers' files.
    """
    return orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
                        | orjson.OPT_APPEND_NEWLINE).decode("utf-8")


def load_schema() -> dict[str, Any]:
    """The JSON Schema every manifest follows."""
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


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
            for entry in circuit["timeline"]:
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

    Returns
    -------
    list of dict
        ``label``, ``period``, ``stage`` (``circuits``, ``build`` or ``retire``),
        ``circuits`` (name to ``{tier, family, bandwidth_mbps}``), ``peerings`` (circuit
        names with a private peering, sorted), ``connections`` (connection dicts of the
        manifest with their gateway's ``region`` and ``gateway_id``, by name), ``new``
        (circuits created) and ``upgraded`` (circuits changed in place).
    """
    circuits = {c["name"]: c for c in manifest["circuits"]}
    gateways = manifest["vnets"]
    steps: list[dict[str, Any]] = []
    sku_before: dict[str, dict[str, Any]] = {}
    peerings = {name for name, circuit in circuits.items() if circuit["existing"]}
    previous: list[dict[str, str]] = []

    def add(stage: str, number: int, period: str, state: dict[str, dict[str, Any]],
            with_peering: set[str], connections: list[dict[str, str]], **more: object) -> None:
        steps.append({"label": f"{period}-{number}-{stage}", "period": period, "stage": stage,
                      "circuits": dict(sorted(state.items())),
                      "peerings": sorted(with_peering & set(state)),
                      "connections": sorted(connections, key=lambda c: c["name"]), **more})

    for month in manifest["months"]:
        period = month["period"]
        live: dict[str, Any] = {}
        retiring: dict[str, Any] = {}
        actions: dict[str, Any] = {}
        for name, circuit in circuits.items():
            entry = next((e for e in circuit["timeline"] if e["period"] == period), None)
            if entry is None:
                continue
            sku = {k: entry[k] for k in ("tier", "family", "bandwidth_mbps")}
            (retiring if entry["action"] == "retire" else live)[name] = sku
            actions[name] = entry["action"]
        new = sorted(n for n, a in actions.items() if a == "create")
        upgraded = sorted(n for n, a in actions.items() if a == "upgrade")
        current = [{**c, **gateways[c["vnet"]]} for c in month["connections"]]
        kept_previous = [c for c in previous if c not in current]
        if new:
            ordered = {n: sku_before.get(n, s) for n, s in {**retiring, **live}.items()}
            add("circuits", 1, period, ordered, peerings, previous, new=new, upgraded=[])
        if live:
            peerings |= set(live)
            add("build", 2, period, {**retiring, **live}, peerings, current + kept_previous,
                new=new, upgraded=upgraded)
        if retiring or kept_previous or not live:
            add("retire", 3, period, live, peerings, current, new=[], upgraded=[])
        peerings &= set(live)
        sku_before = dict(live)
        previous = current
    return steps
