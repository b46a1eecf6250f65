"""A customer's circuits on the CSP's ExpressRoute Direct ports, in every format.

A Direct circuit of a manifest carries a ``direct`` object (its port, the port's resource ID
in the CSP's subscription and the port authorization made for it; see docs/manifests.md,
ExpressRoute Direct). It is created in the customer's subscription on the port, with the
authorization's key, and has no service provider, peering location or Mb/s bandwidth:

* Terraform: ``express_route_port_id``, ``bandwidth_in_gbps`` and ``authorization_key``
  (from the ``authorization_keys`` variable, never written to a file);
* ARM: ``expressRoutePort``, ``bandwidthInGbps`` and ``authorizationKey`` (from the secure
  ``authorizationKeys`` parameter);
* az CLI: ``az resource create`` with the circuit's body, because ``az network express-route
  create`` takes ``--express-route-port`` and ``--bandwidth N Gbps`` but no authorization
  key; bandwidth changes use ``az network express-route update --bandwidth N Gbps``.

Customers without Direct circuits get exactly the files they got before.
"""

from __future__ import annotations

import copy
import json
import shlex
from collections.abc import Mapping

#: The ARM parameter (a secure object, circuit name to key) and the Terraform variable
#: (a sensitive map) that carry the authorization keys.
ARM_KEYS_PARAMETER = "authorizationKeys"
TERRAFORM_KEYS_VARIABLE = "authorization_keys"
CIRCUIT_TYPE = "Microsoft.Network/expressRouteCircuits"


def has_direct(manifest: Mapping) -> bool:
    """Whether any circuit of the manifest rides a Direct port."""
    return any(c.get("direct") for c in manifest["circuits"])


def gbps(bandwidth_mbps: int) -> int | float:
    """Bandwidth in Gb/s as the APIs take it: a whole number when it is one."""
    value = bandwidth_mbps / 1000
    return int(value) if value == int(value) else value


def arm_direct_circuit(circuit: Mapping, sku: Mapping, api_version: str) -> dict[str, object]:
    """The ARM resource of a circuit on a Direct port (loads into the SDK's model)."""
    return {
        "type": CIRCUIT_TYPE, "apiVersion": api_version,
        "name": circuit["name"], "location": circuit["region"],
        "sku": {"name": f"{sku['tier']}_{sku['family']}", "tier": sku["tier"],
                "family": sku["family"]},
        "properties": {
            "allowClassicOperations": False,
            "expressRoutePort": {"id": circuit["direct"]["port_id"]},
            "bandwidthInGbps": gbps(int(sku["bandwidth_mbps"])),
            "authorizationKey": f"[parameters('{ARM_KEYS_PARAMETER}')['{circuit['name']}']]"}}


def arm_keys_parameter() -> dict[str, object]:
    """The secure parameter every template of a customer with Direct circuits declares."""
    return {ARM_KEYS_PARAMETER: {
        "type": "secureObject", "defaultValue": {},
        "metadata": {"description": "Authorization key of each Direct circuit by name: "
                                    "./provision.sh authorization-keys prints them"}}}


def terraform_direct(config: Mapping, plan: dict, manifest: Mapping) -> tuple[dict, dict]:
    """The configuration and plan data of a customer with Direct circuits.

    Every circuit's plan entry gains ``express_route_port_id`` (null for provider circuits);
    a Direct circuit's ``service_provider`` and ``peering_location`` are null, which
    Terraform reads as unset.
    """
    config = copy.deepcopy(dict(config))
    config["variable"][TERRAFORM_KEYS_VARIABLE] = {
        "type": "map(string)", "sensitive": True, "default": {},
        "description": "Authorization key of each Direct circuit by name (from the CSP's "
                       "port authorizations: ../provision.sh authorization-keys)"}
    circuit = config["resource"]["azurerm_express_route_circuit"]["circuit"]
    on_port = "each.value.express_route_port_id"
    circuit.update({
        "bandwidth_in_mbps": f"${{{on_port} == null ? each.value.bandwidth_mbps : null}}",
        "bandwidth_in_gbps": f"${{{on_port} == null ? null : each.value.bandwidth_mbps / 1000}}",
        "express_route_port_id": f"${{{on_port}}}",
        "authorization_key": (f"${{{on_port} == null ? null : "
                              f"lookup(var.{TERRAFORM_KEYS_VARIABLE}, each.key, null)}}"),
        # The key is used once, when the circuit is made; later runs do not pass it.
        "lifecycle": {"ignore_changes": ["authorization_key"]}})
    directs = {c["name"]: c["direct"] for c in manifest["circuits"] if c.get("direct")}
    for name, entry in plan["circuits"].items():
        direct = directs.get(name)
        entry["express_route_port_id"] = direct["port_id"] if direct else None
        if direct:
            entry["service_provider"] = None
            entry["peering_location"] = None
    return config, plan


