"""What a write must pass before it reaches SQLite, answered with Salesforce's error codes:
the record exists, object access, field existence, writability and field-level security, type
conversion, references, duplicate values, and validation rules (formulas compiled to SQL)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import Any

from tier1_sync.localorg.errors import SalesforceError, fls_denied, not_found
from tier1_sync.localorg.formula import FormulaUnsupported, parse_formula, to_sql
from tier1_sync.localorg.ids import looks_like_id, to_18
from tier1_sync.localorg.schema import FieldDef, SObjectDef
from tier1_sync.localorg.store_tables import CompiledRule, TableStore, is_stored, q
from tier1_sync.localorg.store_users import UserContext
from tier1_sync.localorg.values import to_storage


class RecordChecks(TableStore):
    """The checks `Store` runs on every create, update and delete."""

    # --- records and access ----------------------------------------------------------------

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

    # --- field values ----------------------------------------------------------------------

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

    # --- validation rules ------------------------------------------------------------------

    def compiled_rules(self, obj: SObjectDef) -> list[CompiledRule]:
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
