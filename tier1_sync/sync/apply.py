"""Write a plan: sObject Collections (200 per call) up to a threshold, Bulk API 2.0 above it.

The writes are read back from the run's spool (sync/spool.py) and sent as they are read
(Bulk 2.0: as CSV files streamed to the upload), so memory holds one batch, not the plan.
Per-record results either way. Records that hit UNABLE_TO_LOCK_ROW are tried again in later
rounds; permanent errors are reported, not retried; the daily API limit stops the run
cleanly (what was written stays written, and a re-run converges: every write is keyed).
Children are sorted by parent Account to limit lock contention (the spool keeps that order).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from tier1_sync.errors import JobFailed
from tier1_sync.salesforce.client import (
    COLLECTION_SIZE,
    BulkResults,
    OrgClient,
)
from tier1_sync.sync.plan import RecordWrite
from tier1_sync.sync.settings import SyncSettings
from tier1_sync.sync.spool import PlanSpool, SpooledObject

LOCKED = "UNABLE_TO_LOCK_ROW"
BULK_NULL = "#N/A"
BULK_FILE_BYTES = 90 * 1024 * 1024  # one job's CSV stays under Bulk API 2.0's 100 MB upload


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


def apply_plan(client: OrgClient, spool: PlanSpool, settings: SyncSettings) -> ApplyResult:
    result = ApplyResult()
    for sobject, spooled in spool.objects.items():
        outcome = ObjectResult(sobject=sobject, unchanged=spooled.unchanged)
        result.objects[sobject] = outcome
        if result.stopped:
            outcome.not_attempted = spooled.writes
            continue
        try:
            if spooled.writes > settings.bulk_threshold:
                outcome.via = "bulk"
                _write_bulk(client, spool, spooled, outcome, result)
            else:
                _write_collections(client, spool, spooled, outcome, result, settings)
        except JobFailed as exc:  # the API limit or budget, or a Bulk job Salesforce failed
            result.stopped = exc.message
            done = outcome.created + outcome.updated + outcome.failed + outcome.not_attempted
            outcome.not_attempted += spooled.writes - done
    return result


def _payload(spooled: SpooledObject, write: RecordWrite) -> dict[str, Any]:
    record: dict[str, Any] = {"attributes": {"type": spooled.sobject}}
    if spooled.key_field == "Id":
        record["id"] = write.key
    else:
        record[spooled.key_field] = write.key
    record.update(write.values)
    return record


def _batches(writes: Iterable[RecordWrite]) -> Iterator[list[RecordWrite]]:
    batch: list[RecordWrite] = []
    for write in writes:
        batch.append(write)
        if len(batch) == COLLECTION_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def _write_collections(
    client: OrgClient,
    spool: PlanSpool,
    spooled: SpooledObject,
    outcome: ObjectResult,
    result: ApplyResult,
    settings: SyncSettings,
) -> None:
    path = "" if spooled.key_field == "Id" else f"{spooled.sobject}/{spooled.key_field}"
    pending: Iterable[RecordWrite] = spool.writes(spooled.sobject)
    for round_number in range(settings.lock_retries + 1):
        locked: list[RecordWrite] = []
        for batch in _batches(pending):
            answers = client.collection("PATCH", [_payload(spooled, w) for w in batch], path)
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
                        sobject=spooled.sobject,
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


def _bulk_files(spool: PlanSpool, spooled: SpooledObject, folder: Path) -> Iterator[Path]:
    """The object's writes as CSV files of at most BULK_FILE_BYTES, one per Bulk job."""
    key_field = spooled.key_field
    columns = [key_field, *sorted(spooled.fields - {key_field})]
    writes = iter(spool.writes(spooled.sobject))
    pending = next(writes, None)
    part = 0
    while pending is not None:
        path = folder / f"{spooled.sobject}-{part}.csv"
        part += 1
        with path.open("w", encoding="utf-8", newline="") as out:
            rows = csv.writer(out, lineterminator="\n")
            rows.writerow(columns)
            while pending is not None and out.tell() < BULK_FILE_BYTES:
                values = pending.values
                rows.writerow(
                    [pending.key]
                    + [_bulk_value(values[c]) if c in values else "" for c in columns[1:]]
                )
                pending = next(writes, None)
        yield path


def _write_bulk(
    client: OrgClient,
    spool: PlanSpool,
    spooled: SpooledObject,
    outcome: ObjectResult,
    result: ApplyResult,
) -> None:
    key_field = spooled.key_field
    failed: list[WriteFailure] = []
    try:
        with tempfile.TemporaryDirectory(prefix="tier1-bulk-") as tmp:
            folder = Path(tmp)
            for upload in _bulk_files(spool, spooled, folder):
                if key_field == "Id":
                    job = client.bulk_ingest(spooled.sobject, "update", upload)
                else:
                    job = client.bulk_ingest(spooled.sobject, "upsert", upload, key_field)
                upload.unlink()
                _bulk_outcome(client, str(job["id"]), key_field, folder, outcome, failed)
    finally:
        result.failures.extend(_labelled(spool, spooled, failed))


def _bulk_outcome(
    client: OrgClient,
    job_id: str,
    key_field: str,
    folder: Path,
    outcome: ObjectResult,
    failed: list[WriteFailure],
) -> None:
    """Count a finished job's rows: created, updated, failed (with why), not processed."""
    for row in _rows(client, job_id, "successfulResults", folder):
        if row.get("sf__Created", "").lower() == "true":
            outcome.created += 1
        else:
            outcome.updated += 1
    for row in _rows(client, job_id, "failedResults", folder):
        code, _, rest = row.get("sf__Error", "").partition(":")
        outcome.failed += 1
        failed.append(
            WriteFailure(
                sobject=outcome.sobject,
                key=row.get(key_field, ""),
                error_code=code or "UNKNOWN_EXCEPTION",
                message=rest.rsplit(":", 1)[0],
            )
        )
    outcome.not_attempted += sum(1 for _ in _rows(client, job_id, "unprocessedrecords", folder))


def _labelled(
    spool: PlanSpool, spooled: SpooledObject, failed: list[WriteFailure]
) -> list[WriteFailure]:
    """The failures with their labels (the CS account key, the flag title): from the spool."""
    if failed:
        labels = {f.key.lower(): "" for f in failed}
        for write in spool.writes(spooled.sobject):
            if write.key.lower() in labels:
                labels[write.key.lower()] = write.label
        for failure in failed:
            failure.label = labels[failure.key.lower()]
    return failed


def _rows(
    client: OrgClient, job_id: str, kind: BulkResults, folder: Path
) -> Iterator[dict[str, str]]:
    """A job's result rows, downloaded to a file and read one by one."""
    path = client.bulk_results(job_id, kind, folder / f"{job_id}-{kind}.csv")
    try:
        with path.open(encoding="utf-8", newline="") as rows:
            yield from csv.DictReader(rows)
    finally:
        path.unlink(missing_ok=True)
