"""Plan a whole portfolio in batch: in parallel, resumable, by scenario, locally or on Dask.

Customers are cut into fixed chunks (the unit of work sent to a process or a Dask worker).
Each finished customer is appended to a checkpoint, one JSON line holding its status and
month plans; a re-run with the same inputs and options skips every customer found there and
rebuilds its rows from the stored plans, so the final files are the same as an uninterrupted
run's. A torn last line (the process died mid-write) is ignored and cut off.

Each scenario (:mod:`planner.scenarios`) is planned as its own set of customers and written to
its own tables.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from planner.batch_rows import circuits_text, periods_text, rules_hold
from planner.domain import Family, Site, Status, Tier
from planner.engines import EngineResult
from planner.inputs.read import format_summary
from planner.inputs.validate import Inputs
from planner.planning import (
    OBJECTIVE_TOLERANCE_USD,
    SUMMARY_COLUMNS,
    engine_result,
    verify,
)
from planner.problems import CustomerProblem, MonthPlan, Sku, build_problems
from planner.progress_bar import progress_bar
from planner.scenarios import BASE, Scenario, apply_scenario, check_scenarios
from planner.tables import CIRCUIT_COLUMNS, PERIOD_COLUMNS

#: Customers per unit of work.
CHUNK_SIZE = 25
CHECKPOINT_VERSION = 1
RESULTS_FILE = "results.jsonl"
FINGERPRINT_FILE = "fingerprint.json"
#: Subfolder of the checkpoint folder where the tables are written as chunks finish.
TABLES_FOLDER = "tables"


@dataclass
class Record:
    """What the checkpoint keeps of one planned customer.

    Parameters
    ----------
    scenario, customer_id : str
        Which run of which customer.
    status : str
        A :class:`planner.Status` value.
    total_usd : float or None
        Total cost when optimal [USD].
    message : str
        Why not optimal.
    plans : list
        One ``[tier, family, primary bandwidths, secondary bandwidths]`` per month [Mb/s].
    """

    scenario: str
    customer_id: str
    status: str
    total_usd: float | None
    message: str
    plans: list[list[Any]] = field(default_factory=list)

    def to_json(self) -> str:
        """One checkpoint line (without the newline)."""
        return json.dumps([self.scenario, self.customer_id, self.status, self.total_usd,
                           self.message, self.plans], separators=(",", ":"))

    @classmethod
    def from_json(cls, line: str) -> Record:
        """Parse a checkpoint line."""
        scenario, customer_id, status, total, message, plans = json.loads(line)
        return cls(scenario, customer_id, status, total, message, plans)

    def month_plans(self) -> list[MonthPlan]:
        """The stored plans as :class:`MonthPlan`."""
        return [MonthPlan(Tier(tier), Family(family), {Site.PRIMARY: tuple(primary),
                                                       Site.SECONDARY: tuple(secondary)})
                for tier, family, primary, secondary in self.plans]


def scenario_problem(problem: CustomerProblem, scenario: Scenario,
                     catalogs: dict[tuple[int, float], tuple[Sku, ...]]) -> CustomerProblem:
    """One customer as ``scenario`` sees it: :func:`apply_scenario` for a single problem.

    The same products as :func:`apply_scenario` followed by :func:`build_problems` (peak
    and egress times the growth, fees and egress rate times the price factor), so the
    values are the same to the bit. Scaled catalogs are kept in ``catalogs`` by the identity
    of the customer's catalog and the factor: customers of a zone share one, as in
    :func:`build_problems`.
    """
    if scenario.growth == 1.0 and scenario.price_pct == 0.0:
        return problem
    factor = 1 + scenario.price_pct / 100
    key = (id(problem.catalog), factor)
    catalog = catalogs.get(key)
    if catalog is None:
        catalog = tuple(replace(s, monthly_usd=s.monthly_usd * factor) for s in problem.catalog)
        catalogs[key] = catalog
    return replace(problem, peak_mbps=problem.peak_mbps * scenario.growth,
                   egress_gb=problem.egress_gb * scenario.growth,
                   usd_per_gb=problem.usd_per_gb * factor, catalog=catalog)


def _plan_lists(plans: list[MonthPlan]) -> list[list[object]]:
    return [[p.tier, p.family, list(p.at(Site.PRIMARY)), list(p.at(Site.SECONDARY))]
            for p in plans]


def solve(problem: CustomerProblem, scenario: str, engine: str,
          time_limit_s: float | None) -> tuple[Record, str, str]:
    """Plan one customer: what the checkpoint keeps, and its periods and circuits rows.

    The result is :func:`planner.plan_customer`'s; a plan that keeps every rule and whose
    cost matches the engine's is checked, costed and rendered in one pass
    (:mod:`planner.batch_rows`), any other goes through :func:`planner.planning.verify`.
    """
    result = engine_result(problem, engine, time_limit_s, tables=False)
    plans = (result.plans or []) if isinstance(result, EngineResult) else []
    if isinstance(result, EngineResult) and rules_hold(problem, plans):
        total, periods = periods_text(problem, plans)
        if (result.objective_usd is None
                or abs(total - result.objective_usd) <= OBJECTIVE_TOLERANCE_USD):
            return (Record(scenario, problem.customer_id, str(Status.OPTIMAL), total, "",
                           _plan_lists(plans)),
                    periods, circuits_text(problem, plans))
    if isinstance(result, EngineResult):
        result = verify(problem, result, tables=False)
    record = Record(scenario, problem.customer_id, str(result.status), result.total_usd,
                    result.message, _plan_lists(result.plans))
    if result.status != Status.OPTIMAL:
        return record, "", ""
    return record, periods_text(problem, result.plans)[1], circuits_text(problem, result.plans)


@dataclass
class Chunk:
    """A unit of work: some customers under every scenario, some already planned.

    Parameters
    ----------
    index : int
        Position of the chunk in the batch.
    problems : list of CustomerProblem
        The customers as the inputs give them, in input order.
    scenarios : list of Scenario
        The scenarios each customer is planned under.
    known : dict of (str, str) to Record
        Customers already in the checkpoint by scenario and customer (not solved again).
    engine : str
        Engine name.
    time_limit_s : float or None
        Limit per customer [s].
    """

    index: int
    problems: list[CustomerProblem]
    scenarios: list[Scenario]
    known: dict[tuple[str, str], Record]
    engine: str
    time_limit_s: float | None


@dataclass
class ScenarioRows:
    """One scenario's part of a chunk: summary fields and rows as CSV text (no header).

    Parameters
    ----------
    summary : list of tuple
        ``(customer_id, status, total_usd, message)`` of each customer, in input order.
    periods_csv, circuits_csv : str
        Their rows of periods.csv and circuits.csv.
    """

    summary: list[tuple[str, str, float | None, str]]
    periods_csv: str
    circuits_csv: str


@dataclass
class ChunkResult:
    """The outcome of a chunk: its new checkpoint lines and each scenario's rows.

    ``new_lines`` holds one :meth:`Record.to_json` line (newline included) per customer
    solved, ``solved`` their count.
    """

    index: int
    solved: int
    new_lines: str
    parts: dict[str, ScenarioRows]


def run_chunk(chunk: Chunk) -> ChunkResult:
    """Solve the unknown customers of ``chunk`` and render the rows of all of them.

    Each customer is planned under every scenario in turn, from the one problem sent.
    """
    catalogs: dict[tuple[int, float], tuple[Sku, ...]] = {}
    new: list[Record] = []
    parts: dict[str, tuple[list[tuple[str, str, float | None, str]], list[str], list[str]]] = {
        s.name: ([], [], []) for s in chunk.scenarios}
    for base in chunk.problems:
        for scenario in chunk.scenarios:
            problem = scenario_problem(base, scenario, catalogs)
            summary, periods, circuits = parts[scenario.name]
            record = chunk.known.get((scenario.name, problem.customer_id))
            if record is None:
                record, periods_rows, circuits_rows = solve(
                    problem, scenario.name, chunk.engine, chunk.time_limit_s)
                new.append(record)
            elif record.status == Status.OPTIMAL:
                plans = record.month_plans()
                periods_rows = periods_text(problem, plans)[1]
                circuits_rows = circuits_text(problem, plans)
            else:
                periods_rows = circuits_rows = ""
            summary.append((record.customer_id, record.status, record.total_usd,
                            record.message))
            periods.append(periods_rows)
            circuits.append(circuits_rows)
    return ChunkResult(chunk.index, len(new), "".join(r.to_json() + "\n" for r in new), {
        name: ScenarioRows(summary, "".join(periods), "".join(circuits))
        for name, (summary, periods, circuits) in parts.items()})


def fingerprint(inputs: Inputs, scenarios: Sequence[Scenario], engine: str,
                time_limit_s: float | None) -> str:
    """A digest of everything that decides the results: tables, scenarios and options."""
    digest = hashlib.sha256()
    for name in ("customers", "demand", "catalog", "egress_rates", "inventory"):
        frame = getattr(inputs, name)
        digest.update(json.dumps([name, list(map(str, frame.columns)), len(frame)]).encode())
        digest.update(pd.util.hash_pandas_object(frame.astype(str), index=False)
                      .to_numpy().tobytes())
    digest.update(json.dumps([[s.name, s.growth, s.price_pct] for s in scenarios]).encode())
    digest.update(json.dumps([CHECKPOINT_VERSION, engine, time_limit_s]).encode())
    return digest.hexdigest()


class Checkpoint:
    """An append-only JSON-lines file of finished customers in a folder of its own.

    :attr:`records` holds the customers found in the file when it was opened; customers
    appended later are on disk only.

    Parameters
    ----------
    folder : Path
        Where the checkpoint lives (created when missing).
    digest : str
        :func:`fingerprint` of the run; a checkpoint of another run is discarded.
    """

    def __init__(self, folder: Path, digest: str):
        self.folder = folder
        self.path = folder / RESULTS_FILE
        self.records: dict[tuple[str, str], Record] = {}
        stamp = folder / FINGERPRINT_FILE
        same = stamp.exists() and json.loads(stamp.read_text()).get("fingerprint") == digest
        if not same:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            temporary = stamp.with_suffix(".tmp")
            temporary.write_text(json.dumps({"fingerprint": digest}))
            os.replace(temporary, stamp)
        self._load()
        self.handle = self.path.open("a", encoding="utf-8")

    def _load(self) -> None:
        """Read every complete line; cut a torn last line off the file."""
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1
        for line in data[:end].decode("utf-8").splitlines():
            record = Record.from_json(line)
            self.records[(record.scenario, record.customer_id)] = record
        if end < len(data):
            with self.path.open("r+b") as handle:
                handle.truncate(end)

    def append(self, records: Sequence[Record]) -> None:
        """Add finished customers durably: one write of whole lines, then fsync."""
        self.append_lines("".join(r.to_json() + "\n" for r in records))

    def append_lines(self, lines: str) -> None:
        """Add finished customers as whole :meth:`Record.to_json` lines, then fsync."""
        if not lines:
            return
        self.handle.write(lines)
        self.handle.flush()
        os.fsync(self.handle.fileno())

    def close(self) -> None:
        """Close the file."""
        self.handle.close()

    def remove(self) -> None:
        """Delete the checkpoint (after the outputs are safely written)."""
        self.close()
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class ScenarioOutput:
    """The planned tables of one scenario, ready to write.

    periods.csv and circuits.csv are kept in files (written as the chunks finish), not in
    memory: at portfolio scale and with several scenarios they hold gigabytes.

    Parameters
    ----------
    scenario : Scenario
        Which scenario.
    inputs : Inputs
        Its inputs (with growth and prices applied).
    summary : pandas.DataFrame
        Its summary (numbers unrounded).
    periods_file, circuits_file : Path
        periods.csv and circuits.csv as they are to be written, header included.
    """

    scenario: Scenario
    inputs: Inputs
    summary: pd.DataFrame
    periods_file: Path
    circuits_file: Path

    @property
    def periods_csv(self) -> str:
        """periods.csv as written, header included."""
        return _read_text(self.periods_file)

    @property
    def circuits_csv(self) -> str:
        """circuits.csv as written, header included."""
        return _read_text(self.circuits_file)

    def with_periods(self, summary: pd.DataFrame, periods_csv: str) -> ScenarioOutput:
        """A copy with another summary and periods.csv (kept in a file beside this one's)."""
        path = self.periods_file.with_name(f"{self.periods_file.stem}-edited.csv")
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.write(periods_csv)
        return replace(self, summary=summary, periods_file=path)

    def circuits_frame(self) -> pd.DataFrame:
        """circuits.csv as a table (as :attr:`planner.PlanResult.circuits`)."""
        return pd.read_csv(self.circuits_file, keep_default_na=False,
                           dtype={c: str for c in CIRCUIT_COLUMNS if c != "bandwidth_mbps"})

    def write(self, folder: Path) -> None:
        """Write summary.csv, periods.csv and circuits.csv into ``folder``."""
        format_summary(self.summary).to_csv(folder / "summary.csv", index=False)
        shutil.copyfile(self.periods_file, folder / "periods.csv")
        shutil.copyfile(self.circuits_file, folder / "circuits.csv")


def _read_text(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


class _ScenarioTables:
    """One scenario's periods.csv and circuits.csv, appended chunk by chunk in order."""

    def __init__(self, folder: Path, position: int):
        self.periods_file = folder / f"{position}-periods.csv"
        self.circuits_file = folder / f"{position}-circuits.csv"
        self.periods = self.periods_file.open("w", encoding="utf-8", newline="")
        self.circuits = self.circuits_file.open("w", encoding="utf-8", newline="")
        self.periods.write(_header(PERIOD_COLUMNS))
        self.circuits.write(_header(CIRCUIT_COLUMNS))
        self.summary: list[tuple[str, str, float | None, str]] = []

    def add(self, part: ScenarioRows) -> None:
        self.periods.write(part.periods_csv)
        self.circuits.write(part.circuits_csv)
        self.summary += part.summary

    def close(self) -> None:
        self.periods.close()
        self.circuits.close()


def _header(columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(columns)
    return buffer.getvalue()


Runner = Callable[[list[Chunk]], Iterator[ChunkResult]]


def serial_runner(chunks: list[Chunk]) -> Iterator[ChunkResult]:
    """Run chunks one after the other in this process."""
    for chunk in chunks:
        yield run_chunk(chunk)


def process_runner(jobs: int) -> Runner:
    """Run chunks on ``jobs`` local processes; results arrive as they finish."""
    def run(chunks: list[Chunk]) -> Iterator[ChunkResult]:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(run_chunk, c) for c in chunks}
            try:
                for future in as_completed(futures):
                    # A finished future keeps its result: let go of it once handed on.
                    futures.discard(future)
                    yield future.result()
            finally:
                for future in futures:
                    future.cancel()
    return run


def dask_runner(address: str) -> Runner:
    """Run chunks on the Dask distributed cluster whose scheduler is at ``address``."""
    def run(chunks: list[Chunk]) -> Iterator[ChunkResult]:
        from distributed import Client, as_completed
        with Client(address) as client:
            futures = client.map(run_chunk, chunks, pure=False)
            try:
                for future in as_completed(futures):
                    yield future.result()
            finally:
                client.cancel(futures)
    return run


def make_chunks(problems: list[CustomerProblem], scenarios: Sequence[Scenario],
                checkpoint: dict[tuple[str, str], Record], engine: str,
                time_limit_s: float | None, chunk_size: int = CHUNK_SIZE) -> list[Chunk]:
    """Cut the customers into chunks planned under every scenario, with what is known.

    ``checkpoint`` holds the records already found by scenario and customer.
    """
    chunks: list[Chunk] = []
    for start in range(0, len(problems), chunk_size):
        part = problems[start:start + chunk_size]
        known = {(s.name, p.customer_id): checkpoint[(s.name, p.customer_id)]
                 for p in part for s in scenarios if (s.name, p.customer_id) in checkpoint}
        chunks.append(Chunk(len(chunks), part, list(scenarios), known, engine, time_limit_s))
    return chunks


def run_batch(inputs: Inputs, checkpoint_dir: Path, *, scenarios: Sequence[Scenario] = (BASE,),
              engine: str = "dp", time_limit_s: float | None = None, jobs: int = 1,
              dask_address: str | None = None,
              progress: Callable[[int], None] | None = None,
              resumed: Callable[[int], None] | None = None,
              show_progress: bool = True) -> list[ScenarioOutput]:
    """Plan every customer of every scenario, resuming from a checkpoint.

    Parameters
    ----------
    inputs : Inputs
        Validated inputs.
    checkpoint_dir : Path
        Folder of the checkpoint; reused when it belongs to the same run.
    scenarios : sequence of Scenario
        The variants to plan.
    engine : str
        One of :data:`planner.ENGINES`.
    time_limit_s : float, optional
        Wall-time limit per customer [s].
    jobs : int
        Local processes; 1 plans in this process.
    dask_address : str, optional
        Scheduler address of a Dask distributed cluster to run on instead.
    progress : callable, optional
        Called with the number of customers just finished.
    resumed : callable, optional
        Called once with the number of customers found in the checkpoint.
    show_progress : bool
        Without a ``progress`` callback, show a progress bar (``tqdm.auto``: a widget in
        Jupyter, a line on stderr in a terminal); False runs silently.

    Returns
    -------
    list of ScenarioOutput
        One per scenario, in the order given.
    """
    scenarios = check_scenarios(scenarios)
    checkpoint = Checkpoint(checkpoint_dir,
                            fingerprint(inputs, scenarios, engine, time_limit_s))
    workers = max(jobs, 2) if not dask_address else 16
    size = max(1, min(CHUNK_SIZE, len(inputs.customers) // (4 * workers)))
    # Workers apply the scenarios: only the inputs' own problems are built and sent.
    chunks = make_chunks(build_problems(inputs), scenarios, checkpoint.records, engine,
                         time_limit_s, size)
    known = sum(len(c.known) for c in chunks)
    total = sum(len(c.problems) * len(c.scenarios) for c in chunks)
    checkpoint.records = {}
    if resumed:
        resumed(known)
    bar = None
    if progress is None and show_progress:
        bar = progress_bar(total, initial=known)
        progress = bar.update
    if dask_address:
        runner = dask_runner(dask_address)
    elif jobs > 1:
        runner = process_runner(jobs)
    else:
        runner = serial_runner
    folder = checkpoint_dir / TABLES_FOLDER
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    tables = [_ScenarioTables(folder, position) for position in range(len(scenarios))]
    # Results come as they finish; each is written once those before it are.
    waiting: dict[int, ChunkResult] = {}
    following = 0
    try:
        for result in runner(chunks):
            checkpoint.append_lines(result.new_lines)
            if progress:
                progress(result.solved)
            waiting[result.index] = replace(result, new_lines="")
            chunks[result.index] = replace(chunks[result.index], problems=[], known={})
            while following in waiting:
                parts = waiting.pop(following).parts
                for scenario, table in zip(scenarios, tables, strict=True):
                    table.add(parts[scenario.name])
                following += 1
    finally:
        checkpoint.close()
        for table in tables:
            table.close()
        if bar is not None:
            bar.close()
    outputs = []
    for scenario, table in zip(scenarios, tables, strict=True):
        summary = pd.DataFrame(table.summary, columns=SUMMARY_COLUMNS)
        summary["total_usd"] = summary["total_usd"].astype(float)
        outputs.append(ScenarioOutput(scenario, apply_scenario(inputs, scenario), summary,
                                      table.periods_file, table.circuits_file))
    return outputs


def solved_count(checkpoint_dir: Path) -> int:
    """Lines in a checkpoint: customers solved and recorded so far."""
    path = Path(checkpoint_dir) / RESULTS_FILE
    if not path.exists():
        return 0
    return path.read_bytes().count(b"\n")
