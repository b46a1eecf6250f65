"""Hand-computed checks of the exhaustive reference in tests/reference.py.

Every case uses the small catalog below; expected costs are worked out in the comments.

    tier      family         bw    usd   vnet_links  routes
    Standard  MeteredData    500   250   10          4000
    Standard  MeteredData    1000  400   10          4000
    Standard  UnlimitedData  500   450   10          4000
    Standard  UnlimitedData  1000  700   10          4000
    Premium   MeteredData    1000  550   20          10000
    Premium   UnlimitedData  1000  850   20          10000
    Local     UnlimitedData  1000  500   10          4000

Zone 1 egress costs 0.025 USD/GB.
"""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest
from random_instances import generate
from reference import (
    Config,
    circuits_created,
    feasible_configs,
    max_kept,
    parse,
    parse_bool,
    reference_solve,
    sequence_cost,
    solve_customer,
)

CATALOG = pd.DataFrame(
    [
        ("Standard", "MeteredData", 500, 250.0, 10, 4000),
        ("Standard", "MeteredData", 1000, 400.0, 10, 4000),
        ("Standard", "UnlimitedData", 500, 450.0, 10, 4000),
        ("Standard", "UnlimitedData", 1000, 700.0, 10, 4000),
        ("Premium", "MeteredData", 1000, 550.0, 20, 10000),
        ("Premium", "UnlimitedData", 1000, 850.0, 20, 10000),
        ("Local", "UnlimitedData", 1000, 500.0, 10, 4000),
    ],
    columns=["tier", "family", "bandwidth_mbps", "monthly_usd", "vnet_links", "routes_ipv4"],
)
EGRESS = pd.DataFrame({"zone": ["1", "2"], "usd_per_gb": [0.025, 0.1]})


def solve(
    months: list[tuple[float, float]] | list[tuple[float, float, int]],
    inventory: list[tuple[str, str, int, str]] | None = None,
    **customer: object,
) -> tuple[float | None, tuple[Config, ...] | None, tuple[str, ...]]:
    """Solve one customer ``c``; months are (peak_mbps, egress_gb[, vnets]) from 2026-01."""
    row: dict[str, object] = {
        "customer_id": "c",
        "peering_location": "Amsterdam",
        "secondary_peering_location": "London",
        "provider": "Equinix",
        "zone": "1",
        "setup_usd": 0,
    }
    row.update(customer)
    demand = pd.DataFrame(
        [
            {
                "customer_id": "c",
                "period": f"2026-{i + 1:02d}",
                "peak_mbps": m[0],
                "egress_gb": m[1],
                "vnets": m[2] if len(m) > 2 else None,
            }
            for i, m in enumerate(months)
        ]
    )
    inv = None
    if inventory is not None:
        inv = pd.DataFrame(
            [
                {
                    "customer_id": "c",
                    "circuit_name": f"er{i}",
                    "tier": t,
                    "family": f,
                    "bandwidth_mbps": bw,
                    "site": site,
                }
                for i, (t, f, bw, site) in enumerate(inventory)
            ]
        )
    result = reference_solve(pd.DataFrame([row]), demand, CATALOG, EGRESS, inv)["c"]
    return result.total_usd, result.plan, result.infeasible_periods


def cost(*args: object, **kwargs: object) -> float | None:
    return solve(*args, **kwargs)[0]  # type: ignore[arg-type]


# ------------------------------------------------------------------ one month, no setup


def test_metered_wins_below_break_even() -> None:
    # P=800, u=0.8 -> 1000 Mb/s needed. Standard metered 1000: 400 + 10000 GB x 0.025 = 650,
    # below unlimited 1000 (700) and metered 2x500 (500 + 250 = 750).
    total, plan, _ = solve([(800, 10_000)])
    assert total == pytest.approx(650.0)
    assert plan == (Config("Standard", "MeteredData", (1000,), ()),)


def test_unlimited_wins_above_break_even() -> None:
    # 14000 GB: metered 400 + 350 = 750 > unlimited 700.
    total, plan, _ = solve([(800, 14_000)])
    assert total == pytest.approx(700.0)
    assert plan == (Config("Standard", "UnlimitedData", (1000,), ()),)


def test_break_even_is_a_tie() -> None:
    # 12000 GB: metered 400 + 300 = 700 = unlimited 700.
    assert cost([(800, 12_000)]) == pytest.approx(700.0)


def test_zone_rate_is_used() -> None:
    # Zone 2 at 0.1 USD/GB: metered 400 + 3000 x 0.1 = 700 ties with unlimited; 2000 GB -> 600.
    assert cost([(800, 2_000)], zone="2") == pytest.approx(600.0)


