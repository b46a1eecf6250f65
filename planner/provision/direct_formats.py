"""A customer's circuits on the CSP's ExpressRoute Direct ports, in every format.

A Direct circuit of a manifest carries a ``direct`` object (its port, the port's resource ID
in the CSP's subscription and the port authorization made for it; see docs/manifests.md,
ExpressRoute Direct), and its ``create`` and ``upgrade`` entries of ``rollout.changes``
carry ``bandwidth_gbps``. It is created in the customer's subscription on the port, with
the authorization's key, and has no service provider, peering location or Mb/s bandwidth.
A portfolio with Direct circuits gets variants of the shared files that handle both kinds
of circuit:

* Terraform: ``express_route_port_id``, ``bandwidth_in_gbps`` and ``authorization_key``
  (from the sensitive ``authorization_keys`` variable, never written to a file);
* ARM: ``expressRoutePort``, ``bandwidthInGbps`` and ``authorizationKey`` (from the secure
  ``authorizationKeys`` parameter);
* az CLI: ``az resource create`` with the circuit's body, because ``az network express-route
  create`` takes ``--express-route-port`` and ``--bandwidth N Gbps`` but no authorization
  key (in the CSP's own subscription, where none is needed, ``az network express-route
  create`` makes it); bandwidth changes use ``az network express-route update --bandwidth
  N Gbps``.

A portfolio without Direct circuits gets exactly the shared files it got before.
"""

from __future__ import annotations

import copy
import json
import shlex
from collections.abc import Mapping
from typing import Any

#: The ARM parameter (a secure object, circuit name to key) and the Terraform variable
#: (a sensitive map) that carry the authorization keys.
ARM_KEYS_PARAMETER = "authorizationKeys"
TERRAFORM_KEYS_VARIABLE = "authorization_keys"
CIRCUIT_TYPE = "Microsoft.Network/expressRouteCircuits"
#: The Terraform expression of a circuit's port: null for a provider circuit.
_PORT = "try(each.value.direct.port_id, null)"


def has_direct(manifest: Mapping[str, Any]) -> bool:
    """Whether any circuit of the manifest rides a Direct port."""
    return any(c.get("direct") for c in manifest["circuits"])


def gbps(bandwidth_mbps: int) -> int | float:
    """Bandwidth in Gb/s as the APIs take it: a whole number when it is one."""
    value = bandwidth_mbps / 1000
    return int(value) if value == int(value) else value


def q(value: object) -> str:
    """Shell-quoted text."""
    return shlex.quote(str(value))


def terraform_direct_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The shared Terraform configuration made to handle circuits on Direct ports too.

    A circuit whose manifest entry has ``direct`` is made on its port
    (``express_route_port_id``, ``bandwidth_in_gbps``, ``authorization_key``) with no
    service provider, peering location or Mb/s bandwidth; the others as before.
    """
    result = copy.deepcopy(dict(config))
    result["variable"][TERRAFORM_KEYS_VARIABLE] = {
        "type": "map(string)", "sensitive": True, "default": {},
        "description": "Authorization key of each Direct circuit by name (the CSP's port "
                       "authorizations: ../<customer_id>/provision.sh authorization-keys)"}
    circuit = result["resource"]["azurerm_express_route_circuit"]["circuit"]
    provider_only = f"{_PORT} == null ? each.value.%s : null"
    circuit.update({
        "service_provider_name": f"${{{provider_only % 'service_provider'}}}",
        "peering_location": f"${{{provider_only % 'peering_location'}}}",
        "bandwidth_in_mbps": f"${{{provider_only % 'bandwidth_mbps'}}}",
        "bandwidth_in_gbps": f"${{{_PORT} == null ? null : each.value.bandwidth_mbps / 1000}}",
        "express_route_port_id": f"${{{_PORT}}}",
        "authorization_key": (f"${{{_PORT} == null ? null : "
                              f"lookup(var.{TERRAFORM_KEYS_VARIABLE}, each.key, null)}}"),
        # The key is used once, when the circuit is made; later runs need not pass it.
        "lifecycle": {"ignore_changes": ["authorization_key"]}})
    return result


def arm_direct_template(template: Mapping[str, Any]) -> dict[str, Any]:
    """The shared ARM template made to handle circuits on Direct ports too.

    The circuits' ``properties`` become one ``if``: a circuit with ``direct`` gets
    ``expressRoutePort``, ``bandwidthInGbps`` (the change's ``bandwidth_gbps``) and
    ``authorizationKey`` (from the secure ``authorizationKeys`` parameter); the others their
    ``serviceProviderProperties`` as before.
    """
    result = copy.deepcopy(dict(template))
    result["parameters"][ARM_KEYS_PARAMETER] = {
        "type": "secureObject", "defaultValue": {},
        "metadata": {"description": "Authorization key of each Direct circuit by name: "
                                    "./provision.sh authorization-keys prints them"}}
    resource = next(r for r in result["resources"] if r["type"] == CIRCUIT_TYPE)
    provider = resource["properties"]["serviceProviderProperties"]
    change = "variables('circuits')[copyIndex()]"
    circuit = f"parameters('manifest').circuits[{change}.index]"
    on_provider = ("createObject('allowClassicOperations', false(), "
                   "'serviceProviderProperties', createObject("
                   f"'serviceProviderName', {provider['serviceProviderName'][1:-1]}, "
                   f"'peeringLocation', {provider['peeringLocation'][1:-1]}, "
                   f"'bandwidthInMbps', {provider['bandwidthInMbps'][1:-1]}))")
    on_port = ("createObject('allowClassicOperations', false(), "
               f"'expressRoutePort', createObject('id', {circuit}.direct.port_id), "
               f"'bandwidthInGbps', {change}.bandwidth_gbps, "
               f"'authorizationKey', parameters('{ARM_KEYS_PARAMETER}')[{change}.circuit])")
    resource["properties"] = f"[if(contains({circuit}, 'direct'), {on_port}, {on_provider})]"
    return result


#: Bash functions added to ``provision-lib.sh`` of a portfolio with Direct circuits; a
#: customer's script with Direct circuits sets CSP_SUB and CSP_RG (the ports' subscription
#: and resource group).
AZCLI_FUNCTIONS = """\

# Circuits on the CSP's ExpressRoute Direct ports (docs/manifests.md, ExpressRoute Direct).

authorization_key() {  # PORT AUTHORIZATION
  # The key of the port authorization the CSP made for a circuit (in the CSP's subscription).
  az network express-route port authorization show --subscription "$CSP_SUB" \\
    --resource-group "$CSP_RG" --port-name "$1" --name "$2" --query authorizationKey -o tsv
}

create_on_port() {  # NAME REGION PORT_ID GBPS TIER FAMILY PORT AUTHORIZATION
  # `az network express-route create` takes --express-route-port and --bandwidth N Gbps but
  # no authorization key, which a port in another subscription needs, so the circuit's body
  # is given to `az resource create`.
  local body
  body="$(printf '{"location": "%s", "tags": {"customer": "%s", ' "$2" "$CUSTOMER")"
  body+="$(printf '"managed-by": "planner"}, "sku": {"name": "%s_%s", ' "$5" "$6")"
  body+="$(printf '"tier": "%s", "family": "%s"}, "properties": ' "$5" "$6")"
  body+="$(printf '{"allowClassicOperations": false, "expressRoutePort": {"id": "%s"}, ' "$3")"
  body+="$(printf '"bandwidthInGbps": %s, "authorizationKey": "%s"}}' "$4" \\
    "$(authorization_key "$7" "$8")")"
  az resource create --resource-group "$RG" --subscription "$SUB" --name "$1" \\
    --resource-type Microsoft.Network/expressRouteCircuits --api-version 2024-05-01 \\
    --is-full-object --properties "$body" --output none
}

