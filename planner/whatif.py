"""What-if planning for one customer: change a setting, re-plan, compare.

A :class:`WhatIf` names the changes a planner wants to try (demand growth, a price change,
target utilization, resiliency, billing, setup cost). :func:`apply_whatif` turns a customer's
:class:`~planner.problems.CustomerProblem` into the changed one without touching the original,
and :func:`replan` plans it. Settings that cannot be planned (``maximum`` resiliency without a
secondary site) come back as an infeasible :class:`~planner.planning.CustomerResult` with a
message, never as an exception.

Also here: the rules-of-thumb baselines that the optimal plan is measured against
(:func:`rule_of_thumb_results`) and sensitivity sweeps of the portfolio's total cost
(:func:`sweep`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import cast

import numpy as np
import pandas as pd

from planner.domain import CAPACITY_TOLERANCE_MBPS, Billing, Family, Resiliency, Status
from planner.engines import DEFAULT_ENGINE
from planner.inputs.schema import BILLING_CHOICES, RESILIENCY_MODES
from planner.inputs.validate import Inputs
from planner.planning import CustomerResult, plan_customer
from planner.problems import CustomerProblem, MonthPlan, Sku
from planner.rules import broken_rules, eligible_skus, plan_total
from planner.tables import CIRCUIT_COLUMNS, PERIOD_COLUMNS, circuit_rows, period_rows

RULE_NEXT_SIZE_UP = "next size up"
RULE_ALWAYS_UNLIMITED = "always Unlimited"
RULE_ALWAYS_METERED = "always Metered"
RULES_OF_THUMB = (RULE_NEXT_SIZE_UP, RULE_ALWAYS_UNLIMITED, RULE_ALWAYS_METERED)

CHANGE_COLUMNS = ["period", "tier_base", "tier_whatif", "family_base", "family_whatif",
                  "circuits_base", "circuits_whatif", "capacity_mbps_base",
                  "capacity_mbps_whatif", "total_usd_base", "total_usd_whatif", "delta_usd",
                  "changed"]


@dataclass(frozen=True)
class WhatIf:
    """Changes to try on one customer; the defaults change nothing.

    Parameters
    ----------
    demand_growth_pct : float
        How much faster demand grows [%]: every month's change of peak and egress since
        the customer's first month is scaled by ``1 + demand_growth_pct / 100``. ``50``
        means "grows 50 % faster", ``-100`` means flat at the first month.
    demand_scale_pct : float
        Demand of every month raised or lowered by this share [%].
    price_change_pct : float
        Every circuit's monthly fee changed by this share [%].
    egress_price_change_pct : float
        The metered egress price changed by this share [%].
    target_utilization : float or None
        New target utilization in (0, 1]; None keeps the customer's.
    resiliency : str or None
        ``standard``, ``n+1`` or ``maximum``; None keeps the customer's.
    billing : str or None
        ``auto``, ``MeteredData`` or ``UnlimitedData``; None keeps the customer's.
    setup_usd : float or None
        New one-time cost of creating a circuit [USD]; None keeps the customer's.
    """

    demand_growth_pct: float = 0.0
    demand_scale_pct: float = 0.0
    price_change_pct: float = 0.0
    egress_price_change_pct: float = 0.0
    target_utilization: float | None = None
    resiliency: str | None = None
    billing: str | None = None
    setup_usd: float | None = None

    def problems_with(self) -> list[str]:
        """Reasons this what-if cannot be applied to any customer (empty when it can)."""
        reasons = []
        if self.target_utilization is not None and not 0 < self.target_utilization <= 1:
            reasons.append(f"target utilization {self.target_utilization:g} is not in (0, 1]")
        if self.resiliency is not None and self.resiliency not in RESILIENCY_MODES:
            reasons.append(f"resiliency {self.resiliency!r} is not one of "
                           f"{', '.join(RESILIENCY_MODES)}")
        if self.billing is not None and self.billing not in BILLING_CHOICES:
            reasons.append(f"billing {self.billing!r} is not one of {', '.join(BILLING_CHOICES)}")
        if self.setup_usd is not None and self.setup_usd < 0:
            reasons.append(f"setup cost {self.setup_usd:g} USD is negative")
        if self.price_change_pct < -100 or self.egress_price_change_pct < -100:
            reasons.append("a price cannot fall by more than 100 %")
        if self.demand_scale_pct < -100:
            reasons.append("demand cannot fall by more than 100 %")
        return reasons


def _scaled_catalog(catalog: tuple[Sku, ...], factor: float) -> tuple[Sku, ...]:
    if factor == 1.0:
        return catalog
    return tuple(replace(s, monthly_usd=s.monthly_usd * factor) for s in catalog)


def _changed_demand(values: np.ndarray, growth_pct: float, scale_pct: float) -> np.ndarray:
    """Scale the change since the first month by the growth, then the whole series."""
    if values.size == 0:
        return values.copy()
    grown = values[0] + (values - values[0]) * (1 + growth_pct / 100)
    changed: np.ndarray = np.maximum(grown, 0.0) * (1 + scale_pct / 100)
    return changed


def apply_whatif(problem: CustomerProblem, whatif: WhatIf) -> CustomerProblem:
    """The customer's problem with the what-if's changes; ``problem`` is left as it is.

    Parameters
    ----------
    problem : CustomerProblem
        The customer as validated.
    whatif : WhatIf
        The changes.

    Returns
    -------
    CustomerProblem

    Raises
    ------
    ValueError
        When the what-if itself is invalid (see :meth:`WhatIf.problems_with`).
    """
    reasons = whatif.problems_with()
    if reasons:
        raise ValueError("; ".join(reasons))
    return replace(
        problem,
        peak_mbps=_changed_demand(problem.peak_mbps, whatif.demand_growth_pct,
                                  whatif.demand_scale_pct),
        egress_gb=_changed_demand(problem.egress_gb, whatif.demand_growth_pct,
                                  whatif.demand_scale_pct),
        catalog=_scaled_catalog(problem.catalog, 1 + whatif.price_change_pct / 100),
        usd_per_gb=problem.usd_per_gb * (1 + whatif.egress_price_change_pct / 100),
        target_utilization=(problem.target_utilization if whatif.target_utilization is None
                            else float(whatif.target_utilization)),
        resiliency=Resiliency(whatif.resiliency) if whatif.resiliency else problem.resiliency,
        billing=Billing(whatif.billing) if whatif.billing else problem.billing,
        setup_usd=problem.setup_usd if whatif.setup_usd is None else float(whatif.setup_usd),
    )


def replan(problem: CustomerProblem, whatif: WhatIf, *, has_secondary_site: bool = True,
           engine: str = DEFAULT_ENGINE) -> CustomerResult:
    """Plan the customer under a what-if.

    Parameters
    ----------
    problem : CustomerProblem
        The customer as validated.
    whatif : WhatIf
        The changes.
    has_secondary_site : bool
        Whether the customer has a secondary peering location; ``maximum`` needs one.
    engine : str
        One of :data:`planner.ENGINES`.

    Returns
    -------
    CustomerResult
        Infeasible, with the reason in ``message``, when the what-if is invalid or
        leaves no plan that keeps every rule.
    """
    reasons = whatif.problems_with()
    if whatif.resiliency == Resiliency.MAXIMUM and not has_secondary_site:
        reasons.append("maximum resiliency needs a secondary peering location, and "
                       f"{problem.customer_id} has none")
    if reasons:
        return CustomerResult(problem.customer_id, Status.INFEASIBLE, message="; ".join(reasons))
    return plan_customer(apply_whatif(problem, whatif), engine)


def result_from_plans(problem: CustomerProblem, plans: list[MonthPlan]) -> CustomerResult:
    """Cost a given month-by-month plan; infeasible, naming the rule, if it breaks one.

    Parameters
    ----------
    problem : CustomerProblem
        The customer.
    plans : list of MonthPlan
        One per month.

    Returns
    -------
    CustomerResult
        With status ``optimal`` meaning only "valid and costed" here.
    """
    for t, plan in enumerate(plans):
        broken = broken_rules(problem, t, plan)
        if broken:
            return CustomerResult(problem.customer_id, Status.INFEASIBLE, message=(
                f"{problem.periods[t]}: breaks {' and '.join(broken)}"))
    return CustomerResult(
        problem.customer_id, Status.OPTIMAL, total_usd=plan_total(problem, plans), plans=plans,
        periods=pd.DataFrame(period_rows(problem, plans), columns=PERIOD_COLUMNS),
        circuits=pd.DataFrame(circuit_rows(problem, plans), columns=CIRCUIT_COLUMNS))


def next_size_up_plans(problem: CustomerProblem) -> list[list[MonthPlan]]:
    """Candidate "next size up" plans, one per eligible tier and family.

    Each month uses the fewest circuits the resiliency allows (one; two for ``n+1``; one
    per site for ``maximum``), all of the smallest bandwidth that carries the highest peak
    so far at the target utilization (and, for ``n+1`` and ``maximum``, with one circuit
    lost). Circuits are never made smaller.
    """
    count = 2 if problem.resiliency == Resiliency.N_PLUS_ONE else 1
    sites = problem.sites
    u = problem.target_utilization
    candidates = []
    for tier_family, group in eligible_skus(problem).items():
        tier, family = tier_family[:2]
        plans, running = [], 0.0
        for peak in problem.peak_mbps:
            running = max(running, float(peak))
            need = running / (u * count * len(sites))
            if problem.resiliency != Resiliency.STANDARD:
                need = max(need, running)
            sku = next((s for s in group
                        if s.bandwidth_mbps >= need - CAPACITY_TOLERANCE_MBPS), None)
            if sku is None:
                break
            plans.append(MonthPlan.of((tier, family), {site: (sku.bandwidth_mbps,) * count
                                                       for site in sites}))
        if len(plans) == problem.months:
            candidates.append(plans)
    return candidates


def rule_of_thumb_results(problem: CustomerProblem, engine: str = DEFAULT_ENGINE
                          ) -> dict[str, CustomerResult]:
    """The customer planned by three rules of thumb.

    - ``next size up``: one circuit (the fewest the resiliency allows) of the smallest
      bandwidth that carries the peak, never shrunk; the cheapest valid tier and family.
    - ``always Unlimited`` / ``always Metered``: the best plan when the billing family is
      forced (infeasible when the customer's own billing forbids it).

    Parameters
    ----------
    problem : CustomerProblem
        The customer.
    engine : str
        Engine for the forced-family plans.

    Returns
    -------
    dict of str to CustomerResult
        Keyed by :data:`RULES_OF_THUMB`.
    """
    valid = [r for r in (result_from_plans(problem, p) for p in next_size_up_plans(problem))
             if r.status is Status.OPTIMAL]
    if valid:
        sized = min(valid, key=lambda r: r.total_usd or 0.0)
    else:
        sized = CustomerResult(problem.customer_id, Status.INFEASIBLE, message=(
            "no single bandwidth of one tier and family carries the peak within the rules"))
    results = {RULE_NEXT_SIZE_UP: sized}
    for rule, family in ((RULE_ALWAYS_UNLIMITED, Family.UNLIMITED),
                         (RULE_ALWAYS_METERED, Family.METERED)):
        if problem.billing not in (Billing.AUTO, family):
            results[rule] = CustomerResult(problem.customer_id, Status.INFEASIBLE, message=(
                f"the customer's billing is {problem.billing}"))
        else:
            results[rule] = plan_customer(replace(problem, billing=Billing(family)), engine)
    return results


def rules_of_thumb_table(problems: Iterable[CustomerProblem], optimal: pd.DataFrame,
                         engine: str = DEFAULT_ENGINE) -> pd.DataFrame:
    """Total cost of each customer's optimal plan and of each rule of thumb.

    Parameters
    ----------
    problems : iterable of CustomerProblem
        The customers.
    optimal : pandas.DataFrame
        The summary table of the optimal plan (``customer_id``, ``status``, ``total_usd``).
    engine : str
        Engine for the forced-family plans.

    Returns
    -------
    pandas.DataFrame
        One row per customer planned optimally: ``customer_id``, ``optimal_usd`` and, per
        rule, ``<rule>_usd`` (NaN when the rule cannot serve the customer) and
        ``<rule>_savings_usd`` = rule minus optimal [USD].
    """
    totals = optimal.set_index("customer_id")
    rows = []
    for problem in problems:
        cid = problem.customer_id
        if cid not in totals.index or totals.at[cid, "status"] != Status.OPTIMAL:
            continue
        optimal_usd = float(cast(float, totals.at[cid, "total_usd"]))
        row: dict[str, object] = {"customer_id": cid, "optimal_usd": optimal_usd}
        for rule, result in rule_of_thumb_results(problem, engine).items():
            total = result.total_usd
            cost = total if result.status is Status.OPTIMAL and total is not None else np.nan
            row[f"{rule}_usd"] = cost
            row[f"{rule}_savings_usd"] = cost - optimal_usd
        rows.append(row)
    return pd.DataFrame(rows)


def compare_periods(base: CustomerResult, changed: CustomerResult) -> pd.DataFrame:
    """Month-by-month comparison of two plans of one customer.

    Parameters
    ----------
    base, changed : CustomerResult
        The base plan and the what-if plan (either may be infeasible: its columns are NaN).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CHANGE_COLUMNS`: per month the tier, family, circuit count,
        capacity [Mb/s] and total cost [USD] of each plan, ``delta_usd`` (what-if minus
        base) and ``changed`` (whether the circuits or costs differ).
    """
    keep = ["period", "tier", "family", "circuits", "capacity_mbps", "total_usd"]
    left = base.periods[keep] if not base.periods.empty else pd.DataFrame(columns=keep)
    right = changed.periods[keep] if not changed.periods.empty else pd.DataFrame(columns=keep)
    merged = left.merge(right, on="period", how="outer", suffixes=("_base", "_whatif"))
    merged = merged.sort_values("period", kind="stable").reset_index(drop=True)
    merged["delta_usd"] = (merged["total_usd_whatif"].astype(float)
                           - merged["total_usd_base"].astype(float))
    differs = np.zeros(len(merged), dtype=bool)
    for column in ("tier", "family", "circuits", "capacity_mbps"):
        differs |= (merged[f"{column}_base"].astype(object).to_numpy()
                    != merged[f"{column}_whatif"].astype(object).to_numpy())
    merged["changed"] = differs | ~np.isclose(merged["delta_usd"].fillna(np.inf), 0.0)
    return merged[CHANGE_COLUMNS]


def sweep(problems: Sequence[CustomerProblem], whatifs: Sequence[WhatIf], *,
          secondary_sites: set[str] | None = None,
          engine: str = DEFAULT_ENGINE) -> pd.DataFrame:
    """Total cost of a set of customers under each of several what-ifs.

    Parameters
    ----------
    problems : sequence of CustomerProblem
        The customers (a sample keeps this cheap: every point re-plans every customer).
    whatifs : sequence of WhatIf
        The points of the sweep.
    secondary_sites : set of str, optional
        Customers that have a secondary peering location; None assumes all do.
    engine : str
        One of :data:`planner.ENGINES`.

    Returns
    -------
    pandas.DataFrame
        One row per point: the what-if's fields, ``total_usd`` (over the customers that
        stay feasible) [USD], ``feasible`` and ``infeasible`` [customers].
    """
    rows = []
    for whatif in whatifs:
        total, feasible = 0.0, 0
        for problem in problems:
            has_secondary = secondary_sites is None or problem.customer_id in secondary_sites
            result = replan(problem, whatif, has_secondary_site=has_secondary, engine=engine)
            if result.status is Status.OPTIMAL:
                total += result.total_usd or 0.0
                feasible += 1
        rows.append({**whatif.__dict__, "total_usd": total, "feasible": feasible,
                     "infeasible": len(problems) - feasible})
    return pd.DataFrame(rows)


def secondary_sites(inputs: Inputs) -> set[str]:
    """Customers that have a secondary peering location."""
    customers = inputs.customers
    return set(customers.loc[customers["secondary_peering_location"] != "", "customer_id"])
