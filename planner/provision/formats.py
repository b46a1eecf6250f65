"""Render a neutral manifest for provisioning tools: Terraform JSON, ARM and the az CLI.

The Terraform configuration and the ARM template are the same for every customer and read
the customer's ``manifest.json`` (:data:`SHARED_FILES`); the az CLI script is rendered per
customer from the manifest alone (:data:`RENDERERS`, file names relative to the customer's
folder mapped to their text). All formats follow the manifest's rollout.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

from planner.provision import direct_formats as direct
from planner.provision.manifest import dumps, rollout_steps

ARM_API_VERSION = "2024-05-01"
ARM_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
PEERING = "AzurePrivatePeering"


def _json(data: Mapping[str, Any]) -> str:
    return dumps(data)


def _label(name: str) -> str:
    label = re.sub(r"[^A-Za-z0-9_-]", "_", name)
    return label if re.match(r"[A-Za-z_]", label) else f"_{label}"


def _tags(manifest: Mapping[str, Any]) -> dict[str, str]:
    return {"customer": manifest["customer"]["id"], "managed-by": "planner"}


#: azurerm 4.0 to 4.3 required ``shared_key`` on every gateway connection (ExpressRoute
#: connections have none); 5.x may change the schema. ``for_each`` in ``import`` blocks
#: needs Terraform 1.7.
AZURERM_VERSION = ">= 4.4, < 5.0"
TERRAFORM_VERSION = ">= 1.7, < 2.0"
STEP_PATTERN = "^[0-9]{4}-[0-9]{2}-[1-3]-(circuits|build|retire)$"
TERRAFORM_FILE = "terraform/main.tf.json"
_CIRCUIT = "azurerm_express_route_circuit.circuit"
_PEERING = "azurerm_express_route_circuit_peering.private"
_RESOURCE_GROUP = "azurerm_resource_group.customer"
_AT = "local.at"

_GROUP_NAME = f"${{{_RESOURCE_GROUP}[local.manifest.customer.resource_group].name}}"

#: The portfolio's one Terraform configuration (``manifests/terraform/main.tf.json``), one
#: state per customer: the workspace names the customer, whose ``manifest.json`` (its
#: ``rollout`` lists every resource once with the steps it exists in) says what to make;
#: the step comes from ``-var step=...``.
TERRAFORM_CONFIG: dict[str, Any] = {
    "terraform": {
        "required_version": TERRAFORM_VERSION,
        "required_providers": {"azurerm": {"source": "hashicorp/azurerm",
                                           "version": AZURERM_VERSION}}},
    "variable": {"step": {
        "type": "string",
        "description": "The rollout step to apply, e.g. 2027-01-2-build (see the customer's "
                       "manifest.json, rollout.steps)",
        "validation": [{"condition": f'${{can(regex("{STEP_PATTERN}", var.step))}}',
                        "error_message": "step must look like 2027-01-2-build; the steps are "
                                         "listed in order under rollout.steps in the "
                                         "customer's manifest.json."}]}},
    "locals": {
        # The workspace is the customer: `terraform workspace select -or-create <customer>`.
        "manifest": ('${jsondecode(file("${path.module}/../${terraform.workspace}/'
                     'manifest.json"))}'),
        "rollout": "${local.manifest.rollout}",
        "at": "${index(local.rollout.steps, var.step)}",
        "tags": '${ {customer = local.manifest.customer.id, "managed-by" = "planner"} }',
        "groups": "${ {(local.manifest.customer.resource_group) = local.manifest.customer} }",
        "skus": ("${ {for name, span in local.rollout.circuits :"
                 f" name => [for sku in span.skus : sku if sku.from <= {_AT}]}} }}"),
        "circuits": ("${ {for circuit in local.manifest.circuits : circuit.name =>"
                     " merge(circuit, circuit.private_peering,"
                     " local.skus[circuit.name][length(local.skus[circuit.name]) - 1])"
                     f" if local.rollout.circuits[circuit.name].from <= {_AT}"
                     f" && {_AT} < local.rollout.circuits[circuit.name].until}} }}"),
        "peerings": ("${ {for name, circuit in local.circuits : name => circuit"
                     f" if local.rollout.circuits[name].peered <= {_AT}}} }}"),
        "connections": ("${ {for name, link in local.rollout.connections :"
                        " name => merge(link, local.manifest.vnets[link.vnet])"
                        f" if anytrue([for span in link.steps : span[0] <= {_AT}"
                        f" && {_AT} < span[1]])}} }}"),
        # A customer with inventory has its resource group already: it is imported.
        "group_imports": ("${ {for name, customer in local.groups : name =>"
                          ' "/subscriptions/${customer.subscription_id}/resourceGroups/${name}"'
                          " if length(local.rollout.imports) > 0} }"),
        "circuit_imports": ("${ {for name, ids in local.rollout.imports :"
                            " name => ids.circuit if contains(keys(local.circuits), name)} }"),
        "peering_imports": ("${ {for name, ids in local.rollout.imports :"
                            " name => ids.peering if contains(keys(local.peerings), name)} }"),
    },
    "provider": {"azurerm": {"features": {},
                             "subscription_id": "${local.manifest.customer.subscription_id}"}},
    "resource": {
        "azurerm_resource_group": {"customer": {
            "for_each": "${local.groups}",
            "name": "${each.key}",
            "location": "${each.value.location}",
            "tags": "${local.tags}",
            # An existing group is imported, not replaced, whatever its region and tags.
            "lifecycle": {"ignore_changes": ["location", "tags"]}}},
        "azurerm_express_route_circuit": {"circuit": {
            "for_each": "${local.circuits}",
            "name": "${each.key}",
            "resource_group_name": _GROUP_NAME,
            "location": "${each.value.region}",
            "service_provider_name": "${each.value.service_provider}",
            "peering_location": "${each.value.peering_location}",
            "bandwidth_in_mbps": "${each.value.bandwidth_mbps}",
            "sku": {"tier": "${each.value.tier}", "family": "${each.value.family}"},
            "allow_classic_operations": False,
            "tags": "${local.tags}"}},
        "azurerm_express_route_circuit_peering": {"private": {
            "for_each": "${local.peerings}",
            "peering_type": PEERING,
            "express_route_circuit_name": f"${{{_CIRCUIT}[each.key].name}}",
            "resource_group_name": _GROUP_NAME,
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
            "resource_group_name": _GROUP_NAME,
            "location": "${each.value.region}",
            "type": "ExpressRoute",
            "virtual_network_gateway_id": "${each.value.gateway_id}",
            "express_route_circuit_id": f"${{{_CIRCUIT}[each.value.circuit].id}}",
            "depends_on": [_PEERING],
            "tags": "${local.tags}"}},
    },
    "import": [
        {"for_each": "${local.group_imports}", "to": f"{_RESOURCE_GROUP}[each.key]",
         "id": "${each.value}"},
        {"for_each": "${local.circuit_imports}", "to": f"{_CIRCUIT}[each.key]",
         "id": "${each.value}"},
        {"for_each": "${local.peering_imports}", "to": f"{_PEERING}[each.key]",
         "id": "${each.value}"},
    ],
}
TERRAFORM_TEXT = _json(TERRAFORM_CONFIG)


def arm_circuit(circuit: Mapping[str, Any], sku: Mapping[str, Any]) -> dict[str, Any]:
    """The ARM resource of one circuit, as :data:`ARM_TEMPLATE` makes it for a manifest."""
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


#: The portfolio's one ARM template (``manifests/rollout.arm.json``): deployed with a
#: customer's ``manifest.json`` as the ``manifest`` parameter, it makes what the step
#: ``step`` of the manifest's ``rollout.changes`` creates or changes (``circuits`` and
#: ``build`` steps; the retire steps are the az CLI script's).
ARM_FILE = "rollout.arm.json"
_CHANGE = "variables('circuits')[copyIndex()]"
_CIRCUIT_OF_CHANGE = f"parameters('manifest').circuits[{_CHANGE}.index]"
_PEERED = "parameters('manifest').circuits[variables('peerings')[copyIndex()].index]"
_LINK = "variables('links')[variables('change').connect[copyIndex()]]"
ARM_TEMPLATE: dict[str, Any] = {
    "$schema": ARM_SCHEMA, "contentVersion": "1.0.0.0",
    "parameters": {
        "manifest": {"type": "object", "metadata": {
            "description": "The customer's manifest.json (--parameters manifest=@manifest.json)"}},
        "step": {"type": "string", "metadata": {
            "description": "A circuits or build step of the manifest's rollout.steps"}}},
    "variables": {
        # A step's change lists only what it does: the lists it leaves out are empty.
        "change": ("[union(createObject('create', createArray(), 'peer', createArray(), "
                   "'upgrade', createArray(), 'connect', createArray()), "
                   "parameters('manifest').rollout.changes[parameters('step')])]"),
        "circuits": "[concat(variables('change').create, variables('change').upgrade)]",
        "peerings": "[concat(variables('change').peer, variables('change').upgrade)]",
        "links": "[parameters('manifest').rollout.connections]",
        "tags": {"customer": "[parameters('manifest').customer.id]", "managed-by": "planner"}},
    "resources": [
        {"type": "Microsoft.Network/expressRouteCircuits", "apiVersion": ARM_API_VERSION,
         "copy": {"name": "circuits", "count": "[length(variables('circuits'))]"},
         "name": f"[{_CHANGE}.circuit]",
         "location": f"[{_CIRCUIT_OF_CHANGE}.region]",
         "tags": "[variables('tags')]",
         "sku": {"name": f"[format('{{0}}_{{1}}', {_CHANGE}.tier, {_CHANGE}.family)]",
                 "tier": f"[{_CHANGE}.tier]", "family": f"[{_CHANGE}.family]"},
         "properties": {
             "allowClassicOperations": False,
             "serviceProviderProperties": {
                 "serviceProviderName": f"[{_CIRCUIT_OF_CHANGE}.service_provider]",
                 "peeringLocation": f"[{_CIRCUIT_OF_CHANGE}.peering_location]",
                 "bandwidthInMbps": f"[{_CHANGE}.bandwidth_mbps]"}}},
        # An upgraded circuit's peering is deployed again with it; `provision.sh md5 STEP`
        # then sets its MD5 key, as for new peerings.
        {"type": "Microsoft.Network/expressRouteCircuits/peerings",
         "apiVersion": ARM_API_VERSION,
         "copy": {"name": "peerings", "count": "[length(variables('peerings'))]"},
         "dependsOn": ["circuits"],
         "name": f"[format('{{0}}/{PEERING}', variables('peerings')[copyIndex()].circuit)]",
         "properties": {
             "peeringType": PEERING,
             "peerASN": f"[{_PEERED}.private_peering.peer_asn]",
             "primaryPeerAddressPrefix":
                 f"[{_PEERED}.private_peering.primary_peer_address_prefix]",
             "secondaryPeerAddressPrefix":
                 f"[{_PEERED}.private_peering.secondary_peer_address_prefix]",
             "vlanId": f"[{_PEERED}.private_peering.vlan_id]"}},
        {"type": "Microsoft.Network/connections", "apiVersion": ARM_API_VERSION,
         "copy": {"name": "connections", "count": "[length(variables('change').connect)]"},
         "dependsOn": ["peerings"],
         "name": "[variables('change').connect[copyIndex()]]",
         "location": f"[parameters('manifest').vnets[{_LINK}.vnet].region]",
         "tags": "[variables('tags')]",
         "properties": {
             "connectionType": "ExpressRoute", "routingWeight": 0,
             "virtualNetworkGateway1": {
                 "id": f"[parameters('manifest').vnets[{_LINK}.vnet].gateway_id]"},
             "peer": {"id": ("[resourceId('Microsoft.Network/expressRouteCircuits', "
                             f"{_LINK}.circuit)]")}}},
    ],
}
ARM_TEXT = _json(ARM_TEMPLATE)


#: The functions every customer's ``provision.sh`` calls, written once beside the
#: customers' folders as :data:`SHELL_LIBRARY` and sourced by each script.
SHELL_LIBRARY = "provision-lib.sh"
_FUNCTIONS = """\
# ExpressRoute rollout functions, written by planner; sourced by each customer's provision.sh,
# which sets SUB, RG, CUSTOMER, KV, KV_SUB, GATEWAY and GATEWAY_REGION.

