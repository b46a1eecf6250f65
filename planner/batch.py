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

from planner.domain import Family, Site, Status, Tier
from planner.inputs.read import format_periods, format_summary
from planner.inputs.validate import Inputs
from planner.planning import SUMMARY_COLUMNS, plan_customer
from planner.problems import CustomerProblem, MonthPlan, build_problems
from planner.progress_bar import progress_bar
from planner.scenarios import BASE, Scenario, apply_scenario, check_scenarios
from planner.tables import CIRCUIT_COLUMNS, PERIOD_COLUMNS, circuit_rows, period_rows

#: Customers per unit of work.
CHUNK_SIZE = 25
CHECKPOINT_VERSION = 1
RESULTS_FILE = "results.jsonl"
FINGERPRINT_FILE = "fingerprint.json"


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


def solve(problem: CustomerProblem, scenario: str, engine: str,
          time_limit_s: float | None) -> Record:
    """Plan one customer and keep what the checkpoint needs."""
    result = plan_customer(problem, engine, time_limit_s, tables=False)
    plans = [[p.tier, p.family, list(p.at(Site.PRIMARY)), list(p.at(Site.SECONDARY))]
             for p in result.plans]
    return Record(scenario, problem.customer_id, str(result.status), result.total_usd,
                  result.message, plans)


@dataclass
class Chunk:
    """A unit of work: some customers of one scenario, some already planned.

    Parameters
    ----------
    index : int
        Position of the chunk in the batch.
    scenario : str
        Scenario name.
    problems : list of CustomerProblem
        The customers, in input order.
    known : dict of str to Record
        Customers already in the checkpoint (not solved again).
    engine : str
        Engine name.
    time_limit_s : float or None
        Limit per customer [s].
    """

    index: int
    scenario: str
    problems: list[CustomerProblem]
    known: dict[str, Record]
    engine: str
    time_limit_s: float | None


@dataclass
class ChunkResult:
    """The outcome of a chunk: new records and the chunk's rows as CSV text (no header)."""

    index: int
    scenario: str
    new: list[Record]
    records: list[Record]
    periods_csv: str
    circuits_csv: str


def _csv_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, header=False, lineterminator="\n") if len(frame) else ""


def _period_line(row: dict[str, object]) -> str:
    """A periods.csv line as :func:`planner.inputs.read.format_periods` and ``to_csv`` write it."""
    return (f"{row['customer_id']},{row['period']},{row['tier']},{row['family']},"
            f"{row['circuits']},{row['capacity_mbps']},{row['peak_mbps']:g},"
            f"{row['utilization']:.4f},{row['circuit_usd']:.2f},{row['egress_usd']:.2f},"
            f"{row['setup_usd']:.2f},{row['total_usd']:.2f}\n")


def _circuit_line(row: dict[str, object]) -> str:
    """A circuits.csv line as ``to_csv`` writes it."""
    return ",".join(str(row[c]) for c in CIRCUIT_COLUMNS) + "\n"


def _rows_text(rows: list[dict[str, object]], columns: list[str],
               line: Callable[[dict[str, object]], str], frame: Callable[[], str]) -> str:
    """The rows as CSV text without header, formatted directly.

    The CSV writer would quote a field holding a comma, a quote or a line break; ids,
    names and periods are validated never to, but should any field do so (a line with
    more commas or breaks than columns), the text comes from pandas (``frame``) instead.
    """
    text = "".join(map(line, rows))
    plain = (text.count(",") == len(rows) * (len(columns) - 1)
             and text.count("\n") == len(rows) and '"' not in text and "\r" not in text)
    return text if plain else frame()


