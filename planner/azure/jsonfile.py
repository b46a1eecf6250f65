"""Loading Azure JSON files with errors that name the file and the JSON path.

Azure tools spell the same key differently (``azureASN``, ``azureAsn``, ``AzureASN``), so
keys are looked up case-insensitively.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TypeGuard

from planner.inputs.validate import InputError, InputIssue


def json_problem(file: str, path: str, message: str) -> InputIssue:
    """A problem at one place of a JSON file (``path`` like ``$.Items[3].retailPrice``)."""
    return InputIssue(file, 0, path, f"{path}: {message}")


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def load_json(path: str | Path) -> object:
    """Read one JSON file.

    Parameters
    ----------
    path : str or Path
        The file (UTF-8, with or without a byte-order mark).

    Returns
    -------
    object
        The parsed document.

    Raises
    ------
    InputError
        When the file is missing, unreadable or not valid JSON (with line and column).
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError([InputIssue(file, 0, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError([InputIssue(file, 0, "", f"cannot read it as UTF-8 text: {error}")]
                         ) from None
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise InputError([InputIssue(file, 0, "$", f"not valid JSON at line {error.lineno}, "
                                                f"column {error.colno}: {error.msg}")]) from None
    except (ValueError, RecursionError) as error:
        raise InputError([InputIssue(file, 0, "$", f"not valid JSON: {error}")]) from None


def get_key(obj: Mapping[str, object], key: str, default: object = None) -> object:
    """``obj[key]`` with the key matched case-insensitively (an exact match first)."""
    if key in obj:
        return obj[key]
    wanted = key.lower()
    for name, value in obj.items():
        if isinstance(name, str) and name.lower() == wanted:
            return value
    return default


def is_number(value: object) -> TypeGuard[int | float]:
    """Whether ``value`` is a finite JSON number (booleans are not numbers)."""
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(float(value)))
