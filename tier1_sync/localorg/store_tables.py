"""The store's SQLite layer: the connection and its lock, the bookkeeping tables (object
definitions, tokens, counters, key/value), one table per sObject kept in step with the schema,
transactions, and plain reads of stored rows."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tier1_sync.localorg.baseline import standard_objects
from tier1_sync.localorg.errors import SalesforceError
from tier1_sync.localorg.faults import Faults
from tier1_sync.localorg.ids import IdFactory
from tier1_sync.localorg.schema import FieldDef, OrgSchema, SObjectDef
from tier1_sync.localorg.values import from_storage

# A validation rule compiled to SQL: (name, sql, params, message, display field).
CompiledRule = tuple[str, str, tuple[object, ...], str, str | None]


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


def is_stored(field_def: FieldDef) -> bool:
    return field_def.formula is None and field_def.summary is None


class TableStore:
    """The SQLite database behind the store. Thread-safe: one connection, one lock."""

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
        self._rule_cache: dict[tuple[str, str], list[CompiledRule]] = {}
        self.rule_warnings: dict[str, str] = {}
        with self.lock:
            self._init_meta()
            for obj in self.schema.all():
                self.ensure_table(obj)

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

    def record_json(self, obj: SObjectDef, stored: dict[str, Any]) -> dict[str, Any]:
        return {
            f.name: from_storage(f, stored.get(f.name)) for f in obj.fields.values() if is_stored(f)
        }

    # --- unchecked inserts (the seed rows, and checked writes once they pass) ----------

    def _insert_row(self, table: str, values: dict[str, Any]) -> None:
        columns = ", ".join(q(c) for c in values)
        marks = ", ".join("?" for _ in values)
        self.db.execute(
            f"INSERT INTO {q(table)} ({columns}) VALUES ({marks})", list(values.values())
        )
