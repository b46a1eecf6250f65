"""Provisioning manifests: schema, round trip, allocation, renderers, determinism, CLI."""

from __future__ import annotations

import ipaddress
import json
import subprocess
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

import planner
from planner.cli import main
from planner.provision import (
    ProvisioningInputs,
    build_portfolio,
    circuits_from_manifests,
    load_schema,
    read_provisioning,
    write_manifests,
)
from planner.provision.allocate import Request, allocate
from planner.provision.formats import arm_circuit
from planner.provision.settings import ProvisioningSettings
from planner.validate import InputError
from tests.random_instances import generate

DATA = Path(__file__).resolve().parent.parent / "data"
SAMPLE = {name: DATA / f"{name}.csv"
          for name in ("customers", "demand", "catalog", "egress_rates", "inventory")}
REQUIRED_TF = {
    "azurerm_express_route_circuit": {"name", "resource_group_name", "location", "sku",
                                      "service_provider_name", "peering_location",
                                      "bandwidth_in_mbps"},
    "azurerm_express_route_circuit_peering": {"peering_type", "express_route_circuit_name",
                                              "resource_group_name", "vlan_id",
                                              "primary_peer_address_prefix",
                                              "secondary_peer_address_prefix", "peer_asn"},
    "azurerm_virtual_network_gateway_connection": {"name", "resource_group_name", "location",
                                                   "type", "virtual_network_gateway_id",
                                                   "express_route_circuit_id"},
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    inputs = planner.read_inputs(**SAMPLE)
    result = planner.plan_inputs(inputs)
    provisioning = read_provisioning(SAMPLE["customers"], DATA / "provisioning.toml")
    optimal = [c for c, r in result.customers.items() if r.status is planner.Status.OPTIMAL]
    manifests, allocations = build_portfolio(inputs, result.circuits, optimal, provisioning)
    folder = tmp_path_factory.mktemp("sample") / "manifests"
    write_manifests(folder, manifests, allocations)
    return result, optimal, manifests, allocations, folder


def test_every_sample_manifest_follows_the_schema(sample):
    _, optimal, _, _, folder = sample
    schema = load_schema()
    paths = sorted(folder.glob("*/manifest.json"))
    assert [p.parent.name for p in paths] == sorted(optimal)
    for path in paths:
        jsonschema.validate(json.loads(path.read_text()), schema)


def test_reading_manifests_back_gives_the_plans_circuits(sample):
    result, optimal, _, _, folder = sample
    expected = result.circuits[result.circuits["customer_id"].isin(optimal)]
    expected = expected.sort_values(["customer_id", "period", "circuit_name"],
                                    ignore_index=True)
    pd.testing.assert_frame_equal(circuits_from_manifests(folder), expected, check_dtype=False)


def test_allocations_do_not_overlap_and_vlans_are_unique_per_location(sample):
    _, _, _, allocations, _ = sample
    blocks = [a.address_block for a in allocations.values()]
    assert len(set(blocks)) == len(blocks)
    pool = ipaddress.IPv4Network("10.224.0.0/16")
    assert all(b.subnet_of(pool) and b.prefixlen == 29 for b in blocks)
    keys = [(a.peering_location, a.vlan_id) for a in allocations.values()]
    assert len(set(keys)) == len(keys)


def test_vnet_links_follow_the_resiliency_rules(sample):
    _, _, manifests, _, _ = sample
    for manifest in manifests.values():
        sites = {c["name"]: c["site"] for c in manifest["circuits"]}
        mode = manifest["customer"]["resiliency"]
        for month in manifest["months"]:
            by_vnet: dict[str, list[str]] = {}
            for connection in month["connections"]:
                by_vnet.setdefault(connection["vnet"], []).append(connection["circuit"])
            assert len(by_vnet) == month["vnets"]
            for circuits in by_vnet.values():
                assert len(set(circuits)) == len(circuits)
                if mode == "standard":
                    assert len(circuits) == 1
                elif mode == "n+1":
                    assert len(circuits) == 2
                else:
                    assert sorted(sites[c] for c in circuits) == ["primary", "secondary"]


def test_replacements_are_disruptive_and_built_before_the_old_circuit_goes(sample):
    _, _, manifests, _, _ = sample
    replacements = 0
    for manifest in manifests.values():
        for month in manifest["months"]:
            order = {(s["action"], s.get("circuit")): s["order"] for s in month["steps"]}
            for change in month["changes"]:
                if change["action"] == "replace":
                    replacements += 1
                    assert change["disruptive"] and change["reason"]
                    assert (order[("create_circuit", change["circuit"])]
                            < order[("delete_circuit", change["replaces"])])
    assert replacements > 0


def test_terraform_has_the_arguments_the_provider_requires(sample):
    _, _, _, _, folder = sample
    files = sorted(folder.glob("*/terraform/*.tf.json"))
    assert files
    for path in files:
        config = json.loads(path.read_text())
        assert config["provider"]["azurerm"]["features"] == {}
        for kind, resources in config.get("resource", {}).items():
            for body in resources.values():
                assert REQUIRED_TF[kind] <= set(body), (path, kind)
                if kind == "azurerm_express_route_circuit":
                    assert body["sku"]["tier"] in ("Basic", "Local", "Standard", "Premium")
                    assert body["sku"]["family"] in ("MeteredData", "UnlimitedData")
                    assert body["location"]
        text = path.read_text()
        assert "shared_key\": \"${data.azurerm_key_vault_secret" in text or "shared_key" not in text


def test_arm_circuit_bodies_load_into_the_sdk_and_serialize_back(sample):
    models = pytest.importorskip("azure.mgmt.network.models")
    _, _, _, _, folder = sample
    count = 0
    for path in sorted(folder.glob("*/arm/*.json")):
        template = json.loads(path.read_text())
        for resource in template["resources"]:
            if resource["type"] != "Microsoft.Network/expressRouteCircuits":
                continue
            assert resource["apiVersion"] == "2024-05-01"
            body = {k: v for k, v in resource.items() if k not in ("type", "apiVersion", "name")}
            loaded = models.ExpressRouteCircuit(body)
            provider = loaded.properties.service_provider_properties
            assert loaded.sku.tier in {t.value for t in models.ExpressRouteCircuitSkuTier}
            assert loaded.sku.family in {f.value for f in models.ExpressRouteCircuitSkuFamily}
            rebuilt = models.ExpressRouteCircuit(
                location=loaded.location, tags=loaded.tags,
                sku=models.ExpressRouteCircuitSku(name=loaded.sku.name, tier=loaded.sku.tier,
                                                  family=loaded.sku.family),
                properties=models.ExpressRouteCircuitPropertiesFormat(
                    allow_classic_operations=loaded.properties.allow_classic_operations,
                    service_provider_properties=models.ExpressRouteCircuitServiceProviderProperties(
                        service_provider_name=provider.service_provider_name,
                        peering_location=provider.peering_location,
                        bandwidth_in_mbps=provider.bandwidth_in_mbps)))
            assert rebuilt.as_dict() == body
            count += 1
    assert count > 0


def test_arm_body_of_a_circuit_matches_the_manifest():
    circuit = {"name": "er-x-pri-1", "region": "westeurope", "service_provider": "Equinix",
               "peering_location": "Amsterdam"}
    body = arm_circuit(circuit, {"tier": "Premium", "family": "UnlimitedData",
                                 "bandwidth_mbps": 1000})
    assert body["sku"] == {"name": "Premium_UnlimitedData", "tier": "Premium",
                           "family": "UnlimitedData"}
    assert body["properties"]["serviceProviderProperties"]["bandwidthInMbps"] == 1000


def test_cli_scripts_pass_bash_n_and_never_hold_a_key(sample):
    _, _, _, _, folder = sample
    for path in sorted(folder.glob("*/provision.sh")):
        text = path.read_text()
        assert "set -euo pipefail" in text
        assert "az network express-route" in text
        subprocess.run(["bash", "-n", str(path)], check=True)
        assert "--shared-key \"$(az keyvault secret show" in text or "--shared-key" not in text


def test_two_runs_write_identical_bytes(sample, tmp_path):
    result, optimal, _, _, folder = sample
    inputs = result.inputs
    provisioning = read_provisioning(SAMPLE["customers"], DATA / "provisioning.toml")
    manifests, allocations = build_portfolio(inputs, result.circuits, optimal, provisioning)
    again = tmp_path / "manifests"
    write_manifests(again, manifests, allocations)
    first = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first == second


def test_the_allocation_record_keeps_addresses_when_the_portfolio_changes(sample, tmp_path):
    result, optimal, _, allocations, folder = sample
    provisioning = read_provisioning(SAMPLE["customers"], DATA / "provisioning.toml",
                                     folder / "allocations.csv")
    fewer = optimal[1:]
    _, again = build_portfolio(result.inputs, result.circuits, fewer, provisioning)
    assert again
    assert all(again[name] == allocations[name] for name in again)


@pytest.mark.parametrize("seed", range(6))
def test_manifests_of_random_plans_follow_the_schema(seed, tmp_path):
    instance = generate(seed)
    result = planner.plan(instance.customers, instance.demand, instance.catalog,
                          instance.egress_rates, instance.inventory)
    optimal = [c for c, r in result.customers.items() if r.status is planner.Status.OPTIMAL]
    settings = ProvisioningSettings(regions={loc: "westeurope" for loc in set(
        result.inputs.customers["peering_location"]) | set(
        result.inputs.customers["secondary_peering_location"]) if loc})
    manifests, allocations = build_portfolio(result.inputs, result.circuits, optimal,
                                             ProvisioningInputs(settings=settings))
    write_manifests(tmp_path, manifests, allocations)
    schema = load_schema()
    for manifest in manifests.values():
        jsonschema.validate(manifest, schema)
    expected = result.circuits[result.circuits["customer_id"].isin(optimal)].sort_values(
        ["customer_id", "period", "circuit_name"], ignore_index=True)
    pd.testing.assert_frame_equal(circuits_from_manifests(tmp_path), expected,
                                  check_dtype=False)


def test_a_2000_customer_portfolio_gets_no_overlap_and_no_vlan_clash():
    locations = ["Amsterdam", "London", "Frankfurt", "Paris", "Dublin", "Tokyo"]
    requests = [Request(f"er-c{i:04d}-{site}-{n}", f"c{i:04d}", locations[(i + k) % 6])
                for i in range(2000) for k, site in enumerate(("pri", "sec")) for n in (1, 2)]
    settings = ProvisioningSettings(pools=("10.0.0.0/16", "172.16.0.0/20"))
    allocations = allocate(requests, settings)
    blocks = sorted(a.address_block for a in allocations.values())
    assert len(blocks) == len(requests)
    for a, b in zip(blocks, blocks[1:], strict=False):
        assert not a.overlaps(b)
    keys = [(a.peering_location, a.vlan_id) for a in allocations.values()]
    assert len(set(keys)) == len(keys)
    assert all(settings.vlan_min <= a.vlan_id <= settings.vlan_max
               for a in allocations.values())


def test_a_pool_too_small_is_a_clear_error():
    requests = [Request(f"er-c{i}-pri-1", f"c{i}", "Amsterdam") for i in range(9)]
    with pytest.raises(InputError, match=r"hold 8 /29 blocks but 9 circuits"):
        allocate(requests, ProvisioningSettings(pools=("10.0.0.0/26",)))


def test_the_cli_writes_nothing_when_the_pool_runs_out(tmp_path):
    settings = tmp_path / "provisioning.toml"
    settings.write_text((DATA / "provisioning.toml").read_text().replace(
        '"10.224.0.0/16"', '"10.224.0.0/28"'))
    out = tmp_path / "out"
    status = main(["optimize", "--provisioning", str(settings), "--out", str(out)])
    assert status == 2
    assert not out.exists()


def test_bad_provisioning_columns_name_file_row_and_column(tmp_path):
    frame = pd.read_csv(SAMPLE["customers"], dtype=str, keep_default_na=False)
    frame["customer_asn"] = ""
    frame.loc[1, "customer_asn"] = "65515"
    frame["encryption"] = ""
    frame.loc[2, "encryption"] = "rot13"
    path = tmp_path / "customers.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError) as error:
        read_provisioning(path)
    text = str(error.value)
    assert "row 3, column customer_asn" in text and "reserved" in text
    assert "row 4, column encryption" in text


def test_manifests_subcommand_rewrites_from_a_finished_plan(tmp_path):
    out = tmp_path / "out"
    assert main(["optimize", "--out", str(out)]) == 3
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("manifests/**/*")
              if p.is_file()}
    assert main(["manifests", "--plan", str(out), "--format", "json", "azcli"]) == 0
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("manifests/**/*")
             if p.is_file()}
    assert after and set(after) <= set(before)
    assert all(after[p] == before[p] for p in after)
    assert not any("terraform" in str(p) for p in after)
