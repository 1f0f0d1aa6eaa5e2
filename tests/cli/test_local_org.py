"""`tier1 local-org start|status|stop` as a user runs them: a real background process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.localorg.helpers import create, query
from tier1_sync.localorg.server import connect


def tier1(state_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TIER1_LOCAL_ORG_STATE": str(state_file), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "tier1_sync", "local-org", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=60,
    )


@pytest.fixture
def state_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "state" / "local-org.json"
    yield path
    tier1(path, "stop")


def _status(state_file: Path) -> dict[str, Any]:
    result = tier1(state_file, "status", "--json")
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_start_status_stop_and_data_survives_a_restart(state_file: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "org"
    started = tier1(state_file, "start", "--data-dir", str(data_dir))
    assert started.returncode == 0, started.stderr
    assert "Local org started: https://127.0.0.1:" in started.stdout
    assert "00D" not in started.stdout, "the text output must not print the token"

    status = _status(state_file)
    assert status["running"] is True
    assert status["access_token"].startswith("00D000000000001AAA!")
    assert Path(status["cert"]).is_file()
    sf = connect(status["instance_url"], status["access_token"], Path(status["cert"]))
    create(sf, "Account", {"Name": "Survivor"})

    again = tier1(state_file, "start", "--data-dir", str(data_dir))
    assert "already running" in again.stdout

    stopped = tier1(state_file, "stop")
    assert stopped.returncode == 0
    not_running = tier1(state_file, "status")
    assert not_running.returncode == 1
    assert "No local org is running" in not_running.stdout

    assert tier1(state_file, "start", "--data-dir", str(data_dir)).returncode == 0
    status = _status(state_file)
    sf = connect(status["instance_url"], status["access_token"], Path(status["cert"]))
    names = [r["Name"] for r in query(sf, "SELECT Name FROM Account")["records"]]
    assert names == ["Survivor"]


def test_a_new_data_dir_gives_a_fresh_org(state_file: Path, tmp_path: Path) -> None:
    assert tier1(state_file, "start", "--data-dir", str(tmp_path / "one")).returncode == 0
    status = _status(state_file)
    sf = connect(status["instance_url"], status["access_token"], Path(status["cert"]))
    create(sf, "Account", {"Name": "Old"})
    tier1(state_file, "stop")
    assert tier1(state_file, "start", "--data-dir", str(tmp_path / "two")).returncode == 0
    status = _status(state_file)
    sf = connect(status["instance_url"], status["access_token"], Path(status["cert"]))
    assert query(sf, "SELECT COUNT() FROM Account")["totalSize"] == 0


def test_a_file_as_data_dir_is_a_configuration_error(state_file: Path, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    result = tier1(state_file, "start", "--data-dir", str(not_a_folder))
    assert result.returncode == 2
    assert "is a file, not a folder" in result.stderr