def q(value: object) -> str:
    """Shell-quoted text."""
    return shlex.quote(str(value))


_BODY_FORMAT = (
    '{"location": "%s", "tags": {"customer": "%s", "managed-by": "planner"}, '
    '"sku": {"name": "%s_%s", "tier": "%s", "family": "%s"}, "properties": '
    '{"allowClassicOperations": false, "expressRoutePort": {"id": "%s"}, '
    '"bandwidthInGbps": %s, "authorizationKey": "%s"}}')

#: Bash functions of the az CLI script of a customer with Direct circuits.
AZCLI_FUNCTIONS = f"""\
authorization_key() {{
  # The key of the port authorization the CSP made for a circuit (in the CSP's subscription).
  az network express-route port authorization show --subscription "$CSP_SUB" \\
    --resource-group "$CSP_RG" --port-name "$1" --name "$2" --query authorizationKey -o tsv
}}

create_on_port() {{
  # NAME REGION PORT_ID GBPS TIER FAMILY PORT AUTHORIZATION CUSTOMER: a circuit on the
  # CSP's port. `az network express-route create` takes --express-route-port and
  # --bandwidth N Gbps but no authorization key, which a port in another subscription
  # needs, so the circuit's body is given to `az resource create`.
  local body
  body="$(printf '{_BODY_FORMAT}' \\
    "$2" "$9" "$5" "$6" "$5" "$6" "$3" "$4" "$(authorization_key "$7" "$8")")"
  az resource create --resource-group "$RG" --subscription "$SUB" --name "$1" \\
    --resource-type Microsoft.Network/expressRouteCircuits --api-version 2024-05-01 \\
    --is-full-object --properties "$body" --output none
}}
"""


def azcli_header(manifest: Mapping) -> list[str]:
    """Lines defining the CSP's subscription and group and the functions above."""
    direct = next(c["direct"] for c in manifest["circuits"] if c.get("direct"))
    return [f"CSP_SUB={q(direct['port_subscription_id'])}",
            f"CSP_RG={q(direct['port_resource_group'])}", "", AZCLI_FUNCTIONS]


def azcli_create(circuit: Mapping, sku: Mapping, customer: Mapping) -> str:
    """The command creating a Direct circuit.

    In the CSP's own subscription the port needs no authorization and ``az network
    express-route create --express-route-port ... --bandwidth N Gbps`` makes the circuit;
    elsewhere :data:`AZCLI_FUNCTIONS` ``create_on_port`` passes the authorization key.
    """
    direct = circuit["direct"]
    if (customer["subscription_known"]
            and customer["subscription_id"] == direct["port_subscription_id"]):
        return (f"az network express-route create --name {q(circuit['name'])} "
                "--resource-group \"$RG\" --subscription \"$SUB\" "
                f"--location {q(circuit['region'])} --express-route-port {q(direct['port_id'])} "
                f"--bandwidth {gbps(int(sku['bandwidth_mbps']))} Gbps --sku-tier {sku['tier']} "
                f"--sku-family {sku['family']} --tags customer={q(customer['id'])} "
                "managed-by=planner")
    customer_id = customer["id"]
    return (f"create_on_port {q(circuit['name'])} {q(circuit['region'])} "
            f"{q(direct['port_id'])} {gbps(int(sku['bandwidth_mbps']))} {sku['tier']} "
            f"{sku['family']} {q(direct['port'])} {q(direct['authorization'])} "
            f"{q(customer_id)}")


def azcli_update(name: str, sku: Mapping, where: str) -> str:
    """The command changing a Direct circuit's bandwidth or tier in place."""
    return (f"az network express-route update --name {q(name)} {where} "
            f"--bandwidth {gbps(int(sku['bandwidth_mbps']))} Gbps --sku-tier {sku['tier']} "
            f"--sku-family {sku['family']}")


def azcli_keys_case(manifest: Mapping) -> str:
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