def test_local_when_eligible() -> None:
    # Local unlimited 1000 at 500 beats metered 400 + 250 = 650 once local_eligible is set.
    assert cost([(800, 10_000)], local_eligible="yes") == pytest.approx(500.0)
    assert cost([(800, 10_000)], local_eligible="no") == pytest.approx(650.0)


def test_premium_required() -> None:
    # Only Premium: metered 550 + 250 = 800 vs unlimited 850.
    assert cost([(800, 10_000)], premium_required="TRUE") == pytest.approx(800.0)


def test_routes_force_premium() -> None:
    # 5000 routes exceed every Standard/Local SKU (4000): Premium metered 1000 at 550.
    assert cost([(100, 0)], routes_ipv4=5000) == pytest.approx(550.0)
    # 4000 routes still fit Standard: metered 500 at 250 (P=100 needs 125).
    assert cost([(100, 0)], routes_ipv4=4000) == pytest.approx(250.0)


def test_vnets_force_more_circuits_or_premium() -> None:
    # 12 vNets: one Standard circuit links 10. Standard 2x500 = 500 (links 20) beats
    # Premium 1000 = 550 (links 20) and Standard 500+1000 = 650.
    assert cost([(300, 0, 12)]) == pytest.approx(500.0)
    # With at most one circuit only Premium can do it: 550.
    assert cost([(300, 0, 12)], max_circuits=1) == pytest.approx(550.0)
    # The customer's vnets is the default for the month.
    assert cost([(300, 0)], vnets=12, max_circuits=1) == pytest.approx(550.0)


def test_billing_forced() -> None:
    # billing UnlimitedData: 700 even with no egress (metered would be 400).
    assert cost([(800, 0)], billing="UnlimitedData") == pytest.approx(700.0)


def test_target_utilization_default_and_value() -> None:
    # P=450: default u=0.8 needs 562.5 -> 1000 (400) beats 2x500 (500).
    assert cost([(450, 0)]) == pytest.approx(400.0)
    # u=0.9 -> 500 suffices: 250. Boundary: 500 x 0.9 = 450 exactly is enough.
    assert cost([(450, 0)], target_utilization=0.9) == pytest.approx(250.0)


def test_zero_peak_still_needs_a_circuit() -> None:
    assert cost([(0, 0)]) == pytest.approx(250.0)


# ------------------------------------------------------------------ setup and inventory


def test_setup_default_for_first_month_without_inventory() -> None:
    # setup_usd empty -> 1000; one 1000 metered circuit created: 400 + 1000.
    assert cost([(800, 0)], setup_usd=None) == pytest.approx(1400.0)


def test_kept_inventory_needs_no_setup() -> None:
    # The inventory 1000 metered circuit is kept: 400, no setup.
    inventory = [("Standard", "MeteredData", 1000, "primary")]
    assert cost([(800, 0)], inventory, setup_usd=1000) == pytest.approx(400.0)


def test_inventory_raised_in_place() -> None:
    # Inventory 2x500; P=800 needs 1000. Raise one 500 to 1000 in place (no setup): 400;
    # keeping both 500s costs 500.
    inventory = [("Standard", "MeteredData", 500, "primary")] * 2
    total, plan, _ = solve([(800, 0)], inventory, setup_usd=1000)
    assert total == pytest.approx(400.0)
    assert plan == (Config("Standard", "MeteredData", (1000,), ()),)


def test_lowering_bandwidth_costs_a_setup() -> None:
    # Inventory 1000; P=300 needs 375. Keeping 1000 costs 400; a new 500 costs 250 + setup.
    inventory = [("Standard", "MeteredData", 1000, "primary")]
    assert cost([(300, 0)], inventory, setup_usd=1000) == pytest.approx(400.0)
    assert cost([(300, 0)], inventory, setup_usd=100) == pytest.approx(350.0)


def test_lowering_across_months() -> None:
    # setup 100, no inventory. Jan P=800: new 1000 = 400 + 100. Feb P=300: keep 1000 (400)
    # or new 500 (250 + 100 = 350) -> 500 + 350 = 850. (Jan 2x500 = 700 then keep a 500 =
    # 250 gives 950.)
    assert cost([(800, 0), (300, 0)], setup_usd=100) == pytest.approx(850.0)
    # setup 1000: Jan 1400, Feb keep 400 -> 1800 (2x500 then one: 2500 + 250).
    assert cost([(800, 0), (300, 0)], setup_usd=1000) == pytest.approx(1800.0)


