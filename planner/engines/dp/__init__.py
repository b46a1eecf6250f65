"""The ``dp`` engine: an exact dynamic program over each month's circuit configurations.

* :mod:`~planner.engines.dp.space`: the states (multisets of circuit bandwidths per site),
  the moves between them and the reductions of the search that keep the optimum;
* :mod:`~planner.engines.dp.tables`: each state's month cost under the rules;
* :mod:`~planner.engines.dp.solve`: the forward pass and backtrack for one and two sites;
* :mod:`~planner.engines.dp.pairs`: the pair-of-multisets DP for coupled ``maximum`` sites.

The compiled loops are private to the package.
"""

from planner.engines.dp.solve import (
    cheapest_one_site,
    cheapest_path_one_site,
    sites_couple,
    solve_dp,
)
from planner.engines.dp.tables import SiteTables

__all__ = [
    "SiteTables", "cheapest_one_site", "cheapest_path_one_site", "sites_couple", "solve_dp",
]