def run_chunk(chunk: Chunk) -> ChunkResult:
    """Solve the unknown customers of ``chunk`` and render the rows of all of them."""
    new, records, periods, circuits = [], [], [], []
    for problem in chunk.problems:
        record = chunk.known.get(problem.customer_id)
        if record is None:
            record = solve(problem, chunk.scenario, chunk.engine, chunk.time_limit_s)
            new.append(record)
        records.append(record)
        if record.status == Status.OPTIMAL:
            plans = record.month_plans()
            periods += period_rows(problem, plans)
            circuits += circuit_rows(problem, plans)

    def periods_by_pandas() -> str:
        frame = pd.DataFrame(periods, columns=PERIOD_COLUMNS)
        return _csv_text(format_periods(frame) if len(frame) else frame)

    def circuits_by_pandas() -> str:
        return _csv_text(pd.DataFrame(circuits, columns=CIRCUIT_COLUMNS))

    return ChunkResult(chunk.index, chunk.scenario, new, records,
                       _rows_text(periods, PERIOD_COLUMNS, _period_line, periods_by_pandas),
                       _rows_text(circuits, CIRCUIT_COLUMNS, _circuit_line, circuits_by_pandas))


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
        if not records:
            return
        self.handle.write("".join(r.to_json() + "\n" for r in records))
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

    Parameters
    ----------
    scenario : Scenario
        Which scenario.
    inputs : Inputs
        Its inputs (with growth and prices applied).
    summary : pandas.DataFrame
        Its summary (numbers unrounded).
    periods_csv, circuits_csv : str
        periods.csv and circuits.csv as written, header included.
    """

    scenario: Scenario
    inputs: Inputs
    summary: pd.DataFrame
    periods_csv: str
    circuits_csv: str

    def circuits_frame(self) -> pd.DataFrame:
        """circuits.csv as a table (as :attr:`planner.PlanResult.circuits`)."""
        return pd.read_csv(io.StringIO(self.circuits_csv), keep_default_na=False,
                           dtype={c: str for c in CIRCUIT_COLUMNS if c != "bandwidth_mbps"})

    def write(self, folder: Path) -> None:
        """Write summary.csv, periods.csv and circuits.csv into ``folder``."""
        format_summary(self.summary).to_csv(folder / "summary.csv", index=False)
        (folder / "periods.csv").write_text(self.periods_csv, encoding="utf-8")
        (folder / "circuits.csv").write_text(self.circuits_csv, encoding="utf-8")


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


def make_chunks(problems_by_scenario: dict[str, list[CustomerProblem]],
                checkpoint: dict[tuple[str, str], Record], engine: str,
                time_limit_s: float | None, chunk_size: int = CHUNK_SIZE) -> list[Chunk]:
    """Cut every scenario's customers into chunks, with what the checkpoint already knows."""
    chunks: list[Chunk] = []
    for scenario, problems in problems_by_scenario.items():
        for start in range(0, len(problems), chunk_size):
            part = problems[start:start + chunk_size]
            known = {p.customer_id: checkpoint[(scenario, p.customer_id)] for p in part
                     if (scenario, p.customer_id) in checkpoint}
            chunks.append(Chunk(len(chunks), scenario, part, known, engine, time_limit_s))
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
    variants = {s.name: apply_scenario(inputs, s) for s in scenarios}
    problems = {name: build_problems(v) for name, v in variants.items()}
    workers = max(jobs, 2) if not dask_address else 16
    size = max(1, min(CHUNK_SIZE, len(inputs.customers) // (4 * workers)))
    chunks = make_chunks(problems, checkpoint.records, engine, time_limit_s, size)
    known = sum(len(c.known) for c in chunks)
    if resumed:
        resumed(known)
    bar = None
    if progress is None and show_progress:
        bar = progress_bar(sum(len(c.problems) for c in chunks), initial=known)
        progress = bar.update
    if dask_address:
        runner = dask_runner(dask_address)
    elif jobs > 1:
        runner = process_runner(jobs)
    else:
        runner = serial_runner
    done: dict[int, ChunkResult] = {}
    try:
        for result in runner(chunks):
            checkpoint.append(result.new)
            # Only the summary's fields are needed from here on: the month plans of 100,000
            # customer-plans would hold over a GiB.
            done[result.index] = replace(result, new=[], records=[
                replace(r, plans=[]) for r in result.records])
            if progress:
                progress(len(result.new))
    finally:
        checkpoint.close()
        if bar is not None:
            bar.close()
    outputs = []
    for scenario in scenarios:
        # Taken out of ``done`` so each scenario's chunk texts go once they are joined.
        parts = [done.pop(c.index) for c in chunks if c.scenario == scenario.name]
        summary = pd.DataFrame(
            [[r.customer_id, r.status, r.total_usd, r.message]
             for part in parts for r in part.records], columns=SUMMARY_COLUMNS)
        summary["total_usd"] = summary["total_usd"].astype(float)
        outputs.append(ScenarioOutput(
            scenario, variants[scenario.name], summary,
            _header(PERIOD_COLUMNS) + "".join(p.periods_csv for p in parts),
            _header(CIRCUIT_COLUMNS) + "".join(p.circuits_csv for p in parts)))
    return outputs


def solved_count(checkpoint_dir: Path) -> int:
    """Lines in a checkpoint: customers solved and recorded so far."""
    path = Path(checkpoint_dir) / RESULTS_FILE
    if not path.exists():
        return 0
    return path.read_bytes().count(b"\n")