show_service_key() {
  # Quote the service key to the connectivity provider, which then provisions the circuit.
  echo "service key of $1: $(az network express-route show -n "$1" -g "$RG" \\
    --subscription "$SUB" --query serviceKey -o tsv)"
}

wait_for_provider() {
  # The provider must provision the circuit (quote the service key to it) before peering.
  show_service_key "$1"
  until [ "$(az network express-route show -n "$1" -g "$RG" --subscription "$SUB" \\
      --query serviceProviderProvisioningState -o tsv)" = "Provisioned" ]; do
    echo "waiting for the provider to provision $1..."
    sleep 60
  done
}

md5_key() {
  # The BGP MD5 key, read from the CSP's Key Vault straight into the command that sets it.
  az keyvault secret show --subscription "$KV_SUB" --vault-name "$KV" --name "$1" \\
    --query value -o tsv
}

create_circuit() {  # NAME LOCATION PROVIDER PEERING_LOCATION MBPS TIER FAMILY
  az network express-route create --name "$1" --resource-group "$RG" \\
    --subscription "$SUB" --location "$2" --provider "$3" --peering-location "$4" \\
    --bandwidth "$5" --sku-tier "$6" --sku-family "$7" \\
    --tags customer="$CUSTOMER" managed-by=planner
  show_service_key "$1"
}

