"""Write ``express_route_list.json``: the sample inventory as ``az network express-route list``.

The circuits of ``data/inventory.csv``, in its order, in the flattened form the current
Azure CLI prints (ARM serialized names: ``azureASN``, ``peerASN``, ``serviceProviderProperties``,
``resourceGroup`` added from the ``id``; see ``reference/prices_and_formats.md`` section 3.2).
Resource groups follow the bundled provisioning settings (``rg-{customer}-expressroute``),
subscriptions come from ``customers.csv``. The private peerings use provider-assigned
/30 pairs from 172.16.0.0/16 and VLANs from 200 up, per peering location; ``etag``,
``serviceKey`` and ``stag`` are deterministic placeholders. Circuits of connect-through
customers carry the ``customer`` tag; those of connect-to customers carry none (they are
matched by subscription).

Run with ``python data/azure/make_express_route_list.py``.
"""

from __future__ import annotations

import csv
import json
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent
NAMESPACE = uuid.UUID("5d7f9e31-8a2c-4f6b-b0e4-7c3a1d9e2f58")
MICROSOFT_ASN = 12076
CSP_ASN = 64512
#: Azure region of each peering location of the sample's inventory.
REGIONS = {"Amsterdam": "westeurope", "London": "uksouth", "Dublin": "northeurope",
           "Frankfurt": "germanywestcentral", "Seattle": "westus2",
           "Washington DC": "eastus", "New York": "eastus", "Dallas": "southcentralus",
           "Chicago": "northcentralus", "Singapore": "southeastasia"}


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def circuit(row: dict, customer: dict, index: int, vlan: int) -> dict:
    """One circuit as the CLI prints it."""
    group = f"rg-{row['customer_id']}-expressroute"
    circuit_id = (f"/subscriptions/{customer['subscription_id']}/resourceGroups/{group}/"
                  f"providers/Microsoft.Network/expressRouteCircuits/{row['circuit_name']}")
    location = (customer["secondary_peering_location"] if row["site"] == "secondary"
                else customer["peering_location"])
    third, fourth = divmod(index * 8, 256)
    peering = {
        "azureASN": MICROSOFT_ASN, "connections": [],
        "etag": f'W/"{_uuid(row["circuit_name"], "peering")}"', "gatewayManagerEtag": "",
        "id": f"{circuit_id}/peerings/AzurePrivatePeering", "lastModifiedBy": "Customer",
        "name": "AzurePrivatePeering", "peerASN": CSP_ASN,
        "peeredConnections": [], "peeringType": "AzurePrivatePeering",
        "primaryAzurePort": "", "primaryPeerAddressPrefix": f"172.16.{third}.{fourth}/30",
        "provisioningState": "Succeeded", "resourceGroup": group, "secondaryAzurePort": "",
        "secondaryPeerAddressPrefix": f"172.16.{third}.{fourth + 4}/30", "state": "Enabled",
        "type": "Microsoft.Network/expressRouteCircuits/peerings", "vlanId": vlan,
    }
    tags = ({"customer": row["customer_id"], "managed-by": "planner"}
            if customer["model"] != "connect-to" else None)
    return {
        "allowClassicOperations": False, "authorizations": [],
        "circuitProvisioningState": "Enabled", "etag": f'W/"{_uuid(row["circuit_name"])}"',
        "expressRoutePort": None, "gatewayManagerEtag": "", "globalReachEnabled": False,
        "id": circuit_id, "location": REGIONS[location], "name": row["circuit_name"],
        "peerings": [peering], "provisioningState": "Succeeded", "resourceGroup": group,
        "serviceKey": _uuid(row["circuit_name"], "service-key"), "serviceProviderNotes": None,
        "serviceProviderProperties": {
            "bandwidthInMbps": int(row["bandwidth_mbps"]), "peeringLocation": location,
            "serviceProviderName": customer["provider"]},
        "serviceProviderProvisioningState": "Provisioned",
        "sku": {"family": row["family"], "name": f"{row['tier']}_{row['family']}",
                "tier": row["tier"]},
        "stag": 10 + index, "tags": tags, "type": "Microsoft.Network/expressRouteCircuits",
    }


def main() -> None:
    """Write data/azure/express_route_list.json from data/inventory.csv."""
    with (DATA / "customers.csv").open(encoding="utf-8") as handle:
        customers = {r["customer_id"]: r for r in csv.DictReader(handle)}
    with (DATA / "inventory.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    vlans: dict[str, int] = {}
    listed = []
    for index, row in enumerate(rows):
        customer = customers[row["customer_id"]]
        customer["model"] = customer["model"] or "connect-through"
        location = (customer["secondary_peering_location"] if row["site"] == "secondary"
                    else customer["peering_location"])
        vlans[location] = vlans.get(location, 199) + 1
        listed.append(circuit(row, customer, index, vlans[location]))
    path = HERE / "express_route_list.json"
    path.write_text(json.dumps(listed, indent=2) + "\n", encoding="utf-8")
    print(f"{path.name}: {len(listed)} circuits")


if __name__ == "__main__":
    main()
