"""A progress bar for long runs started from Python: a widget in Jupyter, a line in a terminal.

The command line keeps its own progress line (:mod:`planner.cli.progress`); this is what
library callers get instead.
"""

from __future__ import annotations

from typing import Any


def progress_bar(total: int, label: str = "customers", initial: int = 0) -> Any:
    """A ``tqdm.auto`` bar counting ``label`` up to ``total``.

    Parameters
    ----------
    total : int
        Items to do.
    label : str
        What is counted.
    initial : int
        Items done already (e.g. resumed from a checkpoint).

    Returns
    -------
    tqdm.auto.tqdm
        Call ``update(n)`` as items finish and ``close()`` at the end.
    """
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit=f" {label}", desc="planning",
                dynamic_ncols=True)
