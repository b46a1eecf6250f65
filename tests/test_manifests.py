"""Provisioning manifests: schema, round trip, allocation, renderers, determinism, CLI."""

from __future__ import annotations

import dataclasses
import ipaddress
import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import hcl2
import jsonschema
import pandas as pd
import pytest
from helpers import DATA

import planner
from planner.cli import main
from planner.inputs.validate import InputError
from planner.provision import (
    ProvisioningInputs,
    build_portfolio,
    circuits_from_manifests,
    load_schema,
    portfolio,
    read_provisioning,
    write_manifests,
)
from planner.provision.allocate import Request, allocate
from planner.provision.formats import arm_circuit, terraform_plan
from planner.provision.settings import ProvisioningSettings
from tests.random_instances import generate

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


REFERENCE = re.compile(r"\b(var|local|each|path|data|module)\.([A-Za-z_][A-Za-z0-9_-]*)"
                       r"|\b(azurerm_[a-z_]+)\.([A-Za-z_][A-Za-z0-9_-]*)")


def _strings(node, path=()):
    """Every string in a JSON document with its path."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, (*path, index))


def _expressions(text):
    """The expressions inside ``${...}`` of a Terraform JSON string (nesting allowed)."""
    found, depth, start = [], 0, None
    index = 0
    while index < len(text):
        if text.startswith("${", index):
            if depth == 0:
                start = index + 2
            depth += 1
            index += 2
            continue
        if text[index] == "{" and depth:
            depth += 1
        elif text[index] == "}" and depth:
            depth -= 1
            if depth == 0:
                found.append(text[start:index])
        index += 1
    assert depth == 0, f"unbalanced interpolation in {text!r}"
    return found


def check_terraform_folder(folder: Path) -> dict:
    """Check that a folder is one Terraform configuration whose references all resolve.

    Returns the merged configuration. Every ``*.tf.json`` of the folder is read together,
    as Terraform does: no resource, variable, local or provider may be declared twice,
    every ``${...}`` reference and ``depends_on`` entry must name something declared in the
    folder, ``each`` appears only under ``for_each``, and files read with ``file()`` exist.
    """
    declared: dict[str, str] = {}
    merged: dict = {"resource": {}, "data": {}, "variable": {}, "locals": {}, "import": []}
    files = sorted(folder.glob("*.tf.json"))
    assert files, folder
    for path in files:
        config = json.loads(path.read_text())
        for kind, blocks in config.get("resource", {}).items():
            for name, body in blocks.items():
                address = f"{kind}.{name}"
                assert address not in declared, f"{address} in {path.name} and {declared[address]}"
                declared[address] = path.name
                merged["resource"].setdefault(kind, {})[name] = body
        for section in ("variable", "locals", "provider"):
            for name, body in config.get(section, {}).items():
                key = f"{section}.{name}"
                assert key not in declared, f"{key} in {path.name} and {declared[key]}"
                declared[key] = path.name
                merged.setdefault(section, {})[name] = body
        merged["import"] += config.get("import", [])
        merged.setdefault("terraform", config.get("terraform"))

    def resolves(kind: str, name: str) -> bool:
        if kind in ("var", "local"):
            return f"{'variable' if kind == 'var' else 'locals'}.{name}" in declared
        return f"{kind}.{name}" in declared

    def check(node, where: str, each: bool) -> None:
        for path, text in _strings(node):
            if "${" in text:
                # HCL's own grammar (python-hcl2) parses the template and its expressions.
                try:
                    hcl2.loads(f"x = {json.dumps(text)}\n")
                except Exception as error:  # any parse failure is the finding
                    raise AssertionError(f"{where}: {text!r} is not valid HCL: {error}") from None
            if path and path[-1] == "for_each":
                continue
            for expression in _expressions(text):
                for match in REFERENCE.finditer(expression):
                    kind, name = (match.group(1), match.group(2)) if match.group(1) else (
                        match.group(3), match.group(4))
                    if kind == "each":
                        assert each and name in ("key", "value"), (where, expression)
                    elif kind == "path":
                        assert name == "module", (where, expression)
                    else:
                        assert resolves(kind, name), f"{where}: {kind}.{name} is not declared"
                for used in re.findall(r'file\("\$\{path\.module\}/([^"]+)"\)', expression):
                    assert (folder / used).is_file(), f"{where}: {used} is missing"

    check(merged["locals"], "locals", False)
    check(merged.get("provider", {}), "provider", False)
    for kind, blocks in merged["resource"].items():
        for name, body in blocks.items():
            where = f"{kind}.{name}"
            check({k: v for k, v in body.items() if k != "depends_on"}, where,
                  "for_each" in body)
            for target in body.get("depends_on", []):
                assert target in declared, f"{where}: depends_on {target} is not declared"
    for block in merged["import"]:
        check(block, "import", "for_each" in block)
        target = re.sub(r"\[.*\]$", "", block["to"])
        assert target in declared, f"import to {block['to']}: not declared"
        if "[" in block["to"]:
            assert "for_each" in merged["resource"][target.split(".")[0]][target.split(".")[1]]
    return merged


def test_every_terraform_folder_is_one_configuration_that_resolves(sample):
    _, optimal, manifests, _, folder = sample
    folders = sorted(folder.glob("*/terraform"))
    assert [f.parent.name for f in folders] == sorted(optimal)
    for terraform in folders:
        assert sorted(p.name for p in terraform.iterdir()) == ["main.tf.json", "plan.json"]
        config = check_terraform_folder(terraform)
        assert config["terraform"]["required_version"].startswith(">= 1.7")
        assert config["terraform"]["required_providers"]["azurerm"]["version"] == ">= 4.4, < 5.0"
        assert config["provider"]["azurerm"]["features"] == {}
        for kind, resources in config["resource"].items():
            for body in resources.values():
                if kind in REQUIRED_TF:
                    assert REQUIRED_TF[kind] <= set(body), (terraform, kind)
        # No key reaches Terraform state: nothing reads the vault, no key is set.
        assert not config["data"] and "key_vault" not in (terraform / "main.tf.json").read_text()
        peering = config["resource"]["azurerm_express_route_circuit_peering"]["private"]
        assert "shared_key" not in peering
        assert peering["lifecycle"]["ignore_changes"] == ["shared_key"]


def test_the_terraform_check_catches_what_terraform_would_reject(sample, tmp_path):
    _, optimal, _, _, folder = sample
    good = json.loads((folder / optimal[0] / "terraform" / "main.tf.json").read_text())
    (tmp_path / "plan.json").write_text("{}")
    cases = {
        "two files declaring one resource": [good, {"resource": {
            "azurerm_express_route_circuit": {"circuit": {"name": "x"}}}}],
        "an undeclared local": [{**good, "locals": {**good["locals"],
                                                    "step": "${local.plans.steps[var.step]}"}}],
        "a depends_on outside the folder": [{**good, "resource": {**good["resource"],
            "azurerm_virtual_network_gateway_connection": {"vnet": {
                **good["resource"]["azurerm_virtual_network_gateway_connection"]["vnet"],
                "depends_on": ["azurerm_express_route_circuit_peering.other"]}}}}],
        "an expression Terraform cannot parse": [{**good, "locals": {
            **good["locals"], "peerings": "${ {for name in local.step.peerings : name =>} }"}}],
        "a missing data file": [{**good, "locals": {
            **good["locals"], "plan": '${jsondecode(file("${path.module}/steps.json"))}'}}],
    }
    for what, configs in cases.items():
        for old in tmp_path.glob("*.tf.json"):
            old.unlink()
        for index, config in enumerate(configs):
            (tmp_path / f"f{index}.tf.json").write_text(json.dumps(config))
        with pytest.raises(AssertionError):
            check_terraform_folder(tmp_path)
            pytest.fail(what)
    (tmp_path / "f0.tf.json").write_text(json.dumps(good))
    check_terraform_folder(tmp_path)


def _plan_steps(plan: dict, pattern: str):
    """What ``main.tf.json`` makes of ``plan.json`` at each step, as Terraform would."""
    assert list(plan["steps"]) == sorted(plan["steps"]) == plan["order"]
    for label in plan["order"]:
        assert re.fullmatch(pattern, label), label
        step = plan["steps"][label]
        circuits = {n: {**plan["circuits"][n], **sku} for n, sku in step["circuits"].items()}
        peerings = {n: plan["circuits"][n] for n in step["peerings"]}
        connections = {n: plan["connections"][n] for n in step["connections"]}
        yield label, circuits, peerings, connections


def test_each_step_of_the_terraform_plan_has_everything_its_resources_refer_to(sample):
    _, _, manifests, _, folder = sample
    imported = 0
    for customer_id, manifest in manifests.items():
        terraform = folder / customer_id / "terraform"
        config = json.loads((terraform / "main.tf.json").read_text())
        plan = json.loads((terraform / "plan.json").read_text())
        pattern = re.search(r'regex\("(.+?)", var\.step\)',
                            config["variable"]["step"]["validation"][0]["condition"]).group(1)
        resources = config["resource"]
        attributes = {kind: {a for _, text in _strings(body)
                             for a in re.findall(r"each\.value\.([a-z_]+)", text)}
                      for kind, blocks in resources.items() for body in blocks.values()}
        existing = {c["name"] for c in manifest["circuits"] if c["existing"]}
        first = True
        for _label, circuits, peerings, connections in _plan_steps(plan, pattern):
            for body in circuits.values():
                assert attributes["azurerm_express_route_circuit"] <= set(body)
            for name, body in peerings.items():
                assert name in circuits
                assert attributes["azurerm_express_route_circuit_peering"] <= set(body)
            for body in connections.values():
                assert body["circuit"] in peerings
                assert attributes["azurerm_virtual_network_gateway_connection"] <= set(body)
            if first:
                # Inventory circuits and their peerings are imported in the first step.
                assert existing <= set(peerings)
                first = False
        assert set(plan["imports"]) == existing
        for name in existing:
            circuit_id = plan["imports"][name]["circuit"]
            assert circuit_id.endswith(f"/expressRouteCircuits/{name}")
            assert plan["imports"][name]["peering"] == f"{circuit_id}/peerings/AzurePrivatePeering"
            imported += 1
        group_import = [b for b in config["import"] if b["to"] == "azurerm_resource_group.customer"]
        assert len(group_import) == (1 if existing else 0)
    assert imported > 0


def test_new_circuits_get_their_peering_only_in_the_step_after_they_are_ordered(sample):
    _, _, manifests, _, folder = sample
    split = 0
    for customer_id in manifests:
        plan = json.loads((folder / customer_id / "terraform" / "plan.json").read_text())
        steps = plan["order"]
        for index, label in enumerate(steps):
            if not label.endswith("-1-circuits"):
                continue
            step, after = plan["steps"][label], plan["steps"][steps[index + 1]]
            assert steps[index + 1] == label.replace("-1-circuits", "-2-build")
            new = set(after["peerings"]) - set(step["peerings"])
            assert new and new <= set(step["circuits"])
            assert not new & {c["circuit"] for c in (plan["connections"][n]
                                                     for n in step["connections"])}
            split += 1
    assert split > 0


def test_gateway_connections_are_made_in_the_gateways_region(sample, tmp_path):
    result, optimal, manifests, _, folder = sample
    checked = 0
    for manifest in manifests.values():
        primary = next(c["region"] for c in manifest["circuits"] if c["site"] == "primary")
        regions = {c["name"]: c["region"] for c in manifest["circuits"]}
        assert all(vnet["region"] == primary for vnet in manifest["vnets"].values())
        for month in manifest["months"]:
            for connection in month["connections"]:
                assert connection["vnet"] in manifest["vnets"]
                checked += regions[connection["circuit"]] != primary
    assert checked > 0, "no sample connection joins a circuit of another region"
    provisioning = read_provisioning(SAMPLE["customers"], DATA / "provisioning.toml")
    provisioning.settings = dataclasses.replace(provisioning.settings, vnet_region="northeurope")
    again, _ = build_portfolio(result.inputs, result.circuits, optimal, provisioning)
    assert {v["region"] for m in again.values() for v in m["vnets"].values()} == {"northeurope"}
    plan = terraform_plan(next(m for m in again.values() if m["vnets"]))
    assert {c["region"] for c in plan["connections"].values()} == {"northeurope"}


def test_arm_circuit_bodies_load_into_the_sdk_and_serialize_back(sample):
    models = pytest.importorskip("azure.mgmt.network.models")
    _, _, _, _, folder = sample
    count = 0
    for path in sorted(folder.glob("*/arm/*-*.json")):
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


def test_arm_peerings_and_connections_load_into_the_sdk_and_keys_come_from_the_vault(sample):
    models = pytest.importorskip("azure.mgmt.network.models")
    _, _, manifests, _, folder = sample
    settings = read_provisioning(SAMPLE["customers"], DATA / "provisioning.toml").settings
    vault = (f"/subscriptions/{settings.md5_key_vault_subscription}/resourceGroups/"
             f"{settings.md5_key_vault_resource_group}/providers/Microsoft.KeyVault/vaults/"
             f"{settings.md5_key_vault}")
    kinds = {"Microsoft.Network/expressRouteCircuits/peerings": models.ExpressRouteCircuitPeering,
             "Microsoft.Network/connections": models.VirtualNetworkGatewayConnection}
    loaded = dict.fromkeys(kinds, 0)
    for customer_id, manifest in manifests.items():
        arm = folder / customer_id / "arm"
        parameters = json.loads((arm / "parameters.json").read_text())["parameters"]
        assert {p["reference"]["keyVault"]["id"] for p in parameters.values()} == {vault}
        primary = next(c["region"] for c in manifest["circuits"] if c["site"] == "primary")
        for path in sorted(arm.glob("*-*.json")):
            template = json.loads(path.read_text())
            assert set(template["parameters"]) == set(parameters)
            for resource in template["resources"]:
                model = kinds.get(resource["type"])
                if model is None:
                    continue
                body = {k: v for k, v in resource.items()
                        if k not in ("type", "apiVersion", "name", "dependsOn")}
                instance = model(body)
                properties = instance.properties
                if model is models.VirtualNetworkGatewayConnection:
                    assert instance.location == primary
                    assert properties.connection_type == "ExpressRoute"
                    assert properties.virtual_network_gateway1.id.startswith("/subscriptions/")
                else:
                    assert properties.peering_type == "AzurePrivatePeering"
                    assert properties.shared_key.startswith("[parameters('sharedKey_")
                    assert 1 <= properties.vlan_id <= 4094
                assert instance.as_dict() == body
                loaded[resource["type"]] += 1
    assert all(loaded.values()), loaded


def test_arm_templates_make_each_resource_once_and_depend_only_inside_themselves(sample):
    _, _, manifests, _, folder = sample
    for customer_id, manifest in manifests.items():
        made: dict[str, int] = {}
        for path in sorted((folder / customer_id / "arm").glob("*-*.json")):
            resources = json.loads(path.read_text())["resources"]
            ids = {f"{r['type']}:{r['name']}" for r in resources}
            for resource in resources:
                key = f"{resource['type']}:{resource['name']}"
                made[key] = made.get(key, 0) + 1
                for target in resource.get("dependsOn", []):
                    kind, *names = re.findall(r"'([^']+)'", target)
                    assert f"{kind}:{'/'.join(names)}" in ids, (path, target)
        connections = {c["name"] for m in manifest["months"] for c in m["connections"]}
        assert {k.split(":")[1] for k in made if k.startswith("Microsoft.Network/connections:")
                } == connections
        for circuit in manifest["circuits"]:
            name = circuit["name"]
            peering = f"Microsoft.Network/expressRouteCircuits/peerings:{name}/AzurePrivatePeering"
            if not circuit["existing"]:
                assert made[f"Microsoft.Network/expressRouteCircuits:{name}"] >= 1
                assert made[peering] >= 1


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


FAKE_AZ = """#!/usr/bin/env bash
{ printf '%s\\0' "$@"; printf '\\036\\0'; } >> "$AZ_LOG"
echo Provisioned
"""


def _recorded_az_commands(folder: Path, tmp_path: Path) -> list[list[str]]:
    """Every az command line the sample scripts run, as bash expands it, step by step."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "az").write_text(FAKE_AZ)
    (bin_dir / "az").chmod(0o755)
    log = tmp_path / "az.log"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "AZ_LOG": str(log)}
    for script in sorted(folder.glob("*/provision.sh")):
        usage = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True)
        assert usage.returncode == 2 and "steps in order:" in usage.stderr
        steps = usage.stderr.split("steps in order:")[1].split()
        plan = json.loads((script.parent / "terraform" / "plan.json").read_text())
        assert steps == plan["order"]
        for step in steps:
            for args in ([step], ["wait", step], ["md5", step]):
                subprocess.run(["bash", str(script), *args], env=env, check=True,
                               capture_output=True)
    fields = log.read_bytes().split(b"\0")
    commands, current = [], []
    for field in fields[:-1]:
        if field == b"\x1e":
            commands.append(current)
            current = []
        else:
            current.append(field.decode())
    return commands


