"""vNet connections follow the SPEC's link rules whenever the plan does."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from planner.provision.rollout import link_vnets, vnet_name


def random_case(rng: random.Random, resiliency: str) -> tuple[list[tuple[str, str, int]], int]:
    vnets = rng.randint(1, 40)
    sites = ("primary", "secondary") if resiliency == "maximum" else ("primary",)
    need = {"standard": vnets, "n+1": 2 * vnets, "maximum": vnets}[resiliency]
    while True:
        circuits = []
        for site in sites:
            for i in range(rng.randint(2 if resiliency == "n+1" else 1, 4)):
                links = min(rng.choice((2, 5, 10, 20, 25, 40)), vnets)
                circuits.append((f"er-{site[:3]}-{i}", site, links))
        if all(sum(c[2] for c in circuits if c[1] == site) >= need for site in sites):
            return circuits, vnets


@pytest.mark.parametrize("resiliency", ["standard", "n+1", "maximum"])
def test_every_plan_that_meets_the_link_rule_gets_its_connections(resiliency: str) -> None:
    rng = random.Random(resiliency)
    for _ in range(300):
        circuits, vnets = random_case(rng, resiliency)
        names = [c[0] for c in circuits]
        previous = {vnet_name(i): tuple(rng.sample(names, min(2, len(names))))
                    for i in range(1, vnets + 1) if rng.random() < 0.5}
        links = link_vnets(circuits, vnets, resiliency, previous)
        assert sorted(links) == [vnet_name(i) for i in range(1, vnets + 1)]
        load = Counter(name for linked in links.values() for name in linked)
        assert all(load[name] <= cap for name, _, cap in circuits)
        site = {name: s for name, s, _ in circuits}
        for linked in links.values():
            assert len(set(linked)) == len(linked)
            if resiliency == "n+1":
                assert len(linked) == 2
            elif resiliency == "maximum":
                assert sorted(site[n] for n in linked) == ["primary", "secondary"]
            else:
                assert len(linked) == 1


def test_links_that_still_fit_are_kept() -> None:
    circuits = [("a", "primary", 10), ("b", "primary", 10), ("c", "primary", 10)]
    previous = {vnet_name(i): ("b", "c") for i in range(1, 6)}
    links = link_vnets(circuits, 5, "n+1", previous)
    assert all(linked == ("b", "c") for linked in links.values())
