"""The CLI tests use the local org fixtures, published to the CLI through a state file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.localorg.conftest import local_org, tls_dir
from tier1_sync.localorg.server import RunningOrg, write_state

__all__ = ["local_org", "state_file", "tls_dir"]


@pytest.fixture
def state_file(local_org: RunningOrg, tmp_path: Path) -> Path:
    """Publish the in-process org as 'the running local org' for the CLI (see helpers.tier1)."""
    path = tmp_path / "local-org.json"
    write_state(
        path,
        {
            "pid": os.getpid(),
            "instance_url": local_org.url,
            "port": 0,
            "data_dir": "",
            "cert": str(local_org.cert),
            "access_token": local_org.token,
            "username": "admin@tier1.local",
            "api_version": "63.0",
            "started_at": "",
        },
    )
    return path
