"""SQLite storage for the local org: one table per sObject, writes validated as Salesforce does.

Every write goes through `Store.create` / `update` / `upsert` / `delete`, which check field
existence, writability, field-level security, types, lengths, picklists, required fields,
references, uniqueness and validation rules, and answer with Salesforce's error codes.

`Store` is put together from layers, each in its own module:
- `store_tables`: the SQLite connection, one table per sObject, transactions, plain reads;
- `store_users`: the seeded admin, tokens, permission sets and `UserContext`;
- `store_checks`: the checks a write must pass (access, field values, validation rules);
- this module: the writes themselves (defaults, auto-numbers, names, insert / update / delete).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from tier1_sync.localorg.errors import SalesforceError, required_missing
from tier1_sync.localorg.schema import SObjectDef
from tier1_sync.localorg.store_checks import RecordChecks
from tier1_sync.localorg.store_tables import Clock, is_stored, q
from tier1_sync.localorg.store_users import (
    ADMIN_PROFILE,
    ADMIN_USERNAME,
    STANDARD_PROFILE,
    UserContext,
    UserStore,
)
from tier1_sync.localorg.values import format_datetime

__all__ = [
    "ADMIN_PROFILE",
    "ADMIN_USERNAME",
    "STANDARD_PROFILE",
    "Clock",
    "MultipleMatches",
    "Store",
    "UserContext",
    "is_stored",
    "q",
]


class Store(UserStore, RecordChecks):
    """The org's data. Thread-safe: one connection, one lock."""

    def __init__(self, path: Path | None = None) -> None:
        super().__init__(path)
        with self.lock:
            self._seed()
            self._backfill_permission_rows()

    # --- writes ------------------------------------------------------------------------

    def create(self, ctx: UserContext, sobject: str, data: dict[str, Any]) -> str:
        obj = self.schema.get(sobject)
        if not obj.createable:
            raise SalesforceError(
                400, "INVALID_TYPE_FOR_OPERATION", f"entity type {obj.name} does not support insert"
            )
        self._check_object_access(ctx, obj, create=True)
        values = self._convert(ctx, obj, data, creating=True)
        self._apply_defaults(ctx, obj, values)
        missing = [
            f.name
            for f in obj.fields.values()
            if not f.nillable
            and f.createable
            and not f.defaulted_on_create
            and values.get(f.name) is None
            and f.type != "boolean"
        ]
        if missing:
            raise required_missing(missing)
        self.faults.check_lock(obj.name, values)
        with self.savepoint():
            self._write(obj, values, insert=True)
            self._check_rules(obj, values["Id"])
        return str(values["Id"])

    def update(self, ctx: UserContext, sobject: str, record_id: str, data: dict[str, Any]) -> str:
        obj = self.schema.get(sobject)
        self._check_object_access(ctx, obj, create=False)
        record_id = self._existing_id(obj, record_id)
        values = self._convert(ctx, obj, data, creating=False)
        for name, value in values.items():
            field_def = obj.require_field(name)
            if value is None and not field_def.nillable and field_def.type != "boolean":
                raise required_missing([field_def.name])
        current = self.row(obj, record_id) or {}
        self.faults.check_lock(obj.name, {**current, **values})
        values["Id"] = record_id
        now = format_datetime(self.clock.now())
        values.update(LastModifiedDate=now, SystemModstamp=now, LastModifiedById=ctx.user_id)
        self._compute_names(obj, {**current, **values}, values)
        with self.savepoint():
            self._write(obj, values, insert=False)
            self._check_rules(obj, record_id)
        return record_id

    def upsert(
        self, ctx: UserContext, sobject: str, key_field: str, key_value: str, data: dict[str, Any]
    ) -> tuple[str, bool]:
        """Create or update by external id; (id, created). 300 when several records match."""
        obj = self.schema.get(sobject)
        key = obj.require_field(key_field)
        if not (key.external_id or key.id_lookup):
            raise SalesforceError(
                400, "INVALID_FIELD", f"Field {key.name} is not an external id field on {obj.name}"
            )
        body = {k: v for k, v in data.items() if k.lower() != key.name.lower()}
        if key.type == "id":
            return self.update(ctx, obj.name, key_value, body), False
        matches = self.find_by(obj, key, key_value)
        if len(matches) > 1:
            raise MultipleMatches(obj.name, matches)
        if matches:
            self.update(ctx, obj.name, matches[0], body)
            return matches[0], False
        return self.create(ctx, obj.name, {**body, key.name: key_value}), True

    def delete(self, ctx: UserContext, sobject: str, record_id: str) -> None:
        obj = self.schema.get(sobject)
        if not obj.deletable:
            raise SalesforceError(
                400, "INVALID_TYPE_FOR_OPERATION", f"entity type {obj.name} does not support delete"
            )
        if not ctx.is_admin and obj.name.lower() in ctx.governed_objects:
            raise SalesforceError(
                400,
                "INSUFFICIENT_ACCESS_OR_READONLY",
                "insufficient access rights on object id",
                [],
            )
        record_id = self._existing_id(obj, record_id)
        with self.savepoint():
            for child, field_def in self.schema.child_relationships(obj.name):
                if field_def.cascade_delete:
                    self.db.execute(
                        f"DELETE FROM {q(child.name)} WHERE {q(field_def.name)} = ?", (record_id,)
                    )
            self.db.execute(f"DELETE FROM {q(obj.name)} WHERE Id = ?", (record_id,))

    # --- write helpers -----------------------------------------------------------------

    def _apply_defaults(self, ctx: UserContext, obj: SObjectDef, values: dict[str, Any]) -> None:
        now = format_datetime(self.clock.now())
        values.update(
            Id=self.ids.new(obj.key_prefix),
            IsDeleted=0,
            CreatedDate=now,
            LastModifiedDate=now,
            SystemModstamp=now,
            CreatedById=ctx.user_id,
            LastModifiedById=ctx.user_id,
        )
        for field_def in obj.fields.values():
            if field_def.name in values or not is_stored(field_def):
                continue
            if field_def.name == "OwnerId":
                values["OwnerId"] = ctx.user_id
            elif field_def.auto_number:
                values[field_def.name] = self._next_auto_number(obj, field_def.auto_number)
            elif field_def.default_value is not None:
                default = field_def.default_value
                values[field_def.name] = int(default) if isinstance(default, bool) else default
        self._compute_names(obj, values, values)

    def _compute_names(self, obj: SObjectDef, merged: dict[str, Any], out: dict[str, Any]) -> None:
        if obj.name in {"User", "Contact"} and ("LastName" in out or "FirstName" in out):
            out["Name"] = f"{merged.get('FirstName') or ''} {merged.get('LastName') or ''}".strip()

    def _next_auto_number(self, obj: SObjectDef, display_format: str) -> str:
        key = f"auto:{obj.name}"
        row = self.db.execute("SELECT value FROM _counters WHERE name = ?", (key,)).fetchone()
        number = (row[0] if row else 0) + 1
        self.db.execute(
            "INSERT OR REPLACE INTO _counters (name, value) VALUES (?, ?)", (key, number)
        )
        return re.sub(r"\{(0+)\}", lambda m: str(number).zfill(len(m.group(1))), display_format)

    def _write(self, obj: SObjectDef, values: dict[str, Any], *, insert: bool) -> None:
        try:
            if insert:
                self._insert_row(obj.name, values)
            else:
                assignments = ", ".join(f"{q(c)} = ?" for c in values if c != "Id")
                if assignments:
                    self.db.execute(
                        f"UPDATE {q(obj.name)} SET {assignments} WHERE Id = ?",
                        [v for c, v in values.items() if c != "Id"] + [values["Id"]],
                    )
        except sqlite3.IntegrityError as exc:
            raise self._duplicate(obj, values, exc) from None


class MultipleMatches(SalesforceError):
    """Upsert by external id matched several records: HTTP 300."""

    def __init__(self, sobject: str, ids: list[str]) -> None:
        super().__init__(300, "MULTIPLE_CHOICES", f"multiple {sobject} records match")
        self.sobject = sobject
        self.ids = ids
