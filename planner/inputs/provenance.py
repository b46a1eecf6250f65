"""Which inputs a plan was made from: recorded beside the plan, checked when it is reused.

``planner optimize`` writes ``inputs.json`` into its output folder: the path and a SHA-256
fingerprint of each input file, the provisioning settings and allocation record it would use,
and the scenario. ``planner manifests --plan OUT`` reads it back, so that it needs no other
argument and can never pair a plan with inputs it was not made from.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from planner.inputs.validate import InputError, InputIssue

RECORD_NAME = "inputs.json"
RECORD_VERSION = 1
#: The recorded files besides the five input tables.
PROVISIONING_NAMES = ("provisioning", "allocations")


def fingerprint(path: str | Path) -> str:
    """SHA-256 of a file's bytes, as ``sha256:<hex>``.

    Raises
    ------
    OSError
        When the file cannot be read.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return f"sha256:{digest.hexdigest()}"


@dataclass(frozen=True)
class RecordedFile:
    """One input file as the plan read it.

    Parameters
    ----------
    path : str
        Absolute path at the time of planning.
    sha256 : str
        Its fingerprint, ``sha256:<hex>``.
    """

    path: str
    sha256: str


@dataclass
class InputRecord:
    """The inputs of one plan.

    Parameters
    ----------
    files : dict of str to RecordedFile or None
        By name: the five tables (``customers``, ..., ``inventory``) and ``provisioning``
        and ``allocations``; None where the plan used none (built-in settings, no inventory).
    scenario : dict or None
        ``name``, ``growth`` and ``price_pct`` of the scenario the folder holds, if any.
    scenarios : list of str
        In a scenario run's top folder: the scenario subfolders.
    """

    files: dict[str, RecordedFile | None]
    scenario: dict[str, object] | None = None
    scenarios: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        """The record as written to ``inputs.json``."""
        files = {name: (None if f is None else {"path": f.path, "sha256": f.sha256})
                 for name, f in self.files.items()}
        body: dict[str, object] = {"version": RECORD_VERSION, "files": files}
        if self.scenario is not None:
            body["scenario"] = self.scenario
        if self.scenarios:
            body["scenarios"] = self.scenarios
        return json.dumps(body, indent=2) + "\n"


def record_inputs(paths: dict[str, Path | None]) -> InputRecord:
    """Fingerprint the files a run reads.

    Parameters
    ----------
    paths : dict of str to Path or None
        By name (see :class:`InputRecord`); None for a file not used.
    """
    files: dict[str, RecordedFile | None] = {}
    for name, path in paths.items():
        files[name] = (None if path is None
                       else RecordedFile(str(Path(path).resolve()), fingerprint(path)))
    return InputRecord(files)


def _problem(file: Path, where: str, message: str) -> InputError:
    return InputError([InputIssue(str(file), 0, where, f"{where}: {message}")])


def read_record(folder: Path) -> InputRecord | None:
    """The record of the plan in ``folder``, or None when the plan has none.

    Raises
    ------
    InputError
        When ``inputs.json`` exists but is not a record (naming the JSON path).
    """
    file = folder / RECORD_NAME
    if not file.exists():
        return None
    try:
        body = json.loads(file.read_bytes())
    except (OSError, ValueError) as error:
        raise InputError([InputIssue(str(file), 0, "", f"cannot read it as JSON: {error}")]
                         ) from None
    if not isinstance(body, dict) or body.get("version") != RECORD_VERSION:
        raise _problem(file, "$.version", f"expected {RECORD_VERSION}")
    raw_files = body.get("files")
    if not isinstance(raw_files, dict):
        raise _problem(file, "$.files", "expected an object")
    files: dict[str, RecordedFile | None] = {}
    for name, entry in raw_files.items():
        if entry is None:
            files[name] = None
        elif (isinstance(entry, dict) and isinstance(entry.get("path"), str)
              and isinstance(entry.get("sha256"), str)):
            files[name] = RecordedFile(entry["path"], entry["sha256"])
        else:
            raise _problem(file, f"$.files.{name}", "expected null or {path, sha256}")
    scenario = body.get("scenario")
    if scenario is not None and not (
            isinstance(scenario, dict) and set(scenario) == {"name", "growth", "price_pct"}
            and isinstance(scenario["name"], str)
            and all(isinstance(scenario[k], int | float) for k in ("growth", "price_pct"))):
        raise _problem(file, "$.scenario", "expected an object with name, growth, price_pct")
    scenarios = body.get("scenarios", [])
    if not isinstance(scenarios, list) or not all(isinstance(s, str) for s in scenarios):
        raise _problem(file, "$.scenarios", "expected a list of names")
    return InputRecord(files, scenario, scenarios)


def resolve_recorded(record: InputRecord, given: dict[str, Path | None],
                     record_file: Path) -> dict[str, Path | None]:
    """The files to read again: the recorded ones, checked against what is given.

    Parameters
    ----------
    record : InputRecord
        What the plan read.
    given : dict of str to Path or None
        Files named on the command line (None: not named).
    record_file : Path
        The ``inputs.json`` read, for messages.

    Returns
    -------
    dict of str to Path or None
        By name, the file to read (None: none was used).

    Raises
    ------
    InputError
        Naming each file that is given but differs from the recorded one, and each recorded
        file that is gone or has changed since the plan was made.
    """
    issues: list[InputIssue] = []
    resolved: dict[str, Path | None] = {}
    for name, recorded in record.files.items():
        path = given.get(name)
        if path is not None:
            if recorded is None:
                issues.append(InputIssue(str(path), 0, "", (
                    f"the plan was made without a {name} file ({record_file})")))
            elif _fingerprint_or_none(path) != recorded.sha256:
                issues.append(InputIssue(str(path), 0, "", (
                    f"differs from the {name} file the plan was made from ({recorded.path}, "
                    f"recorded in {record_file})")))
            resolved[name] = path
            continue
        if recorded is None:
            resolved[name] = None
            continue
        found = _fingerprint_or_none(recorded.path)
        if found is None:
            issues.append(InputIssue(recorded.path, 0, "", (
                f"the {name} file the plan was made from is gone (recorded in {record_file}); "
                "name a copy with its flag")))
        elif found != recorded.sha256:
            issues.append(InputIssue(recorded.path, 0, "", (
                f"has changed since the plan was made (recorded in {record_file}); "
                "plan again, or name the original with its flag")))
        resolved[name] = Path(recorded.path)
    if issues:
        raise InputError(issues)
    return resolved


def _fingerprint_or_none(path: str | Path) -> str | None:
    try:
        return fingerprint(path)
    except OSError:
        return None


def recorded_input(folder: Path, name: str) -> Path | None:
    """The recorded input ``name`` of the plan in ``folder``, when it is still as it was.

    Returns
    -------
    Path or None
        None when the plan has no record, used no such file, or the file is gone or changed.
    """
    try:
        record = read_record(folder)
    except InputError:
        return None
    entry = None if record is None else record.files.get(name)
    if entry is None or _fingerprint_or_none(entry.path) != entry.sha256:
        return None
    return Path(entry.path)
