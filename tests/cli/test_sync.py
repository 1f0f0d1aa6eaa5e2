"""`tier1 sync` as the scheduled job runs it: sample export → local org, report files, exits."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest

from tests.cli.helpers import tier1
from tests.localorg.helpers import collection, query
from tier1_sync.localorg.server import RunningOrg


@pytest.fixture
def ready(local_org: RunningOrg, state_file: Path, project_dir: Path) -> Path:
    """Deployed, with the 50 accounts the sample export talks about (CS-000101..CS-000150)."""
    assert tier1(state_file, "deploy", "--org", "local", cwd=project_dir).returncode == 0
    collection(
        local_org.client(),
        "POST",
        {
            "records": [
                {
                    "attributes": {"type": "Account"},
                    "Name": f"Customer {n}",
                    "CS_Platform_Account_Id__c": f"CS-{n:06d}",
                }
                for n in range(101, 151)
            ]
        },
    )
    return state_file


def sync_file(
    state: Path, project_dir: Path, folder: str, *options: str
) -> subprocess.CompletedProcess[str]:
    """`tier1 sync --org local --source file --path FOLDER [OPTIONS]` in the project folder."""
    return tier1(
        state,
        "sync",
        "--org",
        "local",
        "--source",
        "file",
        "--path",
        folder,
        *options,
        cwd=project_dir,
    )


def test_sync_the_sample_export_then_a_no_op_rerun(
    local_org: RunningOrg, ready: Path, project_dir: Path, tmp_path: Path
) -> None:
    report_path = tmp_path / "reports" / "run.json"
    first = sync_file(ready, project_dir, "samples/cs-export", "--report", str(report_path))
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Succeeded" in first.stdout
    report = json.loads(report_path.read_text())
    assert report["accounts_matched"] == 50
    assert report["objects"]["Account"]["updated"] == 50
    assert (report_path.parent / "failed_rows.csv").is_file()
    second = sync_file(ready, project_dir, "samples/cs-export", "--json")
    rerun = json.loads(second.stdout)
    assert sum(o["created"] + o["updated"] for o in rerun["objects"].values()) == 0
    runs = query(local_org.client(), "SELECT COUNT() FROM Sync_Run__c")["totalSize"]
    assert runs == 2


def test_dry_run_shows_changes_and_writes_nothing(
    local_org: RunningOrg, ready: Path, project_dir: Path
) -> None:
    result = sync_file(ready, project_dir, "samples/cs-export", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "Would create" in result.stdout
    assert "Health_Score__c" in result.stdout
    assert "cannot be checked without writing" in result.stdout
    sf = local_org.client()
    assert query(sf, "SELECT COUNT() FROM Health_Snapshot__c")["totalSize"] == 0
    assert query(sf, "SELECT COUNT() FROM Sync_Run__c")["totalSize"] == 0


def test_bad_rows_are_reported_with_lines_and_fail_the_run(
    ready: Path, project_dir: Path, tmp_path: Path
) -> None:
    report_path = tmp_path / "run.json"
    result = sync_file(ready, project_dir, "samples/cs-export-bad", "--report", str(report_path))
    assert result.returncode == 1
    assert "health.csv:4 health_score: health_score 140 is outside 0-100" in result.stdout
    with (tmp_path / "failed_rows.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert any(r["line"] == "4" and r["field"] == "health_score" for r in rows)


def test_a_missing_folder_is_a_configuration_error(ready: Path, project_dir: Path) -> None:
    result = sync_file(ready, project_dir, "nowhere")
    assert result.returncode == 2
    assert "nowhere" in result.stderr


def test_verify_only_exits_1_on_drift(
    local_org: RunningOrg, ready: Path, project_dir: Path
) -> None:
    assert sync_file(ready, project_dir, "samples/cs-export").returncode == 0
    assert sync_file(ready, project_dir, "samples/cs-export", "--verify-only").returncode == 0
    sf = local_org.client()
    account = query(sf, "SELECT Id FROM Account WHERE CS_Platform_Account_Id__c = 'CS-000101'")
    collection(
        sf,
        "PATCH",
        {
            "records": [
                {
                    "attributes": {"type": "Account"},
                    "id": account["records"][0]["Id"],
                    "Health_Score__c": 1,
                }
            ]
        },
    )
    drift = sync_file(ready, project_dir, "samples/cs-export", "--verify-only")
    assert drift.returncode == 1
    assert "Drift" in drift.stdout
