"""The ``planner`` command line: a thin layer that parses, calls the library and prints.

Each subcommand lives in its own module with ``add_parser(subparsers)`` that registers it
and sets ``func`` (taking the parsed arguments, returning the exit status). Errors the
library raises on purpose (:class:`planner.errors.PlannerError`) are printed without a
traceback and end with exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from planner import __version__
from planner.cli import demand, inventory, manifests, optimize, prices, report, synth, validate
from planner.cli.common import EXIT_ERROR, EXIT_INFEASIBLE, EXIT_INVALID_INPUT, EXIT_OK
from planner.errors import PlannerError

SUBCOMMANDS = [optimize, validate, synth, manifests, report, demand, prices, inventory]

__all__ = ["EXIT_ERROR", "EXIT_INFEASIBLE", "EXIT_INVALID_INPUT", "EXIT_OK", "SUBCOMMANDS",
           "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="planner",
        description="Plan Azure ExpressRoute circuits for a CSP's customers at least cost.")
    parser.add_argument("--version", action="version", version=f"planner {__version__}")
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
        print(f"planner: {error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
