"""Provisioning manifests: schema, round trip, allocation, renderers, determinism, CLI."""

from __future__ import annotations

import dataclasses
import ipaddress
import itertools
import json
import os
import re
import subprocess
from pathlib import Path

import hcl2
import jsonschema
import pandas as pd
import pytest
from helpers import DATA, azure_cli_check, command_shape, fake_az, logged_az_commands

import planner
from planner.cli import main
from planner.inputs.validate import InputError
from planner.provision import (
    ProvisioningInputs,
    build_portfolio,
    circuits_from_manifests,
    load_schema,
    portfolio,
    prepare_portfolio,
    read_provisioning,
    write_manifests,
    write_portfolio,
)
from planner.provision.allocate import Request, allocate
from planner.provision.formats import ARM_TEMPLATE, arm_circuit
from planner.provision.manifest import rollout_steps
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
        after = connections_after_each_month(manifest)
        for month in manifest["months"]:
            by_vnet: dict[str, list[str]] = {}
            for connection in after[month["period"]]:
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


def connections_after_each_month(manifest: dict) -> dict[str, list[dict]]:
    """The vNet connections in place after each month of the manifest, by period."""
    return {step["period"]: step["connections"] for step in rollout_steps(manifest)}


def test_replacements_are_disruptive_and_built_before_the_old_circuit_goes(sample):
    _, _, manifests, _, _ = sample
    replacements = 0
    for manifest in manifests.values():
        spans = manifest["rollout"]["circuits"]
        steps = manifest["rollout"]["steps"]
        for month in manifest["months"]:
            for change in month["changes"]:
                if change["action"] == "replace":
                    replacements += 1
                    assert change["disruptive"] and change["reason"]
                    new, old = spans[change["circuit"]], spans[change["replaces"]]
                    # The new circuit is peered before the old one goes, in the same month.
                    assert new["peered"] < old["until"] < len(steps)
                    assert steps[old["until"]] == f"{month['period']}-3-retire"
    assert replacements > 0


def test_the_rollout_is_the_same_as_month_by_month_and_listed_once(sample):
    _, _, manifests, _, _ = sample
    for manifest in manifests.values():
        steps = rollout_steps(manifest)
        periods = [m["period"] for m in manifest["months"]]
        assert sorted({s["period"] for s in steps}) == periods
        labels = [s["label"] for s in steps]
        assert labels == sorted(labels) == manifest["rollout"]["steps"]
        for before, step in itertools.pairwise(steps):
            # Build before break: a build step only adds, a retire step only removes.
            if step["stage"] in ("circuits", "build"):
                assert set(before["circuits"]) <= set(step["circuits"])
                assert {c["name"] for c in before["connections"]} <= {
                    c["name"] for c in step["connections"]}
            else:
                assert set(step["circuits"]) <= set(before["circuits"])
            for connection in step["connections"]:
                assert connection["circuit"] in step["peerings"]


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


