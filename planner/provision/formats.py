"""Render a neutral manifest for provisioning tools: Terraform JSON, ARM and the az CLI.

Every renderer reads only the manifest, so all formats describe the same circuits,
peerings and vNet connections. Each returns file names (relative to the customer's
folder) mapped to their text.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping

import orjson

from planner.provision import direct_formats as direct
from planner.provision.manifest import dumps, rollout_steps

ARM_API_VERSION = "2024-05-01"
ARM_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
ARM_PARAMETERS_SCHEMA = ("https://schema.management.azure.com/schemas/2019-04-01/"
                         "deploymentParameters.json#")
PEERING = "AzurePrivatePeering"


def _json(data: object) -> str:
    return dumps(data)


def _data_json(data: object) -> str:
    """Files only tools read (Terraform's plan data, ARM templates): one line, sorted keys.

    They are a large share of a portfolio's manifests; indenting them would add a third.
    """
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE).decode()


def _label(name: str) -> str:
    label = re.sub(r"[^A-Za-z0-9_-]", "_", name)
    return label if re.match(r"[A-Za-z_]", label) else f"_{label}"


def _circuit_id(manifest: Mapping, name: str) -> str:
    customer = manifest["customer"]
    return (f"/subscriptions/{customer['subscription_id']}/resourceGroups/"
            f"{customer['resource_group']}/providers/Microsoft.Network/expressRouteCircuits/"
            f"{name}")


def _tags(manifest: Mapping) -> dict[str, str]:
    return {"customer": manifest["customer"]["id"], "managed-by": "planner"}


#: azurerm 4.0 to 4.3 required ``shared_key`` on every gateway connection (ExpressRoute
#: connections have none); 5.x may change the schema. ``for_each`` in ``import`` blocks
#: needs Terraform 1.7.
AZURERM_VERSION = ">= 4.4, < 5.0"
TERRAFORM_VERSION = ">= 1.7, < 2.0"
STEP_PATTERN = "^[0-9]{4}-[0-9]{2}-[1-3]-(circuits|build|retire)$"
_CIRCUIT = "azurerm_express_route_circuit.circuit"
_PEERING = "azurerm_express_route_circuit_peering.private"
_RESOURCE_GROUP = "azurerm_resource_group.customer"

#: The configuration every customer's ``terraform/`` folder holds: all it describes
#: comes from ``plan.json`` beside it, the step from ``-var step=...``.
TERRAFORM_CONFIG: dict[str, object] = {
    "terraform": {
        "required_version": TERRAFORM_VERSION,
        "required_providers": {"azurerm": {"source": "hashicorp/azurerm",
                                           "version": AZURERM_VERSION}}},
    "variable": {"step": {
        "type": "string",
        "description": "The rollout step to apply, e.g. 2027-01-2-build (see plan.json order)",
        "validation": [{"condition": f'${{can(regex("{STEP_PATTERN}", var.step))}}',
                        "error_message": "step must look like 2027-01-2-build; the steps are "
                                         "listed in order under \"order\" in plan.json."}]}},
    "locals": {
        "plan": '${jsondecode(file("${path.module}/plan.json"))}',
        "step": "${local.plan.steps[var.step]}",
        "circuits": ("${ {for name, sku in local.step.circuits :"
                     " name => merge(local.plan.circuits[name], sku)} }"),
        "peerings": "${ {for name in local.step.peerings : name => local.plan.circuits[name]} }",
        "connections": ("${ {for name in local.step.connections :"
                        " name => local.plan.connections[name]} }"),
        "circuit_imports": ("${ {for name, ids in local.plan.imports :"
                            " name => ids.circuit if contains(keys(local.step.circuits), name)} }"),
        "peering_imports": ("${ {for name, ids in local.plan.imports :"
                            " name => ids.peering if contains(local.step.peerings, name)} }"),
    },
    "provider": {"azurerm": {"features": {}, "subscription_id": "${local.plan.subscription_id}"}},
    "resource": {
        "azurerm_resource_group": {"customer": {
            "name": "${local.plan.resource_group}", "location": "${local.plan.location}",
            "tags": "${local.plan.tags}",
            # An existing group is imported, not replaced, whatever its region and tags.
            "lifecycle": {"ignore_changes": ["location", "tags"]}}},
        "azurerm_express_route_circuit": {"circuit": {
            "for_each": "${local.circuits}",
            "name": "${each.key}",
            "resource_group_name": f"${{{_RESOURCE_GROUP}.name}}",
            "location": "${each.value.region}",
            "service_provider_name": "${each.value.service_provider}",
            "peering_location": "${each.value.peering_location}",
            "bandwidth_in_mbps": "${each.value.bandwidth_mbps}",
            "sku": {"tier": "${each.value.tier}", "family": "${each.value.family}"},
            "allow_classic_operations": False,
            "tags": "${local.plan.tags}"}},
        "azurerm_express_route_circuit_peering": {"private": {
            "for_each": "${local.peerings}",
            "peering_type": PEERING,
            "express_route_circuit_name": f"${{{_CIRCUIT}[each.key].name}}",
            "resource_group_name": f"${{{_RESOURCE_GROUP}.name}}",
            "peer_asn": "${each.value.peer_asn}",
            "primary_peer_address_prefix": "${each.value.primary_peer_address_prefix}",
            "secondary_peer_address_prefix": "${each.value.secondary_peer_address_prefix}",
            "vlan_id": "${each.value.vlan_id}",
            "ipv4_enabled": True,
            # The MD5 key is set by `provision.sh md5 STEP` so that it never enters state.
            "lifecycle": {"ignore_changes": ["shared_key"]}}},
        "azurerm_virtual_network_gateway_connection": {"vnet": {
            "for_each": "${local.connections}",
            "name": "${each.key}",
            "resource_group_name": f"${{{_RESOURCE_GROUP}.name}}",
            "location": "${each.value.region}",
            "type": "ExpressRoute",
            "virtual_network_gateway_id": "${each.value.gateway_id}",
            "express_route_circuit_id": f"${{{_CIRCUIT}[each.value.circuit].id}}",
            "depends_on": [_PEERING],
            "tags": "${local.plan.tags}"}},
    },
    "import": [
        {"for_each": "${local.circuit_imports}", "to": f"{_CIRCUIT}[each.key]",
         "id": "${each.value}"},
        {"for_each": "${local.peering_imports}", "to": f"{_PEERING}[each.key]",
         "id": "${each.value}"},
    ],
}
_TERRAFORM_TEXT = _json(TERRAFORM_CONFIG)
_TERRAFORM_IMPORTING_GROUP = _json({**TERRAFORM_CONFIG, "import": [
    *TERRAFORM_CONFIG["import"],
    {"to": _RESOURCE_GROUP, "id": "${local.plan.resource_group_id}"}]})


def _resource_group_id(manifest: Mapping) -> str:
    customer = manifest["customer"]
    return (f"/subscriptions/{customer['subscription_id']}/resourceGroups/"
            f"{customer['resource_group']}")


def _location(manifest: Mapping) -> str:
    """Where the customer's resource group is made: the first circuit's region."""
    return next((c["region"] for c in manifest["circuits"]), "")


def terraform_plan(manifest: Mapping) -> dict[str, object]:
    """The data ``terraform/main.tf.json`` reads: what exists at each step of the rollout."""
    customer = manifest["customer"]
    steps = rollout_steps(manifest)
    gateways = manifest["vnets"]
    connections = {c["name"]: {"circuit": c["circuit"], **gateways[c["vnet"]]}
                   for month in manifest["months"] for c in month["connections"]}
    circuits = {}
    for circuit in manifest["circuits"]:
        peering = circuit["private_peering"]
        circuits[circuit["name"]] = {
            "region": circuit["region"], "service_provider": circuit["service_provider"],
            "peering_location": circuit["peering_location"],
            **{key: peering[key] for key in ("peer_asn", "primary_peer_address_prefix",
                                             "secondary_peer_address_prefix", "vlan_id")}}
    imports = {c["name"]: {"circuit": _circuit_id(manifest, c["name"]),
                           "peering": f"{_circuit_id(manifest, c['name'])}/peerings/{PEERING}"}
               for c in manifest["circuits"] if c["existing"]}
    return {
        "customer": customer["id"], "subscription_id": customer["subscription_id"],
        "resource_group": customer["resource_group"],
        "resource_group_id": _resource_group_id(manifest), "location": _location(manifest),
        "tags": _tags(manifest), "circuits": circuits, "connections": dict(sorted(
            connections.items())), "imports": imports,
        "order": [step["label"] for step in steps],
        "steps": {step["label"]: {"circuits": step["circuits"], "peerings": step["peerings"],
                                  "connections": [c["name"] for c in step["connections"]]}
                  for step in steps}}


def terraform(manifest: Mapping) -> dict[str, str]:
    """One Terraform configuration per customer: ``terraform/main.tf.json`` and its data.

    ``main.tf.json`` is the same for every customer (only customers with inventory add an
    ``import`` of their existing resource group); ``plan.json`` holds the circuits,
    peerings and connections of each step. ``terraform apply -var step=<label>`` brings
    the customer to the state after that step; apply the steps in the order listed in
    ``plan.json``.
    """
    existing = any(c["existing"] for c in manifest["circuits"])
    if direct.has_direct(manifest):
        config, plan = direct.terraform_direct(
            json.loads(_TERRAFORM_IMPORTING_GROUP if existing else _TERRAFORM_TEXT),
            terraform_plan(manifest), manifest)
        return {"terraform/main.tf.json": _json(config),
                "terraform/plan.json": _data_json(plan)}
    return {"terraform/main.tf.json": _TERRAFORM_IMPORTING_GROUP if existing else _TERRAFORM_TEXT,
            "terraform/plan.json": _data_json(terraform_plan(manifest))}


def arm_circuit(circuit: Mapping, sku: Mapping) -> dict[str, object]:
    """The ARM resource of one circuit (its body loads into the SDK's ExpressRouteCircuit)."""
    if circuit.get("direct"):
        return direct.arm_direct_circuit(circuit, sku, ARM_API_VERSION)
    return {
        "type": "Microsoft.Network/expressRouteCircuits", "apiVersion": ARM_API_VERSION,
        "name": circuit["name"], "location": circuit["region"],
        "sku": {"name": f"{sku['tier']}_{sku['family']}", "tier": sku["tier"],
                "family": sku["family"]},
        "properties": {
            "allowClassicOperations": False,
            "serviceProviderProperties": {"serviceProviderName": circuit["service_provider"],
                                          "peeringLocation": circuit["peering_location"],
                                          "bandwidthInMbps": sku["bandwidth_mbps"]}}}


def _key_parameter(name: str) -> str:
    return f"sharedKey_{_label(name).replace('-', '_')}"


def _arm_peering(circuit: Mapping, secret: bool, with_circuit: bool) -> dict[str, object]:
    name, peering = circuit["name"], circuit["private_peering"]
    properties: dict[str, object] = {
        "peeringType": PEERING, "peerASN": peering["peer_asn"],
        "primaryPeerAddressPrefix": peering["primary_peer_address_prefix"],
        "secondaryPeerAddressPrefix": peering["secondary_peer_address_prefix"],
        "vlanId": peering["vlan_id"]}
    if secret:
        properties["sharedKey"] = f"[parameters('{_key_parameter(name)}')]"
    resource: dict[str, object] = {
        "type": "Microsoft.Network/expressRouteCircuits/peerings",
        "apiVersion": ARM_API_VERSION, "name": f"{name}/{PEERING}", "properties": properties}
    if with_circuit:
        resource["dependsOn"] = [
            f"[resourceId('Microsoft.Network/expressRouteCircuits', '{name}')]"]
    return resource


def arm(manifest: Mapping) -> dict[str, str]:
    """One ARM template per ``circuits`` and ``build`` step, ``arm/<step>.json``.

    Each template holds what its step creates or changes: the new circuits (``circuits``
    steps); the new circuits' private peerings, the circuits upgraded in place with their
    peering, and the new vNet connections (``build`` steps). Deploy them in incremental
    mode, which leaves everything else as it is; the retire steps of the az CLI script
    remove what goes away. With MD5, every template takes each circuit's key as a secure
    parameter, and ``arm/parameters.json`` refers to the secrets in the CSP's Key Vault, so
    no key is written anywhere.
    """
    circuits = {c["name"]: c for c in manifest["circuits"]}
    secrets = {name: c["private_peering"]["shared_key_secret"] for name, c in circuits.items()
               if c["private_peering"]["shared_key_secret"]}
    parameters = {_key_parameter(name): {"type": "securestring", "metadata": {
        "description": f"MD5 key: Key Vault {secret['key_vault']}, secret {secret['secret']}"}}
        for name, secret in sorted(secrets.items())}
    if direct.has_direct(manifest):
        parameters.update(direct.arm_keys_parameter())
    files = {}
    before: Mapping | None = None
    for step in rollout_steps(manifest):
        if step["stage"] == "retire":
            before = step
            continue
        resources: list[dict[str, object]] = []
        if step["stage"] == "circuits":
            for name in step["new"]:
                resources.append({**arm_circuit(circuits[name], step["circuits"][name]),
                                  "tags": _tags(manifest)})
        else:
            for name in step["upgraded"]:
                resources.append({**arm_circuit(circuits[name], step["circuits"][name]),
                                  "tags": _tags(manifest)})
            peered = sorted({*step["new"], *step["upgraded"]})
            for name in peered:
                resources.append(_arm_peering(circuits[name], name in secrets,
                                              name in step["upgraded"]))
            old = {c["name"] for c in before["connections"]} if before else set()
            for connection in step["connections"]:
                if connection["name"] in old:
                    continue
                circuit = connection["circuit"]
                resource: dict[str, object] = {
                    "type": "Microsoft.Network/connections", "apiVersion": ARM_API_VERSION,
                    "name": connection["name"], "location": connection["region"],
                    "tags": _tags(manifest),
                    "properties": {
                        "connectionType": "ExpressRoute", "routingWeight": 0,
                        "virtualNetworkGateway1": {"id": connection["gateway_id"]},
                        "peer": {"id": ("[resourceId('Microsoft.Network/expressRouteCircuits',"
                                        f" '{circuit}')]")}}}
                if circuit in peered:
                    resource["dependsOn"] = [(
                        "[resourceId('Microsoft.Network/expressRouteCircuits/peerings', "
                        f"'{circuit}', '{PEERING}')]")]
                resources.append(resource)
        files[f"arm/{step['label']}.json"] = _data_json({
            "$schema": ARM_SCHEMA, "contentVersion": "1.0.0.0", "parameters": parameters,
            "resources": resources})
        before = step
    if secrets:
        files["arm/parameters.json"] = _json({
            "$schema": ARM_PARAMETERS_SCHEMA, "contentVersion": "1.0.0.0",
            "parameters": {_key_parameter(name): {"reference": {
                "keyVault": {"id": secret["key_vault_id"]}, "secretName": secret["secret"]}}
                for name, secret in sorted(secrets.items())}})
    return files


_WAIT = """\
show_service_key() {
  # Quote the service key to the connectivity provider, which then provisions the circuit.
  echo "service key of $1: $(az network express-route show -g "$RG" -n "$1" \\
    --subscription "$SUB" --query serviceKey -o tsv)"
}

wait_for_provider() {
  # The provider must provision the circuit (quote the service key to it) before peering.
  local circuit="$1"
  echo "service key of ${circuit}: $(az network express-route show -g "$RG" -n "$circuit" \\
    --subscription "$SUB" --query serviceKey -o tsv)"
  until [ "$(az network express-route show -g "$RG" -n "$circuit" --subscription "$SUB" \\
      --query serviceProviderProvisioningState -o tsv)" = "Provisioned" ]; do
    echo "waiting for the provider to provision ${circuit}..."
    sleep 60
  done
}
"""


def _q(value: object) -> str:
    return shlex.quote(str(value))


def _key_command(secret: Mapping) -> str:
    """Reads an MD5 key from the CSP's Key Vault straight into an argument."""
    subscription = secret["key_vault_id"].split("/")[2]
    return ("\"$(az keyvault secret show --subscription "
            f"{_q(subscription)} --vault-name {_q(secret['key_vault'])} "
            f"--name {_q(secret['secret'])} --query value -o tsv)\"")


def _step_commands(manifest: Mapping, step: Mapping, before: Mapping | None) -> list[str]:
    """The az commands that take the customer from ``before`` to ``step``."""
    customer = manifest["customer"]
    circuits = {c["name"]: c for c in manifest["circuits"]}
    where = "--resource-group \"$RG\" --subscription \"$SUB\""
    commands = []
    if before is None:
        commands.append(f"az group create --name \"$RG\" --subscription \"$SUB\" "
                        f"--location {_q(_location(manifest))} --output none")
    old_connections = {c["name"] for c in before["connections"]} if before else set()
    if step["stage"] == "circuits":
        for name in step["new"]:
            circuit, sku = circuits[name], step["circuits"][name]
            if circuit.get("direct"):
                commands.append(direct.azcli_create(circuit, sku, customer))
                continue
            commands.append(
                f"az network express-route create --name {_q(name)} {where} "
                f"--location {_q(circuit['region'])} "
                f"--provider {_q(circuit['service_provider'])} "
                f"--peering-location {_q(circuit['peering_location'])} "
                f"--bandwidth {sku['bandwidth_mbps']} --sku-tier {sku['tier']} "
                f"--sku-family {sku['family']} --tags customer={_q(customer['id'])} "
                "managed-by=planner")
            commands.append(f"show_service_key {_q(name)}")
    elif step["stage"] == "build":
        for name in step["new"]:
            peering = circuits[name]["private_peering"]
            secret = peering["shared_key_secret"]
            key = f" --shared-key {_key_command(secret)}" if secret else ""
            if not circuits[name].get("direct"):  # no provider to wait for on a port
                commands.append(f"wait_for_provider {_q(name)}")
            commands.append(
                f"az network express-route peering create --circuit-name {_q(name)} {where} "
                f"--peering-type {PEERING} --peer-asn {peering['peer_asn']} "
                f"--primary-peer-subnet {peering['primary_peer_address_prefix']} "
                f"--secondary-peer-subnet {peering['secondary_peer_address_prefix']} "
                f"--vlan-id {peering['vlan_id']}{key}")
        for name in step["upgraded"]:
            sku = step["circuits"][name]
            if circuits[name].get("direct"):
                commands.append(direct.azcli_update(name, sku, where))
                continue
            commands.append(
                f"az network express-route update --name {_q(name)} {where} "
                f"--bandwidth {sku['bandwidth_mbps']} --sku-tier {sku['tier']} "
                f"--sku-family {sku['family']}")
        for connection in step["connections"]:
            if connection["name"] in old_connections:
                continue
            commands.append(
                f"az network vpn-connection create --name {_q(connection['name'])} {where} "
                f"--location {_q(connection['region'])} "
                f"--vnet-gateway1 {_q(connection['gateway_id'])} "
                f"--express-route-circuit2 \"/subscriptions/$SUB/resourceGroups/$RG/"
                f"providers/Microsoft.Network/expressRouteCircuits/{connection['circuit']}\"")
    else:
        kept = {c["name"] for c in step["connections"]}
        for name in sorted(old_connections - kept):
            commands.append(f"az network vpn-connection delete --name {_q(name)} {where}")
        for name in sorted(set(before["circuits"] if before else ()) - set(step["circuits"])):
            commands.append(f"az network express-route delete --name {_q(name)} {where}")
    return commands


def _md5_commands(manifest: Mapping, step: Mapping) -> list[str]:
    """Set the MD5 key on the peerings a step creates (for Terraform and other tools)."""
    circuits = {c["name"]: c for c in manifest["circuits"]}
    commands = []
    for name in step["new"] if step["stage"] == "build" else ():
        secret = circuits[name]["private_peering"]["shared_key_secret"]
        if secret:
            commands.append(
                f"az network express-route peering update --circuit-name {_q(name)} "
                f"--name {PEERING} --resource-group \"$RG\" --subscription \"$SUB\" "
                f"--shared-key {_key_command(secret)} --output none")
    return commands


def azcli(manifest: Mapping) -> dict[str, str]:
    """A bash script, ``provision.sh``, running one rollout step per call.

    ``./provision.sh STEP`` runs a step with the az CLI. For pipelines that apply the
    steps with Terraform or ARM, ``./provision.sh wait STEP`` only waits until the
    provider has provisioned the circuits whose peering STEP creates, and, with MD5,
    ``./provision.sh md5 STEP`` only sets the keys of the peerings STEP creates (Terraform
    never sees them). Both do nothing for other steps.
    """
    customer = manifest["customer"]
    lines = ["#!/usr/bin/env bash",
             f"# ExpressRoute rollout of {customer['id']} ({customer['name']}),"
             " written by planner.",
             f"# Acting: {manifest['ownership']['acts']} ({manifest['ownership']['model']}).",
             "# Run one step at a time, in order: ./provision.sh STEP",
             "# With Terraform or ARM: ./provision.sh wait STEP before, ./provision.sh md5 STEP"
             " after applying STEP.", "set -euo pipefail", "",
             f"SUB={_q(customer['subscription_id'])}", f"RG={_q(customer['resource_group'])}", "",
             _WAIT]
    on_port = direct.has_direct(manifest)
    if on_port:
        lines += direct.azcli_header(manifest)
    labels: list[str] = []
    cases: list[str] = []
    helpers: dict[str, list[str]] = {"wait": [], "md5": []}
    before = None
    for step in rollout_steps(manifest):
        labels.append(step["label"])
        cases.append(_case(step["label"], _step_commands(manifest, step, before)
                           or ["echo \"nothing to do for the az CLI in this step\""]))
        waited = [name for name in step["new"] if not on_port
                  or not next(c for c in manifest["circuits"] if c["name"] == name).get("direct")]
        if step["stage"] == "build" and waited:
            helpers["wait"].append(_case(step["label"], [
                f"wait_for_provider {_q(name)}" for name in waited], indent="      "))
        if md5 := _md5_commands(manifest, step):
            helpers["md5"].append(_case(step["label"], md5, indent="      "))
        before = step
    for helper, helper_cases in helpers.items():  # even with no case: "do nothing" holds
        cases.append(f"  {helper})\n    case \"${{2:-}}\" in\n"
                     + "".join(f"{case}\n" for case in helper_cases)
                     + "      *)\n        ;;\n    esac\n    ;;")
    if on_port:
        cases.append(direct.azcli_keys_case(manifest))
    lines += ["case \"${1:-}\" in", *cases,
              "  *)", f"    echo \"usage: $0 STEP; steps in order: {' '.join(labels)}\" >&2",
              "    exit 2", "    ;;", "esac", ""]
    return {"provision.sh": "\n".join(lines)}


def _case(label: str, commands: list[str], indent: str = "  ") -> str:
    body = "\n".join(f"{indent}  {command}" for command in commands)
    return f"{indent}{label})\n{body}\n{indent}  ;;"


RENDERERS = {"terraform": terraform, "arm": arm, "azcli": azcli}
