"""cumulusci.yml is valid for CumulusCI and every flow resolves (needs tier1-sync[cci])."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

cumulusci = pytest.importorskip(
    "cumulusci", reason="install the extra: pip install tier1-sync[cci]"
)
pytestmark = pytest.mark.cci


@pytest.fixture(scope="module")
def config(project_dir: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((project_dir / "cumulusci.yml").read_text())
    return loaded


def _schema_errors(document: dict[str, Any]) -> list[str]:
    import jsonschema

    schema_text = resources.files("cumulusci").joinpath("schema/cumulusci.jsonschema.json")
    validator = jsonschema.Draft7Validator(json.loads(schema_text.read_text()))
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_cumulusci_yml_matches_the_schema_cumulusci_ships(config: dict[str, Any]) -> None:
    assert _schema_errors(config) == []


def test_schema_check_can_fail(config: dict[str, Any]) -> None:
    broken = {**config, "flowz": {}}
    assert _schema_errors(broken)


def test_project_settings(config: dict[str, Any]) -> None:
    assert list(config)[1:6] == ["project", "sources", "tasks", "flows", "orgs"]
    assert config["project"]["source_format"] == "sfdx"
    assert config["project"]["package"]["api_version"] == "63.0"
    assert config["tasks"]["deploy"]["options"]["path"] == "force-app"


def _steps(config: dict[str, Any], flow: str) -> list[dict[str, Any]]:
    return [step for _, step in sorted(config["flows"][flow]["steps"].items())]


def test_the_tier1_tasks_run_our_code(config: dict[str, Any]) -> None:
    tasks = config["tasks"]
    assert tasks["tier1_deploy"]["class_path"] == "tier1_sync.cumulusci.tasks.Tier1Deploy"
    assert (
        tasks["tier1_assign_roles"]["class_path"] == "tier1_sync.cumulusci.tasks.Tier1AssignRoles"
    )
    assert [s["task"] for s in _steps(config, "tier1_deploy")] == ["tier1_deploy"]


def test_dev_org_flow_deploys_assigns_every_role_then_loads_the_portfolio(
    config: dict[str, Any], project_dir: Path
) -> None:
    from tier1_sync.salesforce.assign import PERMISSION_SETS, RoleName

    deploy, assign, load = _steps(config, "tier1_dev_org")
    assert deploy == {"flow": "tier1_deploy"}
    assert assign["task"] == "tier1_assign_roles"
    roles = assign["options"]["roles"]
    named = list(RoleName) if roles == "all" else [RoleName(r) for r in roles.split(",")]
    deployed = {
        p.name.split(".")[0] for p in (project_dir / "force-app").rglob("*.permissionset-meta.xml")
    }
    assert {PERMISSION_SETS[role] for role in named} == deployed
    assert load["task"] == "load_portfolio"
    options = config["tasks"]["load_portfolio"]["options"]
    assert (project_dir / options["generator_yaml"]).is_file()
    assert options["num_records_tablename"] == "Account"


def test_cumulusci_yml_stays_short(project_dir: Path) -> None:
    assert len((project_dir / "cumulusci.yml").read_text().splitlines()) < 150


def _cci_project(tmp_path: Path, project_dir: Path, yml: str | None = None) -> Path:
    """A throwaway git repo holding our cumulusci.yml (cci insists on a git repo)."""
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "cumulusci.yml").write_text(yml or (project_dir / "cumulusci.yml").read_text())
    shutil.copytree(project_dir / "orgs", folder / "orgs")
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
    home = tmp_path / "home" / ".cumulusci"
    home.mkdir(parents=True)
    # Stop cci's once-an-hour check of PyPI for a newer version.
    (home / "cumulus_timestamp").write_text(str(time.time()))
    return folder


def _cci(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cci = Path(sys.executable).with_name("cci")
    return subprocess.run(
        [str(cci), *args],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={
            "HOME": str(folder.parent / "home"),
            "PATH": "/usr/bin:/bin",
            "CUMULUSCI_KEY": "tier1synclocal16",
        },
    )


def _flow_info(folder: Path, flow: str) -> subprocess.CompletedProcess[str]:
    return _cci(folder, "flow", "info", flow)


def test_every_project_flow_resolves(
    config: dict[str, Any], project_dir: Path, tmp_path: Path
) -> None:
    folder = _cci_project(tmp_path, project_dir)
    assert config["flows"], "the project defines flows"
    for flow in config["flows"]:
        result = _flow_info(folder, flow)
        assert result.returncode == 0, f"cci flow info {flow}:\n{result.stdout}\n{result.stderr}"
        assert "Flow Steps" in result.stdout
        for step in _steps(config, flow):
            assert str(step.get("task") or step["flow"]) in result.stdout


def test_dev_org_flow_shows_the_nested_deploy_flow(project_dir: Path, tmp_path: Path) -> None:
    result = _flow_info(_cci_project(tmp_path, project_dir), "tier1_dev_org")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    order = [
        next(i for i, line in enumerate(lines) if name in line)
        for name in ("tier1_deploy", "tier1_assign_roles", "load_portfolio")
    ]
    assert order == sorted(order)


def test_task_info_documents_the_options_of_our_tasks(project_dir: Path, tmp_path: Path) -> None:
    folder = _cci_project(tmp_path, project_dir)
    assign = _cci(folder, "task", "info", "tier1_assign_roles")
    assert assign.returncode == 0, assign.stderr
    assert "--roles" in assign.stdout
    assert "cs-lead" in assign.stdout
    assert "Required" in assign.stdout
    deploy = _cci(folder, "task", "info", "tier1_deploy")
    assert deploy.returncode == 0, deploy.stderr
    assert "--check_only" in deploy.stdout


def test_flow_info_fails_on_a_bad_class_path(project_dir: Path, tmp_path: Path) -> None:
    yml = (
        (project_dir / "cumulusci.yml")
        .read_text()
        .replace("tasks.Tier1AssignRoles", "tasks.NoSuchTask")
    )
    assert yml != (project_dir / "cumulusci.yml").read_text()
    result = _flow_info(_cci_project(tmp_path, project_dir, yml), "tier1_dev_org")
    assert result.returncode != 0
