"""Scenarios of a plan with Direct pairs: the inputs and the pairs as a scenario sees them."""

from __future__ import annotations

from dataclasses import replace

from planner.direct.ports import PortOffer
from planner.inputs.validate import Inputs
from planner.scenarios import Scenario, apply_scenario


def direct_scenario(inputs: Inputs, offers: list[PortOffer], scenario: Scenario
                    ) -> tuple[Inputs, list[PortOffer]]:
    """The inputs and pairs of ``scenario``.

    Growth scales every month's peak and egress (:func:`planner.batch.apply_scenario`);
    the price change applies to every catalog fee, egress rate, Direct circuit fee and pair
    fee (``monthly_usd``), not to one-time costs (the customers' and the pairs'
    ``setup_usd``), as for plans without pairs.

    Parameters
    ----------
    inputs : Inputs
        The validated inputs.
    offers : list of PortOffer
        The pairs of ports.csv.
    scenario : Scenario
        Growth factor and price change [%].

    Returns
    -------
    inputs : Inputs
    offers : list of PortOffer
    """
    scaled = apply_scenario(inputs, scenario)
    if scenario.price_pct == 0.0:
        return scaled, list(offers)
    factor = 1 + scenario.price_pct / 100
    direct = inputs.direct_catalog
    if direct is not None:
        direct = direct.copy()
        direct["monthly_usd"] = direct["monthly_usd"] * factor
    return (replace(scaled, direct_catalog=direct),
            [replace(o, monthly_usd=o.monthly_usd * factor) for o in offers])
