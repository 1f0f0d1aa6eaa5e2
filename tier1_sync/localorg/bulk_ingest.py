"""Running one Bulk API 2.0 ingest job: CSV rows through the store, results into CSV files.

Rows are read from the uploaded file as they are processed (never the whole file in memory),
written in transactions of 10,000 rows and checked in chunks of 200 as Salesforce's DML does.
Every row goes through the same store methods as the REST API, so each validation, security
check, duplicate and lock fault applies to it alone; a failing row never stops the others.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tier1_sync.localorg.bulk_csv import JobPaths, ResultFiles, RowResult, Rows, open_data, take
from tier1_sync.localorg.bulk_model import IngestJob
from tier1_sync.localorg.errors import SalesforceError
from tier1_sync.localorg.ids import looks_like_id, to_18
from tier1_sync.localorg.schema import FieldDef, OrgSchema, SObjectDef
from tier1_sync.localorg.store import MultipleMatches, Store, UserContext

TRANSACTION_ROWS = 10_000
DML_CHUNK = 200
NULL_VALUE = "#N/A"


class JobFailed(Exception):
    """The whole job fails (bad header, unreadable CSV); the message becomes errorMessage."""


@dataclass(frozen=True)
class Column:
    """One CSV column: a field of the job's object, or `Relationship.IndexedField`."""

    index: int
    field: FieldDef
    parent: SObjectDef | None = None
    parent_key: FieldDef | None = None


def error_text(error: SalesforceError) -> str:
    """sf__Error as Salesforce writes it: `CODE:message:Field1 Field2 --`."""
    fields = "".join(f"{name} " for name in error.fields or [])
    return f"{error.error_code}:{error.message}:{fields}--"


def not_found(column: str) -> JobFailed:
    return JobFailed(f"InvalidBatch : Field name not found : {column}")


def compile_header(schema: OrgSchema, obj: SObjectDef, header: list[str]) -> list[Column]:
    columns: list[Column] = []
    for index, name in enumerate(header):
        field_def = obj.field(name)
        columns.append(
            Column(index, field_def)
            if field_def is not None
            else _relationship_column(schema, obj, index, name)
        )
    return columns


def _relationship_column(schema: OrgSchema, obj: SObjectDef, index: int, name: str) -> Column:
    type_name, _, path = name.rpartition(":")
    relationship, dot, key_name = path.partition(".")
    if not dot or "." in key_name:
        raise not_found(name)
    field_def = next(
        (
            f
            for f in obj.fields.values()
            if f.type == "reference" and (f.relationship_name or "").lower() == relationship.lower()
        ),
        None,
    )
    if field_def is None:
        raise not_found(name)
    targets = [t.lower() for t in field_def.reference_to]
    if type_name:
        parent = schema.find(type_name) if type_name.lower() in targets else None
    else:
        parent = schema.find(field_def.reference_to[0]) if len(targets) == 1 else None
    parent_key = parent.field(key_name) if parent is not None else None
    if parent is None or parent_key is None or not (parent_key.external_id or parent_key.id_lookup):
        raise not_found(name)
    return Column(index, field_def, parent, parent_key)


