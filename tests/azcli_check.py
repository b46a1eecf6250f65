"""Run az commands through the real Azure CLI without an account; report how each ends.

Usage: ``python tests/azcli_check.py < commands.json`` where the input is a JSON list of
argument lists (without the leading ``az``). Prints a JSON list with, per command, the exit
status and the error text. A command whose arguments parse and pass the CLI's validators
stops where it needs an account ("az login"); one that does not parse exits with status 2.
Runs with a fresh, empty configuration folder so that no account can be used.
"""

from __future__ import annotations

import io
import json
import logging
import os
import sys
import tempfile


def main() -> None:
    commands = json.load(sys.stdin)
    with tempfile.TemporaryDirectory() as config:
        os.environ["AZURE_CONFIG_DIR"] = config
        os.environ["AZURE_CORE_COLLECT_TELEMETRY"] = "false"
        os.environ["AZURE_CORE_NO_COLOR"] = "true"
        from azure.cli.core import get_default_cli

        results = []
        for args in commands:
            errors = io.StringIO()
            handler = logging.StreamHandler(errors)
            logging.getLogger().addHandler(handler)
            saved, sys.stderr = sys.stderr, errors
            try:
                status = get_default_cli().invoke(args, out_file=io.StringIO())
            except SystemExit as stop:
                status = stop.code if isinstance(stop.code, int) else 1
            finally:
                sys.stderr = saved
                logging.getLogger().removeHandler(handler)
            results.append({"args": args, "status": status, "errors": errors.getvalue()})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
