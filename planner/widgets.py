"""The what-if app: ipywidgets controls that re-plan one customer and update the charts.

>>> app = WhatIfApp(planner.read_inputs(...))    # doctest: +SKIP
>>> app.widget                                   # doctest: +SKIP

Moving a control re-plans the customer with :func:`planner.whatif.replan` and updates the
figures (plotly ``FigureWidget``) and the circuit table in place. While it solves, the status
line says so and the controls are disabled; a setting that leaves no valid plan shows the
reason instead of the charts' what-if data.
"""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd
import plotly.graph_objects as go

from planner.domain import Status
from planner.engines import DEFAULT_ENGINE
from planner.inputs.schema import BILLING_CHOICES, RESILIENCY_MODES
from planner.inputs.validate import Inputs
from planner.planning import CustomerResult
from planner.plots import capacity_against_demand, cost_by_month, cost_change
from planner.problems import CustomerProblem, build_problems
from planner.whatif import WhatIf, compare_periods, replan, secondary_sites

KEEP = "as customer"
BUSY_TEXT = "Re-planning…"
TABLE_COLUMNS = ["circuit_name", "site", "period", "tier", "family", "bandwidth_mbps", "action"]


def _replace_figure(target: go.FigureWidget, source: go.Figure) -> None:
    """Swap ``target``'s traces and layout for ``source``'s, in place."""
    with target.batch_update():
        target.data = ()
        target.add_traces(list(source.data))
        target.layout = source.layout


def circuit_table_html(circuits: pd.DataFrame) -> str:
    """The circuit table as HTML: creations, upgrades and retirements (keeps are implied)."""
    changes = circuits[circuits["action"] != "keep"]
    if changes.empty:
        return "<p>No circuit is created, upgraded or retired.</p>"
    return changes[TABLE_COLUMNS].to_html(index=False, border=0, classes="planner-circuits")


