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


def test_dev_org_flow_assigns_every_tier1_permission_set(
    config: dict[str, Any], project_dir: Path
) -> None:
    steps = config["flows"]["tier1_dev_org"]["steps"]
    tasks = [step["task"] for _, step in sorted(steps.items())]
    assert tasks[0] == "deploy"
    assign = config["tasks"][tasks[1]]
    assert assign["class_path"].endswith("AssignPermissionSets")
    names = set(assign["options"]["api_names"].split(","))
    deployed = {
        p.name.split(".")[0] for p in (project_dir / "force-app").rglob("*.permissionset-meta.xml")
    }
    assert names == deployed


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


def _flow_info(folder: Path, flow: str) -> subprocess.CompletedProcess[str]:
    cci = Path(sys.executable).with_name("cci")
    return subprocess.run(
        [str(cci), "flow", "info", flow],
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


def test_every_project_flow_resolves(
    config: dict[str, Any], project_dir: Path, tmp_path: Path
) -> None:
    folder = _cci_project(tmp_path, project_dir)
    assert config["flows"], "the project defines flows"
    for flow in config["flows"]:
        result = _flow_info(folder, flow)
        assert result.returncode == 0, f"cci flow info {flow}:\n{result.stdout}\n{result.stderr}"
        assert "Flow Steps" in result.stdout


def test_flow_info_fails_on_a_bad_class_path(project_dir: Path, tmp_path: Path) -> None:
    yml = (
        (project_dir / "cumulusci.yml")
        .read_text()
        .replace("users.permsets.AssignPermissionSets", "users.permsets.NoSuchTask")
    )
    result = _flow_info(_cci_project(tmp_path, project_dir, yml), "tier1_dev_org")
    assert result.returncode != 0
