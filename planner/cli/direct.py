"""``planner optimize`` with ExpressRoute Direct port pairs (``--ports`` or DATA/ports.csv).

The customers are then planned together (docs/direct.md) by branch-and-price, and the run
writes summary.csv, periods.csv, circuits.csv (with ``medium``), ports.csv and
portfolio.csv. Scenarios, parallel jobs and manifests are not offered for such runs yet.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from planner.cli.common import (
    EXIT_ERROR,
    EXIT_INFEASIBLE,
    EXIT_INVALID_INPUT,
    EXIT_OK,
    data_folder,
    input_paths,
)
from planner.direct.outputs import direct_tables
from planner.direct.ports import read_ports
from planner.direct.problem import build_portfolio_problem
from planner.direct.solve import solve_portfolio
from planner.domain import Status
from planner.inputs.read import read_inputs, write_atomically
from planner.inputs.validate import InputError

PORTS_FILE = "ports.csv"


def ports_path(args: argparse.Namespace) -> Path | None:
    """``--ports``, else DATA/ports.csv when it exists and --customers was not given."""
    ports: Path | None = getattr(args, "ports", None)
    if ports is not None:
        return ports
    candidate = data_folder(args) / PORTS_FILE
    if args.customers is None and candidate.exists():
        return candidate
    return None


def unsupported(args: argparse.Namespace) -> list[str]:
    """The flags a run with ports does not take."""
    found = []
    if args.scenario or args.scenarios is not None:
        found.append("--scenario/--scenarios")
    if args.jobs != 1:
        found.append("--jobs")
    if args.dask is not None:
        found.append("--dask")
    if args.engine != "dp":
        found.append("--engine (Direct plans use the dp engine)")
    return found


def run_with_ports(args: argparse.Namespace, ports: Path) -> int:
    """Plan with Direct pairs, write the outputs atomically, print a summary."""
    flags = unsupported(args)
    if flags:
        print(f"planner: {', '.join(flags)} cannot be combined with Direct ports ({ports}); "
              "nothing written.", file=sys.stderr)
        return EXIT_INVALID_INPUT
    paths = input_paths(args)
    try:
        inputs = read_inputs(**paths)
        offers = read_ports(ports, inputs, paths["inventory"])
    except InputError as error:
        print(f"planner: invalid input, nothing written.\n{error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    portfolio = build_portfolio_problem(inputs, offers)
    limit = 60.0 if args.time_limit is None else args.time_limit
    result = solve_portfolio(portfolio, time_limit_s=limit,
                             progress=lambda line: print(line, file=sys.stderr))
    tables = direct_tables(portfolio, result, inputs.customers)
    out = write_atomically(args.out, tables.write)
    row = tables.portfolio.iloc[0]
    counts = tables.summary["status"].value_counts()
    print(f"planned {len(tables.summary)} customers with Direct pairs at "
          f"{len({o.key.peering_location for o in offers})} locations: "
          + ", ".join(f"{counts.get(s.value, 0)} {s.value}" for s in Status))
    print(f"portfolio {row['status']}: total {row['total_usd']:,.2f} USD, bound "
          f"{row['lower_bound_usd']:,.2f} USD; {row['message']}")
    if not args.no_manifests:
        print("manifests are not written for plans with Direct pairs yet")
    print(f"written to {out}")
    if row["status"] in (str(Status.ERROR), "feasible") or counts.get(Status.ERROR.value, 0):
        return EXIT_ERROR
    if counts.get(Status.INFEASIBLE.value, 0):
        return EXIT_INFEASIBLE
    return EXIT_OK
