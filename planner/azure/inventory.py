"""The CSP's existing circuits read from Azure -> inventory.csv and peering allocations.

docs/azure.rst, Inventory. Accepted: the JSON of
``az network express-route list`` (a list), ``az network express-route show`` or an ARM GET
of ``Microsoft.Network/expressRouteCircuits`` (one object, with ``properties`` nested), and
an ARM list (``{"value": [...]}``). Keys match case-insensitively (``azureASN``,
``azureAsn``, ``AzureASN``).

What is malformed (not JSON, a circuit without a name, an unknown tier) is an error naming
the file and the JSON path. What is well-formed but cannot be planned as it stands (a circuit
of no customer, mixed tiers within one customer, a legacy bandwidth, a ``sku.name`` that
disagrees with ``sku.tier``/``sku.family``, a circuit on ExpressRoute Direct ports) is a
finding: reported, never guessed.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pandas as pd

from planner.azure.jsonfile import get_key, is_number, json_problem, load_json
from planner.domain import Site
from planner.inputs.schema import FAMILIES, TIERS
from planner.inputs.validate import InputError, InputIssue
from planner.provision.allocate import RECORD_COLUMNS

INVENTORY_COLUMNS = ["customer_id", "circuit_name", "tier", "family", "bandwidth_mbps", "site"]
DIRECT_COLUMNS = ["customer_id", "circuit_name", "tier", "family", "bandwidth_mbps",
                  "express_route_port"]
FINDING_COLUMNS = ["file", "path", "circuit_name", "customer_id", "finding"]
#: Provider circuit bandwidths on sale [Mb/s] (facts file section 1); others are legacy.
PROVIDER_BANDWIDTHS = (50, 100, 200, 500, 1000, 2000, 5000, 10000)
PRIVATE_PEERING = "AzurePrivatePeering"
DEFAULT_TAG = "customer"

_CIRCUIT_ID = re.compile(
    r"/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.Network/"
    r"expressRouteCircuits/([^/]+)", re.IGNORECASE)


@dataclass
class AzureInventory:
    """Circuits read from Azure, in the planner's formats.

    Parameters
    ----------
    inventory : pandas.DataFrame
        inventory.csv (docs/inputs.rst), in the order the files list the circuits.
    allocations : pandas.DataFrame
        peering_allocations.csv: each private peering's /29 and VLAN as Azure has them.
    direct : pandas.DataFrame
        Circuits on ExpressRoute Direct ports (left out of inventory.csv; docs/azure.rst
        plans them with the port pairs).
    findings : pandas.DataFrame
        What was reported: file, JSON path, circuit, customer and the finding in words.
    circuit_ids : dict of str to str
        Azure resource ID of every circuit in ``inventory``, by name.
    """

    inventory: pd.DataFrame
    allocations: pd.DataFrame
    direct: pd.DataFrame
    findings: pd.DataFrame
    circuit_ids: dict[str, str] = field(default_factory=dict)


@dataclass
class _Circuit:
    file: str
    path: str
    name: str
    resource_id: str
    subscription: str
    resource_group: str
    state: str
    tags: dict[str, str]
    tier: str
    family: str
    bandwidth_mbps: int
    peering_location: str
    port: str
    peering: tuple[str, str, int] | None  # primary /30, secondary /30, VLAN
    sku_name: object = None
    customer_id: str = ""


def _circuits_in(document: object) -> list[tuple[str, object]]:
    if isinstance(document, list):
        return [(f"$[{i}]", c) for i, c in enumerate(document)]
    if isinstance(document, dict) and isinstance(get_key(document, "value"), list) \
            and get_key(document, "name") is None:
        value = cast(list[object], get_key(document, "value"))  # checked to be a list above
        return [(f"$.value[{i}]", c) for i, c in enumerate(value)]
    return [("$", document)]


def _field(circuit: Mapping[str, object], key: str) -> tuple[object, str]:
    """A circuit property from the CLI's flat form or the ARM ``properties`` object."""
    properties = get_key(circuit, "properties")
    if isinstance(properties, dict):
        value = get_key(properties, key)
        if value is not None:
            return value, f"properties.{key}"
    return get_key(circuit, key), key


def _choice(value: object, choices: Sequence[str]) -> str | None:
    if not isinstance(value, str):
        return None
    return {c.lower(): c for c in choices}.get(value.strip().lower())


