"""`sf data import bulk` / `sf data upsert bulk` / `sf data bulk results` against the local org."""

from __future__ import annotations

import csv
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.localorg.bulk_helpers import add_external_id, count
from tests.sfcli import sf_or_skip
from tier1_sync.localorg.server import RunningOrg, start_in_thread


class Cli:
    def __init__(self, binary: str, env: dict[str, str], cwd: Path) -> None:
        self.binary, self.env, self.cwd = binary, env, cwd

    def json(self, *args: str) -> dict[str, Any]:
        result = subprocess.run(
            [self.binary, *args, "--target-org", "local", "--json"],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        data: dict[str, Any] = json.loads(result.stdout)
        return data


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningOrg, Cli]]:
    binary, env = sf_or_skip()
    running = start_in_thread(None, tmp_path_factory.mktemp("tls"))
    add_external_id(running)
    home = tmp_path_factory.mktemp("home")
    env = {
        **env,
        "HOME": str(home),
        "NODE_EXTRA_CA_CERTS": str(running.cert),
        "SF_ACCESS_TOKEN": running.token,
    }
    login_args = ["org", "login", "access-token", "--instance-url", running.url, "--alias", "local"]
    login = subprocess.run(
        [binary, *login_args, "--no-prompt", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert login.returncode == 0, login.stdout + login.stderr
    yield running, Cli(binary, env, home)
    running.stop()


def test_import_then_upsert_then_results(cli: tuple[RunningOrg, Cli]) -> None:
    running, sf_cli = cli
    (sf_cli.cwd / "new.csv").write_text("Name,Ext_Id__c\nOne,E1\nTwo,E2\n")
    imported = sf_cli.json(
        "data", "import", "bulk", "--file", "new.csv", "--sobject", "Account", "--wait", "5"
    )
    imported.pop("warnings", None)
    assert imported["status"] == 0, imported
    assert imported["result"]["processedRecords"] == 2

    (sf_cli.cwd / "changes.csv").write_text("Name,Ext_Id__c\nOne renamed,E1\nThree,E3\n,E4\n")
    upserted = sf_cli.json(
        "data",
        "upsert",
        "bulk",
        "--file",
        "changes.csv",
        "--sobject",
        "Account",
        "--external-id",
        "Ext_Id__c",
        "--wait",
        "5",
    )
    assert upserted["status"] == 1  # one row failed: the CLI says so and exits 1
    assert "failed to process 1 records" in upserted["message"]
    job_id = upserted["data"]["jobId"]
    assert count(running.client()) == 3

    results = sf_cli.json("data", "bulk", "results", "--job-id", job_id)["result"]
    assert (results["successfulRecords"], results["failedRecords"]) == (2, 1)
    with (sf_cli.cwd / results["failedFilePath"]).open(newline="") as failed:
        [row] = list(csv.DictReader(failed))
    assert row["sf__Error"] == "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"
    with (sf_cli.cwd / results["successFilePath"]).open(newline="") as successful:
        created = {r["Ext_Id__c"]: r["sf__Created"] for r in csv.DictReader(successful)}
    assert created == {"E1": "false", "E3": "true"}
