"""Direct pairs: circuits placed on pairs, manifests of the ports and of circuits on them, and
runs with ports that have scenarios, --jobs, manifests and inputs.json like every run."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import hcl2
import jsonschema
import pandas as pd
import pytest
from helpers import azure_cli_check, command_shape, fake_az, logged_az_commands

from planner.direct.assign import ASSIGNMENT_COLUMNS, assign_pool, pair_name
from planner.direct.ports import PortKey, PortOffer
from planner.direct.scenario import direct_scenario
from planner.inputs.validate import InputError, validate_inputs
from planner.provision import load_schema
from planner.provision.direct import split_moves
from planner.provision.settings import read_settings
from planner.scenarios import Scenario
from tests.test_manifests import arm_deploy, check_terraform_folder, terraform_state

ROOT = Path(__file__).resolve().parents[1]
KEY = PortKey("Amsterdam", 10, "MeteredData")


def offer(over: float = 1.0, existing: int = 0) -> PortOffer:
    return PortOffer(KEY, 1500.0, 0.0, 4, existing, over)


def rows_by(result) -> dict[tuple[str, str], dict]:
    return {(r["circuit_name"], r["period"]): r for r in result.rows}


# ---- placement on pairs ------------------------------------------------------------------

def test_a_circuit_whose_growth_no_longer_fits_its_pair_moves_and_is_flagged() -> None:
    circuits = {"2027-01": [("a", "ca", 5000), ("b", "cb", 5000)],
                "2027-02": [("a", "ca", 10000), ("b", "cb", 5000)]}
    result = assign_pool(offer(), ["2027-01", "2027-02"], [1, 2], circuits)
    rows = rows_by(result)
    first, second = pair_name(KEY, 1), pair_name(KEY, 2)
    assert rows[("ca", "2027-01")]["pair"] == rows[("cb", "2027-01")]["pair"] == first
    # b kept its bandwidth, so it keeps its pair; a grew and must go.
    assert rows[("cb", "2027-02")]["pair"] == first and not rows[("cb", "2027-02")]["moved"]
    moved = rows[("ca", "2027-02")]
    assert moved["pair"] == second and moved["moved"] is True
    assert "grew from 5000 to 10000 Mb/s" in moved["reason"] and first in moved["reason"]
    assert first == "erd-amsterdam-10g-metered-01"


def test_without_growth_no_circuit_moves_even_when_others_come_and_go() -> None:
    months = ["2027-01", "2027-02", "2027-03", "2027-04"]
    circuits = {"2027-01": [("a", "ca", 2000), ("b", "cb", 5000)],
                "2027-02": [("a", "ca", 2000), ("b", "cb", 5000), ("c", "cc", 10000)],
                "2027-03": [("a", "ca", 2000), ("b", "cb", 5000), ("c", "cc", 10000),
                            ("d", "cd", 1000)],
                "2027-04": [("a", "ca", 2000), ("b", "cb", 5000)]}
    result = assign_pool(offer(over=2.0), months, [1, 2, 2, 1], circuits)
    assert not any(r["moved"] for r in result.rows)
    assert {r["pair"] for r in result.rows if r["circuit_name"] in ("ca", "cb")} == {
        pair_name(KEY, 1)}


def test_a_released_pair_moves_its_circuits_with_the_reason() -> None:
    circuits = {"2027-01": [("a", "ca", 10000), ("b", "cb", 5000)],
                "2027-02": [("b", "cb", 5000)]}
    result = assign_pool(offer(), ["2027-01", "2027-02"], [2, 1], circuits)
    rows = rows_by(result)
    # The pair left with the least of the month's circuits is released: a's pair stays.
    assert rows[("cb", "2027-01")]["pair"] == pair_name(KEY, 2)
    assert rows[("cb", "2027-02")]["pair"] == pair_name(KEY, 2)
    assert not rows[("cb", "2027-02")]["moved"]
    three = {"2027-01": [("a", "ca", 5000), ("b", "cb", 5000), ("c", "cc", 10000)],
             "2027-02": [("a", "ca", 5000), ("b", "cb", 5000)]}
    # c (10 Gb/s) fills pair 1, a and b pair 2; when c goes, the empty pair 1 is released.
    kept = rows_by(assign_pool(offer(), ["2027-01", "2027-02"], [2, 1], three))
    assert not kept[("ca", "2027-02")]["moved"] and not kept[("cb", "2027-02")]["moved"]
    # Both pairs keep 5 Gb/s; the higher-numbered one goes and its circuit moves.
    crowded = {"2027-01": [("a", "ca", 5000), ("b", "cb", 5000), ("c", "cc", 5000)],
               "2027-02": [("a", "ca", 5000), ("c", "cc", 5000)]}
    result = rows_by(assign_pool(offer(), ["2027-01", "2027-02"], [2, 1], crowded))
    moved = [r for r in result.values() if r["moved"]]
    assert len(moved) == 1 and "was released" in moved[0]["reason"]


def test_a_circuit_that_fits_on_no_single_pair_is_reported_not_squeezed_in() -> None:
    # 2 pairs of 15 Gb/s carry 30 Gb/s in total, but three 10 Gb/s circuits need three.
    circuits = {"2027-01": [("a", "ca", 10000), ("b", "cb", 10000), ("c", "cc", 10000)]}
    result = assign_pool(offer(over=1.5), ["2027-01"], [2], circuits)
    assert result.unplaced == ["cc 2027-01"]
    assert [r["pair"] for r in sorted(result.rows, key=lambda r: r["circuit_name"])] == [
        pair_name(KEY, 1), pair_name(KEY, 2), ""]
    assert max(result.loads.values()) <= 15000


def test_room_is_made_for_a_circuit_by_moving_a_smaller_one() -> None:
    # Month 1: a, b, d, f fill pair 1, c and e hold 18 Gb/s of pair 2. Month 2: f goes, e
    # grows by 1 Gb/s in place, so each pair has 1 Gb/s free; the new g (2 Gb/s) fits on
    # pair 1 once d (1 Gb/s) moves to pair 2.
    first = [("a", "ca", 12000), ("b", "cb", 6000), ("c", "cc", 12000), ("e", "ce", 6000),
             ("d", "cd", 1000), ("f", "cf", 1000)]
    second = [("a", "ca", 12000), ("b", "cb", 6000), ("c", "cc", 12000), ("e", "ce", 7000),
              ("d", "cd", 1000), ("g", "cg", 2000)]
    circuits = {"2027-01": first, "2027-02": second}
    result = assign_pool(offer(over=2.0), ["2027-01", "2027-02"], [2, 2], circuits)
    rows = rows_by(result)
    assert not result.unplaced
    assert rows[("cd", "2027-01")]["pair"] == rows[("cg", "2027-02")]["pair"] == pair_name(
        KEY, 1)
    moved = rows[("cd", "2027-02")]
    assert moved["pair"] == pair_name(KEY, 2) and moved["moved"] is True
    assert moved["reason"] == (f"moved from {pair_name(KEY, 1)}: made room for cg on "
                               f"{pair_name(KEY, 1)}")
    assert [r["circuit_name"] for r in result.rows if r["moved"]] == ["cd"]
    assert max(result.loads.values()) == 20000


@pytest.mark.parametrize("seed", range(60))
def test_no_pair_ever_carries_more_than_its_capacity(seed: int) -> None:
    rng = random.Random(seed)
    months = [f"2027-{m:02d}" for m in range(1, 13)]
    over = rng.choice([1.0, 1.5, 2.0])
    sizes = [1000, 2000, 5000, 10000]
    alive: dict[str, int] = {}
    circuits, held = {}, []
    for period in months:
        for name in list(alive):
            roll = rng.random()
            if roll < 0.15:
                del alive[name]
            elif roll < 0.4:
                alive[name] = rng.choice(sizes)
        for _ in range(rng.randint(0, 3)):
            alive[f"c{len(alive)}-{period}"] = rng.choice(sizes)
        circuits[period] = [("x", name, bw) for name, bw in alive.items()]
        need = sum(alive.values()) / (over * 10000)
        held.append(min(6, int(need) + rng.choice([0, 1, 1, 2])))
    result = assign_pool(offer(over=over, existing=rng.choice([0, 1])), months, held,
                         circuits)
    loads: dict[tuple[str, str], int] = {}
    for row in result.rows:
        if row["pair"]:
            loads[(row["pair"], row["period"])] = (loads.get((row["pair"], row["period"]), 0)
                                                   + row["bandwidth_mbps"])
    assert all(v <= over * 10000 for v in loads.values())
    assert loads == {k: v for k, v in result.loads.items() if v}
    for period, count in zip(months, held, strict=True):
        assert len(result.held[period]) == count
        assert {p for (p, m) in loads if m == period} <= set(result.held[period])
    assert len(result.rows) == sum(len(c) for c in circuits.values())
    last: dict[str, str] = {}
    for period in months:
        for row in (r for r in result.rows if r["period"] == period):
            before = last.get(row["circuit_name"])
            assert row["moved"] == bool(before and row["pair"] and before != row["pair"])
        last = {r["circuit_name"]: r["pair"] for r in result.rows if r["period"] == period}


# ---- manifests of a move, scenarios, settings ---------------------------------------------

def test_a_move_is_a_new_circuit_on_the_new_pair_replacing_the_old_one() -> None:
    circuits = pd.DataFrame([
        ("ca", "er-ca-pri-1", "primary", "2027-01", "Standard", "MeteredData", 5000, "create",
         "direct"),
        ("ca", "er-ca-pri-1", "primary", "2027-02", "Standard", "MeteredData", 10000,
         "upgrade", "direct"),
        ("ca", "er-ca-pri-1", "primary", "2027-03", "Standard", "MeteredData", 10000, "retire",
         "direct"),
        ("cb", "er-cb-pri-1", "primary", "2027-01", "Standard", "MeteredData", 1000, "create",
         "provider")],
        columns=["customer_id", "circuit_name", "site", "period", "tier", "family",
                 "bandwidth_mbps", "action", "medium"])
    assignments = pd.DataFrame([
        ("ca", "er-ca-pri-1", "2027-01", "Amsterdam", 10, "MeteredData", 5000, "p1", False, ""),
        ("ca", "er-ca-pri-1", "2027-02", "Amsterdam", 10, "MeteredData", 10000, "p2", True,
         "grew")], columns=ASSIGNMENT_COLUMNS)
    rows, pair_of, moved_from, unplaced = split_moves(circuits, assignments)
    got = [tuple(r) for r in rows[["circuit_name", "period", "bandwidth_mbps", "action"]]
           .itertuples(index=False)]
    assert got == [("er-ca-pri-1", "2027-01", 5000, "create"),
                   ("er-ca-pri-1", "2027-02", 5000, "retire"),
                   ("er-ca-pri-1-m1", "2027-02", 10000, "create"),
                   ("er-ca-pri-1-m1", "2027-03", 10000, "retire"),
                   ("er-cb-pri-1", "2027-01", 1000, "create")]
    assert pair_of == {"er-ca-pri-1": "p1", "er-ca-pri-1-m1": "p2"}
    assert moved_from == {"er-ca-pri-1-m1": "er-ca-pri-1"} and not unplaced


def test_a_price_scenario_scales_the_direct_fees_and_pair_fees_but_not_setups() -> None:
    from tests.direct_instances import generate

    instance = next(i for i in map(generate, range(20)) if i.ports is not None)
    inputs = validate_inputs(instance.customers, instance.demand, instance.catalog,
                             instance.egress_rates)
    offers = [PortOffer(KEY, 1000.0, 300.0, 2, 0, 2.0)]
    direct = inputs.direct_catalog.assign(monthly_usd=100.0)
    inputs = dataclasses.replace(inputs, direct_catalog=direct)
    scaled, scaled_offers = direct_scenario(inputs, offers, Scenario("up", 1.5, 10.0))
    assert scaled_offers[0].monthly_usd == pytest.approx(1100.0)
    assert scaled_offers[0].setup_usd == 300.0
    assert list(scaled.direct_catalog["monthly_usd"]) == pytest.approx([110.0] * len(direct))
    assert list(scaled.demand["peak_mbps"]) == pytest.approx(
        list(inputs.demand["peak_mbps"] * 1.5))
    same, same_offers = direct_scenario(inputs, offers, Scenario("g", 2.0, 0.0))
    assert same_offers == offers and same.direct_catalog is inputs.direct_catalog


def test_direct_settings_are_checked_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('[direct]\nsubscription = "mine"\nencapsulation = "VLAN"\n'
                    'resource_group = "rg bad!"\n')
    with pytest.raises(InputError) as caught:
        read_settings(path)
    text = str(caught.value)
    for key in ("direct.subscription", "direct.encapsulation", "direct.resource_group"):
        assert key in text
    path.write_text('[direct]\nsubscription = "11111111-2222-3333-4444-555555555555"\n'
                    'encapsulation = "QinQ"\n')
    settings = read_settings(path)
    assert settings.direct_encapsulation == "QinQ"
    assert settings.direct_resource_group == "rg-csp-expressroute-direct"


# ---- a run with ports, scenarios and --jobs, as a user runs it ----------------------------

CSP_SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"


def write_portfolio(folder: Path) -> None:
    """Two connect-through customers and a connect-to one at Amsterdam, one in London.

    Direct is far cheaper than the (deliberately dear) provider circuits; ``cc`` (connect-to)
    and ``cl`` (no pairs in London) cannot use it. In 2027-02 ``ca``
    grows from a 5 to a 10 Gb/s circuit: with pairs of 10 Gb/s (oversubscription 1) it no
    longer fits beside ``cb`` and must move to a second pair.
    """
    folder.mkdir(parents=True)
    customers = [
        ("ca", "Amsterdam", "a1b2c3d4-0000-4000-8000-000000000001"),
        ("cb", "Amsterdam", CSP_SUBSCRIPTION),  # the CSP's own: no authorization needed
        ("cc", "Amsterdam", "a1b2c3d4-0000-4000-8000-000000000003"),
        ("cl", "London", "a1b2c3d4-0000-4000-8000-000000000004")]
    pd.DataFrame([dict(customer_id=c, model="connect-to" if c == "cc" else "connect-through",
                       subscription_id=s,
                       peering_location=p, provider="Equinix", zone="1", max_circuits=1,
                       target_utilization=1.0, setup_usd=0, vnets=2,
                       markup_pct=20 if c in ("ca", "cl") else "")
                  for c, p, s in customers]).to_csv(folder / "customers.csv", index=False)
    peaks = {"ca": [4000, 9000, 9000], "cb": [4000, 4000, 4000], "cc": [800, 800, 1800],
             "cl": [900, 900, 900]}
    pd.DataFrame([dict(customer_id=c, period=f"2027-{m + 1:02d}", peak_mbps=p, egress_gb=0)
                  for c, values in peaks.items() for m, p in enumerate(values)]
                 ).to_csv(folder / "demand.csv", index=False)
    catalog = [dict(tier="Standard", family="MeteredData", bandwidth_mbps=b, monthly_usd=u,
                    vnet_links=10, routes_ipv4=4000, port_gbps="")
               for b, u in ((1000, 5000), (2000, 9000), (5000, 20000), (10000, 40000))]
    catalog += [dict(tier="Standard", family="MeteredData", bandwidth_mbps=b, monthly_usd=0,
                     vnet_links=10, routes_ipv4=4000, port_gbps=10)
                for b in (1000, 2000, 5000, 10000)]
    pd.DataFrame(catalog).to_csv(folder / "catalog.csv", index=False)
    pd.DataFrame([dict(zone="1", usd_per_gb=0.025)]).to_csv(folder / "egress_rates.csv",
                                                              index=False)
    pd.DataFrame([dict(peering_location="Amsterdam", port_gbps=10, billing="MeteredData",
                       monthly_usd=1500, setup_usd=0, max_pairs=3, existing_pairs=0,
                       oversubscription=1)]).to_csv(folder / "ports.csv", index=False)
    (folder / "provisioning.toml").write_text(
        f'[direct]\nsubscription = "{CSP_SUBSCRIPTION}"\nresource_group = "rg-csp-direct"\n')


def planner(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planner", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("direct_run")
    write_portfolio(work / "data")
    done = planner("optimize", "--data", "data", "--out", "out", "--scenario", "base",
                   "--scenario", "grow:growth=1.05,price=10", "--jobs", "2", cwd=work)
    return work, done


def test_each_scenario_is_planned_with_ports_into_its_folder(run) -> None:
    work, done = run
    assert done.returncode == 0, done.stderr
    out = work / "out"
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns)[0] == "scenario"
    assert sorted(set(summary["scenario"])) == ["base", "grow"]
    portfolio = pd.read_csv(out / "portfolio.csv", keep_default_na=False)
    assert list(portfolio["scenario"]) == ["base", "grow"]
    assert set(portfolio["status"]) == {"optimal"}
    top = json.loads((out / "inputs.json").read_text())
    assert top["scenarios"] == ["base", "grow"]
    assert top["files"]["ports"]["path"] == str((work / "data" / "ports.csv").resolve())
    for name, growth in (("base", 1.0), ("grow", 1.05)):
        folder = out / name
        for file in ("summary.csv", "periods.csv", "circuits.csv", "ports.csv",
                     "portfolio.csv", "pair_assignments.csv", "inputs.json"):
            assert (folder / file).is_file(), (name, file)
        record = json.loads((folder / "inputs.json").read_text())
        assert record["scenario"]["growth"] == growth and record["files"]["ports"]["sha256"]
    # A markup in customers.csv gives prices and margins, as in every plan.
    base = pd.read_csv(out / "base" / "summary.csv").set_index("customer_id")
    assert base.loc["cl", "total_usd"] > 0
    assert base.loc["cl", "price_usd"] == pytest.approx(base.loc["cl", "total_usd"] * 1.2,
                                                        abs=0.01)
    assert pd.isna(base.loc["cb", "price_usd"]) or base.loc["cb", "price_usd"] == pytest.approx(
        base.loc["cb", "total_usd"])
    assert "margin_usd" in pd.read_csv(out / "base" / "periods.csv").columns
    assert "price_usd" in summary.columns
    fees = {n: pd.read_csv(out / n / "ports.csv")["monthly_usd"].max() for n in ("base", "grow")}
    assert fees["grow"] == pytest.approx(fees["base"] * 1.1)


def test_the_forced_move_is_flagged_and_no_pair_is_overfilled(run) -> None:
    work, _ = run
    folder = work / "out" / "base"
    table = pd.read_csv(folder / "pair_assignments.csv", keep_default_na=False)
    loads = table.groupby(["pair", "period"])["bandwidth_mbps"].sum()
    assert (loads <= 10000).all()
    moved = table[table["moved"]]
    assert list(moved["circuit_name"]) == ["er-ca-pri-1"] and list(moved["period"]) == ["2027-02"]
    assert "grew from 5000 to 10000 Mb/s" in moved.iloc[0]["reason"]
    circuits = pd.read_csv(folder / "circuits.csv", keep_default_na=False)
    live = circuits[(circuits["medium"] == "direct") & (circuits["action"] != "retire")]
    assert len(live) == len(table)
    ports = pd.read_csv(folder / "ports.csv")
    held = ports.set_index("period")["pairs"]
    assert (table.groupby("period")["pair"].nunique() <= held.loc[table["period"].unique()]).all()
    message = pd.read_csv(folder / "portfolio.csv", keep_default_na=False).loc[0, "message"]
    assert "1 moves of a circuit to another pair" in message


def manifests(run) -> Path:
    return run[0] / "out" / "base" / "manifests"


def test_manifests_carve_circuits_from_the_csp_ports_with_an_authorization_each(run) -> None:
    folder = manifests(run)
    schema = load_schema()
    ports = json.loads((folder / "_direct" / "ports.json").read_text())
    assert ports["subscription_id"] == CSP_SUBSCRIPTION
    assert ports["resource_group"] == "rg-csp-direct"
    direct_circuits = {}
    for customer in ("ca", "cb", "cc", "cl"):
        manifest = json.loads((folder / customer / "manifest.json").read_text())
        jsonschema.validate(manifest, schema)
        for circuit in manifest["circuits"]:
            if "direct" in circuit:
                direct_circuits[circuit["name"]] = (customer, circuit)
                assert circuit["service_provider"] == ""
                assert circuit["direct"]["port"] in ports["ports"]
                assert circuit["direct"]["port_id"].startswith(
                    f"/subscriptions/{CSP_SUBSCRIPTION}/resourceGroups/rg-csp-direct/providers/"
                    "Microsoft.Network/expressRoutePorts/")
            else:
                assert customer in ("cc", "cl") and circuit["service_provider"] == "Equinix"
    assert {a["circuit"] for a in ports["authorizations"].values()} == set(direct_circuits)
    for authorization in ports["authorizations"].values():
        customer, circuit = direct_circuits[authorization["circuit"]]
        assert authorization["customer"] == customer
        assert authorization["port"] == circuit["direct"]["port"]
    # The move: a new circuit on the second pair replaces ca's first, built before it goes.
    ca = json.loads((folder / "ca" / "manifest.json").read_text())
    change = next(c for m in ca["months"] for c in m["changes"] if c["action"] == "replace")
    assert change["circuit"] == "er-ca-pri-1-m1" and change["replaces"] == "er-ca-pri-1"
    assert change["disruptive"] and "moves from pair erd-amsterdam-10g-metered-01" in change[
        "reason"]
    # Each step holds every pair its customers' circuits ride.
    labels = [s["label"] for s in ports["steps"]]
    assert labels == sorted(labels) and labels[0] == "2027-01-0-ports"
    held = {s["label"]: set(s["ports"]) for s in ports["steps"]}
    assert held["2027-02-0-ports"] == {"erd-amsterdam-10g-metered-01",
                                       "erd-amsterdam-10g-metered-02"}


def test_terraform_makes_ports_authorizations_and_circuits_on_ports(run) -> None:
    folder = manifests(run)
    csp = check_terraform_folder(folder / "_direct" / "terraform")
    port = csp["resource"]["azurerm_express_route_port"]["pair"]
    assert {"name", "resource_group_name", "location", "peering_location", "bandwidth_in_gbps",
            "encapsulation", "billing_type"} <= set(port)
    authorization = csp["resource"]["azurerm_express_route_port_authorization"]["circuit"]
    assert {"name", "express_route_port_name", "resource_group_name"} == set(authorization) - {
        "for_each"}
    output = json.loads((folder / "_direct" / "terraform" / "main.tf.json").read_text())[
        "output"]["authorization_keys"]
    assert output["sensitive"] is True
    hcl2.loads(f"x = {json.dumps(output['value'])}\n")  # parses as HCL
    assert "azurerm_express_route_port_authorization.circuit[name]" in output["value"]
    plan = json.loads((folder / "_direct" / "terraform" / "plan.json").read_text())
    assert plan["order"] == sorted(plan["steps"])
    for step in plan["steps"].values():
        assert set(step["ports"]) <= set(plan["ports"])
        assert {plan["authorizations"][a]["port"] for a in step["authorizations"]} <= set(
            step["ports"])
    # The customers' circuits: the portfolio's one configuration, one workspace each.
    config = check_terraform_folder(folder / "terraform", ("ca", "cb", "cc", "cl"))
    assert config["variable"]["authorization_keys"]["sensitive"] is True
    circuit = config["resource"]["azurerm_express_route_circuit"]["circuit"]
    assert circuit["lifecycle"]["ignore_changes"] == ["authorization_key"]
    on_port = 0
    for customer in ("ca", "cb", "cc", "cl"):
        manifest = json.loads((folder / customer / "manifest.json").read_text())
        for step in manifest["rollout"]["steps"]:
            circuits = terraform_state(manifest, step)[0]
            for name, value in circuits.items():
                body = {key: terraform_value(circuit[key], name, value)
                        for key in ("service_provider_name", "peering_location",
                                    "bandwidth_in_mbps", "bandwidth_in_gbps",
                                    "express_route_port_id", "authorization_key")}
                keys = f"<{name}'s key>"
                if "direct" in value:
                    on_port += 1
                    # azurerm: express_route_port_id conflicts with service_provider_name,
                    # peering_location and bandwidth_in_mbps; null is unset.
                    assert body == {"service_provider_name": None, "peering_location": None,
                                    "bandwidth_in_mbps": None,
                                    "bandwidth_in_gbps": value["bandwidth_mbps"] / 1000,
                                    "express_route_port_id": value["direct"]["port_id"],
                                    "authorization_key": keys}, name
                else:
                    assert body == {"service_provider_name": "Equinix",
                                    "peering_location": value["peering_location"],
                                    "bandwidth_in_mbps": value["bandwidth_mbps"],
                                    "bandwidth_in_gbps": None, "express_route_port_id": None,
                                    "authorization_key": None}, name
    assert on_port


def terraform_value(text: str, name: str, value: dict):
    """What one of the circuit's Direct-aware attributes gives for a circuit (``each.value``).

    Knows the forms of the configuration: ``try(each.value.direct.port_id, null)``, a
    conditional on it being null, ``each.value.X``, ``each.value.X / 1000``, null and the
    look-up in ``var.authorization_keys``; anything else fails.
    """
    assert text.startswith("${") and text.endswith("}")

    def evaluate(expression: str):
        expression = expression.strip()
        if match := re.fullmatch(r"(.+?) == null \? (.+?) : (.+)", expression):
            return evaluate(match.group(2) if evaluate(match.group(1)) is None
                            else match.group(3))
        if expression == "try(each.value.direct.port_id, null)":
            return value.get("direct", {}).get("port_id")
        if expression == "null":
            return None
        if expression == "lookup(var.authorization_keys, each.key, null)":
            return f"<{name}'s key>"
        if match := re.fullmatch(r"each\.value\.([a-z_]+)( / 1000)?", expression):
            found = value[match.group(1)]
            return found / 1000 if match.group(2) else found
        raise AssertionError(f"unknown expression {expression!r}")

    return evaluate(text[2:-1])


def test_arm_bodies_of_ports_authorizations_and_circuits_load_into_the_sdk(run) -> None:
    models = pytest.importorskip("azure.mgmt.network.models")
    folder = manifests(run)
    seen = {"port": 0, "authorization": 0, "circuit": 0}
    for path in sorted((folder / "_direct" / "arm").glob("*.json")):
        for resource in json.loads(path.read_text())["resources"]:
            body = {k: v for k, v in resource.items()
                    if k not in ("type", "apiVersion", "name", "dependsOn")}
            if resource["type"] == "Microsoft.Network/expressRoutePorts":
                port = models.ExpressRoutePort(body)
                assert port.properties.bandwidth_in_gbps == 10
                assert port.properties.encapsulation in {e.value for e in
                                                        models.ExpressRoutePortsEncapsulation}
                assert port.properties.billing_type in {e.value for e in
                                                       models.ExpressRoutePortsBillingType}
                assert port.properties.peering_location == "Amsterdam"
                assert port.as_dict() == body
                seen["port"] += 1
            else:
                assert resource["type"] == "Microsoft.Network/expressRoutePorts/authorizations"
                assert models.ExpressRoutePortAuthorization(body).as_dict() == body
                seen["authorization"] += 1
    # The customers' circuits: the portfolio's one template, evaluated per customer and step.
    template = json.loads((folder / "rollout.arm.json").read_text())
    assert template["parameters"]["authorizationKeys"]["type"] == "secureObject"
    for customer in ("ca", "cb", "cc", "cl"):
        manifest = json.loads((folder / customer / "manifest.json").read_text())
        circuits = {c["name"]: c for c in manifest["circuits"]}
        keys = {name: f"key-of-{name}" for name, c in circuits.items() if "direct" in c}
        for label, change in manifest["rollout"]["changes"].items():
            made = [r for r in arm_deploy(template, manifest, label, authorizationKeys=keys)
                    if r["type"] == "Microsoft.Network/expressRouteCircuits"]
            assert [r["name"] for r in made] == [c["circuit"] for c in (
                *change.get("create", []), *change.get("upgrade", []))]
            for resource in made:
                body = {k: v for k, v in resource.items()
                        if k not in ("type", "apiVersion", "name", "_loop")}
                circuit = models.ExpressRouteCircuit(body)
                assert circuit.as_dict() == body
                direct = circuits[resource["name"]].get("direct")
                if direct is None:
                    assert customer in ("cc", "cl")
                    assert circuit.properties.express_route_port is None
                    assert circuit.properties.service_provider_properties.service_provider_name \
                        == "Equinix"
                    continue
                assert circuit.properties.service_provider_properties is None
                assert circuit.properties.express_route_port.id == direct["port_id"]
                assert circuit.properties.express_route_port.id.startswith(
                    f"/subscriptions/{CSP_SUBSCRIPTION}/resourceGroups/rg-csp-direct/")
                sku = next(c for c in (*change.get("create", []), *change.get("upgrade", []))
                           if c["circuit"] == resource["name"])
                assert circuit.properties.bandwidth_in_gbps == sku["bandwidth_mbps"] / 1000
                assert circuit.properties.bandwidth_in_gbps in (1, 2, 5, 10)
                assert circuit.properties.authorization_key == keys[resource["name"]]
                seen["circuit"] += 1
    assert all(seen.values()), seen


def recorded(folder: Path, tmp_path: Path, calls: dict[str, list[list[str]]]) -> list[list[str]]:
    env, log = fake_az(tmp_path)
    outputs = []
    for script, runs in calls.items():
        path = folder / script
        subprocess.run(["bash", "-n", str(path)], check=True)
        for args in runs:
            outputs.append(subprocess.run(["bash", str(path), *args], env=env, check=True,
                                          capture_output=True, text=True).stdout)
    return logged_az_commands(log), outputs


def test_the_real_azure_cli_accepts_every_command_of_the_direct_scripts(run, tmp_path) -> None:
    pytest.importorskip("azure.cli.core")
    folder = manifests(run)
    ports = json.loads((folder / "_direct" / "ports.json").read_text())
    calls = {"_direct/provision.sh": [[s["label"]] for s in ports["steps"]]
             + [["enable-links", next(iter(ports["ports"]))]]}
    for customer in ("ca", "cb"):
        manifest = json.loads((folder / customer / "manifest.json").read_text())
        calls[f"{customer}/provision.sh"] = [[s] for s in manifest["rollout"]["steps"]] + [
            ["authorization-keys"]]
    commands, outputs = recorded(folder, tmp_path, calls)
    keys = json.loads(outputs[-1])  # cb's authorization keys, as Terraform and ARM take them
    cb = json.loads((folder / "cb" / "manifest.json").read_text())
    assert set(keys) == {c["name"] for c in cb["circuits"] if "direct" in c}
    assert all(value == "Provisioned" for value in keys.values())
    verbs = {" ".join(command_shape(args)[0]) for args in commands}
    for expected in ("network express-route create", "network express-route port create",
                     "network express-route port authorization create",
                     "network express-route port authorization delete",
                     "network express-route port authorization show",
                     "network express-route port link update", "resource create"):
        assert any(v.startswith(expected) for v in verbs), expected
    bodies = [json.loads(args[args.index("--properties") + 1]) for args in commands
              if args[:2] == ["resource", "create"]]
    assert bodies and all(b["properties"]["authorizationKey"] == "Provisioned" for b in bodies)
    assert all(b["properties"]["bandwidthInGbps"] in (1, 2, 5, 10) for b in bodies)
    shapes = {}
    for args in commands:
        shapes.setdefault(command_shape(args), args)
    results = azure_cli_check(list(shapes.values()))
    for result in results:
        assert result["status"] == 1 and "az login" in result["errors"], result


def test_planner_manifests_writes_the_same_files_again_from_the_plan(run, tmp_path) -> None:
    work, _ = run
    copy = tmp_path / "plan"
    subprocess.run(["cp", "-r", str(work / "out" / "base"), str(copy)], check=True)
    before = {p.relative_to(copy): p.read_bytes() for p in (copy / "manifests").rglob("*")
              if p.is_file()}
    subprocess.run(["rm", "-rf", str(copy / "manifests")], check=True)
    done = planner("manifests", "--plan", str(copy), cwd=work)
    assert done.returncode == 0, done.stderr
    after = {p.relative_to(copy): p.read_bytes() for p in (copy / "manifests").rglob("*")
             if p.is_file()}
    assert after == before
    # A pair assignment that does not follow from the plan's ports.csv is refused.
    table = pd.read_csv(copy / "pair_assignments.csv", keep_default_na=False)
    table.loc[0, "pair"] = "erd-amsterdam-10g-metered-03"
    table.to_csv(copy / "pair_assignments.csv", index=False)
    refused = planner("manifests", "--plan", str(copy), cwd=work)
    assert refused.returncode == 2 and "pair_assignments.csv" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_bad_direct_settings_stop_a_run_with_ports_before_anything_is_written(tmp_path) -> None:
    write_portfolio(tmp_path / "data")
    (tmp_path / "data" / "provisioning.toml").write_text('[direct]\nencapsulation = "VLAN"\n')
    done = planner("optimize", "--data", "data", "--out", "out", cwd=tmp_path)
    assert done.returncode == 2 and "direct.encapsulation" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()


def test_the_real_azure_cli_takes_the_printed_keys_as_the_templates_secure_object(run) -> None:
    custom = pytest.importorskip("azure.cli.command_modules.resource.custom")
    core = pytest.importorskip("azure.cli.core.commands")
    folder = manifests(run)
    customer = folder / "ca"
    manifest = json.loads((customer / "manifest.json").read_text())
    step = next(label for label, change in manifest["rollout"]["changes"].items()
                if "create" in change)
    # What `./provision.sh authorization-keys` prints, as the docs pass it to the CLI.
    keys = {c["name"]: f"key-{c['name']}" for c in manifest["circuits"] if "direct" in c}
    printed = "{" + ", ".join(f'"{n}": "{k}"' for n, k in keys.items()) + "}"
    documented = ["deployment", "group", "create", "--resource-group", "rg-x", "--mode",
                  "Incremental", "--template-file", "../rollout.arm.json", "--parameters",
                  f"step={step}", "manifest=@manifest.json", f"authorizationKeys={printed}"]
    previous = os.getcwd()
    os.chdir(customer)
    try:
        expanded = core._expand_file_prefixed_files(documented)
    finally:
        os.chdir(previous)
    template = json.loads((folder / "rollout.arm.json").read_text())
    parameters = custom._process_parameters(template, [expanded[-3:]])
    assert parameters == {"step": {"value": step}, "manifest": {"value": manifest},
                          "authorizationKeys": {"value": keys}}
    made = arm_deploy(template, parameters["manifest"]["value"], step,
                      authorizationKeys=parameters["authorizationKeys"]["value"])
    assert {r["properties"]["authorizationKey"] for r in made
            if r["type"] == "Microsoft.Network/expressRouteCircuits"} <= set(keys.values())
