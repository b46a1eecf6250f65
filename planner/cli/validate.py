"""``planner validate``: check inputs and settings without planning."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from planner.cli.common import EXIT_INVALID_INPUT, EXIT_OK, add_input_flags, add_provisioning_flags
from planner.cli.optimize import add_scenario_flags, check_run
from planner.inputs.validate import InputError
from planner.scenarios import ScenarioError


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``validate``."""
    parser = subparsers.add_parser(
        "validate", help="check the inputs and settings without planning",
        description="Check everything 'planner optimize' checks before it solves: the five "
                    "input files, the scenarios, and (unless --no-manifests) the "
                    "provisioning settings and allocation record against every customer. "
                    "Exit 0 when all is valid, 2 otherwise; nothing is written.")
    add_input_flags(parser, data_help="folder holding the five input files under their "
                                      "names (see docs/inputs.rst)")
    add_scenario_flags(parser)
    add_provisioning_flags(parser)
    parser.add_argument("--no-manifests", action="store_true",
                        help="skip the provisioning settings (as optimize --no-manifests)")
    parser.set_defaults(func=run, out=Path("out"))


def run(args: argparse.Namespace) -> int:
    """Check; print what was checked or every problem; return the exit status."""
    try:
        checked = check_run(args, manifests=not args.no_manifests)
    except ScenarioError as error:
        print(f"planner: invalid scenarios.\n{error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    except InputError as error:
        print(f"planner: invalid input.\n{error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    inputs = checked.inputs
    parts = [f"{len(inputs.customers)} customers", f"{len(inputs.demand)} demand rows",
             f"{len(inputs.catalog)} SKUs", f"{len(inputs.egress_rates)} egress zones",
             f"{len(inputs.inventory)} inventory circuits"]
    if checked.scenarios:
        parts.append(f"{len(checked.scenarios)} scenarios")
    if checked.provisioning is not None:
        parts.append("provisioning settings")
    print("valid: " + ", ".join(parts))
    return EXIT_OK