class WhatIfApp:
    """Controls, figures and a circuit table for what-ifs on one customer at a time.

    Parameters
    ----------
    inputs : Inputs
        The validated portfolio.
    customer_id : str, optional
        The customer shown first; the first of customers.csv by default.
    engine : str
        One of :data:`planner.ENGINES`.

    Attributes
    ----------
    controls : dict of str to ipywidgets.Widget
        ``customer``, ``demand_growth_pct``, ``price_change_pct``, ``target_utilization``,
        ``resiliency``, ``billing``, ``setup_usd``.
    capacity_figure, cost_figure, change_figure : plotly.graph_objects.FigureWidget
        Capacity against demand, cost by month, and the change against the base plan.
    table, status : ipywidgets.HTML
        The circuit changes and the status line (busy, totals or the infeasibility reason).
    base, result : CustomerResult
        The customer's plan as given, and under the current what-if.
    widget : ipywidgets.VBox
        Everything, laid out; display it in a notebook.
    """

    def __init__(self, inputs: Inputs, customer_id: str | None = None,
                 engine: str = DEFAULT_ENGINE):
        self.inputs = inputs
        self.engine = engine
        self.problems: dict[str, CustomerProblem] = {
            p.customer_id: p for p in build_problems(inputs)}
        self.with_secondary = secondary_sites(inputs)
        self._cache: dict[tuple[str, WhatIf], CustomerResult] = {}
        first = customer_id or next(iter(self.problems))
        if first not in self.problems:
            raise ValueError(f"unknown customer {first!r}")
        self.busy = False
        self._quiet = False
        self.controls = self._make_controls(first)
        self.status = w.HTML()
        self.table = w.HTML()
        self.capacity_figure = go.FigureWidget()
        self.cost_figure = go.FigureWidget()
        self.change_figure = go.FigureWidget()
        self.base = self.result = CustomerResult(first, Status.ERROR)
        self.widget = w.VBox([
            w.HBox([self.controls["customer"], self.controls["resiliency"],
                    self.controls["billing"]]),
            w.HBox([self.controls["demand_growth_pct"], self.controls["price_change_pct"]]),
            w.HBox([self.controls["target_utilization"], self.controls["setup_usd"]]),
            self.status, self.capacity_figure, self.cost_figure, self.change_figure, self.table,
        ])
        self._reset_for_customer()
        for name, control in self.controls.items():
            handler = self._on_customer if name == "customer" else self._on_setting
            control.observe(handler, names="value")

    def _make_controls(self, customer_id: str) -> dict[str, w.Widget]:
        style = {"description_width": "150px"}
        layout = w.Layout(width="420px")
        return {
            "customer": w.Dropdown(options=list(self.problems), value=customer_id,
                                   description="Customer", style=style, layout=layout),
            "resiliency": w.Dropdown(options=[KEEP, *RESILIENCY_MODES], value=KEEP,
                                     description="Resiliency", style=style),
            "billing": w.Dropdown(options=[KEEP, *BILLING_CHOICES], value=KEEP,
                                  description="Billing", style=style),
            "demand_growth_pct": w.FloatSlider(
                value=0, min=-100, max=300, step=10, description="Faster growth [%]",
                continuous_update=False, style=style, layout=layout),
            "price_change_pct": w.FloatSlider(
                value=0, min=-50, max=100, step=5, description="Price change [%]",
                continuous_update=False, style=style, layout=layout),
            "target_utilization": w.FloatSlider(
                value=0.8, min=0.05, max=1.0, step=0.05, description="Target utilization",
                continuous_update=False, style=style, layout=layout, readout_format=".2f"),
            "setup_usd": w.BoundedFloatText(
                value=0, min=0, max=1_000_000, step=100, description="Setup cost [USD]",
                style=style, layout=layout),
        }

    @property
    def customer_id(self) -> str:
        """The customer shown."""
        return str(self.controls["customer"].value)

    @property
    def problem(self) -> CustomerProblem:
        """The customer's problem as given."""
        return self.problems[self.customer_id]

    def whatif(self) -> WhatIf:
        """The what-if the controls describe."""
        c, problem = self.controls, self.problem
        utilization = float(c["target_utilization"].value)
        setup = float(c["setup_usd"].value)
        return WhatIf(
            demand_growth_pct=float(c["demand_growth_pct"].value),
            price_change_pct=float(c["price_change_pct"].value),
            target_utilization=(None if abs(utilization - problem.target_utilization) < 1e-9
                                else utilization),
            resiliency=None if c["resiliency"].value == KEEP else str(c["resiliency"].value),
            billing=None if c["billing"].value == KEEP else str(c["billing"].value),
            setup_usd=None if abs(setup - problem.setup_usd) < 1e-9 else setup,
        )

    def plan(self, whatif: WhatIf) -> CustomerResult:
        """The current customer planned under ``whatif`` (remembered for repeated settings)."""
        key = (self.customer_id, whatif)
        if key not in self._cache:
            self._cache[key] = replan(
                self.problem, whatif, engine=self.engine,
                has_secondary_site=self.customer_id in self.with_secondary)
        return self._cache[key]

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for control in self.controls.values():
            control.disabled = busy
        if busy:
            self.status.value = f"<b>{BUSY_TEXT}</b>"

    def _reset_for_customer(self) -> None:
        """Put the setting controls at the customer's own values and show its base plan."""
        problem = self.problem
        with self._paused():
            self.controls["target_utilization"].value = problem.target_utilization
            self.controls["setup_usd"].value = problem.setup_usd
            for name in ("resiliency", "billing"):
                self.controls[name].value = KEEP
            for name in ("demand_growth_pct", "price_change_pct"):
                self.controls[name].value = 0.0
        self._set_busy(True)
        try:
            self.base = self.plan(WhatIf())
        finally:
            self._set_busy(False)
        self.refresh()

    def _paused(self) -> _Paused:
        return _Paused(self)

    def _on_customer(self, change: dict[str, object]) -> None:
        if not self._quiet:
            self._reset_for_customer()

    def _on_setting(self, change: dict[str, object]) -> None:
        if not self._quiet and not self.busy:
            self.refresh()

    def refresh(self) -> None:
        """Re-plan with the controls' settings and update the status, figures and table."""
        self._set_busy(True)
        try:
            self.result = self.plan(self.whatif())
        finally:
            self._set_busy(False)
        result, base = self.result, self.base
        comparison = compare_periods(base, result)
        _replace_figure(self.change_figure, cost_change(comparison))
        name = html.escape(self.customer_id)
        if result.status is not Status.OPTIMAL:
            self.status.value = (
                f"<div style='color:#b00020'><b>No valid plan for {name} with these settings."
                f"</b> {html.escape(result.message)}</div>")
            for target in (self.capacity_figure, self.cost_figure):
                with target.batch_update():
                    target.data = ()
                    target.layout.title = "No valid plan with these settings"
            self.table.value = ""
            return
        base_text = (f"{base.total_usd:,.0f} USD" if base.status is Status.OPTIMAL
                     else f"no base plan ({html.escape(base.message)})")
        delta = ((result.total_usd or 0) - (base.total_usd or 0)
                 if base.status is Status.OPTIMAL else None)
        self.status.value = (
            f"<b>{name}</b>: total {result.total_usd:,.0f} USD over {len(result.plans)} months"
            f" (base plan {base_text}"
            + (f", change {delta:+,.0f} USD" if delta is not None else "") + ")")
        _replace_figure(self.capacity_figure, capacity_against_demand(
            result.periods, result.circuits, title=f"Capacity against demand: {self.customer_id}"))
        _replace_figure(self.cost_figure, cost_by_month(
            result.periods, title=f"Cost by month: {self.customer_id}"))
        self.table.value = circuit_table_html(result.circuits)

    def _repr_mimebundle_(self, **kwargs: object) -> dict[str, object] | None:
        bundle: dict[str, object] | None = self.widget._repr_mimebundle_(**kwargs)
        return bundle


class _Paused:
    """Within it, control changes do not re-plan (used while controls are reset)."""

    def __init__(self, app: WhatIfApp):
        self.app = app

    def __enter__(self) -> None:
        self.app._quiet = True

    def __exit__(self, *exc: object) -> None:
        self.app._quiet = False
