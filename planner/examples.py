"""The bundled sample portfolio, for trying the planner and for notebooks.

>>> import planner.examples
>>> inputs = planner.examples.sample()            # doctest: +SKIP
>>> len(inputs.customers)                         # doctest: +SKIP
34
"""

from __future__ import annotations

from pathlib import Path

from planner.errors import PlannerError
from planner.inputs.read import read_folder
from planner.inputs.validate import Inputs

#: The sample's folder in a checkout of the repository.
SAMPLE_FOLDER = Path(__file__).resolve().parent.parent / "data"


def sample_folder() -> Path:
    """The folder of the bundled sample (``data/`` of the repository).

    Raises
    ------
    PlannerError
        When the package runs outside a checkout that holds ``data/``.
    """
    if not (SAMPLE_FOLDER / "customers.csv").exists():
        raise PlannerError(f"the bundled sample is not at {SAMPLE_FOLDER}: it ships with the "
                           "repository's data/ folder; use planner.read_folder(PATH) instead")
    return SAMPLE_FOLDER


def sample(*, inventory: bool = True) -> Inputs:
    """The bundled sample, read and validated (34 customers over up to 24 months).

    Parameters
    ----------
    inventory : bool
        Whether to include the sample's existing circuits.
    """
    return read_folder(sample_folder(), inventory=inventory)
