"""A batch customer's plan checked, costed and written as CSV rows in one pass.

The results are those of :func:`planner.planning.verify` (rules of docs/model.rst and
:func:`planner.rules.plan_total`), :func:`planner.tables.period_rows` and
:func:`planner.tables.circuit_rows` written as pandas writes them, with the same floating
point operations in the same order, so the bytes are the same. What is saved is repetition:
a plan usually keeps its circuits for many months, and such a run of equal months is looked
up, checked and costed once, its months compared with numpy at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from planner.domain import CAPACITY_TOLERANCE_MBPS, Resiliency, Site
from planner.inputs.read import format_periods
from planner.problems import CustomerProblem, MonthPlan
from planner.rules import (
    created_count,
    eligible_skus,
    inventory_plan,
    month_costs,
    pays_egress,
)
from planner.tables import (
    CIRCUIT_COLUMNS,
    PERIOD_COLUMNS,
    circuit_events,
    circuit_rows,
    period_rows,
)

#: Slack of the capacity and resiliency comparisons, as in :func:`planner.rules.broken_rules`.
_SLACK = CAPACITY_TOLERANCE_MBPS


def month_runs(plans: Sequence[MonthPlan]) -> list[tuple[int, int]]:
    """``(begin, end)`` of each run of consecutive equal month plans."""
    runs = []
    begin = 0
    for t in range(1, len(plans) + 1):
        if t == len(plans) or (plans[t] is not plans[begin] and plans[t] != plans[begin]):
            runs.append((begin, t))
            begin = t
    return runs


def _links_suffice(caps: list[int], least: int, most: int, per_vnet: int) -> bool:
    """Whether ``sum(min(cap, v) for cap in caps) >= per_vnet * v`` for every v in a run.

    The left side minus the right is concave in ``v`` (a sum of concave pieces minus a
    line), so it is least at one end of the run's range: checking ``least`` and ``most``
    (the run's fewest and most vNets) decides every month of the run exactly.
    """
    return all(sum(min(cap, v) for cap in caps) >= per_vnet * v for v in (least, most))


def rules_hold(problem: CustomerProblem, plans: Sequence[MonthPlan]) -> bool:
    """Whether every month of ``plans`` keeps every rule.

    True exactly when :func:`planner.rules.broken_rules` finds nothing in any month. A run
    of equal months is checked at once: the capacity and resiliency comparisons only get
    harder as the peak grows (``peak - 1e-9`` rounds monotonically), so the run's largest
    peak decides them; the vNet-link rules are decided by its fewest and most vNets
    (:func:`_links_suffice`).
    """
    if len(plans) != problem.months:
        return False
    runs = month_runs(plans)
    starts = [begin for begin, _ in runs]
    peaks = np.maximum.reduceat(np.asarray(problem.peak_mbps, dtype=float), starts)
    vnets = np.asarray(problem.vnets, dtype=np.int64)
    fewest = np.minimum.reduceat(vnets, starts).tolist()
    most = np.maximum.reduceat(vnets, starts).tolist()
    groups = eligible_skus(problem)
    sites = problem.sites
    for r, (begin, _) in enumerate(runs):
        plan = plans[begin]
        skus = {s.bandwidth_mbps: s for s in groups.get(plan.tier_family, ())}
        everything = [b for site in plan.circuits for b in plan.at(site)]
        if any(b not in skus for b in everything) or set(plan.circuits) - set(sites):
            return False
        if plan.count > problem.max_circuits or any(
                len(plan.at(site)) > problem.per_site_cap for site in sites):
            return False
        need = float(peaks[r]) - _SLACK
        if plan.capacity_mbps * problem.target_utilization < need:
            return False
        caps = {site: [skus[b].vnet_links for b in plan.at(site)] for site in sites}
        if problem.resiliency == Resiliency.STANDARD:
            ok = _links_suffice(caps[Site.PRIMARY], fewest[r], most[r], 1) and plan.count >= 1
        elif problem.resiliency == Resiliency.N_PLUS_ONE:
            ok = (_links_suffice(caps[Site.PRIMARY], fewest[r], most[r], 2) and plan.count >= 2
                  and plan.capacity_mbps - max(everything, default=0) >= need)
        else:
            ok = all(_links_suffice(caps[site], fewest[r], most[r], 1)
                     and len(plan.at(site)) >= 1 and sum(plan.at(site)) >= need
                     for site in sites)
        if not ok:
            return False
    return True


def _plain(text: str, rows: int, columns: int) -> bool:
    """Whether no field of ``text`` needs the quoting of the CSV writer.

    Ids, names and periods are validated never to hold a comma, a quote or a line break;
    should one do so (more commas or breaks than the columns give), pandas writes the rows.
    """
    return (text.count(",") == rows * (columns - 1) and text.count("\n") == rows
            and '"' not in text and "\r" not in text)


def periods_text(problem: CustomerProblem, plans: Sequence[MonthPlan]) -> tuple[float, str]:
    """The plan's total [USD] (as :func:`planner.rules.plan_total`) and its periods.csv rows.

    The rows are the text (no header) ``format_periods(...).to_csv`` writes.
    """
    previous = inventory_plan(problem)
    egress_all = np.asarray(problem.egress_gb, dtype=float) * problem.usd_per_gb
    customer, periods, peaks = problem.customer_id, problem.periods, problem.peak_mbps
    total = 0.0
    lines = []
    for begin, end in month_runs(plans):
        plan = plans[begin]
        circuit_usd, _ = month_costs(problem, begin, plan)
        pays = pays_egress(plan.tier_family)
        capacity = plan.capacity_mbps
        head = f"{plan.tier},{plan.family},{plan.count},{capacity},"
        fee = f"{circuit_usd:.2f}"
        created = created_count(previous, plan)
        for t in range(begin, end):
            setup_usd = problem.setup_usd * (created if t == begin else 0)
            egress_usd = float(egress_all[t]) if pays else 0.0
            month_usd = circuit_usd + egress_usd + setup_usd
            total += month_usd
            peak = float(peaks[t])
            utilization = peak / capacity if capacity else 0.0
            lines.append(f"{customer},{periods[t]},{head}{peak:g},{utilization:.4f},{fee},"
                         f"{egress_usd:.2f},{setup_usd:.2f},{month_usd:.2f}\n")
        previous = plan
    text = "".join(lines)
    if not _plain(text, len(lines), len(PERIOD_COLUMNS)):
        frame = pd.DataFrame(period_rows(problem, list(plans)), columns=PERIOD_COLUMNS)
        text = format_periods(frame).to_csv(index=False, header=False, lineterminator="\n")
    return total, text


def circuits_text(problem: CustomerProblem, plans: Sequence[MonthPlan]) -> str:
    """The plan's circuits.csv rows: the text (no header) ``to_csv`` writes."""
    customer = problem.customer_id
    lines = [f"{customer},{name},{site},{period},{tf[0]},{tf[1]},{bandwidth},{action}\n"
             for name, site, period, tf, bandwidth, action in circuit_events(problem,
                                                                             list(plans))]
    text = "".join(lines)
    if not _plain(text, len(lines), len(CIRCUIT_COLUMNS)):
        frame = pd.DataFrame(circuit_rows(problem, list(plans)), columns=CIRCUIT_COLUMNS)
        text = frame.to_csv(index=False, header=False, lineterminator="\n")
    return text
