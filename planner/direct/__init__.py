"""ExpressRoute Direct port pairs shared across customers (docs/direct.md).

:mod:`~planner.direct.ports` reads ports.csv; :mod:`~planner.direct.problem` builds the
coupled problem; :mod:`~planner.direct.solve` finds the portfolio optimum by branch-and-price
(:mod:`~planner.direct.master` and :mod:`~planner.direct.pricing`);
:mod:`~planner.direct.outputs` writes and re-checks the tables. See docs/direct.md.
"""
