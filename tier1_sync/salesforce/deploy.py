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


class FailureTable(BaseModel):
    """Why a deploy failed, as rows: the CLI draws it with Rich, CumulusCI logs it as text."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    hint: str | None = None

    def as_text(self) -> str:
        widths = [
            max(len(cell) for cell in column)
            for column in zip(self.columns, *self.rows, strict=True)
        ]
        lines = [self.title]
        for cells in (self.columns, *self.rows):
            lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)


def failure_table(result: DeployResult) -> FailureTable | None:
    """The type conflicts that stopped the preflight, or the components the org refused."""
    if result.success:
        return None
    if result.conflicts:
        return FailureTable(
            title="Fields that exist in the org with another type (nothing deployed)",
            columns=["Field", "In the org", "In force-app"],
            rows=[[c.field, c.in_org, c.in_force_app] for c in result.conflicts],
            hint="Rename our field or retire the org's before deploying.",
        )
    return FailureTable(
        title=f"Deploy {result.status}: {len(result.failures)} component failure(s)",
        columns=["File", "Type", "Problem"],
        rows=[[f.file or "-", f.type or "-", f.problem or "-"] for f in result.failures],
    )


def _expected_describe_type(field: CustomField) -> str:
    return DESCRIBE_TYPES.get(field.type, field.type.lower())


class SchemaDiff(BaseModel):
    """How the org's objects and fields differ from force-app's."""

    missing_objects: list[str] = Field(default_factory=list)
    missing_fields: list[str] = Field(default_factory=list)  # on objects the org has
    conflicts: list[TypeConflict] = Field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not (self.missing_objects or self.missing_fields or self.conflicts)


def compare_schema(connection: Connection, source: SourceProject) -> SchemaDiff:
    """Describe each force-app object in the org: what is missing, what has another type."""
    diff = SchemaDiff()
    for obj in source.objects.values():
        try:
            described = cast(dict[str, Any], connection.sf.restful(f"sobjects/{obj.name}/describe"))
        except SalesforceResourceNotFound:
            diff.missing_objects.append(obj.name)
            continue
        in_org = {f["name"].lower(): f for f in described.get("fields", [])}
        for field in obj.fields.values():
            existing = in_org.get(field.name.lower())
            if existing is None:
                diff.missing_fields.append(field.full_name)
                continue
            expected = _expected_describe_type(field)
            if field.formula is not None:
                continue  # a formula's describe type is its return type
            if existing["type"] != expected:
                diff.conflicts.append(
                    TypeConflict(
                        field=field.full_name,
                        in_org=f"{existing['type']} ({_size(existing)})",
                        in_force_app=f"{field.type_label()} ({expected})",
                    )
                )
    return diff


def preflight(connection: Connection, source: SourceProject) -> list[TypeConflict]:
    """Fields that exist in the org under the same API name with a different type (a new
    object or field has nothing to clash with)."""
    return compare_schema(connection, source).conflicts


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
