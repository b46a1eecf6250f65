"""Build the MILP of one customer: one small ``define_*`` function per block of rules.

Variables
---------
``choose[t, tf]``
    Binary: month ``t`` uses tier and family ``tf``.
``count[t, site, tf, b]``
    Integer: circuits of bandwidth ``b`` [Mb/s] at ``site`` in month ``t``; only for
    eligible SKUs.
``largest[t, b]``
    Binary (``n+1`` only): some circuit of bandwidth ``b`` exists in month ``t``.
``created[t, site]``
    Continuous: circuits created at ``site`` in month ``t``.
``config[t, site, tf, c]``
    Binary: the circuits at ``site`` in month ``t`` are exactly the multiset ``c`` of
    bandwidths, one of those that meet the month's per-site rules on their own.

Circuits are counted, not named, so the model has no symmetric copies of one plan. The
number created is the month's circuits minus a maximum matching of the previous month's
circuits that can be raised in place; because a previous circuit of bandwidth ``b'`` can
become any current one of bandwidth ``b >= b'``, Hall's theorem makes that number the
largest of ``#current(<= x) - #previous(<= x)`` over bandwidths ``x`` (and zero), which
the ``created`` constraints state directly.

For ``n+1`` customers, configuration variables describe each month's feasible circuit
sets exactly, so the relaxation of a single month is its convex hull (the loss-of-largest
rule is otherwise very weak in the relaxation); the count constraints stay as well. For
the other modes the plain count model solves faster, so they go without.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations_with_replacement

import pulp

from planner.model import CustomerProblem, Sku, TierFamily
from planner.rules import eligible_skus, in_place, inventory_plan, links, pays_egress

CountKey = tuple[int, str, TierFamily, int]


@dataclass
class MilpModel:
    """A built model and its variables.

    Parameters
    ----------
    problem : CustomerProblem
        The customer it plans.
    prob : pulp.LpProblem
        The PuLP model.
    skus : dict
        Eligible SKUs by (tier, family).
    choose, count, largest, created : dict
        The variables, keyed as in the module docstring.
    """

    problem: CustomerProblem
    prob: pulp.LpProblem
    skus: dict[TierFamily, tuple[Sku, ...]]
    choose: dict[tuple[int, TierFamily], pulp.LpVariable] = field(default_factory=dict)
    count: dict[CountKey, pulp.LpVariable] = field(default_factory=dict)
    largest: dict[tuple[int, int], pulp.LpVariable] = field(default_factory=dict)
    created: dict[tuple[int, str], pulp.LpVariable] = field(default_factory=dict)
    config: dict[tuple[int, str, TierFamily, tuple[int, ...]], pulp.LpVariable] = field(
        default_factory=dict)
    counts_at: dict[tuple[int, str], list[tuple[TierFamily, int, pulp.LpVariable]]] = field(
        default_factory=dict)

    def site_count(self, t: int, site: str) -> pulp.LpAffineExpression:
        """Circuits at ``site`` in month ``t``."""
        return pulp.lpSum(v for _, _, v in self.counts_at[t, site])

    def site_bandwidth(self, t: int, site: str) -> pulp.LpAffineExpression:
        """Bandwidth at ``site`` in month ``t`` [Mb/s]."""
        return pulp.lpSum(b * v for _, b, v in self.counts_at[t, site])

    def site_links(self, t: int, site: str) -> pulp.LpAffineExpression:
        """VNet links the circuits at ``site`` give in month ``t`` [count]."""
        vnets = int(self.problem.vnets[t])
        return pulp.lpSum(links(self.sku(tf, b), vnets) * v for tf, b, v in self.counts_at[t, site])

    def tf_bandwidth(self, t: int, site: str, tf: TierFamily) -> pulp.LpAffineExpression:
        """Bandwidth of tier-family ``tf`` at ``site`` in month ``t`` [Mb/s]."""
        return pulp.lpSum(b * v for key, b, v in self.counts_at[t, site] if key == tf)

    def tf_count(self, t: int, site: str, tf: TierFamily) -> pulp.LpAffineExpression:
        """Circuits of tier-family ``tf`` at ``site`` in month ``t``."""
        return pulp.lpSum(v for key, _, v in self.counts_at[t, site] if key == tf)

    def tf_links(self, t: int, site: str, tf: TierFamily) -> pulp.LpAffineExpression:
        """VNet links of tier-family ``tf`` circuits at ``site`` in month ``t`` [count]."""
        vnets = int(self.problem.vnets[t])
        return pulp.lpSum(links(self.sku(tf, b), vnets) * v
                          for key, b, v in self.counts_at[t, site] if key == tf)

    def sku(self, tf: TierFamily, bandwidth: int) -> Sku:
        """The eligible SKU of ``tf`` at ``bandwidth`` [Mb/s]."""
        return next(s for s in self.skus[tf] if s.bandwidth_mbps == bandwidth)


def _label(*parts: object) -> str:
    return "_".join(str(p) for p in parts).replace("+", "plus").replace("-", "_")


def define_tier_family_choice(model: MilpModel) -> None:
    """One tier and family per month (see docs/model.rst, Rules in one month)."""
    for t in range(model.problem.months):
        for tf in model.skus:
            model.choose[t, tf] = model.prob.add_variable(_label("choose", t, *tf), cat="Binary")
        model.prob += (pulp.lpSum(model.choose[t, tf] for tf in model.skus) == 1,
                       _label("one_tier_family", t))


def define_circuit_counts(model: MilpModel) -> None:
    """Circuit count variables for eligible SKUs, zero unless their tier-family is chosen."""
    problem = model.problem
    cap = min(problem.max_circuits, problem.max_circuits_per_location)
    for t in range(problem.months):
        for site in problem.sites:
            for tf, skus in model.skus.items():
                for sku in skus:
                    key = (t, site, tf, sku.bandwidth_mbps)
                    var = model.prob.add_variable(_label("count", t, site, *tf, sku.bandwidth_mbps),
                                          lowBound=0, upBound=cap, cat="Integer")
                    model.count[key] = var
                    model.counts_at.setdefault((t, site), []).append(
                        (tf, sku.bandwidth_mbps, var))
                    model.prob += (var <= cap * model.choose[t, tf],
                                   _label("count_needs_choice", t, site, *tf, sku.bandwidth_mbps))


def define_capacity(model: MilpModel) -> None:
    """Rule 1: total bandwidth x target utilization >= peak.

    Stated per tier-family, scaled by its choice: the same rule for integer solutions, and a
    much tighter relaxation than one constraint over all tier-families.
    """
    problem = model.problem
    for t in range(problem.months):
        for tf in model.skus:
            total = pulp.lpSum(model.tf_bandwidth(t, site, tf) for site in problem.sites)
            model.prob += (problem.target_utilization * total
                           >= float(problem.peak_mbps[t]) * model.choose[t, tf],
                           _label("capacity", t, *tf))


def define_counts(model: MilpModel) -> None:
    """Rule 3: at most max_circuits in all and max_circuits_per_location at one site."""
    problem = model.problem
    for t in range(problem.months):
        for site in problem.sites:
            model.prob += (model.site_count(t, site) <= problem.max_circuits_per_location,
                           _label("per_location", t, site))
        model.prob += (pulp.lpSum(model.site_count(t, s) for s in problem.sites)
                       <= problem.max_circuits, _label("max_circuits", t))


def define_vnet_links(model: MilpModel) -> None:
    """Rule 4 with the coverage of rule 5: links cover V (twice for n+1, per site for maximum)."""
    problem = model.problem
    need = 2 if problem.resiliency == "n+1" else 1
    for t in range(problem.months):
        for site in problem.sites:
            for tf in model.skus:
                model.prob += (model.tf_links(t, site, tf)
                               >= need * int(problem.vnets[t]) * model.choose[t, tf],
                               _label("vnet_links", t, site, *tf))


def define_resiliency(model: MilpModel) -> None:
    """Rule 5: circuit minimums and the failure a resiliency mode must survive."""
    problem = model.problem
    for t in range(problem.months):
        peak = float(problem.peak_mbps[t])
        if problem.resiliency == "standard":
            for tf in model.skus:
                model.prob += (model.tf_count(t, "primary", tf) >= model.choose[t, tf],
                               _label("at_least_one", t, *tf))
        elif problem.resiliency == "maximum":
            for site in problem.sites:
                for tf in model.skus:
                    model.prob += (model.tf_count(t, site, tf) >= model.choose[t, tf],
                                   _label("one_per_site", t, site, *tf))
                    model.prob += (model.tf_bandwidth(t, site, tf) >= peak * model.choose[t, tf],
                                   _label("site_carries_peak", t, site, *tf))
        else:
            _define_n_plus_one(model, t, peak)


def _define_n_plus_one(model: MilpModel, t: int, peak: float) -> None:
    """n+1: at least two circuits; total minus the largest circuit carries the peak."""
    problem = model.problem
    for tf in model.skus:
        model.prob += (model.tf_count(t, "primary", tf) >= 2 * model.choose[t, tf],
                       _label("at_least_two", t, *tf))
    total = model.site_bandwidth(t, "primary")
    cap = min(problem.max_circuits, problem.max_circuits_per_location)
    bandwidths = sorted({s.bandwidth_mbps for skus in model.skus.values() for s in skus})
    for b in bandwidths:
        flag = model.prob.add_variable(_label("largest", t, b), cat="Binary")
        model.largest[t, b] = flag
        model.prob += (pulp.lpSum(v for _, bw, v in model.counts_at[t, "primary"] if bw == b)
                       <= cap * flag, _label("has", t, b))
        # With a circuit of b present, the others (total - b) must carry the peak.
        model.prob += total >= (peak + b) * flag, _label("survives_loss", t, b)


def site_configurations(model: MilpModel, t: int, tf: TierFamily) -> list[tuple[int, ...]]:
    """Multisets of ``tf`` bandwidths [Mb/s] that meet month ``t``'s rules at one site alone.

    For ``standard`` and ``n+1`` these are the whole month's rules; for ``maximum`` the
    per-site ones (count, bandwidth carrying the peak, links covering the vNets).
    """
    problem = model.problem
    peak, vnets = float(problem.peak_mbps[t]), int(problem.vnets[t])
    links_of = {s.bandwidth_mbps: links(s, vnets) for s in model.skus[tf]}
    most = min(problem.max_circuits, problem.max_circuits_per_location)
    fewest = {"standard": 1, "n+1": 2, "maximum": 1}[problem.resiliency]
    need = 2 * vnets if problem.resiliency == "n+1" else vnets
    found = []
    for size in range(fewest, most + 1):
        for combo in combinations_with_replacement(sorted(links_of), size):
            total = sum(combo)
            if sum(links_of[b] for b in combo) < need:
                continue
            if problem.resiliency == "maximum":
                ok = total >= peak - 1e-9
            else:
                ok = total * problem.target_utilization >= peak - 1e-9
                if problem.resiliency == "n+1":
                    ok = ok and total - combo[-1] >= peak - 1e-9
            if ok:
                found.append(combo)
    return found


def define_configurations(model: MilpModel) -> None:
    """Each site's circuits form one feasible configuration of the chosen tier-family."""
    problem = model.problem
    for t in range(problem.months):
        options = {tf: site_configurations(model, t, tf) for tf in model.skus}
        for site in problem.sites:
            chosen = []
            for tf, combos in options.items():
                in_tf = []
                for combo in combos:
                    var = model.prob.add_variable(_label("config", t, site, *tf, *combo),
                                                  cat="Binary")
                    model.config[t, site, tf, combo] = var
                    in_tf.append(var)
                model.prob += (pulp.lpSum(in_tf) == model.choose[t, tf],
                               _label("config_of_choice", t, site, *tf))
                for sku in model.skus[tf]:
                    b = sku.bandwidth_mbps
                    model.prob += (model.count[t, site, tf, b] == pulp.lpSum(
                        combo.count(b) * model.config[t, site, tf, combo]
                        for combo in combos if b in combo),
                        _label("count_from_config", t, site, *tf, b))
                chosen += in_tf
            model.prob += pulp.lpSum(chosen) == 1, _label("one_config", t, site)


