"""The official Salesforce CLI works against the local org (pinned @salesforce/cli, Node 22)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.localorg.helpers import collection
from tests.sfcli import sf_or_skip
from tier1_sync.localorg.server import RunningOrg, start_in_thread


@dataclass
class SfCli:
    binary: str
    env: dict[str, str]
    cwd: Path

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [self.binary, *args],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check:
            assert result.returncode == 0, f"sf {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result

    def json(self, *args: str, check: bool = True) -> dict[str, Any]:
        result = self.run(*args, "--json", check=check)
        data: dict[str, Any] = json.loads(result.stdout)
        return data


@pytest.fixture(scope="module")
def cli_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningOrg, SfCli]]:
    binary, env = sf_or_skip()
    running = start_in_thread(None, tmp_path_factory.mktemp("tls"))
    home = tmp_path_factory.mktemp("home")
    env = {
        **env,
        "HOME": str(home),
        "NODE_EXTRA_CA_CERTS": str(running.cert),
        "SF_ACCESS_TOKEN": running.token,
    }
    cli = SfCli(binary, env, Path(__file__).resolve().parents[2])
    login = cli.json(
        "org",
        "login",
        "access-token",
        "--instance-url",
        running.url,
        "--alias",
        "local",
        "--no-prompt",
    )
    assert login["result"]["username"] == "admin@tier1.local"
    yield running, cli
    running.stop()


def test_org_display_is_connected(cli_org: tuple[RunningOrg, SfCli]) -> None:
    _, cli = cli_org
    shown = cli.json("org", "display", "--target-org", "local")["result"]
    assert shown["connectedStatus"] == "Connected"
    assert shown["id"] == "00D000000000001AAA"
    assert "REDACTED" in shown["accessToken"]


def test_data_query_follows_pages(cli_org: tuple[RunningOrg, SfCli]) -> None:
    running, cli = cli_org
    sf = running.client()
    for start in range(0, 2200, 200):
        collection(
            sf,
            "POST",
            {
                "records": [
                    {"attributes": {"type": "Account"}, "Name": f"C{i}"}
                    for i in range(start, start + 200)
                ]
            },
        )
    result = cli.json(
        "data", "query", "--query", "SELECT Id, Name FROM Account", "--target-org", "local"
    )["result"]
    assert result["totalSize"] == 2200
    assert len(result["records"]) == 2200
    table = cli.run(
        "data",
        "query",
        "--query",
        "SELECT Name, Owner.Alias FROM Account LIMIT 2",
        "--target-org",
        "local",
    )
    assert "Total number of records retrieved: 2" in table.stdout


def test_sobject_describe(cli_org: tuple[RunningOrg, SfCli]) -> None:
    _, cli = cli_org
    described = cli.json("sobject", "describe", "--sobject", "Account", "--target-org", "local")
    assert described["result"]["name"] == "Account"
    assert any(f["name"] == "Name" for f in described["result"]["fields"])


def test_a_bad_query_is_the_clis_normal_error(cli_org: tuple[RunningOrg, SfCli]) -> None:
    _, cli = cli_org
    failed = cli.json(
        "data", "query", "--query", "SELECT Id FROM Nope", "--target-org", "local", check=False
    )
    assert failed["status"] != 0
    assert "sObject type 'Nope' is not supported" in failed["message"]
