"""Deploy force-app to an org through the Metadata API, after a preflight that refuses to
half-apply: a field that already exists with another type stops the deploy before it starts."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel, Field
from simple_salesforce.exceptions import SalesforceResourceNotFound

from tier1_sync.metadata.source import CustomField, SourceProject, load_source
from tier1_sync.metadata.types import DESCRIBE_TYPES
from tier1_sync.project import source_dir
from tier1_sync.salesforce.connection import Connection
from tier1_sync.salesforce.convert import convert_source

POLL_SECONDS = 1.0
TIMEOUT_SECONDS = 1800.0


class TypeConflict(BaseModel):
    field: str
    in_org: str
    in_force_app: str


class ComponentFailure(BaseModel):
    type: str | None = None
    file: str | None = None
    problem: str | None = None


class DeployResult(BaseModel):
    org: str
    check_only: bool
    status: str  # Succeeded, Failed, Preflight Failed, Canceled, ...
    success: bool
    deploy_id: str | None = None
    components_total: int = 0
    components_deployed: int = 0
    conflicts: list[TypeConflict] = Field(default_factory=list)
    failures: list[ComponentFailure] = Field(default_factory=list)
    seconds: float = 0.0


def _expected_describe_type(field: CustomField) -> str:
    return DESCRIBE_TYPES.get(field.type, field.type.lower())


def preflight(connection: Connection, source: SourceProject) -> list[TypeConflict]:
    """Fields that exist in the org under the same API name with a different type."""
    conflicts: list[TypeConflict] = []
    for obj in source.objects.values():
        try:
            described = cast(dict[str, Any], connection.sf.restful(f"sobjects/{obj.name}/describe"))
        except SalesforceResourceNotFound:
            continue  # a new custom object: nothing to clash with
        in_org = {f["name"].lower(): f for f in described.get("fields", [])}
        for field in obj.fields.values():
            existing = in_org.get(field.name.lower())
            if existing is None:
                continue
            expected = _expected_describe_type(field)
            if field.formula is not None:
                continue  # a formula's describe type is its return type
            if existing["type"] != expected:
                conflicts.append(
                    TypeConflict(
                        field=field.full_name,
                        in_org=f"{existing['type']} ({_size(existing)})",
                        in_force_app=f"{field.type_label()} ({expected})",
                    )
                )
    return conflicts


def _size(described: dict[str, Any]) -> str:
    if described.get("precision"):
        return f"{described['precision']},{described.get('scale', 0)}"
    if described.get("length"):
        return str(described["length"])
    return "-"


def deploy(
    connection: Connection,
    project_dir: Path,
    *,
    check_only: bool = False,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> DeployResult:
    """Preflight, convert, deploy and poll until done; never raises for a failed deploy."""
    started = time.monotonic()
    source = load_source(source_dir(project_dir))
    result = DeployResult(
        org=connection.name, check_only=check_only, status="Preflight", success=False
    )
    result.conflicts = preflight(connection, source)
    if result.conflicts:
        result.status = "Preflight Failed"
        result.seconds = round(time.monotonic() - started, 2)
        return result
    package = convert_source(project_dir / "force-app")
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "tier1-package.zip"
        archive.write_bytes(package.zip_bytes())
        started_deploy = connection.sf.deploy(str(archive), sandbox=False, checkOnly=check_only)
    deploy_id = started_deploy.get("asyncId")
    result.deploy_id = deploy_id
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while True:
        status = connection.sf.checkDeployStatus(str(deploy_id))
        state = str(status.get("state") or "Unknown")
        detail: dict[str, Any] = dict(status.get("deployment_detail") or {})  # type: ignore[arg-type]
        result.components_total = int(detail.get("total_count") or 0)
        result.components_deployed = int(detail.get("deployed_count") or 0)
        if on_progress is not None:
            on_progress(state, result.components_deployed, result.components_total)
        if state in {"Succeeded", "SucceededPartial", "Failed", "Canceled"}:
            break
        if time.monotonic() > deadline:
            state = "Timed Out"
            break
        time.sleep(POLL_SECONDS)
    result.status = state
    result.success = state == "Succeeded"
    result.failures = [
        ComponentFailure(type=e.get("type"), file=e.get("file"), problem=e.get("message"))
        for e in detail.get("errors", [])
    ]
    result.seconds = round(time.monotonic() - started, 2)
    return result