def test_unlimited_to_metered_creates_every_circuit() -> None:
    # Inventory 2x500 unlimited, billing MeteredData: nothing can be kept; P=700 needs 875:
    # new metered 1000 = 400 + 1000 setup (2x500 would be 500 + 2000).
    inventory = [("Standard", "UnlimitedData", 500, "primary")] * 2
    assert cost([(700, 0)], inventory, billing="MeteredData", setup_usd=1000) == pytest.approx(
        1400.0
    )
    # billing auto: raise one unlimited 500 to 1000 in place: 700, no setup.
    assert cost([(700, 0)], inventory, setup_usd=1000) == pytest.approx(700.0)


def test_metered_to_unlimited_is_in_place() -> None:
    inventory = [("Standard", "MeteredData", 1000, "primary")]
    assert cost([(700, 0)], inventory, billing="UnlimitedData", setup_usd=1000) == pytest.approx(
        700.0
    )


def test_standard_to_premium_with_raise_is_in_place() -> None:
    # Inventory Standard metered 500; premium_required and P=700 -> Premium metered 1000 (550),
    # raised and moved to Premium in place: no setup.
    inventory = [("Standard", "MeteredData", 500, "primary")]
    assert cost([(700, 0)], inventory, premium_required=1, setup_usd=1000) == pytest.approx(550.0)


def test_premium_to_local_is_not_in_place() -> None:
    # Inventory Premium unlimited 1000, local eligible, setup 1000. Local 500 + 1000 setup;
    # keep Premium 850; Standard unlimited in place 700; Standard metered 400 + 1000 -> 700.
    inventory = [("Premium", "UnlimitedData", 1000, "primary")]
    total, plan, _ = solve([(700, 0)], inventory, local_eligible=True, setup_usd=1000)
    assert total == pytest.approx(700.0)
    assert plan == (Config("Standard", "UnlimitedData", (1000,), ()),)
    # Setup 100 and 10000 GB egress: Local 500 + 100 = 600 beats Standard unlimited 700 and
    # Standard metered 400 + 250 + 100 = 750.
    total, plan, _ = solve([(700, 10_000)], inventory, local_eligible=True, setup_usd=100)
    assert total == pytest.approx(600.0)
    assert plan == (Config("Local", "UnlimitedData", (1000,), ()),)


def test_local_to_standard_unlimited_is_in_place() -> None:
    # Inventory Local unlimited 1000 but no longer local eligible: Standard unlimited 1000 in
    # place at 700 beats Standard metered 400 + 1000 setup.
    inventory = [("Local", "UnlimitedData", 1000, "primary")]
    assert cost([(700, 0)], inventory, setup_usd=1000) == pytest.approx(700.0)


def test_inventory_at_other_site_is_not_kept() -> None:
    # Standard resiliency: circuits at the primary site only; the secondary inventory circuit
    # cannot be used: new 1000 = 400 + 1000.
    inventory = [("Standard", "MeteredData", 1000, "secondary")]
    assert cost([(800, 0)], inventory, setup_usd=1000) == pytest.approx(1400.0)


# ------------------------------------------------------------------ resiliency


def test_n_plus_1_needs_two_circuits() -> None:
    # P=800, n+1: total minus the largest >= 800. 1000+500 fails; 2x1000 = 800; 3x500 = 750
    # (1500 - 500 = 1000 >= 800, and 1500 x 0.8 = 1200 >= 800). No setup: 750.
    total, plan, _ = solve([(800, 0)], resiliency="n+1")
    assert total == pytest.approx(750.0)
    assert plan == (Config("Standard", "MeteredData", (500, 500, 500), ()),)
    # Setup 1000: 2x1000 = 800 + 2000 = 2800 beats 3x500 = 750 + 3000.
    assert cost([(800, 0)], resiliency="n+1", setup_usd=1000) == pytest.approx(2800.0)
    # At most 2 per location: 2x1000 = 800.
    assert cost([(800, 0)], resiliency="n+1", max_circuits_per_location=2) == pytest.approx(800.0)
    # At most one circuit: infeasible.
    assert cost([(800, 0)], resiliency="n+1", max_circuits=1) is None


def test_n_plus_1_vnets_linked_twice() -> None:
    # P=100, 6 vNets: 2 Standard circuits link 12 >= 2 x 6: 2x500 = 500.
    assert cost([(100, 0, 6)], resiliency="n+1") == pytest.approx(500.0)
    # 11 vNets need 22 links: 3 Standard 500s give 30 (750); 2 Premium 1000 give 40 (1100).
    assert cost([(100, 0, 11)], resiliency="n+1") == pytest.approx(750.0)


