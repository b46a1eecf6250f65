"""Where the planner keeps what it caches: never inside the installed package.

The ``dp`` engine's compiled kernels are cached on disk by numba so that only the first run
in an environment compiles them. The cache lives in a per-user folder, so an installed
package stays read-only and uninstalling or reinstalling it leaves nothing behind:

- ``$PLANNER_CACHE_DIR`` when set;
- else numba's own ``$NUMBA_CACHE_DIR`` when set;
- else the user's cache folder (``~/.cache/planner`` on Linux, by :mod:`platformdirs`).

When that folder cannot be created or written, the kernels are compiled in memory in
every process instead (slower to start, same results).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import platformdirs

#: Environment variable naming the planner's cache folder.
CACHE_DIR_VARIABLE = "PLANNER_CACHE_DIR"


def cache_dir() -> Path:
    """The planner's cache folder (it may not exist yet).

    Returns
    -------
    Path
        ``$PLANNER_CACHE_DIR``, else the per-user cache folder of the ``planner`` app.
    """
    chosen = os.environ.get(CACHE_DIR_VARIABLE)
    if chosen:
        return Path(chosen)
    return Path(platformdirs.user_cache_dir("planner", appauthor=False))


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return False
    return True


def configure_numba_cache() -> bool:
    """Point numba's on-disk cache at the planner's cache folder, if it can be written.

    Must run before the kernels are compiled (their module calls it on import).

    Returns
    -------
    bool
        Whether the kernels may be cached on disk. False means: compile in memory, since
        numba would otherwise fall back to the package's own ``__pycache__``.
    """
    from numba.core import config as numba_config

    # numba fills its settings in at import time, out of sight of its type information.
    config: Any = numba_config
    if os.environ.get(CACHE_DIR_VARIABLE) or not config.CACHE_DIR:
        config.CACHE_DIR = str(cache_dir() / "numba")
    return _writable(Path(config.CACHE_DIR))
