"""A Metadata API deploy's result, as checkDeployStatus (SOAP) and deployRequest (REST) show it.

Stored in the org (`_kv` kind "deploy") so a restarted org still answers for old deploys.
`as_fields()` gives the DeployResult fields in the WSDL's element order; the SOAP layer
writes them as XML, the REST layer as JSON.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

PENDING = "Pending"
IN_PROGRESS = "InProgress"
SUCCEEDED = "Succeeded"
FAILED = "Failed"


def metadata_datetime(value: dt.datetime) -> str:
    """Dates as the Metadata API writes them: `2020-10-28T13:37:48.000Z`."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class DeployMessage(BaseModel):
    """One componentSuccess or componentFailure."""

    component_type: str
    full_name: str
    file_name: str
    created_date: str
    success: bool
    changed: bool = False
    created: bool = False
    deleted: bool = False
    problem: str | None = None
    problem_type: str | None = None  # Error, Warning
    line_number: int | None = None
    column_number: int | None = None

    def as_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "changed": self.changed,
            "columnNumber": self.column_number,
            "componentType": self.component_type,
            "created": self.created,
            "createdDate": self.created_date,
            "deleted": self.deleted,
            "fileName": self.file_name,
            "fullName": self.full_name,
            "lineNumber": self.line_number,
            "problem": self.problem,
            "problemType": self.problem_type,
            "success": self.success,
        }
        return {k: v for k, v in fields.items() if v is not None}


class DeployOptions(BaseModel):
    check_only: bool = False
    ignore_warnings: bool = False
    rollback_on_error: bool = True
    single_package: bool = True
    purge_on_delete: bool = False
    test_level: str | None = None

    def as_fields(self) -> dict[str, Any]:
        return {
            "allowMissingFiles": False,
            "autoUpdatePackage": False,
            "checkOnly": self.check_only,
            "ignoreWarnings": self.ignore_warnings,
            "performRetrieve": False,
            "purgeOnDelete": self.purge_on_delete,
            "rollbackOnError": self.rollback_on_error,
            "runTests": [],
            "singlePackage": self.single_package,
            "testLevel": self.test_level,
        }


class DeployResult(BaseModel):
    id: str
    status: str = PENDING
    options: DeployOptions = Field(default_factory=DeployOptions)
    created_by: str
    created_by_name: str
    created_date: str
    start_date: str | None = None
    completed_date: str | None = None
    last_modified_date: str
    components_total: int = 0
    components_deployed: int = 0
    component_errors: int = 0
    error_message: str | None = None
    error_status_code: str | None = None
    state_detail: str | None = None
    successes: list[DeployMessage] = Field(default_factory=list)
    failures: list[DeployMessage] = Field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.status in {SUCCEEDED, FAILED}

    @property
    def success(self) -> bool:
        return self.status == SUCCEEDED

    def as_fields(self, include_details: bool) -> dict[str, Any]:
        """DeployResult in the WSDL's element order; None values are left out."""
        details: dict[str, Any] = {}
        if include_details:
            details["componentFailures"] = [m.as_fields() for m in self.failures]
            details["componentSuccesses"] = [m.as_fields() for m in self.successes]
        details["runTestResult"] = {"numFailures": 0, "numTestsRun": 0, "totalTime": 0.0}
        fields: dict[str, Any] = {
            "checkOnly": self.options.check_only,
            "completedDate": self.completed_date,
            "createdBy": self.created_by,
            "createdByName": self.created_by_name,
            "createdDate": self.created_date,
            "details": details,
            "done": self.done,
            "errorMessage": self.error_message,
            "errorStatusCode": self.error_status_code,
            "id": self.id,
            "ignoreWarnings": self.options.ignore_warnings,
            "lastModifiedDate": self.last_modified_date,
            "numberComponentErrors": self.component_errors,
            "numberComponentsDeployed": self.components_deployed,
            "numberComponentsTotal": self.components_total,
            "numberTestErrors": 0,
            "numberTestsCompleted": 0,
            "numberTestsTotal": 0,
            "rollbackOnError": self.options.rollback_on_error,
            "runTestsEnabled": False,
            "startDate": self.start_date,
            "stateDetail": self.state_detail,
            "status": self.status,
            "success": self.success,
        }
        return {k: v for k, v in fields.items() if v is not None}