def _shape(args: list[str]) -> tuple:
    words = tuple(itertools.takewhile(lambda a: not a.startswith("-"), args))
    return words, tuple(sorted(a for a in args if a.startswith("-")))


def test_the_real_azure_cli_accepts_every_command_shape_of_the_scripts(sample, tmp_path):
    pytest.importorskip("azure.cli.core")
    _, _, _, _, folder = sample
    commands = _recorded_az_commands(folder, tmp_path)
    shapes = {}
    for args in commands:
        shapes.setdefault(_shape(args), args)
    verbs = {" ".join(words) for words, _ in shapes}
    assert {"group create", "network express-route create", "network express-route update",
            "network express-route delete", "network express-route show",
            "network express-route peering create", "network express-route peering update",
            "network vpn-connection create", "network vpn-connection delete",
            "keyvault secret show"} <= verbs
    # One broken command shows that the check can fail.
    broken = ["network", "express-route", "create", "--name", "x", "--sku-family", "Bogus"]
    results = json.loads(subprocess.run(
        [sys.executable, str(Path(__file__).with_name("azcli_check.py"))],
        input=json.dumps([*shapes.values(), broken]), capture_output=True, text=True,
        check=True).stdout)
    *checked, refused = results
    assert refused["status"] == 2 and "Bogus" in refused["errors"]
    for result in checked:
        # Parsed and validated: the CLI stops only because no account is logged in.
        assert result["status"] == 1 and "az login" in result["errors"], result


