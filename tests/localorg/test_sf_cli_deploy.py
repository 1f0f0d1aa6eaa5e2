"""`sf project deploy start` against the local org, over SOAP (the default) and REST."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceResourceNotFound

from tests.localorg.helpers import rest
from tests.sfcli import sf_or_skip
from tier1_sync.localorg.server import RunningOrg

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _sf(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, dict[str, Any]]:
    binary = shutil.which("sf", path=env["PATH"])
    assert binary is not None
    result = subprocess.run(
        [binary, *args, "--json"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    data: dict[str, Any] = json.loads(result.stdout)
    return result.returncode, data


def _logged_in(org: RunningOrg, tmp_path: Path, rest_deploy: bool) -> dict[str, str]:
    _, env = sf_or_skip()
    env = {
        **env,
        "HOME": str(tmp_path / "home"),
        "NODE_EXTRA_CA_CERTS": str(org.cert),
        "SF_ACCESS_TOKEN": org.token,
    }
    if rest_deploy:
        env["SF_ORG_METADATA_REST_DEPLOY"] = "true"
    code, login = _sf(
        env, PROJECT_DIR, "org", "login", "access-token", "--instance-url", org.url,
        "--alias", "local", "--no-prompt",
    )  # fmt: skip
    assert code == 0, login
    return env


@pytest.mark.parametrize("rest_deploy", [False, True], ids=["soap", "rest"])
def test_cli_deploys_force_app_then_reports_it_unchanged(
    local_org: RunningOrg, tmp_path: Path, rest_deploy: bool
) -> None:
    env = _logged_in(local_org, tmp_path, rest_deploy)
    deploy = ("project", "deploy", "start", "--source-dir", "force-app", "--target-org", "local")
    code, first = _sf(env, PROJECT_DIR, *deploy)
    assert code == 0, first
    assert first["result"]["status"] == "Succeeded"
    states = {(f["type"], f["fullName"]): f["state"] for f in first["result"]["files"]}
    assert states[("CustomField", "Account.Health_Score__c")] == "Created"
    assert set(states.values()) == {"Created"}
    assert rest(local_org.client(), "sobjects/Risk_Flag__c/describe")["custom"] is True

    code, second = _sf(env, PROJECT_DIR, *deploy)
    assert code == 0, second
    assert {f["state"] for f in second["result"]["files"]} == {"Unchanged"}


def test_cli_shows_the_failure_of_a_broken_field(local_org: RunningOrg, tmp_path: Path) -> None:
    env = _logged_in(local_org, tmp_path, rest_deploy=False)
    project = tmp_path / "project"
    shutil.copytree(PROJECT_DIR / "force-app", project / "force-app")
    shutil.copy(PROJECT_DIR / "sfdx-project.json", project)
    field = (
        project / "force-app/main/default/objects/Risk_Flag__c/fields/Raised_On__c.field-meta.xml"
    )
    field.write_text(field.read_text().replace("<type>Date</type>", "<type>Numbr</type>"))

    code, result = _sf(
        env, project, "project", "deploy", "start", "--source-dir", "force-app",
        "--target-org", "local",
    )  # fmt: skip

    assert code == 1, result
    failed = {f["fullName"]: f for f in result["result"]["files"] if f["state"] == "Failed"}
    broken = failed["Risk_Flag__c.Raised_On__c"]
    assert Path(broken["filePath"]) == field  # the CLI maps the failure back to the source file
    assert "Numbr" in broken["error"]
    with pytest.raises(SalesforceResourceNotFound):
        rest(local_org.client(), "sobjects/Risk_Flag__c/describe")
