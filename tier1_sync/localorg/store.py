"""SQLite storage for the local org: one table per sObject, writes validated as Salesforce does.

Every write goes through `Store.write`, which checks field existence, writability,
field-level security, types, lengths, picklists, required fields, references, uniqueness
and validation rules, and answers with Salesforce's error codes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tier1_sync.localorg.baseline import standard_objects
from tier1_sync.localorg.errors import SalesforceError, fls_denied, not_found, required_missing
from tier1_sync.localorg.faults import Faults
from tier1_sync.localorg.formula import FormulaUnsupported, parse_formula, to_sql
from tier1_sync.localorg.ids import ORG_ID, IdFactory, looks_like_id, to_18
from tier1_sync.localorg.permission_rows import has_rows, write_permission_rows
from tier1_sync.localorg.schema import FieldDef, OrgSchema, SObjectDef
from tier1_sync.localorg.values import format_datetime, from_storage, to_storage
from tier1_sync.metadata.source import PermissionSet

ADMIN_USERNAME = "admin@tier1.local"
ADMIN_PROFILE = "System Administrator"
STANDARD_PROFILE = "Standard User"


def q(name: str) -> str:
    """Quote an identifier for SQLite."""
    return '"' + name.replace('"', '""') + '"'


class Clock:
    """The org's idea of now (UTC); tests move it."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset

    def today(self) -> dt.date:
        return self.now().date()


@dataclass
class UserContext:
    user_id: str
    is_admin: bool
    editable: set[str] = field(default_factory=set)  # lower-case "object.field"
    creatable_objects: set[str] = field(default_factory=set)  # lower-case
    editable_objects: set[str] = field(default_factory=set)
    governed_objects: set[str] = field(default_factory=set)  # objects our permission sets cover


def is_stored(field_def: FieldDef) -> bool:
    return field_def.formula is None and field_def.summary is None