def _private_peering(circuit: Mapping[str, object], file: str, where: str,
                     issues: list[InputIssue]) -> tuple[str, str, int] | None:
    peerings, key = _field(circuit, "peerings")
    if peerings is None:
        return None
    if not isinstance(peerings, list):
        issues.append(json_problem(file, f"{where}.{key}", "expected a list"))
        return None
    for index, peering in enumerate(peerings):
        at = f"{where}.{key}[{index}]"
        if not isinstance(peering, dict):
            issues.append(json_problem(file, at, "expected an object"))
            continue
        kind, _ = _field(peering, "peeringType")
        if kind is None:
            kind = get_key(peering, "name")
        if not isinstance(kind, str) or kind.lower() != PRIVATE_PEERING.lower():
            continue
        values = {}
        for name in ("primaryPeerAddressPrefix", "secondaryPeerAddressPrefix", "vlanId"):
            value, sub = _field(peering, name)
            values[name] = (value, f"{at}.{sub}")
        primary, secondary = (values["primaryPeerAddressPrefix"][0],
                              values["secondaryPeerAddressPrefix"][0])
        vlan, vlan_at = values["vlanId"]
        bad = False
        for name in ("primaryPeerAddressPrefix", "secondaryPeerAddressPrefix"):
            value, place = values[name]
            try:
                ipaddress.IPv4Network(value)
            except (ValueError, TypeError):
                issues.append(json_problem(file, place, f"{value!r} is not an IPv4 prefix"))
                bad = True
        if not is_number(vlan) or not 1 <= float(vlan) <= 4094 \
                or float(vlan) != int(vlan):
            issues.append(json_problem(file, vlan_at, f"{vlan!r} is not a VLAN ID 1..4094"))
            bad = True
        return None if bad else (str(primary), str(secondary), int(cast(float, vlan)))
    return None


def _read_circuit(circuit: object, file: str, where: str,
                  issues: list[InputIssue]) -> _Circuit | None:
    if not isinstance(circuit, dict):
        issues.append(json_problem(file, where, "expected a circuit object"))
        return None
    start = len(issues)
    name = get_key(circuit, "name")
    if not isinstance(name, str) or not name:
        issues.append(json_problem(file, f"{where}.name", "expected the circuit's name"))
    resource_id = get_key(circuit, "id")
    subscription = group = ""
    if resource_id is not None:
        match = _CIRCUIT_ID.fullmatch(str(resource_id))
        if match is None:
            issues.append(json_problem(file, f"{where}.id", (
                f"{resource_id!r} is not an expressRouteCircuits resource ID")))
        else:
            subscription, group = match.group(1).lower(), match.group(2)
    sku = get_key(circuit, "sku")
    tier = family = None
    if not isinstance(sku, dict):
        issues.append(json_problem(file, f"{where}.sku", "expected an object with tier and "
                                                           "family"))
    else:
        tier = _choice(get_key(sku, "tier"), TIERS)
        family = _choice(get_key(sku, "family"), FAMILIES)
        if tier is None:
            issues.append(json_problem(file, f"{where}.sku.tier", (
                f"{get_key(sku, 'tier')!r} is not one of {', '.join(TIERS)}")))
        if family is None:
            issues.append(json_problem(file, f"{where}.sku.family", (
                f"{get_key(sku, 'family')!r} is not one of {', '.join(FAMILIES)}")))
    port, _ = _field(circuit, "expressRoutePort")
    port_id = str(get_key(port, "id") or "") if isinstance(port, dict) else ""
    provider, provider_key = _field(circuit, "serviceProviderProperties")
    bandwidth, location = None, ""
    if port_id:
        gbps, key = _field(circuit, "bandwidthInGbps")
        if not is_number(gbps) or float(gbps) <= 0:
            issues.append(json_problem(file, f"{where}.{key}", "expected a bandwidth in "
                                                                 "Gb/s > 0"))
        else:
            bandwidth = round(float(gbps) * 1000)
    elif not isinstance(provider, dict):
        issues.append(json_problem(file, f"{where}.{provider_key}", (
            "expected serviceProviderProperties (or expressRoutePort for a Direct circuit)")))
    else:
        mbps = get_key(provider, "bandwidthInMbps")
        if not is_number(mbps) or float(mbps) <= 0 or float(mbps) != int(mbps):
            issues.append(json_problem(file, f"{where}.{provider_key}.bandwidthInMbps",
                                         f"{mbps!r} is not a bandwidth in Mb/s > 0"))
        else:
            bandwidth = int(mbps)
        location = str(get_key(provider, "peeringLocation") or "")
    tags = get_key(circuit, "tags")
    tags = {str(k).lower(): str(v) for k, v in tags.items()} if isinstance(tags, dict) else {}
    peering = _private_peering(circuit, file, where, issues)
    if len(issues) > start:
        return None
    sku_name = get_key(sku, "name") if isinstance(sku, dict) else None
    state, _ = _field(circuit, "provisioningState")
    return _Circuit(file, where, str(name), str(resource_id or ""), subscription, group,
                    str(state or ""), tags,
                    str(tier), str(family), int(cast(int, bandwidth)), location, port_id,
                    peering, sku_name)


