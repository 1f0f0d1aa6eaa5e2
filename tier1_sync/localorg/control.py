"""Start, find and stop the background local org (`tier1 local-org ...`, `--org local`)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from pydantic import BaseModel, SecretStr

from tier1_sync.errors import ConfigError, JobFailed
from tier1_sync.localorg.server import default_data_dir, default_state_file

START_TIMEOUT_SECONDS = 30.0


class LocalOrgState(BaseModel):
    """What a running local org publishes in its state file."""

    pid: int
    instance_url: str
    port: int
    data_dir: str
    cert: str
    access_token: SecretStr
    username: str
    api_version: str
    started_at: str


class LocalOrgStatus(BaseModel):
    running: bool
    instance_url: str | None = None
    access_token: str | None = None
    cert: str | None = None
    data_dir: str | None = None
    pid: int | None = None
    port: int | None = None
    username: str | None = None
    api_version: str | None = None
    started_at: str | None = None
    state_file: str
    message: str = ""


def read_state(state_file: Path | None = None) -> LocalOrgState | None:
    path = state_file or default_state_file()
    try:
        return LocalOrgState.model_validate_json(path.read_text())
    except (FileNotFoundError, ValueError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def answers(state: LocalOrgState, timeout: float = 2.0) -> bool:
    """True when the org at `state.instance_url` answers over HTTPS with its certificate."""
    session = requests.Session()
    session.trust_env = False
    try:
        response = session.get(
            f"{state.instance_url}/services/data", verify=state.cert, timeout=timeout
        )
    except requests.RequestException:
        return False
    return response.status_code == 200


def running_state(state_file: Path | None = None) -> LocalOrgState | None:
    state = read_state(state_file)
    if state is None or not _pid_alive(state.pid) or not answers(state):
        return None
    return state


def status(state_file: Path | None = None) -> LocalOrgStatus:
    path = state_file or default_state_file()
    state = running_state(path)
    if state is None:
        return LocalOrgStatus(
            running=False,
            state_file=str(path),
            message="No local org is running. Start one: tier1 local-org start",
        )
    return _status_of(state, path, "running")


def _status_of(state: LocalOrgState, path: Path, message: str) -> LocalOrgStatus:
    return LocalOrgStatus(
        running=True,
        instance_url=state.instance_url,
        access_token=state.access_token.get_secret_value(),
        cert=state.cert,
        data_dir=state.data_dir,
        pid=state.pid,
        port=state.port,
        username=state.username,
        api_version=state.api_version,
        started_at=state.started_at,
        state_file=str(path),
        message=message,
    )


def start(
    port: int = 0, data_dir: Path | None = None, state_file: Path | None = None
) -> LocalOrgStatus:
    """Start the local org in the background (or report the one already running)."""
    path = state_file or default_state_file()
    existing = running_state(path)
    if existing is not None:
        return _status_of(existing, path, "already running")
    folder = (data_dir or default_data_dir()).resolve()
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"--data-dir {folder} is a file, not a folder.")
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / "server.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tier1_sync.localorg.server",
                "--port",
                str(port),
                "--data-dir",
                str(folder),
                "--state-file",
                str(path),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise JobFailed(
                f"The local org exited during start-up (code {process.returncode}).",
                hint=f"See {log_path}: {_tail(log_path)}",
            )
        state = read_state(path)
        if state is not None and state.pid == process.pid and answers(state, timeout=1.0):
            return _status_of(state, path, "started")
        time.sleep(0.1)
    process.terminate()
    raise JobFailed("The local org did not answer within 30 seconds.", hint=f"See {log_path}.")


def stop(state_file: Path | None = None) -> LocalOrgStatus:
    path = state_file or default_state_file()
    state = read_state(path)
    if state is None or not _pid_alive(state.pid):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return LocalOrgStatus(running=False, state_file=str(path), message="not running")
    os.kill(state.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _pid_alive(state.pid) and time.monotonic() < deadline:
        _reap(state.pid)
        time.sleep(0.05)
    if _pid_alive(state.pid):
        os.kill(state.pid, signal.SIGKILL)
        _reap(state.pid)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return LocalOrgStatus(running=False, state_file=str(path), pid=state.pid, message="stopped")


def _reap(pid: int) -> None:
    """Collect our own child's exit status, so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
