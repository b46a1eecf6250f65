"""The ``dp`` engine's shortcuts against its plain forms on synthetic customers.

The separable two-site DP must match the pair DP, dropping dominated tier-families must not
change any optimum, and the fallback past the term cap must give the same totals.
"""

from __future__ import annotations

import dataclasses
import functools

import pytest
from helpers import DATA

import planner
import planner.engines.dp.solve as dp
import planner.engines.dp.space as dp_space
from planner.inputs.read import read_table
from planner.rules import eligible_skus
from planner.synth import synthesize


@functools.cache
def synthetic(customers: int, months: int, seed: int) -> list[planner.problems.CustomerProblem]:
    portfolio = synthesize(customers, months, seed, read_table(DATA / "catalog.csv"),
                           read_table(DATA / "egress_rates.csv"))
    inputs = planner.validate_inputs(portfolio.customers, portfolio.demand, portfolio.catalog,
                                     portfolio.egress_rates, portfolio.inventory)
    return planner.build_problems(inputs)


def test_separable_maximum_matches_the_pair_dp() -> None:
    problems = [p for p in synthetic(120, 8, 3) if p.resiliency == "maximum"
                and not dp.sites_couple(p)]
    assert len(problems) >= 5
    for problem in problems[:8]:
        separable = dp.solve_dp(problem)
        pairs = dp.solve_dp(problem, force_pairs=True)
        assert separable.status == pairs.status, problem.customer_id
        if pairs.status is planner.Status.OPTIMAL:
            assert separable.objective_usd == pytest.approx(pairs.objective_usd, abs=1e-6)


def test_several_tier_families_keep_several_terms_and_match_the_pair_dp() -> None:
    problems = [p for p in synthetic(120, 8, 3) if p.resiliency == "maximum"
                and not dp.sites_couple(p) and len(dp_space.dp_skus(p)) >= 2]
    assert problems
    for problem in problems[:4]:
        assert dp.solve_dp(problem).objective_usd == pytest.approx(
            dp.solve_dp(problem, force_pairs=True).objective_usd, abs=1e-6)


def test_term_cap_fallback_gives_the_same_totals(monkeypatch: pytest.MonkeyPatch) -> None:
    problems = [p for p in synthetic(120, 8, 3) if p.resiliency == "maximum"][:4]
    expected = [dp.solve_dp(p).objective_usd for p in problems]
    monkeypatch.setattr(dp, "TERM_CAP", 0)
    assert [dp.solve_dp(p).objective_usd for p in problems] == pytest.approx(expected)


def test_dropping_dominated_tier_families_keeps_the_optimum(
        monkeypatch: pytest.MonkeyPatch) -> None:
    problems = synthetic(150, 12, 5)
    dropping = [p for p in problems
                if len(dp_space.dp_skus(p)) < len(eligible_skus(p))]
    assert len(dropping) >= 10
    reduced = [planner.plan_customer(p, "dp") for p in dropping]
    monkeypatch.setattr(dp_space, "drop_dominated_tier_families",
                        lambda problem, pruned, eligible: pruned)
    full = [planner.plan_customer(p, "dp") for p in dropping]
    for a, b in zip(reduced, full, strict=True):
        assert a.status == b.status, a.customer_id
        if a.total_usd is not None:
            assert a.total_usd == pytest.approx(b.total_usd, abs=1e-6), a.customer_id


def test_premium_stays_when_the_vnets_need_its_links() -> None:
    problem = next(p for p in synthetic(150, 12, 5)
                   if not p.premium_required and p.billing == "auto"
                   and int(p.vnets.max()) <= 10 and p.routes_ipv4 <= 4000)
    assert ("Premium", "MeteredData") not in dp_space.dp_skus(problem)
    many = dataclasses.replace(problem, vnets=problem.vnets * 0 + 15)
    assert ("Premium", "MeteredData") in dp_space.dp_skus(many)

