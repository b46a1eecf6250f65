"""Manifests of a plan with ExpressRoute Direct pairs (docs/manifests.md, ExpressRoute Direct).

Two kinds of files come from a plan with pairs:

* the CSP's own, once per plan, in ``manifests/_direct/``: every pair as one
  ``Microsoft.Network/expressRoutePorts`` resource (Azure gives it its two links) in the
  CSP's subscription, and one port authorization per customer circuit on it, in steps
  ``<month>-0-ports`` (before the customers' steps of the month) and ``<month>-4-release``
  (after them);
* each customer's, as for every plan, where a Direct circuit is created in the customer's
  subscription on its pair's port with its authorization (:mod:`direct_formats`).

A circuit that moves to another pair (``pair_assignments.csv``) cannot change its port in
place: in the manifests the move is a new circuit on the new pair that replaces the old one
(built before the old one goes, flagged disruptive with the reason).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pandas as pd

from planner.inputs.validate import InputError, InputIssue, Inputs
from planner.provision.allocate import Allocation
from planner.provision.direct_formats import gbps, has_direct, q
from planner.provision.formats import (
    ARM_API_VERSION,
    ARM_SCHEMA,
    AZURERM_VERSION,
    SHARED_FILES_DIRECT,
    TERRAFORM_VERSION,
)
from planner.provision.manifest import MANIFEST_VERSION, dumps, resource_name
from planner.provision.portfolio import (
    FORMATS,
    ProvisioningInputs,
    build_portfolio,
    write_manifests,
)
from planner.provision.settings import ZERO_SUBSCRIPTION, ProvisioningSettings
from planner.tables import CIRCUIT_COLUMNS, frame_rows

#: The folder of ``manifests/`` holding the CSP's ports (not a customer's).
DIRECT_DIR = "_direct"
PORTS_MANIFEST = "ports.json"
PORT_TYPE = "Microsoft.Network/expressRoutePorts"
AUTHORIZATION_TYPE = "Microsoft.Network/expressRoutePorts/authorizations"
STEP_PATTERN = "^[0-9]{4}-[0-9]{2}-(0-ports|4-release)$"


@dataclass(frozen=True)
class PairInfo:
    """One pair: its pool and the months it is held.

    Parameters
    ----------
    name : str
        The pair's name (its port resource's name).
    peering_location, billing : str
        Its pool's location and billing type.
    port_gbps : int
        Port size [Gb/s].
    held : tuple of str
        Months it is held, in order.
    existing : bool
        Held before the portfolio's first month.
    """

    name: str
    peering_location: str
    port_gbps: int
    billing: str
    held: tuple[str, ...]
    existing: bool


def split_moves(circuits: pd.DataFrame, assignments: pd.DataFrame
                ) -> tuple[pd.DataFrame, dict[str, str], dict[str, str], set[str]]:
    """The circuits as the manifests build them: a move to another pair is a new circuit.

    Parameters
    ----------
    circuits : pandas.DataFrame
        circuits.csv (with ``medium``).
    assignments : pandas.DataFrame
        pair_assignments.csv.

    Returns
    -------
    rows : pandas.DataFrame
        circuits.csv columns; a circuit that moves in month M is retired in M and
        replaced from M on by ``<name>-m<k>`` (created on its new pair).
    pair_of : dict[str, Any] of str to str
        The pair of every Direct circuit name of ``rows``.
    moved_from : dict[str, Any] of str to str
        For each replacing circuit, the circuit it replaces.
    unplaced : set of str
        Customers with a Direct circuit that fits on no pair in some month: left out of
        ``rows`` (no manifest can carve it).
    """
    pair_at: dict[tuple[str, str, str], str] = {
        (str(r.customer_id), str(r.circuit_name), str(r.period)): str(r.pair)
        for r in frame_rows(assignments)}
    unplaced = {c for (c, _, _), pair in pair_at.items() if not pair}
    records = cast(list[dict[str, Any]], circuits[CIRCUIT_COLUMNS + ["medium"]].to_dict("records"))
    direct = [r for r in records if r["medium"] == "direct" and r["customer_id"] not in unplaced]
    rows = [{k: r[k] for k in CIRCUIT_COLUMNS} for r in records
            if r["medium"] != "direct" and r["customer_id"] not in unplaced]
    pair_of: dict[str, str] = {}
    moved_from: dict[str, str] = {}
    by_circuit: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in direct:
        by_circuit.setdefault((row["customer_id"], row["circuit_name"]), []).append(row)
    for (customer_id, original), timeline in by_circuit.items():
        name, moves = original, 0
        pair: str | None = None
        last: dict[str, Any] = {}
        for row in sorted(timeline, key=lambda r: str(r["period"])):
            out = {k: row[k] for k in CIRCUIT_COLUMNS}
            if row["action"] != "retire":
                now = pair_at[(customer_id, original, str(row["period"]))]
                if pair is not None and now != pair:
                    rows.append({**last, "period": row["period"], "action": "retire"})
                    moves += 1
                    old, name = name, resource_name(original, f"m{moves}")
                    moved_from[name] = old
                    out["action"] = "create"
                pair = now
                pair_of[name] = pair
            out["circuit_name"] = name
            rows.append(out)
            last = {k: out[k] for k in CIRCUIT_COLUMNS}
    frame = pd.DataFrame(rows, columns=CIRCUIT_COLUMNS)
    return (frame.sort_values(["customer_id", "period", "circuit_name"], ignore_index=True),
            pair_of, moved_from, unplaced)


def port_id(settings: ProvisioningSettings, pair: str) -> str:
    """The resource ID of a pair's port in the CSP's subscription."""
    return (f"/subscriptions/{settings.direct_subscription}/resourceGroups/"
            f"{settings.direct_resource_group}/providers/{PORT_TYPE}/{pair}")


def authorization_name(circuit: str) -> str:
    """The name of the port authorization made for ``circuit``."""
    return resource_name("auth", circuit)


def attach_direct(manifests: Mapping[str, dict[str, Any]], pair_of: Mapping[str, str],
                  moved_from: Mapping[str, str], pairs: Mapping[str, PairInfo],
                  settings: ProvisioningSettings) -> None:
    """Give every Direct circuit of the manifests its ``direct`` object (in place).

    A Direct circuit has no service provider (``service_provider`` is empty), and its
    ``create`` and ``upgrade`` entries of ``rollout.changes`` carry ``bandwidth_gbps``. A
    replacement that is a move says so in its month's change.
    """
    for manifest in manifests.values():
        for circuit in manifest["circuits"]:
            pair = pair_of.get(circuit["name"])
            if pair is None:
                continue
            info = pairs[pair]
            circuit["service_provider"] = ""
            circuit["direct"] = {
                "port": pair, "port_id": port_id(settings, pair), "port_gbps": info.port_gbps,
                "billing": info.billing, "authorization": authorization_name(circuit["name"]),
                "port_subscription_id": settings.direct_subscription,
                "port_resource_group": settings.direct_resource_group}
        for month in manifest["months"]:
            for change in month["changes"]:
                old = moved_from.get(str(change["circuit"]))
                if (old is not None and change["action"] == "replace"
                        and old == change.get("replaces")):
                    change["reason"] = (f"moves from pair {pair_of[old]} to "
                                        f"{pair_of[str(change['circuit'])]}: a circuit's port "
                                        "cannot change in place")
        # ARM's bandwidthInGbps is read from the change (its expressions have no division
        # giving a fraction).
        for change_lists in manifest["rollout"]["changes"].values():
            for entry in [*change_lists.get("create", []), *change_lists.get("upgrade", [])]:
                if entry["circuit"] in pair_of:
                    entry["bandwidth_gbps"] = gbps(int(entry["bandwidth_mbps"]))


def pairs_held(ports: pd.DataFrame, assignments_held: Mapping[tuple[Any, ...], list[str]],
               existing: Mapping[tuple[Any, ...], list[str]]) -> dict[str, PairInfo]:
    """Every pair held in some month, from the assignment's pairs held per pool and month.

    Parameters
    ----------
    ports : pandas.DataFrame
        ports.csv of the plan (pools and months).
    assignments_held : mapping of (location, port_gbps, billing, period) to list of str
        The pairs held, by name.
    existing : mapping of (location, port_gbps, billing) to list of str
        The pairs held before the first month.
    """
    months: dict[str, list[str]] = {}
    pool_of: dict[str, tuple[Any, ...]] = {}
    for row in frame_rows(ports):
        pool = (str(row.peering_location), int(row.port_gbps), str(row.billing))
        for pair in assignments_held.get((*pool, str(row.period)), []):
            months.setdefault(pair, []).append(str(row.period))
            pool_of[pair] = pool
    for pool, names in existing.items():
        for pair in names:
            months.setdefault(pair, [])
            pool_of[pair] = pool
    return {pair: PairInfo(pair, pool_of[pair][0], pool_of[pair][1], pool_of[pair][2],
                           tuple(sorted(held)),
                           pair in existing.get(pool_of[pair], []))
            for pair, held in sorted(months.items())}


def ports_manifest(pairs: Mapping[str, PairInfo], circuits: pd.DataFrame,
                   customers: pd.DataFrame, pair_of: Mapping[str, str],
                   periods: list[str], settings: ProvisioningSettings) -> dict[str, Any]:
    """The CSP's neutral manifest of its ports and authorizations, with its steps.

    Parameters
    ----------
    pairs : mapping of str to PairInfo
        Every pair held in some month.
    circuits : pandas.DataFrame
        The circuits as the manifests build them (:func:`split_moves`).
    customers : pandas.DataFrame
        The customers table (for subscriptions).
    pair_of : mapping of str to str
        Pair of each Direct circuit.
    periods : list of str
        The portfolio's months.
    settings : ProvisioningSettings
        The CSP's subscription, resource group and encapsulation, and regions.

    Returns
    -------
    dict
        JSON-ready: ``subscription_id``, ``resource_group``, ``ports`` (by name),
        ``authorizations`` (by name) and ``steps`` (each with the ports and authorizations
        that exist after it, and what it adds and removes).
    """
    subscriptions = dict(zip(customers["customer_id"],
                             customers.get("subscription_id", pd.Series([""] * len(customers))),
                             strict=True))
    authorizations: dict[str, dict[str, Any]] = {}
    for row in frame_rows(circuits[circuits["circuit_name"].isin(list(pair_of))]):
        name = authorization_name(row.circuit_name)
        entry = authorizations.setdefault(name, {
            "port": pair_of[row.circuit_name], "customer": row.customer_id,
            "circuit": row.circuit_name,
            "subscription_id": str(subscriptions.get(row.customer_id) or "") or ZERO_SUBSCRIPTION,
            "from": row.period, "until": None})
        if row.action == "retire":
            entry["until"] = row.period
    ports = {name: {"peering_location": info.peering_location,
                    "region": settings.region_of(info.peering_location) or "",
                    "bandwidth_gbps": info.port_gbps, "billing_type": info.billing,
                    "encapsulation": settings.direct_encapsulation, "existing": info.existing,
                    "held": list(info.held)}
             for name, info in pairs.items()}
    steps = []
    now_ports = {n for n, p in pairs.items() if p.existing}
    now_auths: set[str] = set()
    for period in periods:
        held = {n for n, p in pairs.items() if period in p.held}
        live = {n for n, a in authorizations.items()
                if a["from"] <= period and (a["until"] is None or period < str(a["until"]))}
        new_ports, new_auths = sorted(held - now_ports), sorted(live - now_auths)
        if new_ports or new_auths:
            now_ports |= held
            now_auths |= live
            steps.append(_step(period, "0-ports", now_ports, now_auths, new_ports, new_auths,
                               [], []))
        gone_ports, gone_auths = sorted(now_ports - held), sorted(now_auths - live)
        if gone_ports or gone_auths:
            now_ports, now_auths = set(held), set(live)
            steps.append(_step(period, "4-release", now_ports, now_auths, [], [], gone_ports,
                               gone_auths))
    return {"manifest_version": MANIFEST_VERSION, "kind": "expressroute-direct-ports",
            "subscription_id": settings.direct_subscription,
            "subscription_known": settings.direct_subscription != ZERO_SUBSCRIPTION,
            "resource_group": settings.direct_resource_group,
            "location": next((p["region"] for p in ports.values()), ""),
            "ports": ports, "authorizations": dict(sorted(authorizations.items())),
            "steps": steps}


def _step(period: str, stage: str, ports: set[str], authorizations: set[str],
          new_ports: list[str], new_authorizations: list[str], removed_ports: list[str],
          removed_authorizations: list[str]) -> dict[str, Any]:
    return {"label": f"{period}-{stage}", "period": period, "ports": sorted(ports),
            "authorizations": sorted(authorizations), "new_ports": new_ports,
            "new_authorizations": new_authorizations, "removed_ports": removed_ports,
            "removed_authorizations": removed_authorizations}


def _tags() -> dict[str, str]:
    return {"managed-by": "planner", "role": "expressroute-direct"}


def terraform_files(manifest: Mapping[str, Any]) -> dict[str, str]:
    """``terraform/main.tf.json`` and ``terraform/plan.json`` of the CSP's ports.

    ``terraform apply -var step=<label>`` brings the ports and authorizations to the state
    after that step; the output ``authorization_keys`` (sensitive) maps each customer
    circuit to its key.
    """
    config = {
        "terraform": {"required_version": TERRAFORM_VERSION,
                      "required_providers": {"azurerm": {"source": "hashicorp/azurerm",
                                                         "version": AZURERM_VERSION}}},
        "variable": {"step": {
            "type": "string",
            "description": "The step to apply, e.g. 2027-01-0-ports (see plan.json order)",
            "validation": [{"condition": f'${{can(regex("{STEP_PATTERN}", var.step))}}',
                            "error_message": ("step must look like 2027-01-0-ports; the "
                                              "steps are listed in order under \"order\" "
                                              "in plan.json.")}]}},
        "locals": {
            "plan": '${jsondecode(file("${path.module}/plan.json"))}',
            "step": "${local.plan.steps[var.step]}",
            "ports": "${ {for name in local.step.ports : name => local.plan.ports[name]} }",
            "authorizations": ("${ {for name in local.step.authorizations :"
                               " name => local.plan.authorizations[name]} }"),
            "port_imports": ("${ {for name, id in local.plan.imports :"
                             " name => id if contains(local.step.ports, name)} }"),
        },
        "provider": {"azurerm": {"features": {},
                                 "subscription_id": "${local.plan.subscription_id}"}},
        "resource": {
            "azurerm_resource_group": {"csp": {
                "name": "${local.plan.resource_group}", "location": "${local.plan.location}",
                "tags": "${local.plan.tags}",
                "lifecycle": {"ignore_changes": ["location", "tags"]}}},
            "azurerm_express_route_port": {"pair": {
                "for_each": "${local.ports}",
                "name": "${each.key}",
                "resource_group_name": "${azurerm_resource_group.csp.name}",
                "location": "${each.value.region}",
                "peering_location": "${each.value.peering_location}",
                "bandwidth_in_gbps": "${each.value.bandwidth_gbps}",
                "encapsulation": "${each.value.encapsulation}",
                "billing_type": "${each.value.billing_type}",
                "tags": "${local.plan.tags}"}},
            "azurerm_express_route_port_authorization": {"circuit": {
                "for_each": "${local.authorizations}",
                "name": "${each.key}",
                "express_route_port_name": (
                    "${azurerm_express_route_port.pair[each.value.port].name}"),
                "resource_group_name": "${azurerm_resource_group.csp.name}"}},
        },
        "import": [{"for_each": "${local.port_imports}",
                    "to": "azurerm_express_route_port.pair[each.key]", "id": "${each.value}"}],
        "output": {"authorization_keys": {
            "sensitive": True,
            "description": "Authorization key of each customer circuit on the ports, by circuit",
            "value": ("${ {for name, authorization in local.authorizations : "
                      "authorization.circuit => "
                      "azurerm_express_route_port_authorization.circuit[name]"
                      ".authorization_key} }")}},
    }
    ids = {name: (f"/subscriptions/{manifest['subscription_id']}/resourceGroups/"
                  f"{manifest['resource_group']}/providers/{PORT_TYPE}/{name}")
           for name, port in manifest["ports"].items() if port["existing"]}
    plan = {
        "subscription_id": manifest["subscription_id"],
        "resource_group": manifest["resource_group"], "location": manifest["location"],
        "tags": _tags(), "imports": ids,
        "ports": {name: {k: port[k] for k in ("peering_location", "region", "bandwidth_gbps",
                                               "billing_type", "encapsulation")}
                  for name, port in manifest["ports"].items()},
        "authorizations": {name: {"port": a["port"], "circuit": a["circuit"]}
                           for name, a in manifest["authorizations"].items()},
        "order": [s["label"] for s in manifest["steps"]],
        "steps": {s["label"]: {"ports": s["ports"], "authorizations": s["authorizations"]}
                  for s in manifest["steps"]}}
    return {"terraform/main.tf.json": dumps(config), "terraform/plan.json": dumps(plan)}


def arm_port(manifest: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The ARM resource of one pair's port (loads into the SDK's ExpressRoutePort)."""
    port = manifest["ports"][name]
    return {"type": PORT_TYPE, "apiVersion": ARM_API_VERSION, "name": name,
            "location": port["region"], "tags": _tags(),
            "properties": {"peeringLocation": port["peering_location"],
                           "bandwidthInGbps": port["bandwidth_gbps"],
                           "encapsulation": port["encapsulation"],
                           "billingType": port["billing_type"]}}


