"""The batch's one-pass check, costing and rows agree with the rules, plan_total and tables."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

import planner
from planner.batch_rows import circuits_text, month_runs, periods_text, rules_hold
from planner.domain import Resiliency, Site, Status
from planner.engines.dp import solve_dp
from planner.inputs.read import format_periods, read_table
from planner.problems import MonthPlan
from planner.rules import broken_rules, eligible_skus, plan_total
from planner.synth import synthesize
from planner.tables import CIRCUIT_COLUMNS, PERIOD_COLUMNS, circuit_rows, period_rows

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def planned() -> list[tuple[planner.CustomerProblem, list[MonthPlan]]]:
    portfolio = synthesize(80, 14, 5, read_table(DATA / "catalog.csv"),
                           read_table(DATA / "egress_rates.csv"))
    inputs = planner.validate_inputs(portfolio.customers, portfolio.demand,
                                     portfolio.catalog, portfolio.egress_rates,
                                     portfolio.inventory)
    pairs = []
    for problem in planner.build_problems(inputs):
        result = solve_dp(problem)
        if result.status is Status.OPTIMAL:
            pairs.append((problem, result.plans))
    assert len(pairs) >= 60
    return pairs


def rules_kept(problem: planner.CustomerProblem, plans: list[MonthPlan]) -> bool:
    return len(plans) == problem.months and not any(
        broken_rules(problem, t, plan) for t, plan in enumerate(plans))


def variants(problem: planner.CustomerProblem, plans: list[MonthPlan],
             rng: random.Random) -> list[list[MonthPlan]]:
    """Plans changed in one month or one run: some break a rule, some do not."""
    out = []
    groups = eligible_skus(problem)
    for begin, end in month_runs(plans):
        plan = plans[begin]
        primary = list(plan.at(Site.PRIMARY))
        smaller = {**plan.circuits, Site.PRIMARY: tuple(primary[:-1])}
        lowest = min(s.bandwidth_mbps for s in groups[plan.tier_family])
        lowered = {**plan.circuits, Site.PRIMARY: tuple(sorted([lowest, *primary[1:]]))}
        more = {**plan.circuits, Site.PRIMARY: tuple(sorted(primary * 3))}
        other = rng.choice(list(groups))
        for circuits, tf in ((smaller, plan.tier_family), (lowered, plan.tier_family),
                             (more, plan.tier_family), (plan.circuits, other),
                             ({**plan.circuits, "elsewhere": (50,)}, plan.tier_family)):
            changed = MonthPlan.of(tf, circuits)
            t = rng.randrange(begin, end)
            out.append(plans[:t] + [changed] + plans[t + 1:])
            out.append(plans[:begin] + [changed] * (end - begin) + plans[end:])
    out.append(plans[:-1])
    return out


def test_rules_hold_agrees_with_broken_rules(planned: list) -> None:
    rng = random.Random(7)
    kept = broken = 0
    for problem, plans in planned:
        assert rules_hold(problem, plans)
        for changed in variants(problem, plans, rng):
            expected = rules_kept(problem, changed)
            assert rules_hold(problem, changed) == expected, problem.customer_id
            kept += expected
            broken += not expected
    assert kept > 50 and broken > 500


def test_vnet_links_are_checked_in_every_month_of_a_run(planned: list) -> None:
    problem, plans = next((p, s) for p, s in planned if p.resiliency == Resiliency.STANDARD)
    vnets = problem.vnets.copy()
    begin, end = month_runs(plans)[0]
    vnets[(begin + end) // 2] = 10_000
    crowded = replace(problem, vnets=vnets)
    assert not rules_kept(crowded, plans)
    assert not rules_hold(crowded, plans)


def test_rows_and_total_are_those_of_the_tables(planned: list) -> None:
    for problem, plans in planned:
        total, periods = periods_text(problem, plans)
        assert total == plan_total(problem, plans)
        frame = pd.DataFrame(period_rows(problem, plans), columns=PERIOD_COLUMNS)
        assert periods == format_periods(frame).to_csv(index=False, header=False,
                                                       lineterminator="\n")
        frame = pd.DataFrame(circuit_rows(problem, plans), columns=CIRCUIT_COLUMNS)
        assert circuits_text(problem, plans) == frame.to_csv(index=False, header=False,
                                                             lineterminator="\n")