class RowWriter:
    """Applies the job's operation to one row at a time as the job's owner."""

    def __init__(
        self, store: Store, ctx: UserContext, job: IngestJob, obj: SObjectDef, header: list[str]
    ) -> None:
        self.store = store
        self.ctx = ctx
        self.job = job
        self.obj = obj
        self.width = len(header)
        self.columns = compile_header(store.schema, obj, header)
        self.key = obj.require_field(job.external_id_field) if job.external_id_field else None
        wanted = self.key.name if self.key and self.key.type != "id" else None
        self.key_index = next(
            (c.index for c in self.columns if c.parent is None and c.field.name == wanted), None
        )
        self.id_index = next(
            (c.index for c in self.columns if c.parent is None and c.field.type == "id"), None
        )

    def chunk(self, rows: list[list[str]]) -> list[RowResult]:
        """One DML chunk: every row's outcome, in order."""
        repeated = self._repeated_keys(rows)
        results: list[RowResult] = []
        for cells in rows:
            try:
                if repeated and self._key_of(cells) in repeated:
                    raise SalesforceError(
                        400,
                        "DUPLICATE_EXTERNAL_ID",
                        f"Duplicate external id specified: {cells[self.key_index or 0]}",
                        [self.key.name if self.key else ""],
                    )
                results.append(self.apply(cells))
            except MultipleMatches as exc:
                message = f"Foreign key external ID matched several records: {', '.join(exc.ids)}"
                error = SalesforceError(300, "DUPLICATE_EXTERNAL_ID", message, [])
                results.append(self._failure(cells, error))
            except SalesforceError as exc:
                results.append(self._failure(cells, exc))
            except Exception as exc:  # a store bug must not stop the other rows
                results.append(
                    self._failure(cells, SalesforceError(500, "UNKNOWN_EXCEPTION", str(exc)))
                )
        return results

    def apply(self, cells: list[str]) -> RowResult:
        if len(cells) != self.width:
            raise SalesforceError(
                400,
                "INVALID_FIELD",
                f"The row has {len(cells)} values but the header names {self.width} columns",
            )
        data = self._values(cells)
        store, ctx, name = self.store, self.ctx, self.obj.name
        operation = self.job.operation
        if operation == "insert":
            return RowResult(store.create(ctx, name, data), True)
        if operation in {"update", "delete", "hardDelete"}:
            record_id = self._record_id(data.pop("Id", None), operation)
            if operation == "update":
                return RowResult(store.update(ctx, name, record_id, data), False)
            store.delete(ctx, name, record_id)
            return RowResult(record_id, False)
        assert self.key is not None
        value = data.pop(self.key.name, None)
        if self.key.type == "id":
            if not value:
                return RowResult(store.create(ctx, name, data), True)
            record_id = self._record_id(value, operation)
            return RowResult(store.update(ctx, name, record_id, data), False)
        if not value:
            raise SalesforceError(
                400, "MISSING_ARGUMENT", f"{self.key.name} not specified", [self.key.name]
            )
        record_id, created = store.upsert(ctx, name, self.key.name, str(value), data)
        return RowResult(record_id, created)

    def _values(self, cells: list[str]) -> dict[str, Any]:
        """Empty cells leave a field alone; `#N/A` sets it to null."""
        data: dict[str, Any] = {}
        for column in self.columns:
            cell = cells[column.index]
            if cell == "":
                continue
            if cell == NULL_VALUE:
                data[column.field.name] = None
            elif column.parent is None:
                data[column.field.name] = cell
            else:
                data[column.field.name] = self._parent_id(column, cell)
        return data

    def _parent_id(self, column: Column, value: str) -> str:
        assert column.parent is not None
        assert column.parent_key is not None
        parent, key = column.parent, column.parent_key
        lookup = to_18(value) if key.type == "id" and looks_like_id(value) else value
        matches = self.store.find_by(parent, key, lookup)
        if len(matches) == 1:
            return matches[0]
        problem = "not found" if not matches else "matched more than one record"
        raise SalesforceError(
            400,
            "INVALID_FIELD",
            f"Foreign key external ID: {value} {problem} for field {key.name} in entity "
            f"{parent.name}",
            [],
        )

    def _record_id(self, value: Any, operation: str) -> str:
        if not value:
            article = "an" if operation[0] in "aeiou" else "a"
            raise SalesforceError(
                400, "MISSING_ARGUMENT", f"Id not specified in {article} {operation} call"
            )
        text = str(value)
        if not looks_like_id(text) or to_18(text)[:3] != self.obj.key_prefix:
            raise SalesforceError(
                400,
                "MALFORMED_ID",
                f"{self.obj.label} ID: id value of incorrect type: {text}",
                ["Id"],
            )
        record_id = to_18(text)
        if self.store.row(self.obj, record_id) is None:
            raise SalesforceError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        return record_id

    def _key_of(self, cells: list[str]) -> str | None:
        if self.key_index is None or self.key_index >= len(cells) or not cells[self.key_index]:
            return None
        value = cells[self.key_index]
        return value if self.key and self.key.case_sensitive else value.lower()

    def _repeated_keys(self, rows: list[list[str]]) -> set[str]:
        if self.key_index is None:
            return set()
        seen: set[str] = set()
        repeated: set[str] = set()
        for cells in rows:
            key = self._key_of(cells)
            if key is not None:
                (repeated if key in seen else seen).add(key)
        return repeated

    def _failure(self, cells: list[str], error: SalesforceError) -> RowResult:
        record_id = ""
        if self.id_index is not None and self.id_index < len(cells):
            given = cells[self.id_index]
            record_id = to_18(given) if looks_like_id(given) else ""
        return RowResult(record_id, False, error_text(error))


def run_job(
    store: Store,
    job: IngestJob,
    paths: JobPaths,
    cancelled: threading.Event,
    save: Callable[[], None],
) -> None:
    """Process the uploaded rows; counters are saved in the same transaction as the rows."""
    started = time.monotonic()
    try:
        _process(store, job, paths, cancelled, save)
    except JobFailed as exc:
        job.error_message = str(exc)
        job.state = "Failed"
    finally:
        job.active_ms = int((time.monotonic() - started) * 1000)


def _process(
    store: Store,
    job: IngestJob,
    paths: JobPaths,
    cancelled: threading.Event,
    save: Callable[[], None],
) -> None:
    obj = store.schema.find(job.object)
    if obj is None:
        raise JobFailed(f"InvalidBatch : Unable to find object: {job.object}")
    if not paths.data.exists():
        raise JobFailed("InvalidBatch : No data was uploaded for the job")
    with open_data(paths) as source:
        rows = Rows(source, job)
        reader = iter(rows)
        header = next(reader, None)
        if header is None:
            raise JobFailed(rows.error or "InvalidBatch : No data was uploaded for the job")
        results = ResultFiles(paths, job, header)
        try:
            writer = RowWriter(store, store.user_context(job.created_by_id), job, obj, header)
            while not cancelled.is_set():
                batch = take(reader, TRANSACTION_ROWS)
                done = _transaction(store, writer, batch, cancelled, job, save)
                results.write(batch, done)
                if rows.error:
                    raise JobFailed(rows.error)
                if len(batch) < TRANSACTION_ROWS:
                    break
        finally:
            results.close()


def _transaction(
    store: Store,
    writer: RowWriter,
    batch: list[list[str]],
    cancelled: threading.Event,
    job: IngestJob,
    save: Callable[[], None],
) -> list[RowResult]:
    done: list[RowResult] = []
    if not batch:
        return done
    counters = job.processed, job.failed
    try:
        with store.transaction():
            for start in range(0, len(batch), DML_CHUNK):
                if cancelled.is_set():
                    break
                done.extend(writer.chunk(batch[start : start + DML_CHUNK]))
            job.processed += len(done)
            job.failed += sum(1 for result in done if result.error is not None)
            save()
    except BaseException:
        job.processed, job.failed = counters
        raise
    return done
