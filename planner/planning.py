"""Plan customers: precheck, solve with an engine, verify, and tabulate.

:func:`plan` is the everyday entry point: raw tables in, :class:`PlanResult` out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypedDict

import pandas as pd

from planner.diagnose import diagnose, precheck
from planner.domain import Status
from planner.engines import DEFAULT_ENGINE, ENGINE_FUNCTIONS, ENGINES, EngineResult
from planner.inputs.validate import Inputs, validate_inputs
from planner.problems import CustomerProblem, MonthPlan, build_problems
from planner.rules import broken_rules, plan_total
from planner.tables import CIRCUIT_COLUMNS, PERIOD_COLUMNS, circuit_rows, period_rows

SUMMARY_COLUMNS = ["customer_id", "status", "total_usd", "message"]

#: A plan whose costed total differs from the engine's objective by more than this [USD]
#: is reported as an error rather than trusted.
OBJECTIVE_TOLERANCE_USD = 0.01


#: Empty tables copied for results without rows (a copy is far cheaper than a new frame).
_NO_PERIODS = pd.DataFrame(columns=PERIOD_COLUMNS)
_NO_CIRCUITS = pd.DataFrame(columns=CIRCUIT_COLUMNS)


@dataclass
class CustomerResult:
    """The plan of one customer.

    Parameters
    ----------
    customer_id : str
        The customer.
    status : Status
        ``optimal``, ``infeasible`` or ``error``.
    total_usd : float or None
        Least total cost over the months [USD], when optimal.
    message : str
        Empty when optimal; otherwise the month and rule, or the error.
    plans : list of MonthPlan
        One per month, when optimal.
    periods, circuits : pandas.DataFrame
        This customer's rows of periods.csv and circuits.csv (empty unless optimal).
    """

    customer_id: str
    status: Status
    total_usd: float | None = None
    message: str = ""
    plans: list[MonthPlan] = field(default_factory=list)
    periods: pd.DataFrame = field(default_factory=lambda: _NO_PERIODS.copy())
    circuits: pd.DataFrame = field(default_factory=lambda: _NO_CIRCUITS.copy())


@dataclass
class PlanResult:
    """The plan of a portfolio: the three tables of docs/model.rst, Outputs, and each customer.

    Parameters
    ----------
    summary, periods, circuits : pandas.DataFrame
        As summary.csv, periods.csv and circuits.csv (numbers unrounded).
    customers : dict of str to CustomerResult
        Each customer's result, in input order.
    inputs : Inputs
        The validated inputs the plan was made from.
    """

    summary: pd.DataFrame
    periods: pd.DataFrame
    circuits: pd.DataFrame
    customers: dict[str, CustomerResult]
    inputs: Inputs

    def customer(self, customer_id: str) -> CustomerResult:
        """One customer's result."""
        return self.customers[customer_id]

    @property
    def all_optimal(self) -> bool:
        """Whether every customer is optimal."""
        return all(r.status is Status.OPTIMAL for r in self.customers.values())


class _Tables(TypedDict, total=False):
    periods: pd.DataFrame
    circuits: pd.DataFrame


def _bare(tables: bool) -> _Tables:
    """Row-less tables of a result: fresh copies, or the shared ones when ``tables`` is False.

    A batch renders its own rows and never touches them; copying them costs about 1 ms.
    """
    return {} if tables else {"periods": _NO_PERIODS, "circuits": _NO_CIRCUITS}


def verify(problem: CustomerProblem, result: EngineResult, tables: bool = True
           ) -> CustomerResult:
    """Cost an engine's plan independently; distrust it if it breaks a rule or the costs differ.

    ``tables`` is as in :func:`plan_customer`.
    """
    plans = result.plans or []
    if len(plans) != problem.months:
        return CustomerResult(problem.customer_id, Status.ERROR,
                              message="the engine returned a plan of the wrong length",
                              **_bare(tables))
    for t, plan in enumerate(plans):
        broken = broken_rules(problem, t, plan)
        if broken:
            return CustomerResult(problem.customer_id, Status.ERROR, message=(
                f"{problem.periods[t]}: the engine's plan breaks {' and '.join(broken)}"),
                **_bare(tables))
    total = plan_total(problem, plans)
    if (result.objective_usd is not None
            and abs(total - result.objective_usd) > OBJECTIVE_TOLERANCE_USD):
        return CustomerResult(problem.customer_id, Status.ERROR, message=(
            f"the plan costs {total:.2f} USD but the engine reported {result.objective_usd:.2f}"),
            **_bare(tables))
    if not tables:
        return CustomerResult(problem.customer_id, Status.OPTIMAL, total_usd=total, plans=plans,
                              **_bare(tables))
    return CustomerResult(
        problem.customer_id, Status.OPTIMAL, total_usd=total, plans=plans,
        periods=pd.DataFrame(period_rows(problem, plans), columns=PERIOD_COLUMNS),
        circuits=pd.DataFrame(circuit_rows(problem, plans), columns=CIRCUIT_COLUMNS))