def test_two_runs_write_identical_bytes_whatever_the_jobs(sample, tmp_path, monkeypatch):
    result, optimal, _, _, folder = sample
    inputs = result.inputs
    provisioning = read_provisioning(SAMPLE["customers"], DATA / "provisioning.toml")
    monkeypatch.setattr(portfolio, "CHUNK", 3)
    manifests, allocations = build_portfolio(inputs, result.circuits, optimal, provisioning,
                                             jobs=2)
    again = tmp_path / "manifests"
    written = []
    write_manifests(again, manifests, allocations, jobs=2, progress=written.append)
    assert sum(written) == len(manifests) and len(written) == -(-len(manifests) // 3)
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
    assert main(["manifests", "--plan", str(out), "--jobs", "0"]) == 2
    assert main(["manifests", "--plan", str(out), "--format", "json", "azcli",
                 "--jobs", "2"]) == 0
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("manifests/**/*")
             if p.is_file()}
    assert after and set(after) <= set(before)
    assert all(after[p] == before[p] for p in after)
    assert not any("terraform" in str(p) for p in after)


def test_a_key_vault_without_its_subscription_and_group_is_a_clear_error(tmp_path):
    settings = tmp_path / "provisioning.toml"
    text = (DATA / "provisioning.toml").read_text()
    settings.write_text(text.replace('md5_key_vault_subscription = "', '# "').replace(
        'md5_key_vault_resource_group = "rg-csp-secrets"', 'md5_key_vault_resource_group = "a/b"')
        .replace('region = ""', 'region = "West Europe"'))
    with pytest.raises(InputError) as error:
        read_provisioning(SAMPLE["customers"], settings)
    text = str(error.value)
    assert "secrets.md5_key_vault_subscription" in text and "GUID" in text
    assert "secrets.md5_key_vault_resource_group" in text and "'a/b'" in text
    assert "vnets.region" in text and "'West Europe'" in text
    out = tmp_path / "out"
    assert main(["optimize", "--provisioning", str(settings), "--out", str(out)]) == 2
    assert not out.exists()
