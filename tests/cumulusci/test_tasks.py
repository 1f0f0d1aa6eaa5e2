"""The tier1 CumulusCI tasks, built with CumulusCI's `create_task`, against the local org."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from simple_salesforce.format import format_soql

pytest.importorskip("cumulusci", reason="install the extra: pip install tier1-sync[cci]")

from cumulusci.core.config import BaseProjectConfig, UniversalConfig
from cumulusci.core.exceptions import (
    CumulusCIFailure,
    CumulusCIUsageError,
    DeploymentException,
    TaskOptionsError,
)
from cumulusci.core.flowrunner import FlowCoordinator
from cumulusci.core.keychain import BaseProjectKeychain
from cumulusci.core.utils import merge_config
from cumulusci.tasks.salesforce import BaseSalesforceApiTask
from cumulusci.tasks.salesforce.tests.util import create_task
from cumulusci.tests.util import DummyKeychain, DummyOrgConfig

from tests.localorg.helpers import collection, query
from tier1_sync.cumulusci.tasks import (
    Tier1AssignRoles,
    Tier1Deploy,
    Tier1SyncRun,
    Tier1Tier,
    task_options_from,
)
from tier1_sync.localorg.server import RunningOrg

pytestmark = pytest.mark.cci

ADMIN = "admin@tier1.local"
Make = Callable[..., Any]


@pytest.fixture
def project_config(project_dir: Path) -> Any:
    """Our cumulusci.yml over CumulusCI's own, rooted at this checkout."""
    universal = UniversalConfig()
    ours = yaml.safe_load((project_dir / "cumulusci.yml").read_text())
    config = merge_config({"universal_config": universal.config, "project_config": ours})
    repo = {
        "root": str(project_dir),
        "owner": "tier1",
        "name": "tier1-sync",
        "url": "https://github.com/tier1/tier1-sync",
        "commit": "0" * 40,
        "branch": "main",
    }
    project = BaseProjectConfig(universal, config, repo_info=repo)
    project.set_keychain(BaseProjectKeychain(project, None))
    return project


@pytest.fixture
def org_config(local_org: RunningOrg) -> Any:
    """The local org as CumulusCI sees an org: instance URL, access token, username."""
    return DummyOrgConfig(
        {
            "instance_url": local_org.url,
            "access_token": local_org.token,
            "username": ADMIN,
            "id": f"{local_org.url}/id/00D000000000001AAA/005000000000001AAA",
        },
        "local",
        keychain=DummyKeychain(),
    )


@pytest.fixture
def trust_local_org(local_org: RunningOrg, monkeypatch: pytest.MonkeyPatch) -> None:
    """CumulusCI's simple-salesforce clients trust the local org's certificate (only)."""
    original = BaseSalesforceApiTask._init_api

    def init_api(self: Any, base_url: str | None = None) -> Any:
        sf = original(self, base_url)
        sf.session.verify = str(local_org.cert)
        sf.session.trust_env = False  # else REQUESTS_CA_BUNDLE overrides verify
        return sf

    monkeypatch.setattr(BaseSalesforceApiTask, "_init_api", init_api)


@pytest.fixture
def make(project_config: Any, org_config: Any, trust_local_org: None) -> Make:
    """`make(TaskClass, **options)`: CumulusCI's create_task, with the local org as the org."""

    def build(task_class: type, **options: Any) -> Any:
        return create_task(task_class, options, project_config, org_config)

    return build


def _custom_objects(local_org: RunningOrg) -> set[str]:
    return {o.name for o in local_org.org.store.schema.all() if o.custom}


def _assigned(local_org: RunningOrg, username: str) -> set[str]:
    soql = format_soql(
        "SELECT PermissionSet.Name FROM PermissionSetAssignment WHERE Assignee.Username = {}",
        username,
    )
    rows = query(local_org.client(), soql)["records"]
    return {row["PermissionSet"]["Name"] for row in rows}


def test_deploy_puts_the_model_in_the_org(make: Make, local_org: RunningOrg) -> None:
    assert local_org.org.store.schema.find("Risk_Flag__c") is None
    task = make(Tier1Deploy)
    task()
    assert local_org.org.store.schema.find("Risk_Flag__c") is not None
    assert {"Health_Snapshot__c", "Open_Item__c", "Sync_Run__c"} <= _custom_objects(local_org)
    assert task.return_values["success"] is True
    assert task.return_values["check_only"] is False
    assert task.return_values["components_deployed"] == task.return_values["components_total"]
    assert task.connection.name == "local"
    assert task.connection.instance_url == local_org.url


