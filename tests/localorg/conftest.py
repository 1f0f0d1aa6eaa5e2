from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from simple_salesforce.api import Salesforce

from tier1_sync.localorg.server import RunningOrg, start_in_thread


@pytest.fixture(scope="session")
def tls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tls")


@pytest.fixture
def local_org(tls_dir: Path) -> Iterator[RunningOrg]:
    """A fresh, empty, in-memory local org served over HTTPS for one test."""
    running = start_in_thread(None, tls_dir)
    yield running
    running.stop()


@pytest.fixture
def sf(local_org: RunningOrg) -> Salesforce:
    """simple-salesforce logged in as the org's admin user."""
    return local_org.client()