def _match_customers(circuits: list[_Circuit], customers: pd.DataFrame, tag: str,
                     found: list[dict[str, str]]) -> None:
    known = set(customers["customer_id"])
    by_subscription: dict[str, list[str]] = {}
    for cid, sub in zip(customers["customer_id"], customers["subscription_id"], strict=True):
        if sub:
            by_subscription.setdefault(str(sub).lower(), []).append(cid)
    for circuit in circuits:
        tagged = circuit.tags.get(tag.lower())
        owners = by_subscription.get(circuit.subscription, [])
        if tagged in known:
            circuit.customer_id = str(tagged)
        elif len(owners) == 1:
            circuit.customer_id = owners[0]
        else:
            why = (f"subscription {circuit.subscription} belongs to several customers "
                   f"({', '.join(owners)}) and tag {tag!r} names none of them" if owners else
                   f"no customer has subscription {circuit.subscription or '(no id)'} and "
                   f"tag {tag!r} is {tagged!r}")
            found.append(_finding(circuit, f"matches no customer: {why}; left out"))


def _finding(circuit: _Circuit, text: str, customer_id: str = "") -> dict[str, str]:
    return {"file": circuit.file, "path": circuit.path, "circuit_name": circuit.name,
            "customer_id": customer_id or circuit.customer_id, "finding": text}


def _site(circuit: _Circuit, customer: pd.Series[Any]) -> str | None:
    where = circuit.peering_location.strip().lower()
    if where == str(customer["peering_location"]).strip().lower():
        return Site.PRIMARY
    secondary = str(customer["secondary_peering_location"] or "")
    if secondary and where == secondary.strip().lower():
        return Site.SECONDARY
    return None


def _block(peering: tuple[str, str, int]) -> ipaddress.IPv4Network | None:
    """The /29 whose first /30 is the primary link and second the secondary, if it is one."""
    primary, secondary = (ipaddress.IPv4Network(p) for p in peering[:2])
    if primary.prefixlen != 30 or secondary.prefixlen != 30:
        return None
    block = primary.supernet(new_prefix=29)
    halves = list(block.subnets(new_prefix=30))
    return block if halves == [primary, secondary] else None


