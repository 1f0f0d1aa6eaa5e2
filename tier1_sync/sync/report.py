"""The run report: JSON for machines, failed_rows.csv for people, a Sync_Run__c in the org."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from tier1_sync.rules.tiering import TierSummary
from tier1_sync.sources.base import RejectedRow
from tier1_sync.sync.apply import ObjectResult, WriteFailure
from tier1_sync.sync.match import Unmatched
from tier1_sync.sync.spool import PlanSpool

Status = Literal["Succeeded", "Partial", "Failed", "Dry Run", "In Sync", "Drift"]
SAMPLE_CHANGES = 10  # field changes shown per object in a dry run
REPORT_FIELD_LIMIT = 131_072


class SampleChange(BaseModel):
    sobject: str
    key: str
    label: str
    action: str
    field: str
    old: Any = None
    new: Any = None


RuleEventKind = Literal[
    "flag raised", "flag cleared", "flag condition back", "signal raised", "override requested"
]


class RuleEvent(BaseModel):
    """Something a rule did (or, in a dry run, would do) to one account."""

    kind: RuleEventKind
    account_id: str
    account: str = ""  # the Account's name
    key: str | None = None  # Flag_Key__c / Signal_Key__c
    detail: str = ""  # the flag's or signal's title, or why


class RunReport(BaseModel):
    run_key: str
    org: str
    source: str
    status: Status
    dry_run: bool = False
    verify_only: bool = False
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    duration_seconds: float = 0.0
    rows_read: int = 0
    rejected: list[RejectedRow] = Field(default_factory=list)
    reject_pct: float = 0.0
    max_reject_pct: float = 5.0
    accounts_matched: int = 0
    unmatched: list[Unmatched] = Field(default_factory=list)
    ambiguous: list[Unmatched] = Field(default_factory=list)
    objects: dict[str, ObjectResult] = Field(default_factory=dict)
    failures: list[WriteFailure] = Field(default_factory=list)
    sample_changes: list[SampleChange] = Field(default_factory=list)
    drift: list[SampleChange] = Field(default_factory=list)
    api_calls: int = 0  # HTTP requests to the Salesforce org
    source_api_calls: int = 0  # HTTP requests to the CS platform
    api_usage: str | None = None
    stopped: str | None = None
    notes: list[str] = Field(default_factory=list)
    tiering: TierSummary | None = None  # what designation did, or why it did not apply
    rule_events: list[RuleEvent] = Field(default_factory=list)

    @property
    def records_written(self) -> int:
        return sum(o.created + o.updated for o in self.objects.values())

    @property
    def records_failed(self) -> int:
        return sum(o.failed for o in self.objects.values())

    @property
    def exit_code(self) -> int:
        return 1 if self.status in {"Failed", "Drift"} else 0


def planned_objects(spool: PlanSpool) -> dict[str, ObjectResult]:
    return {
        name: ObjectResult(
            sobject=name,
            created=spooled.creates,
            updated=spooled.updates,
            unchanged=spooled.unchanged,
        )
        for name, spooled in spool.objects.items()
    }


def sample_changes(spool: PlanSpool, per_object: int = SAMPLE_CHANGES) -> list[SampleChange]:
    return [SampleChange(**change._asdict()) for change in spool.sample_changes(per_object)]


def write_report(report: RunReport, path: Path) -> Path:
    """Write the JSON report and, beside it, failed_rows.csv; return the CSV's path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    failed = path.with_name("failed_rows.csv")
    with failed.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["kind", "file", "line", "object", "key", "field", "error", "message"])
        for row in report.rejected:
            writer.writerow(
                [
                    "rejected input",
                    row.file,
                    row.line or "",
                    "",
                    "",
                    row.field or "",
                    "REJECTED",
                    row.reason,
                ]
            )
        for failure in report.failures:
            writer.writerow(
                [
                    "failed write",
                    "",
                    "",
                    failure.sobject,
                    failure.key,
                    ";".join(failure.fields),
                    failure.error_code,
                    failure.message,
                ]
            )
        for item in report.unmatched + report.ambiguous:
            writer.writerow(
                [
                    "unmatched account",
                    "",
                    "",
                    "Account",
                    item.account_key,
                    "",
                    "UNMATCHED",
                    item.reason,
                ]
            )
    return failed


def summary_json(report: RunReport) -> str:
    """The Sync_Run__c.Report__c text: the report, trimmed to fit the field."""
    data = report.model_dump(mode="json", exclude={"sample_changes", "drift"})
    text = json.dumps(data, separators=(",", ":"))
    if len(text) <= REPORT_FIELD_LIMIT:
        return text
    for key in ("rejected", "failures", "unmatched", "ambiguous", "rule_events"):
        data[key] = data[key][:20]
        data["notes"] = [*data["notes"], f"{key} trimmed to 20 entries for Report__c"]
    if data.get("tiering"):
        data["tiering"]["changes"] = data["tiering"]["changes"][:20]
    return json.dumps(data, separators=(",", ":"))[:REPORT_FIELD_LIMIT]


def sync_run_record(report: RunReport) -> dict[str, Any]:
    def stamp(value: dt.datetime | None) -> str | None:
        return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    return {
        "Source__c": report.source,
        "Started_At__c": stamp(report.started_at),
        "Finished_At__c": stamp(report.finished_at),
        "Status__c": report.status,
        "Accounts_Matched__c": report.accounts_matched,
        "Accounts_Unmatched__c": len(report.unmatched) + len(report.ambiguous),
        "Records_Written__c": report.records_written,
        "Records_Failed__c": report.records_failed,
        "API_Calls__c": report.api_calls,
        "Report__c": summary_json(report),
    }