def test_check_only_changes_nothing(make: Make, local_org: RunningOrg) -> None:
    task = make(Tier1Deploy, check_only="True")
    task()
    assert task.return_values["success"] is True
    assert task.return_values["check_only"] is True
    assert local_org.org.store.schema.find("Risk_Flag__c") is None


def test_a_broken_file_raises_a_deployment_exception_with_the_failure_table(
    make: Make, local_org: RunningOrg, project_dir: Path, tmp_path: Path
) -> None:
    import shutil

    copy = tmp_path / "project"
    shutil.copytree(project_dir / "force-app", copy / "force-app")
    shutil.copy(project_dir / "sfdx-project.json", copy)
    field = copy / "force-app/main/default/objects/Risk_Flag__c/fields/Category__c.field-meta.xml"
    field.write_text(field.read_text().replace("<type>Picklist</type>", "<type>Pickleist</type>"))
    with pytest.raises(DeploymentException) as raised:
        make(Tier1Deploy, project_dir=str(copy))()
    message = str(raised.value)
    assert "component failure(s)" in message
    assert "File" in message.splitlines()[1]
    assert "Pickleist" in message
    assert local_org.org.store.schema.find("Risk_Flag__c") is None


def test_a_project_dir_without_force_app_is_a_usage_error(make: Make, tmp_path: Path) -> None:
    with pytest.raises(CumulusCIUsageError, match="does not exist"):
        make(Tier1Deploy, project_dir=str(tmp_path))()


def test_assign_roles_to_the_running_user(make: Make, local_org: RunningOrg) -> None:
    make(Tier1Deploy)()
    task = make(Tier1AssignRoles, roles="ae, cs-lead")
    task()
    assert _assigned(local_org, ADMIN) >= {"Tier1_AE", "Tier1_CS_Lead"}
    assert "Tier1_CSM" not in _assigned(local_org, ADMIN)
    assert [a["created"] for a in task.return_values["assignments"]] == [True, True]
    again = make(Tier1AssignRoles, roles=["ae"], users=[ADMIN])
    again()
    assert again.return_values["assignments"] == [
        {"username": ADMIN, "permission_set": "Tier1_AE", "created": False}
    ]


def test_assign_all_roles_as_the_dev_org_flow_does(
    make: Make, local_org: RunningOrg, project_config: Any
) -> None:
    make(Tier1Deploy)()
    step = project_config.flows["tier1_dev_org"]["steps"][2]
    make(Tier1AssignRoles, **step["options"])()
    assert _assigned(local_org, ADMIN) >= {
        "Tier1_AE",
        "Tier1_CSM",
        "Tier1_CS_Lead",
        "Tier1_RevOps",
        "Tier1_Integration",
    }


def test_an_unknown_user_is_a_usage_error(make: Make) -> None:
    make(Tier1Deploy)()
    with pytest.raises(CumulusCIUsageError, match=r"No user with username nobody@example\.com"):
        make(Tier1AssignRoles, roles="csm", users="nobody@example.com")()


@pytest.mark.parametrize(
    ("task_class", "options", "problem"),
    [
        (Tier1Deploy, {"check_only": "perhaps"}, "check_only"),
        (Tier1Deploy, {"checkonly": "True"}, "checkonly"),
        (Tier1AssignRoles, {"roles": "ae,sales"}, "roles"),
        (Tier1AssignRoles, {"roles": ""}, "roles"),
        (Tier1AssignRoles, {}, "roles"),
    ],
)
def test_a_bad_option_is_a_task_options_error(
    make: Make, task_class: type, options: dict[str, Any], problem: str
) -> None:
    with pytest.raises(TaskOptionsError, match=problem):
        make(task_class, **options)


def test_options_are_parsed_the_cumulusci_way(make: Make) -> None:
    assert make(Tier1Deploy, check_only="yes").parsed.check_only is True
    assert make(Tier1Deploy, check_only=0).parsed.check_only is False
    roles = make(Tier1AssignRoles, roles="revops, integration").parsed.roles
    assert [str(role) for role in roles] == ["revops", "integration"]