def check_terraform_folder(folder: Path, workspaces: tuple[str, ...] = ()) -> dict:
    """Check that a folder is one Terraform configuration whose references all resolve.

    Returns the merged configuration. Every ``*.tf.json`` of the folder is read together,
    as Terraform does: no resource, variable, local or provider may be declared twice,
    every ``${...}`` reference and ``depends_on`` entry must name something declared in the
    folder, ``each`` appears only under ``for_each``, and files read with ``file()`` exist
    (for each of ``workspaces`` where the path names ``terraform.workspace``).
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
                    for workspace in workspaces if "${terraform.workspace}" in used else ("",):
                        path = folder / used.replace("${terraform.workspace}", workspace)
                        assert path.is_file(), f"{where}: {path} is missing"

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


def test_the_terraform_folder_is_one_configuration_that_resolves_for_every_customer(sample):
    _, optimal, manifests, _, folder = sample
    terraform = folder / "terraform"
    assert sorted(p.name for p in terraform.iterdir()) == ["main.tf.json"]
    config = check_terraform_folder(terraform, tuple(optimal))
    assert config["terraform"]["required_version"].startswith(">= 1.7")
    assert config["terraform"]["required_providers"]["azurerm"]["version"] == ">= 4.4, < 5.0"
    assert config["provider"]["azurerm"]["features"] == {}
    assert "${terraform.workspace}/manifest.json" in config["locals"]["manifest"]
    for kind, resources in config["resource"].items():
        for body in resources.values():
            if kind in REQUIRED_TF:
                assert REQUIRED_TF[kind] <= set(body), kind
    # No key reaches Terraform state: nothing reads the vault, no key is set.
    assert not config["data"] and "key_vault" not in (terraform / "main.tf.json").read_text()
    peering = config["resource"]["azurerm_express_route_circuit_peering"]["private"]
    assert "shared_key" not in peering
    assert peering["lifecycle"]["ignore_changes"] == ["shared_key"]


def test_the_terraform_check_catches_what_terraform_would_reject(sample, tmp_path):
    _, optimal, _, _, folder = sample
    good = json.loads((folder / "terraform" / "main.tf.json").read_text())
    terraform = tmp_path / "terraform"
    terraform.mkdir()
    (tmp_path / "c1").mkdir()
    (tmp_path / "c1" / "manifest.json").write_text("{}")
    cases = {
        "two files declaring one resource": [good, {"resource": {
            "azurerm_express_route_circuit": {"circuit": {"name": "x"}}}}],
        "an undeclared local": [{**good, "locals": {**good["locals"],
                                                    "rollout": "${local.manifests.rollout}"}}],
        "a depends_on outside the folder": [{**good, "resource": {**good["resource"],
            "azurerm_virtual_network_gateway_connection": {"vnet": {
                **good["resource"]["azurerm_virtual_network_gateway_connection"]["vnet"],
                "depends_on": ["azurerm_express_route_circuit_peering.other"]}}}}],
        "an expression Terraform cannot parse": [{**good, "locals": {
            **good["locals"], "peerings": "${ {for name in local.circuits : name =>} }"}}],
        "a missing data file": [{**good, "locals": {
            **good["locals"], "manifest": '${jsondecode(file("${path.module}/steps.json"))}'}}],
    }
    for what, configs in cases.items():
        for old in terraform.glob("*.tf.json"):
            old.unlink()
        for index, config in enumerate(configs):
            (terraform / f"f{index}.tf.json").write_text(json.dumps(config))
        with pytest.raises(AssertionError):
            check_terraform_folder(terraform, ("c1",))
            pytest.fail(what)
    (terraform / "f0.tf.json").write_text(json.dumps(good))
    check_terraform_folder(terraform, ("c1",))
    with pytest.raises(AssertionError, match="c2"):  # a customer without its manifest
        check_terraform_folder(terraform, ("c1", "c2"))


def terraform_state(manifest: dict, step: str) -> tuple[dict, dict, dict, dict]:
    """What ``main.tf.json``'s locals make of a manifest at ``step``, as Terraform would.

    Follows the expressions of the configuration: the step's index, the circuits whose span
    holds it (with their peering's and their latest SKU's attributes), the peerings made by
    then and the connections whose spans hold it; and the imports.
    """
    rollout = manifest["rollout"]
    at = rollout["steps"].index(step)
    skus = {name: [s for s in span["skus"] if s["from"] <= at]
            for name, span in rollout["circuits"].items()}
    circuits = {c["name"]: {**c, **c["private_peering"], **skus[c["name"]][-1]}
                for c in manifest["circuits"]
                if rollout["circuits"][c["name"]]["from"] <= at < rollout["circuits"][c["name"]][
                    "until"]}
    peerings = {n: c for n, c in circuits.items() if rollout["circuits"][n]["peered"] <= at}
    connections = {n: {**link, **manifest["vnets"][link["vnet"]]}
                   for n, link in rollout["connections"].items()
                   if any(a <= at < b for a, b in link["steps"])}
    imports = {n: ids for n, ids in rollout["imports"].items() if n in circuits}
    return circuits, peerings, connections, imports


def test_each_step_of_the_terraform_configuration_is_the_rollout_step(sample):
    _, _, manifests, _, folder = sample
    config = json.loads((folder / "terraform" / "main.tf.json").read_text())
    pattern = re.search(r'regex\("(.+?)", var\.step\)',
                        config["variable"]["step"]["validation"][0]["condition"]).group(1)
    resources = config["resource"]
    attributes = {kind: {a for _, text in _strings(body)
                         for a in re.findall(r"each\.value\.([a-z_]+)", text)}
                  for kind, blocks in resources.items() for body in blocks.values()}
    imported = 0
    for manifest in manifests.values():
        existing = {c["name"] for c in manifest["circuits"] if c["existing"]}
        for index, step in enumerate(rollout_steps(manifest)):
            assert re.fullmatch(pattern, step["label"]), step["label"]
            circuits, peerings, connections, imports = terraform_state(manifest, step["label"])
            # Terraform's reading of the manifest is the rollout every format follows.
            assert {n: {k: c[k] for k in ("tier", "family", "bandwidth_mbps")}
                    for n, c in circuits.items()} == step["circuits"]
            assert sorted(peerings) == step["peerings"]
            assert sorted(connections) == [c["name"] for c in step["connections"]]
            for body in circuits.values():
                assert attributes["azurerm_express_route_circuit"] <= set(body)
            for body in peerings.values():
                assert attributes["azurerm_express_route_circuit_peering"] <= set(body)
            for body in connections.values():
                assert body["circuit"] in peerings
                assert attributes["azurerm_virtual_network_gateway_connection"] <= set(body)
            if index == 0:
                # Inventory circuits and their peerings are imported in the first step.
                assert existing <= set(peerings) and set(imports) == existing
        for name in existing:
            circuit_id = manifest["rollout"]["imports"][name]["circuit"]
            assert circuit_id.endswith(f"/expressRouteCircuits/{name}")
            assert (manifest["rollout"]["imports"][name]["peering"]
                    == f"{circuit_id}/peerings/AzurePrivatePeering")
            imported += 1
    assert imported > 0
    group_import = [b for b in config["import"]
                    if b["to"] == "azurerm_resource_group.customer[each.key]"]
    assert len(group_import) == 1
    assert "length(local.rollout.imports) > 0" in config["locals"]["group_imports"]


def test_new_circuits_get_their_peering_only_in_the_step_after_they_are_ordered(sample):
    _, _, manifests, _, _ = sample
    split = 0
    for manifest in manifests.values():
        steps = rollout_steps(manifest)
        for index, step in enumerate(steps):
            if step["stage"] != "circuits":
                continue
            after = steps[index + 1]
            assert after["label"] == step["label"].replace("-1-circuits", "-2-build")
            new = set(after["peerings"]) - set(step["peerings"])
            assert new and new <= set(step["circuits"])
            assert not new & {c["circuit"] for c in step["connections"]}
            split += 1
    assert split > 0


def test_gateway_connections_are_made_in_the_gateways_region(sample, tmp_path):
    result, optimal, manifests, _, folder = sample
    checked = 0
    for manifest in manifests.values():
        primary = next(c["region"] for c in manifest["circuits"] if c["site"] == "primary")
        regions = {c["name"]: c["region"] for c in manifest["circuits"]}
        assert all(vnet["region"] == primary for vnet in manifest["vnets"].values())
        for link in manifest["rollout"]["connections"].values():
            assert link["vnet"] in manifest["vnets"]
            checked += regions[link["circuit"]] != primary
    assert checked > 0, "no sample connection joins a circuit of another region"
    provisioning = read_provisioning(SAMPLE["customers"], DATA / "provisioning.toml")
    provisioning.settings = dataclasses.replace(provisioning.settings, vnet_region="northeurope")
    again, _ = build_portfolio(result.inputs, result.circuits, optimal, provisioning)
    assert {v["region"] for m in again.values() for v in m["vnets"].values()} == {"northeurope"}
    manifest = next(m for m in again.values() if m["vnets"])
    _, _, connections, _ = terraform_state(manifest, manifest["rollout"]["steps"][-1])
    assert {c["region"] for c in connections.values()} <= {"northeurope"}
    assert {c["region"] for step in rollout_steps(manifest) for c in step["connections"]} == {
        "northeurope"}


ARM_TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+)"
                       r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[()\[\].,]))")


def arm_evaluate(expression: str, parameters: dict, variables: dict, copy_index: int | None):
    """Evaluate an ARM template expression (the functions ``rollout.arm.json`` uses).

    Unknown functions are an error, so a template using one the test does not know fails.
    """
    tokens = []
    position = 0
    while position < len(expression):
        match = ARM_TOKEN.match(expression, position)
        assert match and match.end() > position, f"cannot read {expression[position:]!r}"
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        position = match.end()
    index = 0

    def take(value=None):
        nonlocal index
        kind, text = tokens[index]
        assert value is None or text == value, (expression, index, text, value)
        index += 1
        return kind, text

    def call(name, args):
        functions = {
            "parameters": lambda n: parameters[n], "variables": lambda n: variables[n],
            "copyIndex": lambda: copy_index, "length": len, "concat": lambda *a: sum(a, []),
            "createArray": lambda *a: list(a),
            "createObject": lambda *a: dict(zip(a[::2], a[1::2], strict=True)),
            "union": lambda *a: {k: v for d in a for k, v in d.items()},
            "format": lambda f, *a: re.sub(r"\{(\d+)\}", lambda m: str(a[int(m.group(1))]), f),
            "equals": lambda x, y: x == y,
            "contains": lambda container, item: item in container,
            "false": lambda: False, "true": lambda: True,
            "resourceId": lambda kind, *names: ("/subscriptions/SUB/resourceGroups/RG/providers/"
                                                f"{kind}/{'/'.join(names)}"),
        }
        assert name in functions, f"unknown ARM function {name}"
        return functions[name](*args)

    def primary(live=True):
        # ``live`` False: parse without evaluating (the branch ``if`` does not take).
        kind, text = take()
        if kind == "string":
            value = text[1:-1].replace("''", "'")
        elif kind == "number":
            value = int(text)
        else:
            take("(")
            args = []
            position = 0
            while tokens[index][1] != ")":
                if text == "if" and position > 0:
                    taken = 1 if args[0] else 2
                    args.append(primary(live and position == taken))
                else:
                    args.append(primary(live))
                position += 1
                if tokens[index][1] == ",":
                    take(",")
            take(")")
            if not live:
                value = None
            elif text == "if":
                assert len(args) == 3, expression
                value = args[1] if args[0] else args[2]
            else:
                value = call(text, args)
        while index < len(tokens) and tokens[index][1] in (".", "["):
            if take()[1] == ".":
                name = take()[1]
                value = value[name] if live else None
            else:
                key = primary(live)
                value = value[key] if live else None
                take("]")
        return value

    result = primary()
    assert index == len(tokens), expression
    return result


def arm_resolve(node, parameters, variables, copy_index=None):
    """A template value with every ``[...]`` expression evaluated."""
    if isinstance(node, str) and node.startswith("[") and not node.startswith("[["):
        return arm_evaluate(node[1:-1], parameters, variables, copy_index)
    if isinstance(node, dict):
        return {k: arm_resolve(v, parameters, variables, copy_index) for k, v in node.items()}
    if isinstance(node, list):
        return [arm_resolve(v, parameters, variables, copy_index) for v in node]
    return node


def arm_deploy(template: dict, manifest: dict, step: str, **more) -> list[dict]:
    """The resources ARM makes of ``template`` with ``manifest``, ``step`` and the ``more``
    parameters: copies expanded."""
    parameters = {"manifest": manifest, "step": step, **more}
    assert set(template["parameters"]) == set(parameters)
    variables: dict = {}
    for name, value in template["variables"].items():  # in order: later ones use earlier
        variables[name] = arm_resolve(value, parameters, variables)
    resources = []
    for resource in template["resources"]:
        copy = resource.get("copy")
        count = arm_resolve(copy["count"], parameters, variables) if copy else 1
        for index in range(count):
            body = arm_resolve({k: v for k, v in resource.items() if k != "copy"}, parameters,
                               variables, index if copy else None)
            resources.append({**body, "_loop": copy["name"] if copy else None})
    return resources


def _arm_steps(folder: Path, manifests: dict):
    template = json.loads((folder / "rollout.arm.json").read_text())
    assert template == ARM_TEMPLATE
    for customer_id, manifest in manifests.items():
        written = json.loads((folder / customer_id / "manifest.json").read_text())
        assert written == manifest  # what ARM reads is what was built
        for label in written["rollout"]["changes"]:
            yield customer_id, written, label, arm_deploy(template, written, label)


def test_the_arm_evaluation_of_the_tests_refuses_what_it_does_not_know():
    with pytest.raises(AssertionError, match="unknown ARM function"):
        arm_evaluate("take(parameters('x'), 1)", {"x": [1]}, {}, None)
    # ``if`` evaluates only the branch it takes, as ARM does.
    assert arm_evaluate("if(contains(parameters('x'), 'a'), parameters('x').a.b, 'none')",
                        {"x": {}}, {}, None) == "none"
    with pytest.raises(KeyError):
        arm_evaluate("if(false(), 'none', parameters('x').a)", {"x": {}}, {}, None)
    assert arm_evaluate("format('{0}/{1}', variables('a')[1].b, 'c')", {},
                        {"a": [0, {"b": "x"}]}, None) == "x/c"


def test_arm_circuit_bodies_load_into_the_sdk_and_serialize_back(sample):
    models = pytest.importorskip("azure.mgmt.network.models")
    _, _, manifests, _, folder = sample
    count = 0
    for _, manifest, label, resources in _arm_steps(folder, manifests):
        step = next(s for s in rollout_steps(manifest) if s["label"] == label)
        circuits = {c["name"]: c for c in manifest["circuits"]}
        for resource in resources:
            if resource["type"] != "Microsoft.Network/expressRouteCircuits":
                continue
            assert resource["apiVersion"] == "2024-05-01"
            name = resource["name"]
            assert resource["tags"] == {"customer": manifest["customer"]["id"],
                                        "managed-by": "planner"}
            assert {k: v for k, v in resource.items() if k not in ("tags", "_loop")} == \
                arm_circuit(circuits[name], step["circuits"][name])
            body = {k: v for k, v in resource.items()
                    if k not in ("type", "apiVersion", "name", "_loop")}
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


def test_arm_peerings_and_connections_load_into_the_sdk_and_md5_keys_are_set_after(sample):
    models = pytest.importorskip("azure.mgmt.network.models")
    _, _, manifests, _, folder = sample
    kinds = {"Microsoft.Network/expressRouteCircuits/peerings": models.ExpressRouteCircuitPeering,
             "Microsoft.Network/connections": models.VirtualNetworkGatewayConnection}
    loaded = dict.fromkeys(kinds, 0)
    for customer_id, manifest, label, resources in _arm_steps(folder, manifests):
        primary = next(c["region"] for c in manifest["circuits"] if c["site"] == "primary")
        script = (folder / customer_id / "provision.sh").read_text()
        md5_case = script.split("  md5)")[1].split(f"      {label})")
        for resource in resources:
            model = kinds.get(resource["type"])
            if model is None:
                continue
            body = {k: v for k, v in resource.items()
                    if k not in ("type", "apiVersion", "name", "dependsOn", "_loop")}
            instance = model(body)
            properties = instance.properties
            if model is models.VirtualNetworkGatewayConnection:
                assert instance.location == primary
                assert properties.connection_type == "ExpressRoute"
                assert properties.virtual_network_gateway1.id.startswith("/subscriptions/")
                assert properties.peer.id.endswith(
                    "/" + manifest["rollout"]["connections"][resource["name"]]["circuit"])
            else:
                assert properties.peering_type == "AzurePrivatePeering"
                assert properties.shared_key is None  # never in a template
                assert 1 <= properties.vlan_id <= 4094
                # ... `provision.sh md5 STEP` sets it from the vault after the deployment.
                circuit = resource["name"].split("/")[0]
                assert len(md5_case) == 2 and f"set_md5 {circuit} " in md5_case[1].split(";;")[0]
            assert instance.as_dict() == body
            loaded[resource["type"]] += 1
    assert all(loaded.values()), loaded


def test_arm_deployments_make_each_resource_once_and_depend_only_inside_themselves(sample):
    _, _, manifests, _, folder = sample
    made: dict[str, dict[str, int]] = {}
    for customer_id, _, _, resources in _arm_steps(folder, manifests):
        loops = {r["_loop"] for r in resources} | {
            r["copy"]["name"] for r in ARM_TEMPLATE["resources"]}
        for resource in resources:
            key = f"{resource['type']}:{resource['name']}"
            made.setdefault(customer_id, {})[key] = made.get(customer_id, {}).get(key, 0) + 1
            for target in resource.get("dependsOn", []):
                assert target in loops, (customer_id, target)
    for customer_id, manifest in manifests.items():
        counts = made.get(customer_id, {})
        connections = set(manifest["rollout"]["connections"])
        assert {k.split(":")[1] for k in counts
                if k.startswith("Microsoft.Network/connections:")} == connections
        assert all(counts[f"Microsoft.Network/connections:{c}"] == len(
            manifest["rollout"]["connections"][c]["steps"]) for c in connections)
        for circuit in manifest["circuits"]:
            name = circuit["name"]
            peering = f"Microsoft.Network/expressRouteCircuits/peerings:{name}/AzurePrivatePeering"
            if not circuit["existing"]:
                assert counts[f"Microsoft.Network/expressRouteCircuits:{name}"] >= 1
                assert counts[peering] >= 1


def test_the_real_azure_cli_reads_the_manifest_as_the_arm_templates_parameter(sample, tmp_path):
    custom = pytest.importorskip("azure.cli.command_modules.resource.custom")
    core = pytest.importorskip("azure.cli.core.commands")
    _, optimal, manifests, _, folder = sample
    customer = folder / optimal[0]
    step = next(iter(manifests[optimal[0]]["rollout"]["changes"]))
    documented = ["deployment", "group", "create", "--resource-group", "rg-x", "--mode",
                  "Incremental", "--template-file", "../rollout.arm.json", "--parameters",
                  f"step={step}", "manifest=@manifest.json"]
    # The CLI replaces NAME=@FILE by the file's text before parsing ...
    previous = os.getcwd()
    os.chdir(customer)
    try:
        expanded = core._expand_file_prefixed_files(documented)
    finally:
        os.chdir(previous)
    assert expanded[-1] == "manifest=" + (customer / "manifest.json").read_text().rstrip("\n")
    # ... and makes of it the template's parameters: the manifest as an object.
    template = json.loads((folder / "rollout.arm.json").read_text())
    parameters = custom._process_parameters(template, [expanded[-2:]])
    assert parameters == {"step": {"value": step},
                          "manifest": {"value": manifests[optimal[0]]}}
    # The command itself parses and stops only for want of an account.
    results = azure_cli_check([documented], cwd=customer)
    assert results[0]["status"] == 1 and "az login" in results[0]["errors"], results


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
    library = (folder / "provision-lib.sh").read_text()
    subprocess.run(["bash", "-n", str(folder / "provision-lib.sh")], check=True)
    # The only keys passed are read from the vault inside the command that sets them.
    assert library.count("--shared-key") == 2
    assert library.count('--shared-key "$(md5_key "$') == 2
    assert "az keyvault secret show" in library
    scripts = sorted(folder.glob("*/provision.sh"))
    assert scripts
    for path in scripts:
        text = path.read_text()
        assert "set -euo pipefail" in text and "/../provision-lib.sh" in text
        assert "case \"${1:-}\" in" in text
        subprocess.run(["bash", "-n", str(path)], check=True)
        assert "--shared-key" not in text and "keyvault" not in text


def _recorded_az_commands(folder: Path, tmp_path: Path) -> list[list[str]]:
    """Every az command line the sample scripts run, as bash expands it, step by step."""
    env, log = fake_az(tmp_path)
    for script in sorted(folder.glob("*/provision.sh")):
        usage = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True)
        assert usage.returncode == 2 and "steps in order:" in usage.stderr
        steps = usage.stderr.split("steps in order:")[1].split()
        manifest = json.loads((script.parent / "manifest.json").read_text())
        assert steps == manifest["rollout"]["steps"]
        for step in steps:
            for args in ([step], ["wait", step], ["md5", step]):
                subprocess.run(["bash", str(script), *args], env=env, check=True,
                               capture_output=True)
    return logged_az_commands(log)


def test_the_real_azure_cli_accepts_every_command_shape_of_the_scripts(sample, tmp_path):
    pytest.importorskip("azure.cli.core")
    _, _, _, _, folder = sample
    commands = _recorded_az_commands(folder, tmp_path)
    shapes = {}
    for args in commands:
        shapes.setdefault(command_shape(args), args)
    verbs = {" ".join(words) for words, _ in shapes}
    assert {"group create", "network express-route create", "network express-route update",
            "network express-route delete", "network express-route show",
            "network express-route peering create", "network express-route peering update",
            "network vpn-connection create", "network vpn-connection delete",
            "keyvault secret show"} <= verbs
    # One broken command shows that the check can fail.
    broken = ["network", "express-route", "create", "--name", "x", "--sku-family", "Bogus"]
    results = azure_cli_check([*shapes.values(), broken])
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
    # Building and writing in one pass per worker (as the CLI does) writes the same bytes.
    once = tmp_path / "once"
    counted = []
    write_portfolio(once, prepare_portfolio(inputs, result.circuits, optimal, provisioning),
                    jobs=2, progress=counted.append)
    assert sum(counted) == len(manifests)
    assert {p.relative_to(once): p.read_bytes() for p in once.rglob("*") if p.is_file()} == first


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