def read_azure_inventory(paths: Sequence[str | Path], customers: pd.DataFrame,
                         tag: str = DEFAULT_TAG,
                         resource_groups: Mapping[str, str] | None = None) -> AzureInventory:
    """Read circuits from Azure JSON files and match them to customers.

    Parameters
    ----------
    paths : sequence of str or Path
        JSON of ``az network express-route list``/``show`` or ARM GETs.
    customers : pandas.DataFrame
        Validated customers.csv (``customer_id``, ``subscription_id``, ``peering_location``,
        ``secondary_peering_location``).
    tag : str
        Tag whose value names the customer_id; it wins over the subscription match.
    resource_groups : mapping of str to str, optional
        The resource group the manifests use for each customer_id; a circuit elsewhere is
        reported, since its Terraform import block would name another resource ID.

    Returns
    -------
    AzureInventory

    Raises
    ------
    InputError
        When a file is not valid JSON or a circuit is malformed, naming the file and the
        JSON path; or when two circuits share a name.
    """
    issues: list[InputIssue] = []
    circuits: list[_Circuit] = []
    for path in paths:
        try:
            document = load_json(path)
        except InputError as error:
            issues += error.issues
            continue
        for where, circuit in _circuits_in(document):
            record = _read_circuit(circuit, str(path), where, issues)
            if record is not None:
                circuits.append(record)
    seen: dict[str, _Circuit] = {}
    for circuit in circuits:
        first = seen.setdefault(circuit.name, circuit)
        if first is not circuit:
            issues.append(json_problem(circuit.file, f"{circuit.path}.name", (
                f"circuit {circuit.name!r} also at {first.file} {first.path}")))
    if issues:
        raise InputError(issues)
    found: list[dict[str, str]] = []
    _match_customers(circuits, customers, tag, found)
    by_id = customers.set_index("customer_id", drop=False)
    rows: list[dict[str, Any]] = []
    direct: list[dict[str, object]] = []
    allocations: list[dict[str, Any]] = []
    ids: dict[str, str] = {}
    for circuit in circuits:
        expected = f"{circuit.tier}_{circuit.family}"
        if circuit.sku_name is not None and str(circuit.sku_name) != expected:
            found.append(_finding(circuit, (
                f"sku.name {circuit.sku_name!r} disagrees with sku.tier and sku.family "
                f"({circuit.tier}, {circuit.family}); tier and family are used")))
        if not circuit.customer_id:
            continue
        if circuit.state.lower() in ("deleting", "failed"):
            found.append(_finding(circuit, f"provisioningState {circuit.state}; left out"))
            continue
        # One row: customer_id is unique in customers.csv.
        customer = cast("pd.Series[Any]", by_id.loc[circuit.customer_id])
        _check_identity(circuit, customer, resource_groups or {}, found)
        if circuit.port:
            direct.append({"customer_id": circuit.customer_id, "circuit_name": circuit.name,
                           "tier": circuit.tier, "family": circuit.family,
                           "bandwidth_mbps": circuit.bandwidth_mbps,
                           "express_route_port": circuit.port})
            found.append(_finding(circuit, (
                f"on ExpressRoute Direct port {circuit.port.rsplit('/', 1)[-1]}: listed in "
                "direct_circuits.csv, not in inventory.csv")))
            continue
        site = _site(circuit, customer)
        if site is None:
            found.append(_finding(circuit, (
                f"peering location {circuit.peering_location!r} is neither the customer's "
                f"primary nor its secondary site; left out")))
            continue
        if circuit.bandwidth_mbps not in PROVIDER_BANDWIDTHS:
            found.append(_finding(circuit, (
                f"legacy size {circuit.bandwidth_mbps} Mb/s (sizes on sale: "
                f"{', '.join(map(str, PROVIDER_BANDWIDTHS))}); kept: it can be raised in place "
                "or retired")))
        rows.append({"customer_id": circuit.customer_id, "circuit_name": circuit.name,
                     "tier": circuit.tier, "family": circuit.family,
                     "bandwidth_mbps": circuit.bandwidth_mbps, "site": site,
                     "_circuit": circuit})
    rows = _one_tier_family(rows, found)
    for row in rows:
        circuit = row.pop("_circuit")
        ids[circuit.name] = circuit.resource_id
        if circuit.peering is None:
            continue
        block = _block(circuit.peering)
        if block is None:
            found.append(_finding(circuit, (
                f"private peering {circuit.peering[0]} / {circuit.peering[1]} is not one /29 "
                "split primary then secondary; the manifests will allocate anew")))
            continue
        location = (by_id.loc[circuit.customer_id, "peering_location"] if row["site"] ==
                    Site.PRIMARY else by_id.loc[circuit.customer_id, "secondary_peering_location"])
        allocations.append({"circuit_name": circuit.name, "customer_id": circuit.customer_id,
                            "peering_location": location, "address_block": str(block),
                            "vlan_id": circuit.peering[2]})
    allocations.sort(key=lambda r: r["circuit_name"])
    return AzureInventory(
        inventory=pd.DataFrame(rows, columns=INVENTORY_COLUMNS),
        allocations=pd.DataFrame(allocations, columns=RECORD_COLUMNS),
        direct=pd.DataFrame(direct, columns=DIRECT_COLUMNS),
        findings=pd.DataFrame(found, columns=FINDING_COLUMNS),
        circuit_ids=ids)


def _check_identity(circuit: _Circuit, customer: pd.Series[Any],
                    resource_groups: Mapping[str, str],
                    found: list[dict[str, str]]) -> None:
    """Report what would make the manifests name another resource ID than Azure's."""
    if not circuit.resource_id:
        found.append(_finding(circuit, "no id: the manifests cannot be checked against it"))
        return
    subscription = str(customer["subscription_id"] or "").lower()
    if subscription and subscription != circuit.subscription:
        found.append(_finding(circuit, (
            f"subscription {circuit.subscription} is not the customer's {subscription} in "
            "customers.csv: the manifests would name another circuit ID")))
    expected = resource_groups.get(circuit.customer_id)
    if expected and expected.lower() != circuit.resource_group.lower():
        found.append(_finding(circuit, (
            f"resource group {circuit.resource_group} is not {expected}, the one the "
            "manifests use: set the customer's resource_group column to it")))


def _one_tier_family(rows: list[dict[str, Any]], found: list[dict[str, str]]
                     ) -> list[dict[str, Any]]:
    """Leave out the circuits of a customer whose circuits mix tiers or families."""
    mix: dict[str, set[tuple[str, str]]] = {}
    for row in rows:
        mix.setdefault(row["customer_id"], set()).add((row["tier"], row["family"]))
    kept = []
    for row in rows:
        kinds = mix[row["customer_id"]]
        if len(kinds) > 1:
            listed = ", ".join(f"{t} {f}" for t, f in sorted(kinds))
            found.append(_finding(row["_circuit"], (
                f"the customer's circuits mix tiers or families ({listed}); a customer's "
                "existing circuits share one tier and one family: left out")))
        else:
            kept.append(row)
    return kept
