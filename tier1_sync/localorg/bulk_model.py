"""Bulk API 2.0 ingest jobs: what a job holds, how Salesforce shows it, how a new one is checked."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from tier1_sync.localorg.errors import SalesforceError
from tier1_sync.localorg.schema import OrgSchema

OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
DELIMITERS = {
    "BACKQUOTE": "`",
    "CARET": "^",
    "COMMA": ",",
    "PIPE": "|",
    "SEMICOLON": ";",
    "TAB": "\t",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
FINAL_STATES = frozenset({"JobComplete", "Failed", "Aborted"})


class IngestJob(BaseModel):
    """One ingest job; persisted as JSON in the store's kv table."""

    id: str
    operation: str
    object: str
    created_by_id: str
    created_date: str
    system_modstamp: str
    api_version: str
    state: str = "Open"
    external_id_field: str | None = None
    line_ending: str = "LF"
    column_delimiter: str = "COMMA"
    uploaded: bool = False
    processed: int = 0
    failed: int = 0
    total_ms: int = 0
    active_ms: int = 0
    error_message: str | None = None

    @property
    def delimiter(self) -> str:
        return DELIMITERS[self.column_delimiter]

    @property
    def newline(self) -> str:
        return LINE_ENDINGS[self.line_ending]

    @property
    def content_url(self) -> str:
        return f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches"

    def _head(self) -> dict[str, Any]:
        head: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": self.created_by_id,
            "createdDate": self.created_date,
            "systemModstamp": self.system_modstamp,
            "state": self.state,
        }
        if self.external_id_field:
            head["externalIdFieldName"] = self.external_id_field
        head.update(
            concurrencyMode="Parallel", contentType="CSV", apiVersion=float(self.api_version)
        )
        return head

    def created_info(self) -> dict[str, Any]:
        """The answer to creating the job."""
        return {
            **self._head(),
            "contentUrl": self.content_url,
            "lineEnding": self.line_ending,
            "columnDelimiter": self.column_delimiter,
        }

    def state_info(self) -> dict[str, Any]:
        """The answer to a state change (UploadComplete, Aborted)."""
        return self._head()

    def list_info(self) -> dict[str, Any]:
        """One entry of `GET /jobs/ingest`."""
        info = {**self._head(), "jobType": "V2Ingest"}
        if self.state == "Open":
            info["contentUrl"] = self.content_url
        info.update(lineEnding=self.line_ending, columnDelimiter=self.column_delimiter)
        return info

    def info(self) -> dict[str, Any]:
        """`GET /jobs/ingest/{id}`: the list entry plus counters and timings."""
        info = {
            **self.list_info(),
            "numberRecordsProcessed": self.processed,
            "numberRecordsFailed": self.failed,
            "retries": 0,
            "totalProcessingTime": self.total_ms,
            "apiActiveProcessingTime": self.active_ms,
            "apexProcessingTime": 0,
        }
        if self.error_message:
            info["errorMessage"] = self.error_message
        return info


def invalid_job(message: str) -> SalesforceError:
    return SalesforceError(400, "INVALIDJOB", f"InvalidJob : {message}")


def invalid_state(message: str) -> SalesforceError:
    return SalesforceError(400, "INVALIDJOBSTATE", f"InvalidJobState : {message}")


def _invalid_value(prop: str, value: object) -> SalesforceError:
    shown = "" if value is None else value
    return SalesforceError(
        400, "API_ERROR", f"Invalid value: '{shown}' supplied for property: '{prop}'"
    )


def check_new_job(schema: OrgSchema, body: Any) -> dict[str, Any]:
    """A create-job body checked as Salesforce checks it; the job's settings."""
    if not isinstance(body, dict):
        raise SalesforceError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    operation = body.get("operation")
    if operation not in OPERATIONS:
        raise _invalid_value("operation", operation)
    content_type = body.get("contentType", "CSV")
    if content_type != "CSV":
        raise _invalid_value("contentType", content_type)
    line_ending = body.get("lineEnding", "LF")
    if line_ending not in LINE_ENDINGS:
        raise _invalid_value("lineEnding", line_ending)
    delimiter = body.get("columnDelimiter", "COMMA")
    if delimiter not in DELIMITERS:
        raise _invalid_value("columnDelimiter", delimiter)
    name = body.get("object")
    obj = schema.find(name) if isinstance(name, str) else None
    if obj is None:
        raise invalid_job(f"Unable to find object: {name or ''}")
    settings: dict[str, Any] = {
        "operation": operation,
        "object": obj.name,
        "line_ending": line_ending,
        "column_delimiter": delimiter,
    }
    if operation == "upsert":
        key_name = body.get("externalIdFieldName")
        if not isinstance(key_name, str) or not key_name.strip():
            raise invalid_job(
                f"External ID was blank for {obj.name}. An External ID must be specified "
                "for upsert."
            )
        key = obj.field(key_name)
        if key is None or not (key.external_id or key.id_lookup):
            raise invalid_job(
                f"Field name provided, {key_name} does not match an External ID for {obj.name}"
            )
        settings["external_id_field"] = key.name
    return settings