class Store:
    """The org's data. Thread-safe: one connection, one lock."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.db = sqlite3.connect(
            str(path) if path else ":memory:", check_same_thread=False, isolation_level=None
        )
        self.db.execute("PRAGMA journal_mode=WAL" if path else "PRAGMA journal_mode=MEMORY")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.lock = threading.RLock()
        self.clock = Clock()
        self.faults = Faults()
        self.schema = OrgSchema(standard_objects())
        self.ids = IdFactory()
        self._in_transaction = False
        self._rule_cache: dict[
            tuple[str, str], list[tuple[str, str, tuple[object, ...], str, str | None]]
        ] = {}
        self.rule_warnings: dict[str, str] = {}
        with self.lock:
            self._init_meta()
            for obj in self.schema.all():
                self.ensure_table(obj)
            self._seed()
            self._backfill_permission_rows()

    # --- set-up -------------------------------------------------------------------------

    def _init_meta(self) -> None:
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS _sobjects (name TEXT PRIMARY KEY, definition TEXT);
            CREATE TABLE IF NOT EXISTS _tokens (token TEXT PRIMARY KEY, user_id TEXT);
            CREATE TABLE IF NOT EXISTS _counters (name TEXT PRIMARY KEY, value INTEGER);
            CREATE TABLE IF NOT EXISTS _kv (kind TEXT, key TEXT, value TEXT,
                                            PRIMARY KEY (kind, key));
            """
        )
        for (definition,) in self.db.execute("SELECT definition FROM _sobjects"):
            self.schema.put(SObjectDef.model_validate_json(definition))
        row = self.db.execute("SELECT value FROM _counters WHERE name = 'ids'").fetchone()
        if row:
            self.ids.advance_past(int(row[0]))

    def _seed(self) -> None:
        if self.db.execute('SELECT 1 FROM "Profile" LIMIT 1').fetchone():
            return
        now = format_datetime(self.clock.now())
        admin_profile = self.ids.new("00e")
        standard_profile = self.ids.new("00e")
        admin_id = self.ids.new("005")
        system = {
            "CreatedDate": now,
            "LastModifiedDate": now,
            "SystemModstamp": now,
            "CreatedById": admin_id,
            "LastModifiedById": admin_id,
            "IsDeleted": 0,
        }
        self._insert_row(
            "Profile",
            {
                "Id": admin_profile,
                "Name": ADMIN_PROFILE,
                "PermissionsModifyAllData": 1,
                "PermissionsApiEnabled": 1,
                **system,
            },
        )
        self._insert_row(
            "Profile",
            {
                "Id": standard_profile,
                "Name": STANDARD_PROFILE,
                "PermissionsModifyAllData": 0,
                "PermissionsApiEnabled": 1,
                **system,
            },
        )
        self._insert_row(
            "User",
            {
                "Id": admin_id,
                "Username": ADMIN_USERNAME,
                "LastName": "Admin",
                "FirstName": "Local",
                "Name": "Local Admin",
                "Email": ADMIN_USERNAME,
                "Alias": "ladmin",
                "IsActive": 1,
                "TimeZoneSidKey": "GMT",
                "LocaleSidKey": "en_US",
                "EmailEncodingKey": "UTF-8",
                "LanguageLocaleKey": "en_US",
                "ProfileId": admin_profile,
                **system,
            },
        )
        self._insert_row(
            "Organization",
            {
                "Id": ORG_ID,
                "Name": "Tier 1 Local Org",
                "InstanceName": "LOCAL",
                "IsSandbox": 0,
                "TrialExpirationDate": None,
                "NamespacePrefix": None,
                "OrganizationType": "Developer Edition",
                **system,
            },
        )
        self._save_id_counter()

    def _save_id_counter(self) -> None:
        value = self.ids.new("000")  # burns one id; cheap way to read the counter
        self.db.execute(
            "INSERT OR REPLACE INTO _counters (name, value) VALUES ('ids', ?)",
            (IdFactory.sequence_of(value),),
        )

    def ensure_table(self, obj: SObjectDef) -> None:
        """Create the object's table, add any new columns and unique indexes."""
        table = q(obj.name)
        self.db.execute(f"CREATE TABLE IF NOT EXISTS {table} (Id TEXT PRIMARY KEY)")
        existing = {row[1].lower() for row in self.db.execute(f"PRAGMA table_info({table})")}
        for field_def in obj.fields.values():
            if not is_stored(field_def) or field_def.name.lower() in existing:
                continue
            self.db.execute(
                f"ALTER TABLE {table} ADD COLUMN {q(field_def.name)} {field_def.sql_affinity}"
            )
        for field_def in obj.fields.values():
            unique_index = q(f"uq_{obj.name}_{field_def.name}")
            if field_def.unique and is_stored(field_def):
                collate = "" if field_def.case_sensitive else " COLLATE NOCASE"
                self.db.execute(
                    f"CREATE UNIQUE INDEX IF NOT EXISTS {unique_index} ON {table} "
                    f"({q(field_def.name)}{collate})"
                )
                continue
            self.db.execute(f"DROP INDEX IF EXISTS {unique_index}")  # a redeploy dropped unique
            if field_def.type == "reference" or field_def.external_id:
                index = q(f"ix_{obj.name}_{field_def.name}")
                self.db.execute(
                    f"CREATE INDEX IF NOT EXISTS {index} ON {table} ({q(field_def.name)})"
                )

    def deploy_object(self, obj: SObjectDef) -> None:
        with self.lock:
            self.schema.put(obj)
            self.ensure_table(obj)
            self.db.execute(
                "INSERT OR REPLACE INTO _sobjects (name, definition) VALUES (?, ?)",
                (obj.name, obj.model_dump_json()),
            )
            self._rule_cache = {}

    def new_key_prefix(self) -> str:
        used = self.schema.used_prefixes()
        for number in range(1, 1000):
            prefix = f"a{number:02d}"[:3] if number < 100 else f"a{number}"[:3]
            if prefix not in used:
                return prefix
        raise SalesforceError(500, "UNKNOWN_EXCEPTION", "no key prefixes left")

    # --- key/value side tables -------------------------------------------------------------

    def kv_put(self, kind: str, key: str, value: Any) -> None:
        with self.lock:
            self.db.execute(
                "INSERT OR REPLACE INTO _kv (kind, key, value) VALUES (?, ?, ?)",
                (kind, key, json.dumps(value)),
            )

    def kv_get(self, kind: str, key: str) -> Any:
        with self.lock:
            row = self.db.execute(
                "SELECT value FROM _kv WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
        return None if row is None else json.loads(row[0])

    def kv_delete(self, kind: str, key: str) -> None:
        with self.lock:
            self.db.execute("DELETE FROM _kv WHERE kind = ? AND key = ?", (kind, key))

    def kv_all(self, kind: str) -> dict[str, Any]:
        with self.lock:
            rows = self.db.execute("SELECT key, value FROM _kv WHERE kind = ?", (kind,)).fetchall()
        return {key: json.loads(value) for key, value in rows}

    # --- users, tokens, security -------------------------------------------------------

    def admin_user_id(self) -> str:
        row = self.db.execute('SELECT Id FROM "User" WHERE Username = ?', (ADMIN_USERNAME,))
        return str(row.fetchone()[0])

    def issue_token(self, user_id: str, token: str) -> str:
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO _tokens VALUES (?, ?)", (token, user_id))
        return token

    def user_for_token(self, token: str) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT user_id FROM _tokens WHERE token = ?", (token,))
            found = row.fetchone()
        return None if found is None else str(found[0])

    def save_permission_set(self, perm_set: PermissionSet) -> None:
        with self.lock:
            self.kv_put("permissionset", perm_set.name, perm_set.model_dump())
            existing = self.db.execute(
                'SELECT Id FROM "PermissionSet" WHERE Name = ?', (perm_set.name,)
            ).fetchone()
            now = format_datetime(self.clock.now())
            admin = self.admin_user_id()
            if existing:
                set_id = str(existing[0])
                self.db.execute(
                    'UPDATE "PermissionSet" SET Label = ?, Description = ?, LastModifiedDate = ? '
                    "WHERE Id = ?",
                    (perm_set.label, perm_set.description[:255], now, set_id),
                )
            else:
                set_id = self.ids.new("0PS")
                self._insert_row(
                    "PermissionSet",
                    {
                        "Id": set_id,
                        "Name": perm_set.name,
                        "Label": perm_set.label,
                        "Description": perm_set.description[:255],
                        "IsOwnedByProfile": 0,
                        "CreatedDate": now,
                        "LastModifiedDate": now,
                        "SystemModstamp": now,
                        "CreatedById": admin,
                        "LastModifiedById": admin,
                        "IsDeleted": 0,
                    },
                )
            self._write_permission_rows(perm_set, set_id)

    def _write_permission_rows(self, perm_set: PermissionSet, set_id: str) -> None:
        now = format_datetime(self.clock.now())
        admin = self.admin_user_id()
        system = {
            "CreatedDate": now,
            "LastModifiedDate": now,
            "SystemModstamp": now,
            "CreatedById": admin,
            "LastModifiedById": admin,
            "IsDeleted": 0,
        }
        write_permission_rows(self.db, perm_set, set_id, self.ids.new, system)

    def _backfill_permission_rows(self) -> None:
        """Data folders from before FieldPermissions/ObjectPermissions existed get their rows."""
        written = False
        for data in self.kv_all("permissionset").values():
            perm_set = PermissionSet.model_validate(data)
            row = self.db.execute(
                'SELECT Id FROM "PermissionSet" WHERE Name = ?', (perm_set.name,)
            ).fetchone()
            if row and not has_rows(self.db, str(row[0])):
                self._write_permission_rows(perm_set, str(row[0]))
                written = True
        if written:
            self._save_id_counter()

    def user_context(self, user_id: str) -> UserContext:
        with self.lock:
            row = self.db.execute(
                'SELECT p.PermissionsModifyAllData FROM "User" u JOIN "Profile" p '
                "ON p.Id = u.ProfileId WHERE u.Id = ?",
                (user_id,),
            ).fetchone()
            names = [
                r[0]
                for r in self.db.execute(
                    'SELECT ps.Name FROM "PermissionSetAssignment" a JOIN "PermissionSet" ps '
                    "ON ps.Id = a.PermissionSetId WHERE a.AssigneeId = ?",
                    (user_id,),
                )
            ]
        context = UserContext(user_id=user_id, is_admin=bool(row and row[0]))
        for data in self.kv_all("permissionset").values():
            perm_set = PermissionSet.model_validate(data)
            context.governed_objects |= {name.lower() for name in perm_set.objects}
            if perm_set.name not in names:
                continue
            context.editable |= {name.lower() for name in perm_set.editable_fields()}
            for name, perm in perm_set.objects.items():
                if perm.create:
                    context.creatable_objects.add(name.lower())
                if perm.edit:
                    context.editable_objects.add(name.lower())
        return context

    # --- transactions ----------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock:
            self.db.execute("BEGIN")
            self._in_transaction = True
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            else:
                self._save_id_counter()
                self.db.execute("COMMIT")
            finally:
                self._in_transaction = False

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        self.db.execute("SAVEPOINT rec")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK TO rec")
            self.db.execute("RELEASE rec")
            raise
        self.db.execute("RELEASE rec")

    # --- reads -------------------------------------------------------------------------

    def row(self, obj: SObjectDef, record_id: str) -> dict[str, Any] | None:
        cursor = self.db.execute(f"SELECT * FROM {q(obj.name)} WHERE Id = ?", (record_id,))
        found = cursor.fetchone()
        if found is None:
            return None
        return {column[0]: value for column, value in zip(cursor.description, found, strict=True)}

    def find_by(self, obj: SObjectDef, field_def: FieldDef, value: Any) -> list[str]:
        collate = "" if field_def.case_sensitive or field_def.type == "id" else " COLLATE NOCASE"
        cursor = self.db.execute(
            f"SELECT Id FROM {q(obj.name)} WHERE {q(field_def.name)} = ?{collate} LIMIT 10",
            (value,),
        )
        return [str(r[0]) for r in cursor]

    # --- writes ------------------------------------------------------------------------

    def _insert_row(self, table: str, values: dict[str, Any]) -> None:
        columns = ", ".join(q(c) for c in values)
        marks = ", ".join("?" for _ in values)
        self.db.execute(
            f"INSERT INTO {q(table)} ({columns}) VALUES ({marks})", list(values.values())
        )

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

    def _existing_id(self, obj: SObjectDef, record_id: str) -> str:
        if not looks_like_id(record_id):
            raise SalesforceError(
                404,
                "NOT_FOUND",
                "Provided external ID field does not exist or is not accessible: " + record_id,
            )
        full = to_18(record_id)
        if full[:3] != obj.key_prefix or self.row(obj, full) is None:
            raise not_found()
        return full

    def _check_object_access(self, ctx: UserContext, obj: SObjectDef, *, create: bool) -> None:
        if ctx.is_admin or obj.name.lower() not in ctx.governed_objects:
            return
        allowed = ctx.creatable_objects if create else ctx.editable_objects
        if obj.name.lower() not in allowed:
            raise SalesforceError(
                400,
                "INSUFFICIENT_ACCESS_OR_READONLY",
                f"insufficient access rights on object: you cannot "
                f"{'create' if create else 'edit'} {obj.name} records",
                [],
            )

    def _convert(
        self, ctx: UserContext, obj: SObjectDef, data: dict[str, Any], *, creating: bool
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        denied: list[str] = []
        for name, raw in data.items():
            if name == "attributes":
                continue
            field_def = obj.field(name)
            if field_def is None:
                raise SalesforceError(
                    400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {obj.name}"
                )
            writable = field_def.createable if creating else field_def.updateable
            if not writable:
                raise SalesforceError(
                    400,
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {field_def.name}. Please check the security "
                    "settings of this field and verify that it is read/write for your profile or "
                    "permission set.",
                    [field_def.name],
                )
            if (
                not ctx.is_admin
                and field_def.custom
                and f"{obj.name}.{field_def.name}".lower() not in ctx.editable
            ):
                denied.append(field_def.name)
                continue
            values[field_def.name] = to_storage(field_def, raw)
        if denied:
            raise fls_denied(denied)
        for name, value in values.items():
            field_def = obj.require_field(name)
            if field_def.type == "reference" and value is not None:
                self._check_reference(field_def, value)
        return values

    def _check_reference(self, field_def: FieldDef, value: str) -> None:
        targets = [self.schema.get(name) for name in field_def.reference_to]
        target = next((t for t in targets if t.key_prefix == value[:3]), None)
        if target is None:
            raise SalesforceError(
                400,
                "FIELD_INTEGRITY_EXCEPTION",
                f"{field_def.label}: id value of incorrect type: {value}",
                [field_def.name],
            )
        if self.row(target, value) is None:
            raise SalesforceError(
                400,
                "INVALID_CROSS_REFERENCE_KEY",
                "invalid cross reference id",
                [field_def.name],
            )

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

    def _duplicate(
        self, obj: SObjectDef, values: dict[str, Any], exc: sqlite3.IntegrityError
    ) -> SalesforceError:
        match = re.search(r"UNIQUE constraint failed: \w+\.(\w+)", str(exc))
        if match is None:
            return SalesforceError(400, "UNKNOWN_EXCEPTION", str(exc))
        field_def = obj.require_field(match.group(1))
        others = self.find_by(obj, field_def, values.get(field_def.name))
        other = next((o for o in others if o != values.get("Id")), "")
        return SalesforceError(
            400,
            "DUPLICATE_VALUE",
            f"duplicate value found: {field_def.name} duplicates value on record with id: {other}",
            [field_def.name],
        )

    def compiled_rules(
        self, obj: SObjectDef
    ) -> list[tuple[str, str, tuple[object, ...], str, str | None]]:
        today = self.clock.today().isoformat()
        cached = self._rule_cache.get((obj.name, today))
        if cached is not None:
            return cached
        compiled = []
        for name, formula, message, display_field in obj.validation_rules:
            try:
                sql = to_sql(parse_formula(formula), self.column_resolver(obj, "t"), today)
            except FormulaUnsupported as exc:
                self.rule_warnings[f"{obj.name}.{name}"] = str(exc)
                continue
            compiled.append((name, sql.text, sql.params, message, display_field))
        self._rule_cache[(obj.name, today)] = compiled
        return compiled

    def column_resolver(self, obj: SObjectDef, alias: str) -> Callable[[str], tuple[str, str]]:
        def resolve(name: str) -> tuple[str, str]:
            field_def = obj.field(name)
            if field_def is None:
                raise FormulaUnsupported(f"unknown field {name} on {obj.name}")
            if not is_stored(field_def):
                raise FormulaUnsupported(f"formula refers to the computed field {name}")
            return f"{alias}.{q(field_def.name)}", field_def.type

        return resolve

    def _check_rules(self, obj: SObjectDef, record_id: str) -> None:
        for _, sql, params, message, display_field in self.compiled_rules(obj):
            failing = self.db.execute(
                f"SELECT {sql} FROM {q(obj.name)} t WHERE t.Id = ?", (*params, record_id)
            ).fetchone()
            if failing and failing[0]:
                raise SalesforceError(
                    400,
                    "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                    message,
                    [display_field] if display_field else [],
                )

    def record_json(self, obj: SObjectDef, stored: dict[str, Any]) -> dict[str, Any]:
        return {
            f.name: from_storage(f, stored.get(f.name)) for f in obj.fields.values() if is_stored(f)
        }


class MultipleMatches(SalesforceError):
    """Upsert by external id matched several records: HTTP 300."""

    def __init__(self, sobject: str, ids: list[str]) -> None:
        super().__init__(300, "MULTIPLE_CHOICES", f"multiple {sobject} records match")
        self.sobject = sobject
        self.ids = ids
