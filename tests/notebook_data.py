"""The bundled sample, read once, for the plot, what-if and widget tests."""

from __future__ import annotations

from functools import cache

import planner
import planner.examples
from planner.inputs.validate import Inputs
from planner.planning import assemble, plan_customer

#: A small slice of the sample: standard, n+1, maximum, and one infeasible customer.
SAMPLE_IDS = ("contoso-eu", "adatum-health", "kestrel-energy", "polar-render")


@cache
def sample_inputs() -> Inputs:
    return planner.examples.sample()


@cache
def sample_problems() -> dict[str, planner.CustomerProblem]:
    return {p.customer_id: p for p in planner.build_problems(sample_inputs())}


@cache
def sample_plan() -> planner.PlanResult:
    """The slice of customers in SAMPLE_IDS planned with the default engine."""
    problems = sample_problems()
    return assemble([plan_customer(problems[c]) for c in SAMPLE_IDS], sample_inputs())
