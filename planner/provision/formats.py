"""Render a neutral manifest for provisioning tools: Terraform JSON, ARM and the az CLI.

Every renderer reads only the manifest, so all formats describe the same circuits,
peerings and vNet connections. Each returns file names (relative to the customer's
folder) mapped to their text.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping

from planner.provision.manifest import dumps, rollout_states

ARM_API_VERSION = "2024-05-01"
ARM_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
PEERING = "AzurePrivatePeering"


def _json(data: object) -> str:
    return dumps(data)


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


def terraform(manifest: Mapping) -> dict[str, str]:
    """One Terraform JSON configuration per rollout state, ``terraform/<state>.tf.json``.

    Apply them in name order; each is the whole desired state after its step, so
    Terraform creates, updates and destroys exactly what that step changes.
    """
    customer = manifest["customer"]
    circuits = {c["name"]: c for c in manifest["circuits"]}
    files = {}
    for index, state in enumerate(rollout_states(manifest)):
        resource: dict[str, dict[str, object]] = {}
        data: dict[str, dict[str, object]] = {}
        imports = []
        for name, sku in sorted(state["circuits"].items()):
            circuit, label = circuits[name], _label(name)
            peering = circuit["private_peering"]
            resource.setdefault("azurerm_express_route_circuit", {})[label] = {
                "name": name, "resource_group_name": customer["resource_group"],
                "location": circuit["region"],
                "service_provider_name": circuit["service_provider"],
                "peering_location": circuit["peering_location"],
                "bandwidth_in_mbps": sku["bandwidth_mbps"],
                "sku": {"tier": sku["tier"], "family": sku["family"]},
                "allow_classic_operations": False, "tags": _tags(manifest)}
            arguments: dict[str, object] = {
                "peering_type": PEERING,
                "express_route_circuit_name": f"${{azurerm_express_route_circuit.{label}.name}}",
                "resource_group_name": customer["resource_group"],
                "peer_asn": peering["peer_asn"],
                "primary_peer_address_prefix": peering["primary_peer_address_prefix"],
                "secondary_peer_address_prefix": peering["secondary_peer_address_prefix"],
                "ipv4_enabled": True, "vlan_id": peering["vlan_id"]}
            secret = peering["shared_key_secret"]
            if secret:
                data.setdefault("azurerm_key_vault", {})["md5"] = {
                    "name": secret["key_vault"], "resource_group_name": customer["resource_group"]}
                data.setdefault("azurerm_key_vault_secret", {})[label] = {
                    "name": secret["secret"], "key_vault_id": "${data.azurerm_key_vault.md5.id}"}
                arguments["shared_key"] = f"${{data.azurerm_key_vault_secret.{label}.value}}"
            resource.setdefault("azurerm_express_route_circuit_peering", {})[label] = arguments
            if index == 0 and circuit["existing"]:
                imports.append({"to": f"azurerm_express_route_circuit.{label}",
                                "id": _circuit_id(manifest, name)})
        for connection in sorted(state["connections"], key=lambda c: c["name"]):
            label = _label(connection["circuit"])
            resource.setdefault("azurerm_virtual_network_gateway_connection", {})[
                _label(connection["name"])] = {
                "name": connection["name"], "resource_group_name": customer["resource_group"],
                "location": circuits[connection["circuit"]]["region"], "type": "ExpressRoute",
                "virtual_network_gateway_id": connection["gateway_id"],
                "express_route_circuit_id": f"${{azurerm_express_route_circuit.{label}.id}}",
                "depends_on": [f"azurerm_express_route_circuit_peering.{label}"],
                "tags": _tags(manifest)}
        config: dict[str, object] = {
            "terraform": {"required_providers": {"azurerm": {
                "source": "hashicorp/azurerm", "version": ">= 3.100"}}},
            "provider": {"azurerm": {"features": {},
                                     "subscription_id": customer["subscription_id"]}}}
        if resource:
            config["resource"] = resource
        if data:
            config["data"] = data
        if imports:
            config["import"] = imports
        files[f"terraform/{state['label']}.tf.json"] = _json(config)
    return files


def arm_circuit(circuit: Mapping, sku: Mapping) -> dict[str, object]:
    """The ARM resource of one circuit (its body loads into the SDK's ExpressRouteCircuit)."""
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


def arm(manifest: Mapping) -> dict[str, str]:
    """One ARM template per build state, ``arm/<state>.json`` (incremental mode).

    Incremental deployments create and update but never delete; the retire steps of the
    manifest (and the az CLI script) remove what goes away.
    """
    circuits = {c["name"]: c for c in manifest["circuits"]}
    files = {}
    for state in rollout_states(manifest):
        if state["stage"] != "build":
            continue
        resources: list[dict[str, object]] = []
        parameters: dict[str, object] = {}
        for name, sku in sorted(state["circuits"].items()):
            circuit = circuits[name]
            peering = circuit["private_peering"]
            resources.append({**arm_circuit(circuit, sku), "tags": _tags(manifest)})
            properties: dict[str, object] = {
                "peeringType": PEERING, "peerASN": peering["peer_asn"],
                "primaryPeerAddressPrefix": peering["primary_peer_address_prefix"],
                "secondaryPeerAddressPrefix": peering["secondary_peer_address_prefix"],
                "vlanId": peering["vlan_id"]}
            if peering["shared_key_secret"]:
                parameter = f"sharedKey_{_label(name).replace('-', '_')}"
                secret = peering["shared_key_secret"]
                parameters[parameter] = {"type": "securestring", "metadata": {
                    "description": (f"MD5 key: Key Vault {secret['key_vault']}, "
                                    f"secret {secret['secret']}")}}
                properties["sharedKey"] = f"[parameters('{parameter}')]"
            resources.append({
                "type": "Microsoft.Network/expressRouteCircuits/peerings",
                "apiVersion": ARM_API_VERSION, "name": f"{name}/{PEERING}",
                "dependsOn": [f"[resourceId('Microsoft.Network/expressRouteCircuits', '{name}')]"],
                "properties": properties})
        for connection in sorted(state["connections"], key=lambda c: c["name"]):
            circuit = connection["circuit"]
            resources.append({
                "type": "Microsoft.Network/connections", "apiVersion": ARM_API_VERSION,
                "name": connection["name"], "location": circuits[circuit]["region"],
                "tags": _tags(manifest),
                "dependsOn": [("[resourceId('Microsoft.Network/expressRouteCircuits/peerings', "
                               f"'{circuit}', '{PEERING}')]")],
                "properties": {
                    "connectionType": "ExpressRoute", "routingWeight": 0,
                    "virtualNetworkGateway1": {"id": connection["gateway_id"]},
                    "peer": {"id": ("[resourceId('Microsoft.Network/expressRouteCircuits', "
                                    f"'{circuit}')]")}}})
        files[f"arm/{state['label']}.json"] = _json({
            "$schema": ARM_SCHEMA, "contentVersion": "1.0.0.0", "parameters": parameters,
            "resources": resources})
    return files


_WAIT = """\
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


def azcli(manifest: Mapping) -> dict[str, str]:
    """A bash script, ``provision.sh``, running one rollout step of one month per call."""
    customer = manifest["customer"]
    circuits = {c["name"]: c for c in manifest["circuits"]}
    lines = ["#!/usr/bin/env bash",
             f"# ExpressRoute rollout of {customer['id']} ({customer['name']}),"
             " written by planner.",
             f"# Acting: {manifest['ownership']['acts']} ({manifest['ownership']['model']}).",
             "# Run one step at a time, in order: ./provision.sh STEP", "set -euo pipefail", "",
             f"SUB={_q(customer['subscription_id'])}", f"RG={_q(customer['resource_group'])}", "",
             _WAIT]
    labels = []
    cases: list[str] = []
    for month in manifest["months"]:
        period = month["period"]
        build, retire = [], []
        connections = {c["name"]: c for c in month["connections"]}
        previous = {}
        for earlier in manifest["months"]:
            if earlier["period"] < period:
                previous = {c["name"]: c for c in earlier["connections"]}
        for step in month["steps"]:
            action = step["action"]
            circuit = circuits.get(step.get("circuit", ""))
            if action == "create_circuit":
                sku = next(e for e in circuit["timeline"] if e["period"] == period)
                build.append(
                    f"az network express-route create --name {_q(circuit['name'])} "
                    f"--resource-group \"$RG\" --subscription \"$SUB\" "
                    f"--location {_q(circuit['region'])} "
                    f"--provider {_q(circuit['service_provider'])} "
                    f"--peering-location {_q(circuit['peering_location'])} "
                    f"--bandwidth {sku['bandwidth_mbps']} --sku-tier {sku['tier']} "
                    f"--sku-family {sku['family']} --tags customer={_q(customer['id'])} "
                    "managed-by=planner")
            elif action == "provider_provisioning":
                build.append(f"wait_for_provider {_q(circuit['name'])}")
            elif action == "create_private_peering":
                peering = circuit["private_peering"]
                key = ""
                if peering["shared_key_secret"]:
                    secret = peering["shared_key_secret"]
                    key = (" --shared-key \"$(az keyvault secret show --vault-name "
                           f"{_q(secret['key_vault'])} --name {_q(secret['secret'])} "
                           "--query value -o tsv)\"")
                build.append(
                    f"az network express-route peering create --circuit-name "
                    f"{_q(circuit['name'])} --resource-group \"$RG\" --subscription \"$SUB\" "
                    f"--peering-type {PEERING} --peer-asn {peering['peer_asn']} "
                    f"--primary-peer-subnet {peering['primary_peer_address_prefix']} "
                    f"--secondary-peer-subnet {peering['secondary_peer_address_prefix']} "
                    f"--vlan-id {peering['vlan_id']}{key}")
            elif action == "upgrade_circuit":
                sku = next(e for e in circuit["timeline"] if e["period"] == period)
                build.append(
                    f"az network express-route update --name {_q(circuit['name'])} "
                    f"--resource-group \"$RG\" --subscription \"$SUB\" "
                    f"--bandwidth {sku['bandwidth_mbps']} --sku-tier {sku['tier']} "
                    f"--sku-family {sku['family']}")
            elif action == "connect_vnet":
                connection = next(c for c in connections.values()
                                  if c["vnet"] == step["vnet"] and c["circuit"] == step["circuit"])
                build.append(
                    f"az network vpn-connection create --name {_q(connection['name'])} "
                    f"--resource-group \"$RG\" --subscription \"$SUB\" "
                    f"--location {_q(circuit['region'])} "
                    f"--vnet-gateway1 {_q(connection['gateway_id'])} "
                    f"--express-route-circuit2 \"/subscriptions/$SUB/resourceGroups/$RG/"
                    f"providers/Microsoft.Network/expressRouteCircuits/{circuit['name']}\"")
            elif action == "disconnect_vnet":
                connection = next(c for c in previous.values()
                                  if c["vnet"] == step["vnet"] and c["circuit"] == step["circuit"])
                retire.append(f"az network vpn-connection delete --name {_q(connection['name'])} "
                              "--resource-group \"$RG\" --subscription \"$SUB\"")
            elif action == "delete_circuit":
                retire.append(f"az network express-route delete --name {_q(circuit['name'])} "
                              "--resource-group \"$RG\" --subscription \"$SUB\"")
        if build or month is manifest["months"][0]:
            if month is manifest["months"][0]:
                first_region = next((c["region"] for c in manifest["circuits"]), "")
                build.insert(0, f"az group create --name \"$RG\" --subscription \"$SUB\" "
                                f"--location {_q(first_region)} --output none")
            labels.append(f"{period}-1-build")
            cases.append(_case(labels[-1], build))
        if retire:
            labels.append(f"{period}-2-retire")
            cases.append(_case(labels[-1], retire))
    lines += ["case \"${1:-}\" in", *cases,
              "  *)", f"    echo \"usage: $0 STEP; steps in order: {' '.join(labels)}\" >&2",
              "    exit 2", "    ;;", "esac", ""]
    return {"provision.sh": "\n".join(lines)}


def _case(label: str, commands: list[str]) -> str:
    body = "\n".join(f"    {command}" for command in commands)
    return f"  {label})\n{body}\n    ;;"


RENDERERS = {"terraform": terraform, "arm": arm, "azcli": azcli}