upgrade_circuit() {  # NAME MBPS TIER FAMILY
  az network express-route update --name "$1" --resource-group "$RG" \\
    --subscription "$SUB" --bandwidth "$2" --sku-tier "$3" --sku-family "$4"
}

delete_circuit() {  # NAME
  az network express-route delete --name "$1" --resource-group "$RG" --subscription "$SUB"
}

create_peering() {  # CIRCUIT PEER_ASN PRIMARY_SUBNET SECONDARY_SUBNET VLAN [MD5_SECRET]
  wait_for_provider "$1"
  add_private_peering "$@"
}

add_private_peering() {  # as create_peering, once the circuit can take a peering
  if [ -n "${6:-}" ]; then
    az network express-route peering create --circuit-name "$1" --resource-group "$RG" \\
      --subscription "$SUB" --peering-type AzurePrivatePeering --peer-asn "$2" \\
      --primary-peer-subnet "$3" --secondary-peer-subnet "$4" --vlan-id "$5" \\
      --shared-key "$(md5_key "$6")"
  else
    az network express-route peering create --circuit-name "$1" --resource-group "$RG" \\
      --subscription "$SUB" --peering-type AzurePrivatePeering --peer-asn "$2" \\
      --primary-peer-subnet "$3" --secondary-peer-subnet "$4" --vlan-id "$5"
  fi
}

