"""Running the `tier1` command line in a subprocess against the published local org."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def tier1(state_file: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`tier1 ARGS` in `cwd`, with `--org local` meaning the org `state_file` points at."""
    env = {**os.environ, "TIER1_LOCAL_ORG_STATE": str(state_file), "COLUMNS": "200"}
    env.pop("TIER1_ORG", None)
    return subprocess.run(
        [sys.executable, "-m", "tier1_sync", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