def test_task_options_are_documented_from_the_options_model() -> None:
    for task_class in (Tier1Deploy, Tier1AssignRoles):
        assert task_class.task_options == task_options_from(task_class.options_model)
        assert all(option["description"] for option in task_class.task_options.values())
    assert Tier1AssignRoles.task_options["roles"]["required"] is True
    assert Tier1Deploy.task_options["check_only"] == {
        "description": "Validate the deploy in the org without saving anything.",
        "required": False,
        "default": False,
    }


def test_the_dev_org_flow_deploys_assigns_and_loads_the_portfolio(
    project_config: Any,
    org_config: Any,
    trust_local_org: None,
    local_org: RunningOrg,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # CumulusCI's data loader also calls the org through org_config's own client.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(local_org.cert))
    flow = FlowCoordinator(project_config, project_config.get_flow("tier1_dev_org"))
    flow.run(org_config)
    assert [r.task_name for r in flow.results] == [
        "tier1_deploy",
        "tier1_assign_roles",
        "load_portfolio",
    ]
    assert local_org.org.store.schema.find("Risk_Flag__c") is not None
    assert len(_assigned(local_org, ADMIN)) == 5
    sf = local_org.client()
    assert query(sf, "SELECT COUNT() FROM Account")["totalSize"] == 50
    champions = (
        "SELECT COUNT() FROM Stakeholder__c WHERE Role__c = 'Champion' AND Is_Current__c = true"
    )
    assert query(sf, champions)["totalSize"] == 50
    # The loaded children count in the roll-ups, so they hang off the right accounts.
    open_items = query(sf, "SELECT COUNT() FROM Open_Item__c WHERE Status__c = 'Open'")
    rolled_up = query(sf, "SELECT SUM(Open_Items__c) total FROM Account")["records"][0]
    assert rolled_up["total"] == open_items["totalSize"] > 0
    tasks = query(sf, "SELECT COUNT() FROM Task WHERE ActivityDate = LAST_N_DAYS:60")
    assert tasks["totalSize"] >= 150


def test_sync_run_task_runs_the_same_job_as_the_cli(
    make: Make, local_org: RunningOrg, project_dir: Path, tmp_path: Path
) -> None:
    make(Tier1Deploy)()
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
    report = tmp_path / "run.json"
    task = make(
        Tier1SyncRun, source="file", path=str(project_dir / "samples/cs-export"), report=str(report)
    )
    task()
    assert task.return_values["status"] == "Succeeded"
    assert task.return_values["accounts_matched"] == 50
    assert report.is_file()
    dry = make(
        Tier1SyncRun, source="file", path=str(project_dir / "samples/cs-export"), dry_run="True"
    )
    dry()
    assert dry.return_values["status"] == "Dry Run"
    written = sum(o["created"] + o["updated"] for o in dry.return_values["objects"].values())
    assert written == 0


def test_sync_run_task_fails_like_the_cli_on_bad_input(
    make: Make, local_org: RunningOrg, project_dir: Path
) -> None:
    make(Tier1Deploy)()
    task = make(Tier1SyncRun, source="file", path=str(project_dir / "samples/cs-export-bad"))
    with pytest.raises(CumulusCIFailure, match="The sync ended Failed"):
        task()


def test_tier_task_designates_like_the_cli(make: Make, local_org: RunningOrg) -> None:
    make(Tier1Deploy)()
    collection(
        local_org.client(),
        "POST",
        {
            "records": [
                {"attributes": {"type": "Account"}, "Name": f"Customer {n}", "ARR__c": n * 1000}
                for n in range(1, 11)
            ]
        },
    )
    dry = make(Tier1Tier, dry_run="True")
    dry()
    assert dry.return_values["status"] == "Dry Run"
    changes = dry.return_values["tiering"]["changes"]
    entering = {c["name"] for c in changes if c["change"] == "enters"}
    assert entering == {"Customer 10", "Customer 9"}
    applied = make(Tier1Tier)
    applied()
    tier1 = query(local_org.client(), "SELECT Name FROM Account WHERE Tier1__c = true")
    assert {r["Name"] for r in tier1["records"]} == {"Customer 10", "Customer 9"}