def arm_files(manifest: Mapping[str, Any]) -> dict[str, str]:
    """One template per ``-0-ports`` step: its new ports and authorizations (incremental)."""
    files = {}
    for step in manifest["steps"]:
        if not step["label"].endswith("-0-ports"):
            continue
        resources: list[dict[str, Any]] = [arm_port(manifest, n) for n in step["new_ports"]]
        for name in step["new_authorizations"]:
            port = manifest["authorizations"][name]["port"]
            resource: dict[str, Any] = {"type": AUTHORIZATION_TYPE,
                                           "apiVersion": ARM_API_VERSION,
                                           "name": f"{port}/{name}", "properties": {}}
            if port in step["new_ports"]:
                resource["dependsOn"] = [f"[resourceId('{PORT_TYPE}', '{port}')]"]
            resources.append(resource)
        files[f"arm/{step['label']}.json"] = dumps({
            "$schema": ARM_SCHEMA, "contentVersion": "1.0.0.0", "parameters": {},
            "resources": resources})
    return files


def azcli_files(manifest: Mapping[str, Any]) -> dict[str, str]:
    """``provision.sh``: ``./provision.sh STEP`` runs a step; ``enable-links PORT`` too."""
    where = "--resource-group \"$RG\" --subscription \"$SUB\""
    lines = ["#!/usr/bin/env bash",
             "# The CSP's ExpressRoute Direct ports and their authorizations, written by planner.",
             "# Run each <month>-0-ports step before the customers' steps of that month and each",
             "# <month>-4-release step after them: ./provision.sh STEP",
             "# Once a port's cross-connects are in place: ./provision.sh enable-links PORT",
             "set -euo pipefail", "", f"SUB={q(manifest['subscription_id'])}",
             f"RG={q(manifest['resource_group'])}", "", "case \"${1:-}\" in"]
    for index, step in enumerate(manifest["steps"]):
        commands = []
        if index == 0:
            commands.append(f"az group create --name \"$RG\" --subscription \"$SUB\" "
                            f"--location {q(manifest['location'])} --output none")
        for name in step["new_ports"]:
            port = manifest["ports"][name]
            commands.append(
                f"az network express-route port create --name {q(name)} {where} "
                f"--location {q(port['region'])} "
                f"--peering-location {q(port['peering_location'])} "
                f"--bandwidth {port['bandwidth_gbps']} Gbps "
                f"--encapsulation {port['encapsulation']} "
                f"--billing-type {port['billing_type']} "
                "--tags managed-by=planner role=expressroute-direct --output none")
        for name in step["new_authorizations"]:
            commands.append(
                f"az network express-route port authorization create --name {q(name)} "
                f"--port-name {q(manifest['authorizations'][name]['port'])} {where} "
                "--output none")
        for name in step["removed_authorizations"]:
            commands.append(
                f"az network express-route port authorization delete --name {q(name)} "
                f"--port-name {q(manifest['authorizations'][name]['port'])} {where} --yes")
        for name in step["removed_ports"]:
            commands.append(f"az network express-route port delete --name {q(name)} {where}")
        lines.append(f"  {step['label']})")
        lines += [f"    {command}" for command in commands]
        lines.append("    ;;")
    lines += ["  enable-links)",
              "    for link in link1 link2; do",
              f"      az network express-route port link update --port-name \"$2\" {where} "
              "--name \"$link\" --admin-state Enabled --output none",
              "    done",
              "    ;;",
              "  *)",
              "    echo \"usage: $0 STEP | enable-links PORT; steps in order: "
              + " ".join(s["label"] for s in manifest["steps"]) + "\" >&2",
              "    exit 2", "    ;;", "esac", ""]
    return {"provision.sh": "\n".join(lines)}


