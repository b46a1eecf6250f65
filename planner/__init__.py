"""planner: size and cost Azure ExpressRoute circuits for a CSP's customers.

The pipeline, by module::

    inputs            read the CSV files, check every cell (InputError names file, row, column)
    problems          one CustomerProblem per customer, in the words of domain (Tier, Site, ...)
    diagnose          precheck: months no plan can serve, with the rule that fails
    engines           plan one customer exactly: engines.dp (default) or engines.milp
    rules             verify: re-check every month's rules and re-cost the plan independently
    planning, batch   every customer (batch: processes, Dask, checkpoints, scenarios)
    tables            summary.csv, periods.csv, circuits.csv
    provision, plots  manifests for provisioning pipelines; plotly figures and the report

The everyday entry points:

>>> import planner
>>> inputs = planner.read_folder("data")                          # doctest: +SKIP
>>> result = planner.plan_inputs(inputs)                          # doctest: +SKIP
>>> result.summary, result.periods, result.circuits               # doctest: +SKIP
"""

from importlib.metadata import PackageNotFoundError, version

from planner.domain import Status
from planner.engines import DEFAULT_ENGINE, ENGINES
from planner.errors import PlannerError
from planner.inputs.read import read_folder, read_inputs
from planner.inputs.validate import InputError, InputIssue, Inputs, validate_inputs
from planner.planning import (
    CustomerResult,
    PlanResult,
    plan,
    plan_customer,
    plan_inputs,
)
from planner.problems import CustomerProblem, MonthPlan, build_problems

try:
    __version__ = version("planner")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "CustomerProblem",
    "CustomerResult",
    "InputError",
    "Inputs",
    "MonthPlan",
    "PlanResult",
    "PlannerError",
    "InputIssue",
    "Status",
    "build_problems",
    "plan",
    "plan_customer",
    "plan_inputs",
    "read_folder",
    "read_inputs",
    "validate_inputs",
]
