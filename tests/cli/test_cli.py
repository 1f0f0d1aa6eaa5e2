"""The `tier1` command as a user runs it: a real process, real exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tier1_sync import __version__
from tier1_sync.model.dictionary import PANEL_NAMES


def tier1(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tier1_sync", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "TIER1_DEBUG": ""},
    )


def test_version() -> None:
    result = tier1("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"tier1 {__version__}"
    assert __version__ == "0.1.0"


def test_model_prints_the_eight_panels_with_owners(project_dir: Path) -> None:
    result = tier1("model", cwd=project_dir)
    assert result.returncode == 0, result.stderr
    for number, name in enumerate(PANEL_NAMES, 1):
        assert f"Panel {number}: {name}" in result.stdout
    assert "Health_Score__c" in result.stdout
    assert "Integration" in result.stdout
    assert "RevOps" in result.stdout


def test_model_json_is_machine_readable(project_dir: Path) -> None:
    result = tier1("model", "--json", cwd=project_dir)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    titles = [s["title"] for s in data["sections"]]
    assert titles[:8] == list(PANEL_NAMES)
    health = data["sections"][1]["rows"]
    score = next(r for r in health if r["object"] == "Account" and r["field"] == "Health_Score__c")
    assert score["owners"] == ["Integration"]
    assert score["editors"] == ["Integration"]
    assert score["type"] == "Number(3,0)"


def test_model_outside_a_project_is_a_configuration_error(tmp_path: Path) -> None:
    result = tier1("model", "--project-dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert "Configuration error" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_option_is_a_usage_error(project_dir: Path) -> None:
    result = tier1("model", "--format", "pdf", cwd=project_dir)
    assert result.returncode == 2
    assert "pdf" in result.stderr
