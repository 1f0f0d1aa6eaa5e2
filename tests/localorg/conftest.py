from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from simple_salesforce.api import Salesforce

from tests.localorg.helpers import deploy
from tier1_sync.localorg.server import RunningOrg, start_in_thread
from tier1_sync.salesforce.convert import convert_source

PROJECT_DIR = Path(__file__).resolve().parents[2]


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


@pytest.fixture(scope="session")
def force_app_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """force-app converted to a Metadata API zip, once per test session."""
    path = tmp_path_factory.mktemp("mdapi") / "force-app.zip"
    path.write_bytes(convert_source(PROJECT_DIR / "force-app").zip_bytes())
    return path


@pytest.fixture
def deployed_org(local_org: RunningOrg, force_app_zip: Path) -> RunningOrg:
    """A fresh in-memory local org with force-app deployed through the Metadata API."""
    result = deploy(local_org.client(), force_app_zip)
    assert result["state"] == "Succeeded", result["deployment_detail"]
    return local_org
