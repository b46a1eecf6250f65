"""The restricted master problem of column generation, solved by HiGHS.

Variables: for each customer its plans (columns, weight in [0, 1]) and an artificial plan
of cost ``big_m`` that keeps every node feasible; for each pool ``k`` and portfolio month
``m`` the pairs held ``y[k, m]`` and the pairs added ``z[k, m]``. Rows:

* one per customer: the weights sum to 1 (dual: the customer's price ``pi``);
* capacity: ``sum of Direct loads - oversubscription x port x 1000 x y[k, m] <= 0``
  (dual <= 0; minus it is the price of one Mb/s of Direct bandwidth);
* setup: ``y[k, m] - y[k, m - 1] - z[k, m] <= 0``, with ``existing_pairs`` before month 0;
* linking, per customer, pool and month: the weight of the customer's plans on that pool in
  that month ``<= y[k, m]``. Redundant for whole pair counts (a plan needs a pair), these
  rows make the LP pay a whole pair before any customer rides it fully: without them the
  LP shares a pair's fee out per Mb/s and its bound is weak (dual: a fee per month of use).
  The search adds only the rows its LP solutions break (``Master.add_links``).
* capacity cuts (:mod:`planner.direct.cuts`), valid for whole pair counts: a plan's
  coefficient is its load capped per rider, ``y``'s is ``-r x C`` (dual: a price per Mb/s
  of a rider's load up to its cap). Added like the linking rows (``Master.add_cuts``).

The objective is the plans' totals plus ``monthly_usd x y`` plus ``setup_usd x z``. HiGHS is
driven through highspy directly so that columns are appended to a warm-started LP.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from planner.direct.cuts import CapacityCut
from planner.direct.pricing import Column
from planner.direct.problem import PortfolioProblem
from planner.engines.milp.solve import silence_highs_banner

INF = highspy.kHighsInf


@dataclass
class MasterSolution:
    """One solve of the master.

    Parameters
    ----------
    objective_usd : float
        Optimal value [USD].
    weights : numpy.ndarray
        Weight of each column, in column order.
    artificial : numpy.ndarray
        Weight of each customer's artificial plan.
    pairs : numpy.ndarray
        Pairs held ``(keys, months)``.
    customer_price : numpy.ndarray
        Dual of each customer's convexity row [USD] (LP only).
    usd_per_mbps : numpy.ndarray
        Price of Direct bandwidth ``(keys, months)`` [USD per Mb/s], >= 0 (LP only).
    usd_per_use : dict of int to numpy.ndarray
        Per customer, the price of riding each pool in each month ``(keys, months)`` [USD],
        >= 0 (the linking rows' duals; LP only).
    usd_per_cut : numpy.ndarray
        Price of each capacity cut, in the master's cut order [USD per Mb/s], >= 0 (LP only).
    """

    objective_usd: float
    weights: np.ndarray
    artificial: np.ndarray
    pairs: np.ndarray
    customer_price: np.ndarray
    usd_per_mbps: np.ndarray
    usd_per_use: dict[int, np.ndarray]
    usd_per_cut: np.ndarray


class Master:
    """A restricted master over a set of columns.

    Parameters
    ----------
    portfolio : PortfolioProblem
        The coupled problem.
    customers : list of int
        The coupled customers' positions; row ``i`` is customer ``customers[i]``.
    big_m : numpy.ndarray
        Cost of each customer's artificial plan [USD].
    pairs_low, pairs_high : numpy.ndarray
        Bounds on the pairs held ``(keys, months)``.
    integer : bool
        Whether weights and pairs must be whole (the integer restricted master).
    time_limit_s : float, optional
        HiGHS time limit [s].
    opened : numpy.ndarray, optional
        Pools that must hold a pair in some month (a branching decision): one row each,
        ``sum over months of y[k, m] >= 1``.
    linked : dict of int to list of (int, int), optional
        Per customer, the (pool, month) pairs it may ride: one linking row each (more can
        be added by ``add_links``).
    mip_gap_usd : float, default 0.001
        Absolute gap at which HiGHS may stop the integer master [USD].
    cuts : list of CapacityCut, optional
        Capacity cuts to start with (more can be added by ``add_cuts``).
    """

    def __init__(self, portfolio: PortfolioProblem, customers: list[int], big_m: np.ndarray,
                 pairs_low: np.ndarray, pairs_high: np.ndarray, *, integer: bool = False,
                 time_limit_s: float | None = None, opened: np.ndarray | None = None,
                 linked: dict[int, list[tuple[int, int]]] | None = None,
                 mip_gap_usd: float = 1e-3, cuts: list[CapacityCut] | None = None):
        self.row_of = {c: i for i, c in enumerate(customers)}
        self.n_customers = len(customers)
        keys, months = pairs_low.shape
        self.keys, self.months = keys, months
        self.integer = integer
        self.columns: list[Column] = []
        silence_highs_banner()
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("log_to_console", False)
        h.setOptionValue("threads", 1)
        if time_limit_s is not None:
            h.setOptionValue("time_limit", float(time_limit_s))
        if integer:
            h.setOptionValue("mip_rel_gap", 0.0)
            h.setOptionValue("mip_abs_gap", max(1e-3, float(mip_gap_usd)))
        self.h = h
        n_km = keys * months
        fee = np.repeat([o.monthly_usd for o in portfolio.offers], months)
        setup = np.repeat([o.setup_usd for o in portfolio.offers], months)
        # Columns 0..n_km-1: y; n_km..2n_km-1: z; then one artificial per customer.
        h.addVars(n_km, pairs_low.ravel().astype(float), pairs_high.ravel().astype(float))
        h.addVars(n_km, np.zeros(n_km), np.full(n_km, INF))
        h.addVars(self.n_customers, np.zeros(self.n_customers), np.ones(self.n_customers))
        n_vars = 2 * n_km + self.n_customers
        h.changeColsCost(n_vars, np.arange(n_vars, dtype=np.int32),
                         np.concatenate([fee, setup, np.asarray(big_m, dtype=float)]))
        # Rows 0..C-1: convexity; C..C+n_km-1: capacity; then setup rows.
        artificial = 2 * n_km + np.arange(self.n_customers)
        self._rows(np.ones(self.n_customers), np.ones(self.n_customers),
                   [[(int(a), 1.0)] for a in artificial])
        capacity = portfolio.capacity_mbps()
        self._rows(np.full(n_km, -INF), np.zeros(n_km),
                   [[(k * months + m, -float(capacity[k]))]
                    for k in range(keys) for m in range(months)])
        existing = [o.existing_pairs for o in portfolio.offers]
        self.existing = np.array(existing, dtype=float)
        upper, entries = [], []
        for k in range(keys):
            for m in range(months):
                y = k * months + m
                row = [(y, 1.0), (n_km + y, -1.0)]
                if m:
                    row.append((y - 1, -1.0))
                entries.append(row)
                upper.append(0.0 if m else float(existing[k]))
        self._rows(np.full(n_km, -INF), np.array(upper), entries)
        must = [] if opened is None else [k for k in range(keys) if opened[k]]
        if must:
            self._rows(np.ones(len(must)), np.full(len(must), INF),
                       [[(k * months + m, 1.0) for m in range(months)] for k in must])
        self.link_row: dict[tuple[int, int, int], int] = {}
        first_link = self.n_customers + 2 * n_km + len(must)
        entries = []
        for c, places in (linked or {}).items():
            for k, m in places:
                self.link_row[(c, k, m)] = first_link + len(entries)
                entries.append([(k * months + m, -1.0)])
        if entries:
            self._rows(np.full(len(entries), -INF), np.zeros(len(entries)), entries)
        self.n_rows = first_link + len(entries)
        self.cuts: list[CapacityCut] = []
        self.cut_rows: list[int] = []
        #: Per (customer, pool, month), the cut rows its plans enter and their caps [Mb/s].
        self.cut_terms: dict[tuple[int, int, int], list[tuple[int, float]]] = {}
        self.add_cuts(cuts or [])
        if integer:
            whole = np.concatenate([np.arange(n_km), artificial]).astype(np.int32)
            h.changeColsIntegrality(len(whole), whole,
                                    np.full(len(whole), highspy.HighsVarType.kInteger))
        self.first_column = n_vars
        self.capacity_row = self.n_customers

    def add_links(self, places: list[tuple[int, int, int]]) -> None:
        """Append linking rows for (customer, pool, month) triples not linked yet."""
        places = [p for p in dict.fromkeys(places) if p not in self.link_row]
        if not places:
            return
        riders: dict[tuple[int, int, int], list[int]] = {p: [] for p in places}
        for j, column in enumerate(self.columns):
            for key, month, _ in column.loads:
                found = riders.get((column.customer, key, month))
                if found is not None:
                    found.append(self.first_column + j)
        entries: list[list[tuple[int, float]]] = []
        for c, k, m in places:
            self.link_row[(c, k, m)] = self.n_rows + len(entries)
            entries.append([(k * self.months + m, -1.0)]
                           + [(j, 1.0) for j in riders[(c, k, m)]])
        self._rows(np.full(len(entries), -INF), np.zeros(len(entries)), entries)
        self.n_rows += len(entries)

    def add_cuts(self, cuts: list[CapacityCut]) -> None:
        """Append capacity cut rows, with the coefficients of the columns already in."""
        if not cuts:
            return
        entries: list[list[tuple[int, float]]] = []
        for cut in cuts:
            row = self.n_rows + len(entries)
            for c, cap in cut.caps_mbps:
                self.cut_terms.setdefault((c, cut.key, cut.month), []).append((row, cap))
            entries.append([(cut.key * self.months + cut.month, -cut.pair_mbps)])
            self.cut_rows.append(row)
        caps = {(cut.key, cut.month): dict(cut.caps_mbps) for cut in cuts}
        first = self.n_rows
        for j, column in enumerate(self.columns):
            for key, month, mbps in column.loads:
                if (key, month) not in caps:
                    continue
                for row, cap in self.cut_terms.get((column.customer, key, month), ()):
                    if row >= first:
                        entries[row - first].append((self.first_column + j, min(cap, mbps)))
        self._rows(np.full(len(entries), -INF), np.array([c.limit_mbps for c in cuts]),
                   entries)
        self.cuts.extend(cuts)
        self.n_rows += len(entries)

    def _rows(self, lower: np.ndarray, upper: np.ndarray,
              entries: list[list[tuple[int, float]]]) -> None:
        starts = np.cumsum([0] + [len(e) for e in entries[:-1]]).astype(np.int32)
        index = np.array([i for e in entries for i, _ in e], dtype=np.int32)
        value = np.array([v for e in entries for _, v in e], dtype=float)
        self.h.addRows(len(entries), lower, upper, len(index), starts, index, value)

    def add(self, columns: list[Column]) -> None:
        """Append columns (plans) to the master."""
        if not columns:
            return
        starts: list[int] = []
        index: list[int] = []
        value: list[float] = []
        for column in columns:
            starts.append(len(index))
            index.append(self.row_of[column.customer])
            value.append(1.0)
            for key, month, mbps in column.loads:
                index.append(self.capacity_row + key * self.months + month)
                value.append(mbps)
                row = self.link_row.get((column.customer, key, month))
                if row is not None:
                    index.append(row)
                    value.append(1.0)
                for row, cap in self.cut_terms.get((column.customer, key, month), ()):
                    index.append(row)
                    value.append(min(cap, mbps))
        n = len(columns)
        self.h.addCols(n, np.array([c.cost_usd for c in columns]), np.zeros(n), np.ones(n),
                       len(index), np.array(starts, dtype=np.int32),
                       np.array(index, dtype=np.int32), np.array(value))
        if self.integer:
            new = np.arange(self.first_column + len(self.columns),
                            self.first_column + len(self.columns) + n, dtype=np.int32)
            self.h.changeColsIntegrality(n, new, np.full(n, highspy.HighsVarType.kInteger))
        self.columns.extend(columns)

    def reserve(self, taken_mbps: np.ndarray) -> None:
        """Leave ``taken_mbps`` (keys, months) of each pool's capacity to plans outside [Mb/s].

        The capacity rows become ``sum of Direct loads <= C x y - taken``.
        """
        for i, taken in enumerate(np.asarray(taken_mbps, dtype=float).ravel()):
            self.h.changeRowBounds(self.capacity_row + i, -INF, -float(taken))

    def start_from(self, chosen: dict[int, Column | None], pairs: np.ndarray) -> bool:
        """Give the integer master a whole solution to start from (an incumbent).

        Parameters
        ----------
        chosen : dict of int to Column or None
            Each customer's plan (None: its artificial plan); each must be a column here.
        pairs : numpy.ndarray
            Pairs held ``(keys, months)``, within the master's bounds.

        Returns
        -------
        bool
            Whether HiGHS took it (False when a plan is not a column here).
        """
        index = {column.signature: i for i, column in enumerate(self.columns)}
        n_km = self.keys * self.months
        x = np.zeros(self.first_column + len(self.columns))
        held = np.asarray(pairs, dtype=float)
        x[:n_km] = held.ravel()
        before = np.concatenate([self.existing[:, None], held[:, :-1]], axis=1)
        x[n_km:2 * n_km] = np.maximum(0.0, held - before).ravel()
        for c, column in chosen.items():
            if column is None:
                x[2 * n_km + self.row_of[c]] = 1.0
            elif column.signature in index:
                x[self.first_column + index[column.signature]] = 1.0
            else:
                return False
        solution = highspy.HighsSolution()
        solution.col_value = list(x)
        solution.value_valid = True
        return self.h.setSolution(solution) == highspy.HighsStatus.kOk

    def solve(self) -> MasterSolution | None:
        """Solve; None when HiGHS finds no solution (infeasible bounds or time out)."""
        self.h.run()
        status = self.h.getModelStatus()
        solution = self.h.getSolution()
        if status != highspy.HighsModelStatus.kOptimal and not (
                self.integer and solution.value_valid):
            return None
        x = np.asarray(solution.col_value)
        n_km = self.keys * self.months
        shape = (self.keys, self.months)
        per_use: dict[int, np.ndarray] = {}
        per_cut = np.zeros(len(self.cut_rows))
        if self.integer:
            price = np.zeros(self.n_customers)
            per_mbps = np.zeros(shape)
        else:
            dual = np.asarray(solution.row_dual)
            price = dual[:self.n_customers]
            per_mbps = np.maximum(0.0, -dual[self.capacity_row:self.capacity_row + n_km]
                                  ).reshape(shape)
            for (c, k, m), row in self.link_row.items():
                if dual[row] < 0:
                    per_use.setdefault(c, np.zeros(shape))[k, m] = -dual[row]
            if self.cut_rows:
                per_cut = np.maximum(0.0, -dual[np.array(self.cut_rows)])
        return MasterSolution(
            objective_usd=float(self.h.getInfo().objective_function_value),
            weights=x[self.first_column:],
            artificial=x[2 * n_km:2 * n_km + self.n_customers],
            pairs=x[:n_km].reshape(shape),
            customer_price=price, usd_per_mbps=per_mbps, usd_per_use=per_use,
            usd_per_cut=per_cut)
