"""`tier1 tier`: who enters and leaves Tier 1 and why; the cap refuses unless --force."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import tier1
from tests.localorg.helpers import collection, query
from tier1_sync.localorg.server import RunningOrg


@pytest.fixture
def ready(local_org: RunningOrg, state_file: Path, project_dir: Path) -> Path:
    """Ten customers (ARR 100k..10k), a strategic prospect, and a lapsed risk override."""
    assert tier1(state_file, "deploy", "--org", "local", cwd=project_dir).returncode == 0
    sf = local_org.client()
    admin = query(sf, "SELECT Id FROM User")["records"][0]["Id"]
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    rows: list[dict[str, Any]] = [
        {"Name": f"Customer {n}", "ARR__c": 100_000 - 10_000 * n} for n in range(9)
    ]
    rows.append(
        {
            "Name": "Lapsed",
            "ARR__c": 5_000,
            "Tier1__c": True,
            "Tier1_Criteria__c": "Risk Override",
            "Risk_Override_Status__c": "Approved",
            "Risk_Override_Approved_By__c": admin,
            "Risk_Override_Expires_On__c": yesterday,
        }
    )
    rows.append({"Name": "Prospect", "Strategic_Designation__c": "ABM Campaign"})
    answers = collection(
        sf, "POST", {"records": [{"attributes": {"type": "Account"}} | r for r in rows]}
    )
    assert all(a["success"] for a in answers), answers
    return state_file


def tier1_ids(local_org: RunningOrg) -> set[str]:
    records = query(local_org.client(), "SELECT Name FROM Account WHERE Tier1__c = true")
    return {r["Name"] for r in records["records"]}


def test_dry_run_lists_entries_and_exits_with_reasons(
    local_org: RunningOrg, ready: Path, project_dir: Path, tmp_path: Path
) -> None:
    config = tmp_path / "tier1.toml"
    config.write_text("[rules.tiering]\ncap_pct = 40\n")
    result = tier1(
        ready, "tier", "--org", "local", "--dry-run", "--config", str(config), cwd=project_dir
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Tier 1: 3 of 10 accounts with ARR (30.0%)" in out
    assert "Accounts that would enter Tier 1 (3)" in out
    assert "ARR 100,000 in the top 20%" in out
    assert "strategic: ABM Campaign" in out
    assert "Accounts that would leave Tier 1 (1)" in out
    assert "risk override expired on" in out
    assert "above the 20% warning level" in out
    assert tier1_ids(local_org) == {"Lapsed"}  # nothing written


def test_above_the_cap_is_refused_unless_forced(
    local_org: RunningOrg, ready: Path, project_dir: Path
) -> None:
    refused = tier1(ready, "tier", "--org", "local", cwd=project_dir)
    assert refused.returncode == 1
    assert "above the 25% cap" in refused.stdout
    assert tier1_ids(local_org) == {"Lapsed"}
    forced = tier1(ready, "tier", "--org", "local", "--force", "--json", cwd=project_dir)
    assert forced.returncode == 0, forced.stderr
    report = json.loads(forced.stdout)
    assert report["status"] == "Succeeded"
    assert report["tiering"]["forced"] is True
    assert report["objects"]["Account"]["updated"] == 4
    assert tier1_ids(local_org) == {"Customer 0", "Customer 1", "Prospect"}
    lapsed = query(
        local_org.client(), "SELECT Risk_Override_Status__c FROM Account WHERE Name = 'Lapsed'"
    )
    assert lapsed["records"][0]["Risk_Override_Status__c"] == "Expired"