DIRECT_RENDERERS = {"terraform": terraform_files, "arm": arm_files, "azcli": azcli_files}


def render_ports(manifest: Mapping[str, Any], formats: tuple[str, ...]) -> dict[str, str]:
    """The files of ``manifests/_direct/`` in the chosen formats."""
    files = {PORTS_MANIFEST: dumps(manifest)} if "json" in formats else {}
    for name in formats:
        if name in DIRECT_RENDERERS:
            files.update(DIRECT_RENDERERS[name](manifest))
    return files


def write_ports(folder: Path, manifest: Mapping[str, Any], formats: tuple[str, ...]) -> None:
    """Write ``<folder>/_direct/``."""
    for name, text in render_ports(manifest, formats).items():
        path = folder / DIRECT_DIR / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        if name.endswith(".sh"):
            path.chmod(0o755)


@dataclass
class DirectManifests:
    """Everything the manifests of a plan with pairs write.

    Parameters
    ----------
    manifests : dict[str, Any] of str to dict
        The customers' neutral manifests, by customer_id.
    allocations : dict[str, Any] of str to Allocation
        Peering allocations by circuit name.
    ports : dict
        The CSP's manifest of ports and authorizations (:func:`ports_manifest`).
    left_out : list of str
        Optimal customers without manifests: a Direct circuit of theirs fits on no pair.
    """

    manifests: dict[str, dict[str, Any]]
    allocations: dict[str, Allocation]
    ports: dict[str, Any]
    left_out: list[str]


