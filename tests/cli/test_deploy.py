"""`tier1 deploy` and `tier1 assign` against the local org, through `--org local`."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from simple_salesforce.format import format_soql

from tests.cli.helpers import tier1
from tests.localorg.helpers import create, query
from tier1_sync.localorg.server import RunningOrg
from tier1_sync.metadata.source import CustomField


def _objects(local_org: RunningOrg) -> set[str]:
    return {o.name for o in local_org.org.store.schema.all()}


def test_deploy_then_the_model_is_in_the_org(
    local_org: RunningOrg, state_file: Path, project_dir: Path
) -> None:
    result = tier1(state_file, "deploy", "--org", "local", "--json", cwd=project_dir)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["success"] is True
    assert report["components_deployed"] == report["components_total"] > 100
    assert {"Risk_Flag__c", "Health_Snapshot__c", "Sync_Run__c"} <= _objects(local_org)
    names = {
        r["Name"] for r in query(local_org.client(), "SELECT Name FROM PermissionSet")["records"]
    }
    assert {"Tier1_AE", "Tier1_Integration"} <= names


def test_a_second_deploy_succeeds_as_a_no_op(
    local_org: RunningOrg, state_file: Path, project_dir: Path
) -> None:
    assert tier1(state_file, "deploy", "--org", "local", cwd=project_dir).returncode == 0
    sf = local_org.client()
    account = create(sf, "Account", {"Name": "Keeps its data", "ARR__c": 120000})
    again = tier1(state_file, "deploy", "--org", "local", "--json", cwd=project_dir)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["success"] is True
    soql = format_soql("SELECT ARR__c FROM Account WHERE Id = {}", account)
    assert query(sf, soql)["records"][0]["ARR__c"] == 120000


def test_check_only_changes_nothing(
    local_org: RunningOrg, state_file: Path, project_dir: Path
) -> None:
    result = tier1(state_file, "deploy", "--org", "local", "--check-only", cwd=project_dir)
    assert result.returncode == 0, result.stderr
    assert "Validated" in result.stdout
    assert "Risk_Flag__c" not in _objects(local_org)


def test_a_field_with_another_type_stops_the_deploy_before_it_starts(
    local_org: RunningOrg, state_file: Path, project_dir: Path
) -> None:
    local_org.org.add_field(
        CustomField(
            object="Account", name="Health_Score__c", label="Health", type="Text", length=20
        )
    )
    result = tier1(state_file, "deploy", "--org", "local", cwd=project_dir)
    assert result.returncode == 1
    assert "Account.Health_Score__c" in result.stderr
    assert "string (20)" in result.stderr
    assert "Number(3,0) (double)" in result.stderr
    assert "Risk_Flag__c" not in _objects(local_org), "nothing may be half-applied"


def test_a_broken_file_fails_with_a_table_of_component_failures(
    local_org: RunningOrg, state_file: Path, project_dir: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "project"
    shutil.copytree(project_dir / "force-app", copy / "force-app")
    shutil.copy(project_dir / "sfdx-project.json", copy)
    field = copy / "force-app/main/default/objects/Risk_Flag__c/fields/Category__c.field-meta.xml"
    field.write_text(field.read_text().replace("<type>Picklist</type>", "<type>Pickleist</type>"))
    result = tier1(state_file, "deploy", "--org", "local", cwd=copy)
    assert result.returncode == 1
    assert "component failure" in result.stderr
    assert "Pickleist" in result.stderr
    assert "Risk_Flag__c" not in _objects(local_org)


def test_assign_a_role(local_org: RunningOrg, state_file: Path, project_dir: Path) -> None:
    assert tier1(state_file, "deploy", "--org", "local", cwd=project_dir).returncode == 0

    def assign(user: str, role: str) -> subprocess.CompletedProcess[str]:
        command = ("assign", "--org", "local", "--user", user, "--role", role)
        return tier1(state_file, *command, cwd=project_dir)

    first = assign("admin@tier1.local", "cs-lead")
    assert first.returncode == 0, first.stderr
    assert "Assigned Tier1_CS_Lead" in first.stdout
    again = assign("admin@tier1.local", "cs-lead")
    assert "already has" in again.stdout
    unknown = assign("nobody@x.com", "ae")
    assert unknown.returncode == 2
    assert "No user with username nobody@x.com" in unknown.stderr