def _previous_counts(model: MilpModel, t: int, site: str, tf: TierFamily,
                     upto: int) -> pulp.LpAffineExpression | float:
    """Previous month's circuits at ``site`` with bandwidth <= ``upto`` that ``tf`` keeps."""
    if t == 0:
        before = inventory_plan(model.problem)
        if before is None or not in_place(before.tier_family, tf):
            return 0.0
        return float(sum(1 for b in before.at(site) if b <= upto))
    return pulp.lpSum(v for old, b, v in model.counts_at[t - 1, site]
                      if b <= upto and in_place(old, tf))


def define_creations(model: MilpModel) -> None:
    """Section 4: circuits created = current minus those raised in place from before."""
    problem = model.problem
    for t in range(problem.months):
        for site in problem.sites:
            created = model.prob.add_variable(_label("created", t, site), lowBound=0)
            model.created[t, site] = created
            for tf, skus in model.skus.items():
                for sku in skus:
                    upto = sku.bandwidth_mbps
                    current = pulp.lpSum(model.count[t, site, tf, s.bandwidth_mbps]
                                         for s in skus if s.bandwidth_mbps <= upto)
                    model.prob += (created >= current - _previous_counts(model, t, site, tf, upto),
                                   _label("created", t, site, *tf, upto))


def define_objective(model: MilpModel) -> None:
    """Monthly fees, metered egress and setup of created circuits [USD]."""
    problem = model.problem
    fees = pulp.lpSum(model.sku(tf, b).monthly_usd * v
                      for (_, _, tf, b), v in model.count.items())
    egress = pulp.lpSum(float(problem.egress_gb[t] * problem.usd_per_gb) * v
                        for (t, tf), v in model.choose.items() if pays_egress(tf))
    setup = problem.setup_usd * pulp.lpSum(model.created.values())
    model.prob += fees + egress + setup


def create_model(problem: CustomerProblem) -> MilpModel:
    """Build the MILP of one customer.

    Parameters
    ----------
    problem : CustomerProblem
        The customer; it must have at least one eligible SKU.

    Returns
    -------
    MilpModel
    """
    model = MilpModel(problem, pulp.LpProblem(_label("plan", problem.customer_id),
                                              pulp.LpMinimize), eligible_skus(problem))
    hull = [define_configurations] if problem.resiliency == "n+1" else []
    for define in (define_tier_family_choice, define_circuit_counts, *hull, define_capacity,
                   define_counts, define_vnet_links, define_resiliency, define_creations,
                   define_objective):
        define(model)
    return model
