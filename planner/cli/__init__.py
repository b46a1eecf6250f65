"""The ``planner`` command line: a thin layer that parses, calls the library and prints.

Each subcommand lives in its own module with ``add_parser(subparsers)`` that registers it
and sets ``func`` (taking the parsed arguments, returning the exit status).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from planner.cli import demand, manifests, optimize, synth
from planner.errors import PlannerError

SUBCOMMANDS = [optimize, synth, manifests, demand]

EXIT_OK = 0
EXIT_INVALID_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_ERROR = 4


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="planner",
        description="Plan Azure ExpressRoute circuits for a CSP's customers at least cost.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in SUBCOMMANDS:
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except PlannerError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