def build_direct_portfolio(inputs: Inputs, circuits: pd.DataFrame, customer_ids: list[str],
                           provisioning: ProvisioningInputs, assignments: pd.DataFrame,
                           ports: pd.DataFrame, held: Mapping[tuple[Any, ...], list[str]],
                           existing: Mapping[tuple[Any, ...], list[str]], jobs: int = 1
                           ) -> DirectManifests:
    """The customers' manifests and the CSP's ports manifest of a plan with pairs.

    Parameters
    ----------
    inputs : Inputs
        The plan's inputs.
    circuits : pandas.DataFrame
        circuits.csv with ``medium``.
    customer_ids : list of str
        The optimal customers.
    provisioning : ProvisioningInputs
        Settings (with the CSP's Direct subscription and group), options, record.
    assignments : pandas.DataFrame
        pair_assignments.csv.
    ports : pandas.DataFrame
        ports.csv of the plan.
    held, existing : mapping
        Pairs held per pool and month and before the first month
        (:class:`planner.direct.assign.PairPlan`).
    jobs : int
        Processes building manifests.

    Returns
    -------
    DirectManifests

    Raises
    ------
    InputError
        When a region is unknown, addresses run out, or a customer is called ``_direct``.
    """
    if DIRECT_DIR in set(inputs.customers["customer_id"]):
        raise InputError([InputIssue(inputs.files.get("customers", "customers.csv"), 0,
                                  "customer_id", f"{DIRECT_DIR!r} names the folder of the "
                                  "CSP's Direct ports in manifests/: rename that customer")])
    rows, pair_of, moved_from, unplaced = split_moves(circuits, assignments)
    wanted = [c for c in customer_ids if c not in unplaced]
    manifests, allocations = build_portfolio(inputs, rows, wanted, provisioning, jobs=jobs)
    settings = provisioning.settings
    pairs = pairs_held(ports, held, existing)
    attach_direct(manifests, pair_of, moved_from, pairs, settings)
    periods = sorted({str(p) for p in ports["period"]})
    customer_of = dict(zip(rows["circuit_name"], rows["customer_id"], strict=True))
    kept = {name: pair for name, pair in pair_of.items() if customer_of[name] in manifests}
    csp = ports_manifest(pairs, rows, inputs.customers, kept, periods, settings)
    return DirectManifests(manifests, allocations, csp,
                           sorted(c for c in customer_ids if c in unplaced))


def write_direct_manifests(folder: Path, built: DirectManifests,
                           formats: tuple[str, ...] = FORMATS, jobs: int = 1) -> None:
    """Write the customers' folders, the shared files, ``allocations.csv`` and ``_direct/``.

    With a Direct circuit in any manifest the shared Terraform configuration, ARM template
    and shell library are the variants that make circuits on ports too
    (:data:`planner.provision.formats.SHARED_FILES_DIRECT`).
    """
    write_manifests(folder, built.manifests, built.allocations, formats, jobs=jobs)
    if any(has_direct(m) for m in built.manifests.values()):
        for name in formats:
            for file_name, text in SHARED_FILES_DIRECT.get(name, {}).items():
                (folder / file_name).write_bytes(text.encode("utf-8"))
    write_ports(folder, built.ports, formats)
