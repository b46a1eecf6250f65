"""The outputs of fixed `planner optimize` runs, as one SHA-256 per file.

``tests/test_golden_outputs.py`` reruns these plans and compares every file with the digests
kept in ``tests/data/golden_outputs.json``: a refactoring must leave every byte as it was.
When a change is meant to alter outputs, regenerate the digests and commit them with it::

    python tests/golden_outputs.py --update
"""
from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
from pathlib import Path

from helpers import DATA, ROOT, planner_cli

GOLDEN = ROOT / "tests" / "data" / "golden_outputs.json"

#: Synthetic portfolio of the second run: small enough for seconds, with every resiliency.
SYNTH_ARGS = ("--customers", "60", "--months", "12", "--seed", "5")
#: The second run plans two scenarios on two processes, tables and manifests.
SYNTH_PLAN_ARGS = ("--jobs", "2", "--scenario", "base", "--scenario", "up:growth=1.3,price=-10")
#: The record names input files by absolute path, which differs between clones.
RECORD = "inputs.json"


def digest_folder(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below ``folder`` by its POSIX relative path.

    ``inputs.json`` contributes the fingerprints it records, not its absolute paths.
    """
    digests: dict[str, str] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if path.name == RECORD:
            record = json.loads(path.read_text(encoding="utf-8"))
            kept = {key: (entry or {}).get("sha256") for key, entry in record["files"].items()}
            payload = json.dumps(kept, sort_keys=True).encode()
        else:
            payload = path.read_bytes()
        digests[name] = hashlib.sha256(payload).hexdigest()
    return digests


def plan_runs(work: Path) -> dict[str, dict[str, str]]:
    """Make the two plans in ``work`` and return their digests by run name."""
    sample = planner_cli("optimize", "--data", str(DATA), "--out", str(work / "sample"),
                         cwd=work)
    if sample.returncode != 3:
        raise RuntimeError(f"sample plan exited {sample.returncode}: {sample.stderr}")
    made = planner_cli("synth", *SYNTH_ARGS, "--data", str(DATA), "--out",
                       str(work / "portfolio"), cwd=work)
    if made.returncode != 0:
        raise RuntimeError(f"synth exited {made.returncode}: {made.stderr}")
    synth = planner_cli("optimize", "--data", str(work / "portfolio"), *SYNTH_PLAN_ARGS,
                        "--out", str(work / "synth"), cwd=work)
    if synth.returncode not in (0, 3):
        raise RuntimeError(f"synth plan exited {synth.returncode}: {synth.stderr}")
    return {"sample": digest_folder(work / "sample"), "synth": digest_folder(work / "synth")}


def main() -> None:
    """Print whether today's outputs match the kept digests, or rewrite them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite the kept digests")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        runs = plan_runs(Path(scratch))
    if arguments.update:
        GOLDEN.write_text(json.dumps(runs, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {GOLDEN} ({sum(map(len, runs.values()))} files)")
        return
    kept = json.loads(GOLDEN.read_text(encoding="utf-8"))
    changed = [f"{run}/{name}" for run in runs for name in set(runs[run]) | set(kept[run])
               if runs[run].get(name) != kept[run].get(name)]
    print("\n".join(sorted(changed)) or "all outputs as kept")


if __name__ == "__main__":
    main()
