"""What the commands share: exit statuses, the input and settings flags, and their paths.

Every command that reads a portfolio takes the same flags for its files, so a folder of
inputs named once with ``--data`` (or file by file) means the same thing everywhere.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TypedDict

from planner.inputs.read import INPUT_FILES
from planner.provision.portfolio import RECORD_FILE, SETTINGS_FILE

EXIT_OK = 0
EXIT_INVALID_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_ERROR = 4

#: The folder read when neither --data nor a file flag is given.
DEFAULT_DATA = Path("data")


def add_input_flags(parser: argparse.ArgumentParser, *, data_help: str) -> None:
    """``--data``, one flag per input file, and ``--no-inventory``."""
    parser.add_argument("--data", default=None, type=Path,
                        help=f"{data_help} (default: {DEFAULT_DATA})")
    for name, file in INPUT_FILES.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=Path, default=None,
                            help=f"{file} to use instead of DATA/{file}")
    parser.add_argument("--no-inventory", action="store_true",
                        help="plan as if no circuits existed yet")


def data_folder(args: argparse.Namespace) -> Path:
    """The --data folder, or the default one."""
    return args.data if args.data is not None else DEFAULT_DATA


class InputPaths(TypedDict):
    """The five input files by ``read_inputs`` argument name (inventory None: none)."""

    customers: Path
    demand: Path
    catalog: Path
    egress_rates: Path
    inventory: Path | None


def input_paths(args: argparse.Namespace) -> InputPaths:
    """The five input paths: explicit flags, else the --data folder.

    The inventory of the --data folder is used only when it exists and --customers was
    not given (another portfolio's inventory would not match).
    """
    data = data_folder(args)

    def path(name: str) -> Path:
        given: Path | None = getattr(args, name)
        return given or data / INPUT_FILES[name]

    paths = InputPaths(customers=path("customers"), demand=path("demand"),
                       catalog=path("catalog"), egress_rates=path("egress_rates"),
                       inventory=path("inventory"))
    if args.no_inventory:
        paths["inventory"] = None
    elif args.inventory is None and (args.customers is not None
                                     or not data.joinpath(INPUT_FILES["inventory"]).exists()):
        paths["inventory"] = None
    return paths


def path_table(paths: InputPaths, **more: Path | None) -> dict[str, Path | None]:
    """The input paths, then ``more``, as one plain dict by name."""
    return {"customers": paths["customers"], "demand": paths["demand"],
            "catalog": paths["catalog"], "egress_rates": paths["egress_rates"],
            "inventory": paths["inventory"], **more}


def add_provisioning_flags(parser: argparse.ArgumentParser) -> None:
    """The flags for the provisioning inputs: settings file and allocation record."""
    parser.add_argument("--provisioning", type=Path, default=None, metavar="FILE",
                        help=f"provisioning settings (default: DATA/{SETTINGS_FILE} when it "
                             "exists, else built-in defaults)")
    parser.add_argument("--allocations", type=Path, default=None, metavar="FILE",
                        help="peering allocations to keep, as a previous run's "
                             f"manifests/allocations.csv (default: DATA/{RECORD_FILE} when "
                             "it exists)")


def provisioning_paths(args: argparse.Namespace) -> tuple[Path | None, Path | None]:
    """The settings file and allocation record to use (None: built-in / none)."""
    data = data_folder(args)
    settings = args.provisioning or data / SETTINGS_FILE
    record = args.allocations or data / RECORD_FILE
    return ((settings if args.provisioning or settings.exists() else None),
            (record if args.allocations or record.exists() else None))