def engine_result(problem: CustomerProblem, engine: str = DEFAULT_ENGINE,
                  time_limit_s: float | None = None, tables: bool = True
                  ) -> CustomerResult | EngineResult:
    """The prechecks and the engine's answer for one customer, before verification.

    Parameters are those of :func:`plan_customer`.

    Returns
    -------
    CustomerResult or EngineResult
        The final result when the customer ends without a plan (infeasible, error, time
        limit); otherwise the engine's optimal plan, still to be verified (:func:`verify`).
    """
    if engine not in ENGINE_FUNCTIONS:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    early = precheck(problem)
    if early:
        return CustomerResult(problem.customer_id, Status.INFEASIBLE, message=early,
                              **_bare(tables))
    result = ENGINE_FUNCTIONS[engine](problem, time_limit_s)
    if result.status is Status.INFEASIBLE:
        return CustomerResult(problem.customer_id, Status.INFEASIBLE, message=diagnose(problem),
                              **_bare(tables))
    if result.status in (Status.ERROR, Status.TIME_LIMIT):
        return CustomerResult(problem.customer_id, result.status, message=result.message,
                              **_bare(tables))
    return result


def plan_customer(problem: CustomerProblem, engine: str = DEFAULT_ENGINE,
                  time_limit_s: float | None = None, tables: bool = True) -> CustomerResult:
    """Plan one customer.

    Parameters
    ----------
    problem : CustomerProblem
        The customer.
    engine : str
        One of :data:`ENGINES`.
    time_limit_s : float, optional
        Wall-time limit for the engine [s].
    tables : bool, default True
        Whether to build the customer's periods and circuits tables (a batch that renders
        its own rows from the plans skips them; the result then holds shared empty tables,
        not to be modified).

    Returns
    -------
    CustomerResult
    """
    result = engine_result(problem, engine, time_limit_s, tables)
    if isinstance(result, CustomerResult):
        return result
    return verify(problem, result, tables)


def summary_row(result: CustomerResult) -> dict[str, object]:
    """The summary.csv row of one customer."""
    return {"customer_id": result.customer_id, "status": str(result.status),
            "total_usd": result.total_usd, "message": result.message}


def assemble(results: Iterable[CustomerResult], inputs: Inputs) -> PlanResult:
    """Gather customer results into a :class:`PlanResult`, in the order given."""
    by_id = {r.customer_id: r for r in results}
    ordered = [by_id[c] for c in inputs.customers["customer_id"] if c in by_id]
    summary = pd.DataFrame([summary_row(r) for r in ordered], columns=SUMMARY_COLUMNS)
    summary["total_usd"] = summary["total_usd"].astype(float)
    periods = [r.periods for r in ordered if not r.periods.empty]
    circuits = [r.circuits for r in ordered if not r.circuits.empty]
    return PlanResult(
        summary=summary,
        periods=(pd.concat(periods, ignore_index=True) if periods
                 else pd.DataFrame(columns=PERIOD_COLUMNS)),
        circuits=(pd.concat(circuits, ignore_index=True) if circuits
                  else pd.DataFrame(columns=CIRCUIT_COLUMNS)),
        customers={r.customer_id: r for r in ordered},
        inputs=inputs)


def plan_inputs(inputs: Inputs, engine: str = DEFAULT_ENGINE, time_limit_s: float | None = None,
                progress: Callable[[CustomerResult], None] | None = None) -> PlanResult:
    """Plan every customer of validated inputs, one after the other.

    Parameters
    ----------
    inputs : Inputs
        Validated tables.
    engine : str
        One of :data:`ENGINES`.
    time_limit_s : float, optional
        Wall-time limit per customer [s].
    progress : callable, optional
        Called with each customer's result as it finishes.

    Returns
    -------
    PlanResult
    """
    results = []
    for problem in build_problems(inputs):
        result = plan_customer(problem, engine, time_limit_s)
        if progress:
            progress(result)
        results.append(result)
    return assemble(results, inputs)


def plan(customers: pd.DataFrame, demand: pd.DataFrame, catalog: pd.DataFrame,
         egress_rates: pd.DataFrame, inventory: pd.DataFrame | None = None, *,
         engine: str = DEFAULT_ENGINE, time_limit_s: float | None = None) -> PlanResult:
    """Validate the tables and plan every customer at least total cost.

    Parameters
    ----------
    customers, demand, catalog, egress_rates : pandas.DataFrame
        Tables in the CSV formats of docs/inputs.rst (as ``pandas.read_csv`` gives them).
    inventory : pandas.DataFrame, optional
        Circuits that exist before the first month.
    engine : str
        One of :data:`ENGINES`.
    time_limit_s : float, optional
        Wall-time limit per customer [s].

    Returns
    -------
    PlanResult

    Raises
    ------
    planner.InputError
        When any table is invalid; it lists every problem with file, row and column.
    """
    inputs = validate_inputs(customers, demand, catalog, egress_rates, inventory)
    return plan_inputs(inputs, engine=engine, time_limit_s=time_limit_s)
