"""`planner inventory`: circuits as Azure lists them -> inventory.csv and peering allocations."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from helpers import DATA

from planner.azure.inventory import read_azure_inventory
from planner.cli.inventory import read_customers
from planner.inputs.validate import InputError

AZ_LIST = DATA / "azure" / "express_route_list.json"
LISTED = json.loads(AZ_LIST.read_text())
CUSTOMERS = read_customers(DATA / "customers.csv")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planner", *args], capture_output=True,
                          text=True, timeout=900)


def read(tmp_path: Path, document: object, tag: str = "customer"):
    path = tmp_path / "az.json"
    path.write_text(json.dumps(document))
    return read_azure_inventory([path], CUSTOMERS, tag)


def one(name: str) -> dict:
    return copy.deepcopy(next(c for c in LISTED if c["name"] == name))


def test_the_bundled_az_list_gives_the_bundled_inventory(tmp_path: Path) -> None:
    out = tmp_path / "inv"
    done = run("inventory", "--from-az", str(AZ_LIST), "--customers",
               str(DATA / "customers.csv"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert (out / "inventory.csv").read_bytes() == (DATA / "inventory.csv").read_bytes()
    assert pd.read_csv(out / "inventory_findings.csv").empty  # every circuit as the plan needs
    allocations = pd.read_csv(out / "peering_allocations.csv")
    first = LISTED[0]["peerings"][0]
    row = allocations.set_index("circuit_name").loc[LISTED[0]["name"]]
    assert first["primaryPeerAddressPrefix"].split("/")[0] == row["address_block"].split("/")[0]
    assert row["vlan_id"] == first["vlanId"] and len(allocations) == len(LISTED)


def test_round_trip_az_json_plan_and_terraform_imports_name_the_same_ids(tmp_path: Path
                                                                        ) -> None:
    inventory = tmp_path / "inv"
    assert run("inventory", "--from-az", str(AZ_LIST), "--customers",
               str(DATA / "customers.csv"), "--out", str(inventory)).returncode == 0
    out = tmp_path / "out"
    done = run("optimize", "--data", str(DATA), "--inventory", str(inventory / "inventory.csv"),
               "--allocations", str(inventory / "peering_allocations.csv"), "--out", str(out))
    assert done.returncode == 3, done.stderr  # two customers are infeasible on purpose
    azure = {c["name"]: c for c in LISTED}
    imported: dict[str, str] = {}
    for customer in (out / "manifests").iterdir():
        if not (customer / "manifest.json").exists():
            continue
        manifest = json.loads((customer / "manifest.json").read_text())
        imports = manifest["rollout"]["imports"]  # what the Terraform configuration imports
        peerings = {c["name"]: c["private_peering"] for c in manifest["circuits"]}
        for name, ids in imports.items():
            imported[name] = ids["circuit"]
            peering = azure[name]["peerings"][0]
            assert ids["peering"] == peering["id"]
            assert peerings[name]["primary_peer_address_prefix"] == \
                peering["primaryPeerAddressPrefix"]
            assert peerings[name]["secondary_peer_address_prefix"] == \
                peering["secondaryPeerAddressPrefix"]
            assert peerings[name]["vlan_id"] == peering["vlanId"]
        existing = {c["name"] for c in manifest["circuits"] if c["existing"]}
        assert existing == set(imports)
    assert imported and all(imported[n] == azure[n]["id"] for n in imported)
    customers_with_inventory = {c["name"].rsplit("-", 2)[0] for c in LISTED}
    assert {n.rsplit("-", 2)[0] for n in imported} == customers_with_inventory


def test_arm_get_with_nested_properties_and_other_key_spellings(tmp_path: Path) -> None:
    flat = one("er-adatum-health-pri-1")
    arm = {key: flat[key] for key in ("name", "id", "type", "location", "sku", "tags")}
    peering = flat["peerings"][0]
    arm["properties"] = {
        "provisioningState": "Succeeded",
        "serviceProviderProperties": flat["serviceProviderProperties"],
        "peerings": [{"name": peering["name"], "properties": {
            "peeringType": "AzurePrivatePeering", "AzureASN": 12076, "peerAsn": 64512,
            "PrimaryPeerAddressPrefix": peering["primaryPeerAddressPrefix"],
            "secondaryPeerAddressPrefix": peering["secondaryPeerAddressPrefix"],
            "VlanId": peering["vlanId"]}}]}
    arm["SKU"] = {"Tier": "premium", "FAMILY": "MeteredData", "Name": "Premium_MeteredData"}
    del arm["sku"]
    found = read(tmp_path, arm)
    assert found.inventory.values.tolist() == [
        ["adatum-health", "er-adatum-health-pri-1", "Premium", "MeteredData", 1000, "primary"]]
    assert found.allocations["vlan_id"].tolist() == [peering["vlanId"]]
    assert found.findings.empty


def test_tier_and_family_are_trusted_over_a_disagreeing_sku_name(tmp_path: Path) -> None:
    circuit = one("er-tailspin-toys-pri-1")
    circuit["sku"] = {"name": "Standard_MeteredData", "tier": "Premium",
                      "family": "MeteredData"}
    found = read(tmp_path, [circuit])
    assert found.inventory["tier"].tolist() == ["Premium"]
    [finding] = found.findings["finding"]
    assert "sku.name 'Standard_MeteredData' disagrees" in finding


def test_customers_are_found_by_tag_else_by_subscription(tmp_path: Path) -> None:
    by_subscription = one("er-contoso-eu-pri-1")
    by_subscription["tags"] = None
    by_tag = one("er-relecloud-pri-1")
    by_tag["id"] = by_tag["id"].replace(by_tag["id"].split("/")[2], "0" * 8 + "-0000-0000-"
                                        "0000-" + "0" * 12)
    nobody = one("er-trey-research-pri-1")
    nobody["tags"] = {"customer": "someone-else"}
    nobody["id"] = by_tag["id"].replace("er-relecloud-pri-1", "er-trey-research-pri-1")
    found = read(tmp_path, [by_subscription, by_tag, nobody])
    assert found.inventory["customer_id"].tolist() == ["contoso-eu", "relecloud"]
    findings = dict(zip(found.findings["circuit_name"], found.findings["finding"], strict=True))
    assert findings["er-trey-research-pri-1"].startswith("matches no customer")
    # found by its tag, but its import ID would not be the manifests' one
    assert "is not the customer's" in findings["er-relecloud-pri-1"]
    assert len(findings) == 2


def test_mixed_tiers_legacy_sizes_and_direct_circuits_are_reported(tmp_path: Path) -> None:
    mixed = one("er-fabrikam-uk-pri-2")
    mixed["sku"] = {"name": "Premium_MeteredData", "tier": "Premium", "family": "MeteredData"}
    legacy = one("er-contoso-eu-pri-1")
    legacy["serviceProviderProperties"]["bandwidthInMbps"] = 150
    direct = one("er-trey-research-pri-1")
    direct.update(serviceProviderProperties=None, bandwidthInGbps=10.0, expressRoutePort={
        "id": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/"
              "expressRoutePorts/csp-direct-chicago", "resourceGroup": "rg"})
    found = read(tmp_path, [one("er-fabrikam-uk-pri-1"), mixed, legacy, direct])
    assert found.inventory["circuit_name"].tolist() == ["er-contoso-eu-pri-1"]
    assert found.inventory["bandwidth_mbps"].tolist() == [150]
    assert found.direct[["circuit_name", "bandwidth_mbps"]].values.tolist() == [
        ["er-trey-research-pri-1", 10000]]
    text = "\n".join(found.findings["finding"])
    assert text.count("mix tiers or families") == 2
    assert "legacy size 150 Mb/s" in text and "ExpressRoute Direct port csp-direct-chicago" in text


def test_a_peering_that_is_not_one_slash_29_is_reported_not_kept(tmp_path: Path) -> None:
    circuit = one("er-contoso-eu-pri-1")
    circuit["peerings"][0]["secondaryPeerAddressPrefix"] = "10.9.9.0/30"
    found = read(tmp_path, [circuit])
    assert found.allocations.empty and len(found.inventory) == 1
    assert "is not one /29" in found.findings["finding"].iloc[0]


@pytest.mark.parametrize("mutate, where", [
    (lambda c: c.pop("name"), "$[0].name: expected the circuit's name"),
    (lambda c: c["sku"].update(tier="Gold"), "$[0].sku.tier: 'Gold' is not one of"),
    (lambda c: c["serviceProviderProperties"].update(bandwidthInMbps="1G"),
     "$[0].serviceProviderProperties.bandwidthInMbps: '1G' is not a bandwidth"),
    (lambda c: c["peerings"][0].update(vlanId=5000),
     "$[0].peerings[0].vlanId: 5000 is not a VLAN ID"),
    (lambda c: c.update(id="/subscriptions/x/virtualNetworks/y"), "$[0].id: "),
])
def test_malformed_circuits_exit_2_naming_file_and_json_path(tmp_path: Path, mutate,
                                                           where: str) -> None:
    circuit = one("er-contoso-eu-pri-1")
    mutate(circuit)
    path = tmp_path / "az.json"
    path.write_text(json.dumps([circuit]))
    out = tmp_path / "out"
    done = run("inventory", "--from-az", str(path), "--out", str(out), "--customers",
               str(DATA / "customers.csv"))
    assert done.returncode == 2
    assert f"{path}: {where}" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


def test_malformed_json_and_duplicate_names(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("[{\"name\": ")
    with pytest.raises(InputError, match=r"broken.json: not valid JSON at line 1"):
        read_azure_inventory([broken], CUSTOMERS)
    with pytest.raises(InputError, match=r"\$\[1\]\.name: circuit 'er-contoso-eu-pri-1' also"):
        read(tmp_path, [one("er-contoso-eu-pri-1"), one("er-contoso-eu-pri-1")])


def test_identity_mismatches_and_deleting_circuits_are_reported(tmp_path: Path) -> None:
    moved = one("er-contoso-eu-pri-1")
    moved["id"] = moved["id"].replace("rg-contoso-eu-expressroute", "rg-legacy")
    other_subscription = one("er-relecloud-pri-1")  # tagged, so still relecloud's
    other_subscription["id"] = other_subscription["id"].replace(
        other_subscription["id"].split("/")[2], "11111111-2222-3333-4444-555555555555")
    deleting = one("er-trey-research-pri-1")
    deleting["provisioningState"] = "Deleting"
    groups = {c: f"rg-{c}-expressroute" for c in CUSTOMERS["customer_id"]}
    path = tmp_path / "az.json"
    path.write_text(json.dumps([moved, other_subscription, deleting]))
    found = read_azure_inventory([path], CUSTOMERS, resource_groups=groups)
    assert found.inventory["circuit_name"].tolist() == ["er-contoso-eu-pri-1",
                                                        "er-relecloud-pri-1"]
    findings = dict(zip(found.findings["circuit_name"], found.findings["finding"], strict=True))
    assert findings["er-contoso-eu-pri-1"].startswith(
        "resource group rg-legacy is not rg-contoso-eu-expressroute")
    assert "is not the customer's" in findings["er-relecloud-pri-1"]
    assert findings["er-trey-research-pri-1"] == "provisioningState Deleting; left out"
