"""Write a plan: sObject Collections (200 per call) up to a threshold, Bulk API 2.0 above it.

Per-record results either way. Records that hit UNABLE_TO_LOCK_ROW are tried again in later
rounds; permanent errors are reported, not retried; the daily API limit stops the run
cleanly (what was written stays written, and a re-run converges: every write is keyed).
Children are sorted by parent Account to limit lock contention.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from pydantic import BaseModel, Field
from simple_salesforce.bulk2 import SFBulk2Type

from tier1_sync.salesforce.client import COLLECTION_SIZE, ApiLimitReached, OrgClient
from tier1_sync.sync.plan import ObjectPlan, RecordWrite, SyncPlan
from tier1_sync.sync.settings import SyncSettings

LOCKED = "UNABLE_TO_LOCK_ROW"
BULK_NULL = "#N/A"


class WriteFailure(BaseModel):
    sobject: str
    key: str
    label: str = ""
    error_code: str
    message: str
    fields: list[str] = Field(default_factory=list)


class ObjectResult(BaseModel):
    sobject: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    not_attempted: int = 0
    via: str = "collections"


class ApplyResult(BaseModel):
    objects: dict[str, ObjectResult] = Field(default_factory=dict)
    failures: list[WriteFailure] = Field(default_factory=list)
    stopped: str | None = None  # why the run stopped early (API limit), if it did

    @property
    def records_written(self) -> int:
        return sum(r.created + r.updated for r in self.objects.values())

    @property
    def records_failed(self) -> int:
        return sum(r.failed for r in self.objects.values())


def apply_plan(client: OrgClient, plan: SyncPlan, settings: SyncSettings) -> ApplyResult:
    result = ApplyResult()
    for sobject, object_plan in plan.objects.items():
        outcome = ObjectResult(sobject=sobject, unchanged=object_plan.unchanged)
        result.objects[sobject] = outcome
        if result.stopped:
            outcome.not_attempted = len(object_plan.writes)
            continue
        writes = sorted(object_plan.writes, key=lambda w: (w.parent_id or "", w.key))
        try:
            if len(writes) > settings.bulk_threshold:
                outcome.via = "bulk"
                _write_bulk(client, object_plan, writes, outcome, result)
            else:
                _write_collections(client, object_plan, writes, outcome, result, settings)
        except ApiLimitReached as exc:
            result.stopped = exc.message
            done = outcome.created + outcome.updated + outcome.failed
            outcome.not_attempted = len(writes) - done
    return result


def _payload(object_plan: ObjectPlan, write: RecordWrite) -> dict[str, Any]:
    record: dict[str, Any] = {"attributes": {"type": object_plan.sobject}}
    if object_plan.key_field == "Id":
        record["id"] = write.key
    else:
        record[object_plan.key_field] = write.key
    record.update(write.values)
    return record


def _write_collections(
    client: OrgClient,
    object_plan: ObjectPlan,
    writes: list[RecordWrite],
    outcome: ObjectResult,
    result: ApplyResult,
    settings: SyncSettings,
) -> None:
    path = "" if object_plan.key_field == "Id" else f"{object_plan.sobject}/{object_plan.key_field}"
    pending = writes
    for round_number in range(settings.lock_retries + 1):
        locked: list[RecordWrite] = []
        for start in range(0, len(pending), COLLECTION_SIZE):
            batch = pending[start : start + COLLECTION_SIZE]
            answers = client.collection("PATCH", [_payload(object_plan, w) for w in batch], path)
            for write, answer in zip(batch, answers, strict=True):
                if answer.get("success"):
                    created = bool(answer.get("created", write.action == "create"))
                    if created:
                        outcome.created += 1
                    else:
                        outcome.updated += 1
                    continue
                error = (answer.get("errors") or [{}])[0]
                code = str(error.get("statusCode", "UNKNOWN_EXCEPTION"))
                if code == LOCKED and round_number < settings.lock_retries:
                    locked.append(write)
                    continue
                outcome.failed += 1
                result.failures.append(
                    WriteFailure(
                        sobject=object_plan.sobject,
                        key=write.key,
                        label=write.label,
                        error_code=code,
                        message=str(error.get("message", "")),
                        fields=list(error.get("fields") or []),
                    )
                )
        if not locked:
            return
        client.retry.sleep(client.retry.delay(round_number))
        pending = locked


def _bulk_value(value: Any) -> str:
    if value is None:
        return BULK_NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _write_bulk(
    client: OrgClient,
    object_plan: ObjectPlan,
    writes: list[RecordWrite],
    outcome: ObjectResult,
    result: ApplyResult,
) -> None:
    key_field = object_plan.key_field
    columns = [key_field, *sorted({f for w in writes for f in w.values if f != key_field})]
    rows = [
        {
            column: (
                w.key
                if column == key_field
                else _bulk_value(w.values[column])
                if column in w.values
                else ""
            )
            for column in columns
        }
        for w in writes
    ]
    sf = client.sf
    bulk = SFBulk2Type(object_plan.sobject, sf.bulk2_url, sf.headers, sf.session)
    if key_field == "Id":
        jobs = bulk.update(records=rows)
    else:
        jobs = bulk.upsert(records=rows, external_id_field=key_field)
    by_key = {w.key.lower(): w for w in writes}
    for job in jobs:
        job_id = str(job["job_id"])
        for row in csv.DictReader(io.StringIO(bulk.get_successful_records(job_id))):
            if row.get("sf__Created", "").lower() == "true":
                outcome.created += 1
            else:
                outcome.updated += 1
        for row in csv.DictReader(io.StringIO(bulk.get_failed_records(job_id))):
            code, _, rest = row.get("sf__Error", "").partition(":")
            write = by_key.get(row.get(key_field, "").lower())
            outcome.failed += 1
            result.failures.append(
                WriteFailure(
                    sobject=object_plan.sobject,
                    key=row.get(key_field, ""),
                    label=write.label if write else "",
                    error_code=code or "UNKNOWN_EXCEPTION",
                    message=rest.rsplit(":", 1)[0],
                )
            )
        unprocessed = list(csv.DictReader(io.StringIO(bulk.get_unprocessed_records(job_id))))
        outcome.not_attempted += len(unprocessed)