def test_maximum_needs_one_circuit_per_site() -> None:
    # P=800: each site carries 800 alone -> 1000 at each site: 800.
    total, plan, _ = solve([(800, 0)], resiliency="maximum")
    assert total == pytest.approx(800.0)
    assert plan == (Config("Standard", "MeteredData", (1000,), (1000,)),)
    # Inventory 1000 at the primary and setup 1000: only the secondary circuit is new: 1800.
    inventory = [("Standard", "MeteredData", 1000, "primary")]
    assert cost([(800, 0)], inventory, resiliency="maximum", setup_usd=1000) == pytest.approx(
        1800.0
    )
    # At most one circuit in all: infeasible.
    assert cost([(800, 0)], resiliency="maximum", max_circuits=1) is None


def test_maximum_vnets_per_site() -> None:
    # P=100, 12 vNets: each site links 12 on its own. Per site 2 Standard 500 (500) or one
    # Premium 1000 (550) -- but one tier for all circuits: Standard 4x500 = 1000 vs Premium
    # 2x1000 = 1100 -> 1000. With max_circuits 3 only Premium fits: 1100.
    assert cost([(100, 0, 12)], resiliency="maximum") == pytest.approx(1000.0)
    assert cost([(100, 0, 12)], resiliency="maximum", max_circuits=3) == pytest.approx(1100.0)


# ------------------------------------------------------------------ infeasibility


def test_infeasible_month_is_reported() -> None:
    # Feb P=2000 needs 2500 Mb/s with at most 2 circuits of <= 1000: impossible.
    total, plan, bad = solve([(800, 0), (2000, 0), (100, 0)], max_circuits=2)
    assert total is None and plan is None
    assert bad == ("2026-02",)


def test_premium_required_without_enough_premium() -> None:
    # Premium is only 1000 Mb/s; P=900 needs 1125 and one circuit: infeasible.
    assert cost([(900, 0)], premium_required=True, max_circuits=1) is None


# ------------------------------------------------------------------ building blocks


@pytest.mark.parametrize(
    ("previous", "current", "kept"),
    [
        ((500, 1000), (1000, 1000), 2),
        ((1000, 1000), (500, 1000), 1),
        ((1000,), (500,), 0),
        ((200, 500), (500,), 1),
        ((), (500,), 0),
        ((500, 500, 2000), (1000, 1000, 1000), 2),
        ((100, 1000), (1000, 200), 2),
    ],
)
def test_max_kept(previous: tuple[int, ...], current: tuple[int, ...], kept: int) -> None:
    assert max_kept(previous, current) == kept


def test_circuits_created_per_site_and_family() -> None:
    old = Config("Standard", "MeteredData", (500,), (1000,))
    assert circuits_created(None, old) == 2
    assert circuits_created(old, Config("Premium", "UnlimitedData", (1000,), (1000,))) == 0
    # Sites do not mix: the secondary 1000 cannot become the primary 1000.
    assert circuits_created(old, Config("Standard", "MeteredData", (1000, 1000), ())) == 1
    assert circuits_created(old, Config("Standard", "MeteredData", (200,), (1000,))) == 1
    unlimited = Config("Standard", "UnlimitedData", (500,), ())
    assert circuits_created(unlimited, Config("Standard", "MeteredData", (500,), ())) == 1
    assert circuits_created(unlimited, Config("Local", "UnlimitedData", (500,), ())) == 1
    local = Config("Local", "UnlimitedData", (500,), ())
    assert circuits_created(local, Config("Premium", "UnlimitedData", (500,), ())) == 0
    assert circuits_created(local, Config("Premium", "MeteredData", (500,), ())) == 1


@pytest.mark.parametrize(
    ("text", "value"),
    [("true", True), ("YES", True), ("1", True), (1, True), (1.0, True), ("False", False)]
    + [("no", False), ("0", False), (0, False), (True, True), (None, False)],
)
def test_parse_bool(text: object, value: bool) -> None:
    assert parse_bool(text, False) is value


@pytest.mark.parametrize("seed", range(12))
def test_product_search_matches_direct_costing(seed: int) -> None:
    """The table-driven product loop equals min(sequence_cost) over every sequence."""
    instance = generate(seed, max_sequences=3_000)
    problem = parse(
        instance.customers,
        instance.demand,
        instance.catalog,
        instance.egress_rates,
        instance.inventory,
    )
    for cid, customer in problem.customers.items():
        result = solve_customer(problem, cid)
        configs = feasible_configs(problem, cid)
        if not all(configs):
            assert result.total_usd is None
            continue
        rate = problem.egress_rates[customer.zone]
        best = min(
            sequence_cost(
                customer,
                problem.months[cid],
                plan,
                problem.catalog,
                rate,
                problem.inventory.get(cid),
            )
            for plan in itertools.product(*configs)
        )
        assert result.total_usd is not None
        assert math.isclose(result.total_usd, best, abs_tol=1e-6)
