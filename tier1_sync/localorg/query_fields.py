"""Field paths of a SOQL query turned into SQL columns: a LEFT JOIN per parent relationship,
formula fields compiled to SQL, roll-up summaries as correlated sub-selects. The shared state
(joins, select list) that the WHERE compiler and the planner build on."""

from __future__ import annotations

import itertools
from typing import Any

from tier1_sync.localorg.errors import SalesforceError
from tier1_sync.localorg.formula import FormulaUnsupported, parse_formula, to_sql
from tier1_sync.localorg.schema import FieldDef, SObjectDef
from tier1_sync.localorg.soql.ast import FieldPath
from tier1_sync.localorg.soql.errors import format_error_message
from tier1_sync.localorg.store import Store, is_stored, q

TEXT_TYPES = {"string", "textarea", "picklist", "multipicklist", "email", "phone", "url"}


def malformed(
    text: str, path: FieldPath | None, reason: str, code: str = "MALFORMED_QUERY"
) -> SalesforceError:
    if path is not None and path.pos is not None:
        reason = format_error_message(text, path.pos.line, path.pos.column, reason)
    return SalesforceError(400, code, reason)


class FieldResolver:
    """Resolves field paths against the queried object (`obj`), collecting the joins they need."""

    obj: SObjectDef  # the object in FROM, set by the planner once it has found it

    def __init__(self, store: Store, text: str, child_link: FieldDef | None = None) -> None:
        self.store = store
        self.text = text
        self.child_link = child_link
        self.aliases = itertools.count(1)
        self.joins: dict[tuple[str, ...], tuple[str, SObjectDef, int]] = {}
        self.join_sql: list[str] = []
        self.select_sql: list[str] = []
        self.params: list[Any] = []
        self.today = store.clock.today()

    def _canonical_path(self, path: FieldPath) -> tuple[str, ...]:
        names: list[str] = []
        obj = self.obj
        for part in path.parts[:-1]:
            field_def = self._relationship(obj, part, path)
            names.append(field_def.relationship_name or part)
            obj = self.store.schema.get(field_def.reference_to[0])
        final = obj.require_field(path.parts[-1])
        return (*names, final.name)

    def _relationship(self, obj: SObjectDef, name: str, path: FieldPath) -> FieldDef:
        for field_def in obj.fields.values():
            if (
                field_def.type == "reference"
                and (field_def.relationship_name or "").lower() == name.lower()
            ):
                if len(field_def.reference_to) != 1:
                    raise malformed(
                        self.text,
                        path,
                        f"the polymorphic relationship {name} is not "
                        "supported by the local org; select its Id field instead",
                    )
                return field_def
        raise malformed(
            self.text,
            path,
            f"Didn't understand relationship '{name}' in field path. If you are attempting to use "
            "a custom relationship, be sure to append the '__r' after the custom relationship "
            "name. Please reference your WSDL or the describe call for the appropriate names.",
            "INVALID_FIELD",
        )

    def field_sql(self, path: FieldPath) -> tuple[str, FieldDef]:
        obj, alias = self.obj, "t0"
        rel_path: tuple[str, ...] = ()
        for part in path.parts[:-1]:
            field_def = self._relationship(obj, part, path)
            rel_path = (*rel_path, part.lower())
            target = self.store.schema.get(field_def.reference_to[0])
            if rel_path not in self.joins:
                new_alias = f"t{next(self.aliases)}"
                self.join_sql.append(
                    f" LEFT JOIN {q(target.name)} {new_alias} ON {new_alias}.Id = "
                    f"{alias}.{q(field_def.name)}"
                )
                self.select_sql.append(f"{new_alias}.Id")
                self.joins[rel_path] = (new_alias, target, len(self.select_sql) - 1)
            alias, obj = self.joins[rel_path][0], target
        found = obj.field(path.parts[-1])
        if found is None:
            raise malformed(
                self.text,
                path,
                f"No such column '{path.parts[-1]}' on entity '{obj.name}'. If you are attempting "
                "to use a custom field, be sure to append the '__c' after the custom field name. "
                "Please reference your WSDL or the describe call for the appropriate names.",
                "INVALID_FIELD",
            )
        return self._column(obj, alias, found), found

    def _column(self, obj: SObjectDef, alias: str, field_def: FieldDef) -> str:
        if is_stored(field_def):
            return f"{alias}.{q(field_def.name)}"
        if field_def.summary is not None:
            return self._rollup(obj, alias, field_def)
        try:
            compiled = to_sql(
                parse_formula(field_def.formula or ""),
                self.store.column_resolver(obj, alias),
                self.today.isoformat(),
            )
        except FormulaUnsupported as exc:
            raise SalesforceError(
                400,
                "INVALID_FIELD",
                f"The formula field {obj.name}.{field_def.name} cannot be computed locally: {exc}",
            ) from None
        return self._inline(compiled.text, compiled.params)

    def _inline(self, sql: str, params: tuple[object, ...]) -> str:
        """Bind formula parameters as SQL literals (they are only dates and strings we made)."""
        for param in params:
            literal = "'" + str(param).replace("'", "''") + "'"
            sql = sql.replace("?", literal, 1)
        return sql

    def _rollup(self, obj: SObjectDef, alias: str, field_def: FieldDef) -> str:
        summary = field_def.summary
        assert summary is not None
        child_name, _, link = summary.foreign_key.partition(".")
        child = self.store.schema.get(child_name)
        conditions = [f"c.{q(link)} = {alias}.Id"]
        operators = {"equals": "IS", "notEqual": "IS NOT"}
        for name, operation, value in summary.filters:
            if operation not in operators:
                raise SalesforceError(
                    400,
                    "INVALID_FIELD",
                    f"roll-up filter {operation} is not supported by the local org",
                )
            literal = "'" + value.replace("'", "''") + "'"
            filter_field = child.require_field(name.rsplit(".", 1)[-1])  # `Child__c.Field__c`
            conditions.append(f"c.{q(filter_field.name)} {operators[operation]} {literal}")
        if summary.operation.lower() != "count":
            raise SalesforceError(
                400,
                "INVALID_FIELD",
                f"roll-up {summary.operation} is not supported by the local org",
            )
        return f"(SELECT COUNT(*) FROM {q(child.name)} c WHERE {' AND '.join(conditions)})"
