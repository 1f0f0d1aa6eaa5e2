"""`tier1 doctor --org local`: fails with fix hints before a deploy, passes once ready."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

from tests.cli.helpers import tier1
from tests.localorg.helpers import create
from tier1_sync.localorg.server import RunningOrg, write_state
from tier1_sync.localorg.store import ADMIN_USERNAME

INTEGRATION_SET = "force-app/main/default/permissionsets/Tier1_Integration.permissionset-meta.xml"


def _doctor(state_file: Path, project_dir: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = tier1(state_file, "doctor", "--org", "local", "--json", *args, cwd=project_dir)
    assert result.returncode in {0, 1}, result.stderr
    return result.returncode, json.loads(result.stdout)


def _checks(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["name"]: check for check in report["checks"]}


def _failed(report: dict[str, Any]) -> set[str]:
    return {check["name"] for check in report["checks"] if not check["ok"]}


def _ready(local_org: RunningOrg, state_file: Path, project_dir: Path) -> None:
    """Deploy and make the admin user the integration user, through the CLI."""
    deployed = tier1(state_file, "deploy", "--org", "local", cwd=project_dir)
    assert deployed.returncode == 0, deployed.stderr
    assigned = tier1(
        state_file,
        "assign",
        "--org",
        "local",
        "--user",
        ADMIN_USERNAME,
        "--role",
        "integration",
        cwd=project_dir,
    )
    assert assigned.returncode == 0, assigned.stderr


def _record_sync_run(local_org: RunningOrg, status: str, started: dt.datetime) -> None:
    create(
        local_org.client(),
        "Sync_Run__c",
        {
            "Run_Key__c": f"file-{started:%Y%m%dT%H%M%S}",
            "Source__c": "File",
            "Status__c": status,
            "Started_At__c": started.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "Finished_At__c": started.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        },
    )


def test_before_deploy_doctor_fails_and_says_to_deploy(
    local_org: RunningOrg, state_file: Path, project_dir: Path
) -> None:
    result = tier1(state_file, "doctor", "--org", "local", cwd=project_dir)
    assert result.returncode == 1, result.stderr
    assert "tier1 deploy --org local" in result.stdout
    assert "checks failed" in result.stdout
    assert local_org.token not in result.stdout + result.stderr

    _, report = _doctor(state_file, project_dir)
    checks = _checks(report)
    assert checks["Login"]["ok"]
    assert checks["API version"]["ok"]
    assert "Risk_Flag__c" in checks["Data model"]["detail"]
    assert "missing field Account.Health_Score__c" in checks["Data model"]["items"]
    assert {"Data model", "Permission sets", "Integration access", "Last sync"} <= _failed(report)
    for name in ("Data model", "Permission sets", "Integration access", "Last sync"):
        assert checks[name]["fix"] == "tier1 deploy --org local", name


def test_after_deploy_and_assign_only_the_sync_is_missing_then_all_pass(
    local_org: RunningOrg, state_file: Path, project_dir: Path
) -> None:
    deployed = tier1(state_file, "deploy", "--org", "local", cwd=project_dir)
    assert deployed.returncode == 0, deployed.stderr
    code, report = _doctor(state_file, project_dir)
    assert code == 1
    assert _failed(report) == {"Permission sets", "Last sync"}
    assert _checks(report)["Permission sets"]["fix"] == (
        f"tier1 assign --org local --user {ADMIN_USERNAME} --role integration"
    )

    _ready(local_org, state_file, project_dir)
    code, report = _doctor(state_file, project_dir)
    assert code == 1
    assert _failed(report) == {"Last sync"}
    last_sync = _checks(report)["Last sync"]
    assert last_sync["detail"] == "no sync has run yet"
    assert last_sync["fix"].startswith("tier1 sync --org local --source")
    permission_sets = _checks(report)["Permission sets"]
    assert permission_sets["warning"], "nobody holds the AE, CSM, CS lead or RevOps sets yet"
    assert "nobody holds Tier1_AE" in permission_sets["items"]

    _record_sync_run(local_org, "Succeeded", dt.datetime.now(dt.UTC))
    result = tier1(state_file, "doctor", "--org", "local", cwd=project_dir)
    assert result.returncode == 0, result.stdout
    assert "All 7 checks passed." in result.stdout
    code, report = _doctor(state_file, project_dir)
    assert code == 0
    assert report["ok"] is True
    assert report["integration_user"] == ADMIN_USERNAME


def test_a_failed_or_stale_last_run_fails(
    local_org: RunningOrg, state_file: Path, project_dir: Path
) -> None:
    _ready(local_org, state_file, project_dir)
    now = dt.datetime.now(dt.UTC)
    _record_sync_run(local_org, "Succeeded", now - dt.timedelta(hours=3))
    _record_sync_run(local_org, "Dry Run", now - dt.timedelta(minutes=5))
    assert _doctor(state_file, project_dir)[0] == 0, "a dry run changes nothing, so skip it"
    code, report = _doctor(state_file, project_dir, "--max-sync-age", "2")
    assert code == 1
    assert "older than 2 hours" in _checks(report)["Last sync"]["detail"]

    _record_sync_run(local_org, "Failed", now - dt.timedelta(minutes=1))
    code, report = _doctor(state_file, project_dir)
    assert code == 1
    last_sync = _checks(report)["Last sync"]
    assert last_sync["detail"].startswith("Failed")
    assert last_sync["fix"] == "tier1 sync --org local --source file --path <export folder>"


def test_low_api_headroom_fails_that_check(
    local_org: RunningOrg, state_file: Path, project_dir: Path
) -> None:
    local_org.org.set_api_usage(95_000, allocation=100_000)
    code, report = _doctor(state_file, project_dir)
    assert code == 1
    usage = _checks(report)["API usage"]
    assert not usage["ok"]
    assert usage["detail"].startswith("used 95,0")
    assert "of 100,000 (95%)" in usage["detail"]
    assert _checks(report)["Login"]["ok"], "the other checks still ran"
    code, report = _doctor(state_file, project_dir, "--min-api-headroom", "1")
    assert _checks(report)["API usage"]["ok"]


def test_an_integration_set_that_edits_a_revops_field_fails(
    local_org: RunningOrg, state_file: Path, project_dir: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "project"
    shutil.copytree(project_dir / "force-app", copy / "force-app")
    shutil.copy(project_dir / "sfdx-project.json", copy)
    perm_set = copy / INTEGRATION_SET
    text = perm_set.read_text()
    arr = "<editable>false</editable>\n        <field>Account.ARR__c</field>"
    assert arr in text
    perm_set.write_text(text.replace(arr, arr.replace("false", "true")))
    deployed = tier1(state_file, "deploy", "--org", "local", cwd=copy)
    assert deployed.returncode == 0, deployed.stderr

    code, report = _doctor(state_file, project_dir)
    assert code == 1
    access = _checks(report)["Integration access"]
    assert not access["ok"]
    assert "edits fields it does not own: Account.ARR__c" in access["detail"]
    assert access["fix"] == "tier1 deploy --org local"
    assert _checks(report)["Data model"]["ok"]


def test_a_refused_session_fails_the_login_and_nothing_else_runs(
    local_org: RunningOrg, state_file: Path, project_dir: Path
) -> None:
    state = json.loads(state_file.read_text())
    write_state(state_file, {**state, "access_token": "00D000000000001AAA!not.a.token"})
    code, report = _doctor(state_file, project_dir)
    assert code == 1
    assert [check["name"] for check in report["checks"]] == ["Login"]
    assert "refused the session (HTTP 401)" in report["checks"][0]["detail"]
    assert "not.a.token" not in json.dumps(report)


def test_an_unknown_org_is_a_configuration_error(state_file: Path, project_dir: Path) -> None:
    result = tier1(state_file, "doctor", "--org", "nope", cwd=project_dir)
    assert result.returncode == 2
    assert "No org named 'nope'" in result.stderr


def test_the_integration_user_comes_from_tier1_toml(
    local_org: RunningOrg, state_file: Path, project_dir: Path, tmp_path: Path
) -> None:
    _ready(local_org, state_file, project_dir)
    config = tmp_path / "tier1.toml"
    config.write_text('[orgs.local]\nauth = "local"\nintegration_user = "sync@tier1.local"\n')
    code, report = _doctor(state_file, project_dir, "--config", str(config))
    assert code == 1
    assert report["integration_user"] == "sync@tier1.local"
    permission_sets = _checks(report)["Permission sets"]
    assert permission_sets["detail"] == "the integration user sync@tier1.local is not in the org"
    assert "integration_user" in permission_sets["fix"]