create_on_own_port() {  # NAME REGION PORT_ID GBPS TIER FAMILY: a port of this subscription
  az network express-route create --name "$1" --resource-group "$RG" \\
    --subscription "$SUB" --location "$2" --express-route-port "$3" \\
    --bandwidth "$4" Gbps --sku-tier "$5" --sku-family "$6" \\
    --tags customer="$CUSTOMER" managed-by=planner
}

upgrade_on_port() {  # NAME GBPS TIER FAMILY
  az network express-route update --name "$1" --resource-group "$RG" \\
    --subscription "$SUB" --bandwidth "$2" Gbps --sku-tier "$3" --sku-family "$4"
}
"""


def azcli_header(manifest: Mapping[str, Any]) -> list[str]:
    """Lines setting the CSP's subscription and group of the ports (customers on ports)."""
    if not has_direct(manifest):
        return []
    direct = next(c["direct"] for c in manifest["circuits"] if c.get("direct"))
    return [f"CSP_SUB={q(direct['port_subscription_id'])}",
            f"CSP_RG={q(direct['port_resource_group'])}"]


def azcli_create(circuit: Mapping[str, Any], sku: Mapping[str, Any],
                 customer: Mapping[str, Any]) -> str:
    """The call creating a Direct circuit (functions of :data:`AZCLI_FUNCTIONS`).

    In the CSP's own subscription the port needs no authorization and ``create_on_own_port``
    uses ``az network express-route create --express-route-port ... --bandwidth N Gbps``;
    elsewhere ``create_on_port`` passes the authorization key.
    """
    direct = circuit["direct"]
    common = (f"{q(circuit['name'])} {q(circuit['region'])} {q(direct['port_id'])} "
              f"{gbps(int(sku['bandwidth_mbps']))} {sku['tier']} {sku['family']}")
    if (customer["subscription_known"]
            and customer["subscription_id"] == direct["port_subscription_id"]):
        return f"create_on_own_port {common}"
    return f"create_on_port {common} {q(direct['port'])} {q(direct['authorization'])}"


def azcli_upgrade(name: str, sku: Mapping[str, Any]) -> str:
    """The call changing a Direct circuit's bandwidth or tier in place."""
    return (f"upgrade_on_port {q(name)} {gbps(int(sku['bandwidth_mbps']))} {sku['tier']} "
            f"{sku['family']}")


def azcli_keys_case(manifest: Mapping[str, Any]) -> str:
    """``./provision.sh authorization-keys``: every Direct circuit's key as a JSON object.

    Its output is the value of the Terraform variable ``authorization_keys`` and of the
    ARM parameter ``authorizationKeys``; it is printed, never written to a file.
    """
    lines = ["  authorization-keys)", "    printf '{'"]
    separator = ""
    for circuit in manifest["circuits"]:
        direct = circuit.get("direct")
        if not direct:
            continue
        lines.append(f"    printf '{separator}%s: \"%s\"' {q(json.dumps(circuit['name']))} "
                     f"\"$(authorization_key {q(direct['port'])} "
                     f"{q(direct['authorization'])})\"")
        separator = ", "
    lines += ["    printf '}\\n'", "    ;;"]
    return "\n".join(lines)
