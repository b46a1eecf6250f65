"""Scenarios: the same inputs with demand grown and prices changed.

A scenario scales the demand (``growth``: every month's peak and egress multiplied) and the
prices (``price``: catalog fees and egress rates changed by that percentage). It is written
``name`` or ``name:growth=1.2,price=-10`` on the command line, or as a row of a scenarios
file with columns ``scenario``, ``growth`` and ``price_pct``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from planner.errors import PlannerError
from planner.inputs.read import read_table
from planner.inputs.validate import Inputs


@dataclass(frozen=True)
class Scenario:
    """A variant of the inputs.

    Parameters
    ----------
    name : str
        Label in the ``scenario`` column and the name of its subfolder.
    growth : float
        Factor on every month's peak and egress [-].
    price_pct : float
        Change of every catalog fee and egress rate [%], e.g. -10.
    """

    name: str
    growth: float = 1.0
    price_pct: float = 0.0


BASE = Scenario("base")
#: The largest growth factor [-] and price change [%] a scenario takes: far beyond any
#: planning question, and small enough that scaled inputs stay finite.
MAX_GROWTH = 1000.0
MAX_PRICE_PCT = 100000.0


class ScenarioError(PlannerError):
    """A scenario that does not parse, a bad scenarios file, or repeated names."""


def parse_scenario(text: str) -> Scenario:
    """Parse ``name`` or ``name:growth=1.2,price=-10``.

    Raises
    ------
    ScenarioError
        With the reason, when the text does not parse.
    """
    name, _, settings = text.partition(":")
    name = name.strip()
    if not name or not all(c.isalnum() or c in "-_." for c in name):
        raise ScenarioError(f"scenario {text!r}: the name must be letters, digits, '-', '_', '.'")
    values = {"growth": 1.0, "price": 0.0}
    for item in filter(None, (s.strip() for s in settings.split(","))):
        key, _, value = item.partition("=")
        if key.strip() not in values:
            raise ScenarioError(f"scenario {text!r}: unknown setting {key.strip()!r}; "
                             "use growth=FACTOR or price=PERCENT")
        try:
            values[key.strip()] = float(value)
        except ValueError:
            raise ScenarioError(f"scenario {text!r}: {key.strip()} must be a number") from None
        if not math.isfinite(values[key.strip()]):
            raise ScenarioError(f"scenario {text!r}: {key.strip()} must be a finite number")
    if not (0 < values["growth"] <= MAX_GROWTH and -100 < values["price"] <= MAX_PRICE_PCT):
        raise ScenarioError(f"scenario {text!r}: growth must be in (0, {MAX_GROWTH:g}] and "
                            f"price in (-100, {MAX_PRICE_PCT:g}]")
    return Scenario(name, values["growth"], values["price"])


def read_scenarios(path: str | Path) -> list[Scenario]:
    """Read a scenarios CSV with columns ``scenario``, ``growth`` and ``price_pct``.

    Raises
    ------
    ScenarioError
        Naming the file, row and column of the first bad cell.
    InputError
        When the file cannot be read as CSV.
    """
    table = read_table(path)
    if "scenario" not in table.columns:
        raise ScenarioError(f"{path}, row 1, column scenario: the column is missing")
    scenarios = []
    for row_number, row in enumerate(table.to_dict("records"), start=2):
        settings = []
        for column, key in (("scenario", ""), ("growth", "growth"), ("price_pct", "price")):
            cell = row.get(column, "")
            if not key or cell:
                try:  # each cell alone, so that the message names its column
                    parse_scenario(cell if not key else f"x:{key}={cell}")
                except ScenarioError as error:
                    raise ScenarioError(f"{path}, row {row_number}, column {column}: {error}"
                                        ) from None
                if key:
                    settings.append(f"{key}={cell}")
        scenarios.append(parse_scenario(f"{row['scenario']}:{','.join(settings)}"))
    return check_scenarios(scenarios)


def check_scenarios(scenarios: Sequence[Scenario]) -> list[Scenario]:
    """The scenarios, after checking that their names are unique."""
    names = [s.name for s in scenarios]
    doubles = sorted({n for n in names if names.count(n) > 1})
    if doubles:
        raise ScenarioError(f"scenario names must be unique: {', '.join(doubles)}")
    return list(scenarios)


def apply_scenario(inputs: Inputs, scenario: Scenario) -> Inputs:
    """The inputs as ``scenario`` sees them (the given inputs are not changed)."""
    if scenario.growth == 1.0 and scenario.price_pct == 0.0:
        return inputs
    demand = inputs.demand.copy()
    demand["peak_mbps"] = demand["peak_mbps"] * scenario.growth
    demand["egress_gb"] = demand["egress_gb"] * scenario.growth
    factor = 1 + scenario.price_pct / 100
    catalog = inputs.catalog.copy()
    catalog["monthly_usd"] = catalog["monthly_usd"] * factor
    rates = inputs.egress_rates.copy()
    rates["usd_per_gb"] = rates["usd_per_gb"] * factor
    return replace(inputs, demand=demand, catalog=catalog, egress_rates=rates)
