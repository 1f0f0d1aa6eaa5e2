"""The scheduled CI workflow runs a command that exists, with options the CLI accepts."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tier1_sync.config import load_settings


def _workflow(project_dir: Path) -> dict[Any, Any]:
    text = (project_dir / ".github" / "workflows" / "tier1-sync.yml").read_text()
    loaded: dict[Any, Any] = yaml.safe_load(text)
    return loaded


def _sync_step(workflow: dict[Any, Any]) -> dict[str, Any]:
    steps = workflow["jobs"]["sync"]["steps"]
    step: dict[str, Any] = next(s for s in steps if "tier1 sync" in s.get("run", ""))
    return step


def test_runs_on_a_schedule_and_by_hand(project_dir: Path) -> None:
    triggers = _workflow(project_dir)[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["schedule"][0]["cron"]
    assert "workflow_dispatch" in triggers


def test_the_sync_command_exists_with_the_options_it_uses(project_dir: Path) -> None:
    command = shlex.split(_sync_step(_workflow(project_dir))["run"])
    assert command[:2] == ["tier1", "sync"]
    options = [part for part in command if part.startswith("--")]
    help_text = subprocess.run(
        [sys.executable, "-m", "tier1_sync", "sync", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    ).stdout
    for option in options:
        assert option in help_text, f"tier1 sync has no {option}"
    org = command[command.index("--org") + 1]
    assert load_settings(project_dir / "tier1.toml").org(org).auth == "jwt"


def test_jwt_secrets_reach_the_job_and_the_report_is_kept(project_dir: Path) -> None:
    workflow = _workflow(project_dir)
    env = _sync_step(workflow)["env"]
    for variable in ("SF_USERNAME", "SF_CLIENT_ID", "SF_JWT_KEY_FILE", "SF_LOGIN_URL"):
        assert variable in env
    assert "secrets." in env["SF_CLIENT_ID"]
    upload = next(
        s for s in workflow["jobs"]["sync"]["steps"] if "upload-artifact" in s.get("uses", "")
    )
    assert upload["if"] == "always()"
    assert upload["with"]["path"] == "reports/"