set_md5() {  # CIRCUIT MD5_SECRET
  az network express-route peering update --circuit-name "$1" --name AzurePrivatePeering \\
    --resource-group "$RG" --subscription "$SUB" --shared-key "$(md5_key "$2")" \\
    --output none
}

connect() {  # CONNECTION VNET CIRCUIT
  az network vpn-connection create --name "$1" --resource-group "$RG" \\
    --subscription "$SUB" --location "${GATEWAY_REGION[$2]}" \\
    --vnet-gateway1 "${GATEWAY[$2]}" --express-route-circuit2 \\
    "/subscriptions/$SUB/resourceGroups/$RG/providers/Microsoft.Network/expressRouteCircuits/$3"
}

disconnect() {  # CONNECTION
  az network vpn-connection delete --name "$1" --resource-group "$RG" --subscription "$SUB"
}
"""


def _q(value: object) -> str:
    return shlex.quote(str(value))


def _step_commands(manifest: Mapping[str, Any], circuits: Mapping[str, Any],
                   step: Mapping[str, Any], before: Mapping[str, Any] | None) -> list[str]:
    """The calls that take the customer from ``before`` to ``step``."""
    commands = []
    if before is None:
        commands.append("az group create --name \"$RG\" --subscription \"$SUB\" "
                        f"--location {_q(manifest['customer']['location'])} --output none")
    old_connections = {c["name"] for c in before["connections"]} if before else set()
    if step["stage"] == "circuits":
        for name in step["new"]:
            circuit, sku = circuits[name], step["circuits"][name]
            if circuit.get("direct"):
                commands.append(direct.azcli_create(circuit, sku, manifest["customer"]))
                continue
            commands.append(
                f"create_circuit {_q(name)} {_q(circuit['region'])} "
                f"{_q(circuit['service_provider'])} {_q(circuit['peering_location'])} "
                f"{sku['bandwidth_mbps']} {sku['tier']} {sku['family']}")
    elif step["stage"] == "build":
        for name in step["new"]:
            peering = circuits[name]["private_peering"]
            secret = peering["shared_key_secret"]
            # A circuit on a Direct port has no provider to wait for.
            call = "add_private_peering" if circuits[name].get("direct") else "create_peering"
            commands.append(
                f"{call} {_q(name)} {peering['peer_asn']} "
                f"{peering['primary_peer_address_prefix']} "
                f"{peering['secondary_peer_address_prefix']} {peering['vlan_id']}"
                + (f" {_q(secret)}" if secret else ""))
        for name in step["upgraded"]:
            sku = step["circuits"][name]
            if circuits[name].get("direct"):
                commands.append(direct.azcli_upgrade(name, sku))
                continue
            commands.append(f"upgrade_circuit {_q(name)} {sku['bandwidth_mbps']} "
                            f"{sku['tier']} {sku['family']}")
        for connection in step["connections"]:
            if connection["name"] not in old_connections:
                commands.append(f"connect {_q(connection['name'])} {_q(connection['vnet'])} "
                                f"{_q(connection['circuit'])}")
    else:
        kept = {c["name"] for c in step["connections"]}
        for name in sorted(old_connections - kept):
            commands.append(f"disconnect {_q(name)}")
        for name in sorted(set(before["circuits"] if before else ()) - set(step["circuits"])):
            commands.append(f"delete_circuit {_q(name)}")
    return commands


def azcli(manifest: Mapping[str, Any]) -> dict[str, str]:
    """A bash script, ``provision.sh``, running one rollout step per call.

    ``./provision.sh STEP`` runs a step with the az CLI. For pipelines that apply the
    steps with Terraform or ARM, ``./provision.sh wait STEP`` only waits until the
    provider has provisioned the circuits whose peering STEP creates, and, with MD5,
    ``./provision.sh md5 STEP`` only sets the keys of the peerings STEP creates (Terraform
    never sees them). Both do nothing for other steps.
    """
    customer = manifest["customer"]
    circuits = {c["name"]: c for c in manifest["circuits"]}
    vault = manifest["security"].get("md5_key_vault") or {}
    vault_subscription = vault["id"].split("/")[2] if vault else ""
    gateways = manifest["vnets"]
    lines = ["#!/usr/bin/env bash",
             f"# ExpressRoute rollout of {customer['id']} ({customer['name']}),"
             " written by planner.",
             f"# Acting: {manifest['ownership']['acts']} ({manifest['ownership']['model']}).",
             "# Run one step at a time, in order: ./provision.sh STEP",
             "# With Terraform or ARM: ./provision.sh wait STEP before, ./provision.sh md5 STEP"
             " after applying STEP.", "set -euo pipefail", "",
             f"SUB={_q(customer['subscription_id'])}", f"RG={_q(customer['resource_group'])}",
             f"CUSTOMER={_q(customer['id'])}",
             f"KV={_q(vault.get('name', ''))}", f"KV_SUB={_q(vault_subscription)}",
             "declare -A GATEWAY GATEWAY_REGION",
             *(f"GATEWAY[{vnet}]={_q(g['gateway_id'])} GATEWAY_REGION[{vnet}]={_q(g['region'])}"
               for vnet, g in gateways.items()),
             *direct.azcli_header(manifest),
             f'source "$(dirname "${{BASH_SOURCE[0]}}")/../{SHELL_LIBRARY}"', ""]
    labels: list[str] = []
    cases: list[str] = []
    helpers: dict[str, list[str]] = {"wait": [], "md5": []}
    before = None
    for step in rollout_steps(manifest):
        labels.append(step["label"])
        cases.append(_case(step["label"], _step_commands(manifest, circuits, step, before)
                           or ["echo \"nothing to do for the az CLI in this step\""]))
        waited = [name for name in step["new"] if not circuits[name].get("direct")]
        if step["stage"] == "build" and waited:
            helpers["wait"].append(_case(step["label"], [
                f"wait_for_provider {_q(name)}" for name in waited], indent="      "))
        # The peerings a build step makes, and those ARM deploys again with an upgrade.
        md5 = [f"set_md5 {_q(name)} {_q(secret)}" for name in (
            [*step["new"], *step["upgraded"]] if step["stage"] == "build" else [])
            if (secret := circuits[name]["private_peering"]["shared_key_secret"])]
        if md5:
            helpers["md5"].append(_case(step["label"], md5, indent="      "))
        before = step
    for helper, helper_cases in helpers.items():  # even with no case: "do nothing" holds
        cases.append(f"  {helper})\n    case \"${{2:-}}\" in\n"
                     + "".join(f"{case}\n" for case in helper_cases)
                     + "      *)\n        ;;\n    esac\n    ;;")
    if direct.has_direct(manifest):
        cases.append(direct.azcli_keys_case(manifest))
    lines += ["case \"${1:-}\" in", *cases,
              "  *)", f"    echo \"usage: $0 STEP; steps in order: {' '.join(labels)}\" >&2",
              "    exit 2", "    ;;", "esac", ""]
    return {"provision.sh": "\n".join(lines)}


def _case(label: str, commands: list[str], indent: str = "  ") -> str:
    body = "\n".join(f"{indent}  {command}" for command in commands)
    return f"{indent}{label})\n{body}\n{indent}  ;;"


#: Files of one customer's folder, by format (``json`` is written by the caller).
RENDERERS = {"azcli": azcli}
#: Files written once beside the customers' folders, by format.
SHARED_FILES = {"terraform": {TERRAFORM_FILE: TERRAFORM_TEXT}, "arm": {ARM_FILE: ARM_TEXT},
                "azcli": {SHELL_LIBRARY: _FUNCTIONS}}
#: The shared files of a portfolio with circuits on Direct ports: they make both kinds.
SHARED_FILES_DIRECT = {
    "terraform": {TERRAFORM_FILE: _json(direct.terraform_direct_config(TERRAFORM_CONFIG))},
    "arm": {ARM_FILE: _json(direct.arm_direct_template(ARM_TEMPLATE))},
    "azcli": {SHELL_LIBRARY: _FUNCTIONS + direct.AZCLI_FUNCTIONS}}
