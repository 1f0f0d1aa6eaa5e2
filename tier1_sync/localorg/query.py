"""Run parsed SOQL against the SQLite store: joins for parent paths, correlated sub-selects
for roll-ups, formulas compiled to SQL, child subqueries, aggregates and paging."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tier1_sync.localorg.errors import SalesforceError
from tier1_sync.localorg.formula import FormulaUnsupported, parse_formula, to_sql
from tier1_sync.localorg.ids import looks_like_id, to_18
from tier1_sync.localorg.schema import FieldDef, SObjectDef
from tier1_sync.localorg.soql import parse_soql
from tier1_sync.localorg.soql.ast import (
    Aggregate,
    And,
    Comparison,
    DateLiteral,
    Expr,
    FieldPath,
    Not,
    Or,
    Query,
    SubQuery,
)
from tier1_sync.localorg.soql.errors import SoqlError, format_error_message
from tier1_sync.localorg.store import Store, is_stored, q
from tier1_sync.localorg.values import format_datetime, from_storage, json_number

MAX_PAGE = 2000
MIN_PAGE = 200
_TEXT_TYPES = {"string", "textarea", "picklist", "multipicklist", "email", "phone", "url"}


def _malformed(
    text: str, path: FieldPath | None, reason: str, code: str = "MALFORMED_QUERY"
) -> SalesforceError:
    if path is not None and path.pos is not None:
        reason = format_error_message(text, path.pos.line, path.pos.column, reason)
    return SalesforceError(400, code, reason)


@dataclass
class Column:
    """One output field: where it sits in the record (path) and how to render it."""

    path: tuple[str, ...]  # canonical names, e.g. ("Account__r", "Name")
    field: FieldDef | None  # None for aggregate results
    sql_index: int
    aggregate: str | None = None


@dataclass
class Plan:
    sobject: SObjectDef
    select_sql: list[str]
    params: list[Any]
    from_sql: str
    where_sql: str
    where_params: list[Any]
    order_sql: str
    group_sql: str
    columns: list[Column]
    joins: dict[tuple[str, ...], tuple[str, SObjectDef, int]]  # rel path -> alias, object, id idx
    subqueries: list[tuple[SubQuery, SObjectDef, FieldDef]] = field(default_factory=list)
    limit: int | None = None
    offset: int = 0
    aggregate: bool = False
    count_only: bool = False


@dataclass
class Cursor:
    plan: Plan
    total: int
    position: int
    page_size: int


class QueryEngine:
    """Runs SOQL; keeps server-side cursors for `nextRecordsUrl` paging."""

    def __init__(self, store: Store, api_version: str = "63.0") -> None:
        self.store = store
        self.api_version = api_version
        self._cursors: dict[str, Cursor] = {}
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    # --- public ----------------------------------------------------------------------------

    def query(self, soql: str, page_size: int = MAX_PAGE) -> dict[str, Any]:
        plan = self.plan(soql)
        with self.store.lock:
            if plan.count_only:
                return {"totalSize": self._count(plan), "done": True, "records": []}
            if plan.aggregate:
                rows = self._fetch(plan, plan.limit, plan.offset)
                records = [self._aggregate_record(plan, row) for row in rows]
                return {"totalSize": len(records), "done": True, "records": records}
            total = self._count(plan)
            size = max(MIN_PAGE, min(MAX_PAGE, page_size))
            return self._page(Cursor(plan, total, 0, size), None)

    def more(self, locator: str) -> dict[str, Any]:
        cursor_id, _, position = locator.partition("-")
        with self._lock:
            cursor = self._cursors.get(cursor_id)
        if cursor is None or not position.isdigit() or int(position) != cursor.position:
            raise SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        with self.store.lock:
            return self._page(cursor, cursor_id)

    def columns(self, soql: str) -> dict[str, Any]:
        """The undocumented `columns=true` answer the Salesforce CLI asks for."""
        plan = self.plan(soql)
        metadata: list[dict[str, Any]] = []
        for column in plan.columns:
            field_def = column.field
            name = column.aggregate or column.path[-1]
            metadata.append(
                {
                    "aggregate": column.aggregate is not None,
                    "apexType": None if field_def is None else _apex_type(field_def),
                    "booleanType": field_def is not None and field_def.type == "boolean",
                    "columnName": name,
                    "custom": field_def is not None and field_def.custom,
                    "displayName": ".".join(column.path) if column.aggregate is None else name,
                    "foreignKeyName": None,
                    "insertable": field_def is not None and field_def.createable,
                    "joinColumns": [],
                    "numberType": field_def is not None and field_def.is_numeric,
                    "textType": field_def is not None and field_def.type in _TEXT_TYPES,
                    "updatable": field_def is not None and field_def.updateable,
                }
            )
        for sub, child, _ in plan.subqueries:
            metadata.append(
                {
                    "aggregate": False,
                    "apexType": None,
                    "booleanType": False,
                    "columnName": sub.query.sobject,
                    "custom": child.custom,
                    "displayName": sub.query.sobject,
                    "foreignKeyName": None,
                    "insertable": False,
                    "joinColumns": [],
                    "numberType": False,
                    "textType": False,
                    "updatable": False,
                }
            )
        return {
            "columnMetadata": metadata,
            "entityName": plan.sobject.name,
            "groupBy": bool(plan.group_sql),
            "idSelected": any(c.path == ("Id",) for c in plan.columns),
            "keyPrefix": plan.sobject.key_prefix,
        }

    # --- planning -------------------------------------------------------------------------

    def plan(self, soql: str) -> Plan:
        try:
            parsed = parse_soql(soql)
        except SoqlError as exc:
            raise SalesforceError(400, "MALFORMED_QUERY", exc.message) from None
        return _Planner(self.store, soql).build(parsed)

    # --- execution ------------------------------------------------------------------------

    def _count(self, plan: Plan) -> int:
        sql = f"SELECT COUNT(*) FROM {plan.from_sql}{plan.where_sql}"
        (matched,) = self.store.db.execute(sql, plan.where_params).fetchone()
        count = max(0, int(matched) - plan.offset)
        return count if plan.limit is None else min(count, plan.limit)

    def _fetch(self, plan: Plan, limit: int | None, offset: int) -> list[tuple[Any, ...]]:
        sql = (
            f"SELECT {', '.join(plan.select_sql)} FROM {plan.from_sql}{plan.where_sql}"
            f"{plan.group_sql}{plan.order_sql} LIMIT ? OFFSET ?"
        )
        params = [*plan.params, *plan.where_params, -1 if limit is None else limit, offset]
        return self.store.db.execute(sql, params).fetchall()

    def _page(self, cursor: Cursor, cursor_id: str | None) -> dict[str, Any]:
        plan = cursor.plan
        take = min(cursor.page_size, cursor.total - cursor.position)
        rows = self._fetch(plan, max(take, 0), plan.offset + cursor.position) if take > 0 else []
        records = [self._record(plan, row) for row in rows]
        if plan.subqueries and records:
            self._attach_children(plan, rows, records)
        cursor.position += len(rows)
        result: dict[str, Any] = {
            "totalSize": cursor.total,
            "done": cursor.position >= cursor.total,
            "records": records,
        }
        with self._lock:
            if result["done"]:
                if cursor_id is not None:
                    self._cursors.pop(cursor_id, None)
            else:
                cursor_id = cursor_id or f"01g5g{next(self._counter):013d}"
                self._cursors[cursor_id] = cursor
                result["nextRecordsUrl"] = (
                    f"/services/data/v{self.api_version}/query/{cursor_id}-{cursor.position}"
                )
        return result

    def _attributes(self, obj: SObjectDef, record_id: Any) -> dict[str, Any]:
        attributes: dict[str, Any] = {"type": obj.name}
        if record_id:
            attributes["url"] = (
                f"/services/data/v{self.api_version}/sobjects/{obj.name}/{record_id}"
            )
        return attributes

    def _record(self, plan: Plan, row: tuple[Any, ...]) -> dict[str, Any]:
        record: dict[str, Any] = {"attributes": self._attributes(plan.sobject, row[0])}
        for column in plan.columns:
            target = record
            for depth, part in enumerate(column.path[:-1]):
                rel_path = tuple(p.lower() for p in column.path[: depth + 1])
                _, obj, id_index = plan.joins[rel_path]
                if part not in target:
                    parent_id = row[id_index]
                    target[part] = (
                        None
                        if parent_id is None
                        else {"attributes": self._attributes(obj, parent_id)}
                    )
                if target[part] is None:
                    break
                target = target[part]
            else:
                assert column.field is not None
                target[column.path[-1]] = _render(column.field, row[column.sql_index])
        return record

    def _aggregate_record(self, plan: Plan, row: tuple[Any, ...]) -> dict[str, Any]:
        record: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
        for column in plan.columns:
            value = row[column.sql_index]
            if column.aggregate is not None:
                record[column.aggregate] = _render_aggregate(column, value)
            else:
                assert column.field is not None
                record[column.path[-1]] = _render(column.field, value)
        return record

    def _attach_children(
        self, plan: Plan, rows: list[tuple[Any, ...]], records: list[dict[str, Any]]
    ) -> None:
        parent_ids = [row[0] for row in rows]
        for sub, child, link in plan.subqueries:
            child_plan = _Planner(self.store, "", child_link=link).build(
                Query(
                    select=sub.query.select,
                    sobject=child.name,
                    where=sub.query.where,
                    order_by=sub.query.order_by,
                )
            )
            marks = ", ".join("?" for _ in parent_ids)
            link_sql = f"t0.{q(link.name)}"
            where = (
                f"{child_plan.where_sql} AND {link_sql} IN ({marks})"
                if child_plan.where_sql
                else f" WHERE {link_sql} IN ({marks})"
            )
            sql = (
                f"SELECT {', '.join(child_plan.select_sql)}, {link_sql} FROM "
                f"{child_plan.from_sql}{where}{child_plan.order_sql}"
            )
            params = [*child_plan.params, *child_plan.where_params, *parent_ids]
            grouped: dict[str, list[dict[str, Any]]] = {}
            for child_row in self.store.db.execute(sql, params):
                grouped.setdefault(child_row[-1], []).append(self._record(child_plan, child_row))
            limit = sub.query.limit
            for parent_id, record in zip(parent_ids, records, strict=True):
                children = grouped.get(parent_id, [])[: limit if limit is not None else None]
                record[_child_name(plan.sobject, sub, self.store)] = (
                    {"totalSize": len(children), "done": True, "records": children}
                    if children
                    else None
                )


def _child_name(parent: SObjectDef, sub: SubQuery, store: Store) -> str:
    for _, field_def in store.schema.child_relationships(parent.name):
        if (field_def.child_relationship_name or "").lower() == sub.query.sobject.lower():
            return field_def.child_relationship_name or sub.query.sobject
    return sub.query.sobject


def _apex_type(field_def: FieldDef) -> str:
    return {
        "boolean": "Boolean",
        "double": "Double",
        "currency": "Double",
        "percent": "Double",
        "int": "Integer",
        "date": "Date",
        "datetime": "Datetime",
        "id": "Id",
        "reference": "Id",
    }.get(field_def.type, "String")


def _render(field_def: FieldDef, value: Any) -> Any:
    if field_def.formula is not None and field_def.is_numeric and value is not None:
        return json_number(round(value, field_def.scale))
    if field_def.summary is not None and value is not None:
        return json_number(value)
    return from_storage(field_def, value)


def _render_aggregate(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.aggregate is not None and column.field is None:
        return int(value)
    function = column.path[0]
    if function in {"COUNT", "COUNT_DISTINCT"}:
        return int(value)
    if column.field is not None and not column.field.is_numeric:
        return from_storage(column.field, value)
    return json_number(value)


class _Planner:
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

    def build(self, query: Query) -> Plan:
        obj = self.store.schema.find(query.sobject)
        if obj is None:
            raise _malformed(
                self.text,
                None,
                self._at(
                    query.sobject_pos,
                    f"sObject type '{query.sobject}' is not supported. If "
                    "you are attempting to use a custom object, be sure to append the '__c' "
                    "after the entity name. Please reference your WSDL or the describe call "
                    "for the appropriate names.",
                ),
                "INVALID_TYPE",
            )
        self.obj = obj
        self.select_sql.append("t0.Id")
        columns: list[Column] = []
        subqueries: list[tuple[SubQuery, SObjectDef, FieldDef]] = []
        aggregate = query.is_aggregate
        expr_number = itertools.count(0)
        for item in query.select:
            if isinstance(item, SubQuery):
                subqueries.append(self._subquery(obj, item))
            elif isinstance(item, Aggregate):
                if query.is_count_only:
                    continue
                name = item.alias or f"expr{next(expr_number)}"
                if item.field is None:
                    self.select_sql.append("COUNT(*)")
                    columns.append(Column((item.function,), None, len(self.select_sql) - 1, name))
                    continue
                sql, field_def = self.field_sql(item.field)
                function = {"COUNT_DISTINCT": "COUNT(DISTINCT "}.get(
                    item.function, f"{item.function}("
                )
                self.select_sql.append(f"{function}{sql})")
                columns.append(Column((item.function,), field_def, len(self.select_sql) - 1, name))
            else:
                sql, field_def = self.field_sql(item)
                self.select_sql.append(sql)
                columns.append(
                    Column(self._canonical_path(item), field_def, len(self.select_sql) - 1)
                )
        if aggregate:
            grouped = {tuple(p.lower() for p in g.parts) for g in query.group_by}
            for item in query.select:
                if (
                    isinstance(item, FieldPath)
                    and tuple(p.lower() for p in item.parts) not in grouped
                ):
                    raise _malformed(
                        self.text, item, f"Field must be grouped or aggregated: {item.dotted}"
                    )
            self.select_sql[0] = "NULL"
        where_sql, where_params = "", list[Any]()
        if query.where is not None:
            where_sql, where_params = self.expr(query.where)
            where_sql = f" WHERE {where_sql}"
        group_sql = ""
        if query.group_by:
            group_sql = " GROUP BY " + ", ".join(self.field_sql(g)[0] for g in query.group_by)
        order_sql = self._order(query, columns)
        from_sql = f"{q(obj.name)} t0" + "".join(self.join_sql)
        return Plan(
            sobject=obj,
            select_sql=self.select_sql,
            params=self.params,
            from_sql=from_sql,
            where_sql=where_sql,
            where_params=where_params,
            order_sql=order_sql,
            group_sql=group_sql,
            columns=columns,
            joins=self.joins,
            subqueries=subqueries,
            limit=query.limit,
            offset=query.offset or 0,
            aggregate=aggregate,
            count_only=query.is_count_only,
        )

    def _at(self, pos: Any, reason: str) -> str:
        if pos is None or not self.text:
            return reason
        return format_error_message(self.text, pos.line, pos.column, reason)

    def _subquery(self, obj: SObjectDef, sub: SubQuery) -> tuple[SubQuery, SObjectDef, FieldDef]:
        for child, field_def in self.store.schema.child_relationships(obj.name):
            if (field_def.child_relationship_name or "").lower() == sub.query.sobject.lower():
                return sub, child, field_def
        raise SalesforceError(
            400,
            "INVALID_TYPE",
            self._at(
                sub.query.sobject_pos,
                f"Didn't understand relationship '{sub.query.sobject}'"
                " in FROM part of query call. If you are attempting to use a custom "
                "relationship, be sure to append the '__r' after the custom relationship "
                "name. Please reference your WSDL or the describe call for the appropriate "
                "names.",
            ),
        )

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
                    raise _malformed(
                        self.text,
                        path,
                        f"the polymorphic relationship {name} is not "
                        "supported by the local org; select its Id field instead",
                    )
                return field_def
        raise _malformed(
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
            raise _malformed(
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

    def _order(self, query: Query, columns: list[Column]) -> str:
        if not query.order_by:
            return ""
        parts = []
        aliases = {c.aggregate.lower(): c for c in columns if c.aggregate}
        for item in query.order_by:
            target = item.target
            if (
                isinstance(target, FieldPath)
                and len(target.parts) == 1
                and target.parts[0].lower() in aliases
            ):
                sql = self.select_sql[aliases[target.parts[0].lower()].sql_index]
                text = False
            elif isinstance(target, Aggregate):
                if target.field is None:
                    sql, text = "COUNT(*)", False
                else:
                    inner, field_def = self.field_sql(target.field)
                    sql = f"{target.function.replace('COUNT_DISTINCT', 'COUNT')}({inner})"
                    text = field_def.type in _TEXT_TYPES
            else:
                sql, field_def = self.field_sql(target)
                text = field_def.type in _TEXT_TYPES
            collate = " COLLATE NOCASE" if text else ""
            direction = " DESC" if item.descending else " ASC"
            nulls = " NULLS FIRST" if item.nulls_first else " NULLS LAST"
            parts.append(f"{sql}{collate}{direction}{nulls}")
        return " ORDER BY " + ", ".join(parts)

    # --- WHERE -----------------------------------------------------------------------------

    def expr(self, node: Expr) -> tuple[str, list[Any]]:
        if isinstance(node, And | Or):
            joined = [self.expr(item) for item in node.items]
            word = " AND " if isinstance(node, And) else " OR "
            return (
                "(" + word.join(s for s, _ in joined) + ")",
                [p for _, params in joined for p in params],
            )
        if isinstance(node, Not):
            inner, params = self.expr(node.item)
            return f"(NOT COALESCE({inner}, 0))", params
        return self.comparison(node)

    def comparison(self, node: Comparison) -> tuple[str, list[Any]]:
        column, field_def = self.field_sql(node.field)
        op = node.op
        if op in {"INCLUDES", "EXCLUDES"}:
            if field_def.type != "multipicklist":
                raise _malformed(
                    self.text,
                    node.field,
                    f"{op} can only be used with multi-select "
                    f"picklist fields, not {field_def.name}",
                    "INVALID_QUERY_FILTER_OPERATOR",
                )
            assert isinstance(node.value, tuple)
            clauses, params = [], []
            for item in node.value:
                wanted = [v for v in str(item).split(";") if v]
                clauses.append(
                    "(" + " AND ".join(f"(';' || {column} || ';') LIKE ?" for _ in wanted) + ")"
                )
                params += [f"%;{v};%" for v in wanted]
            test = "(" + " OR ".join(clauses) + ")"
            return (test if op == "INCLUDES" else f"({column} IS NULL OR NOT {test})"), params
        if op in {"IN", "NOT IN"}:
            assert isinstance(node.value, tuple)
            values = [self.value(node, field_def, v) for v in node.value]
            collate = " COLLATE NOCASE" if field_def.type in _TEXT_TYPES else ""
            marks = ", ".join("?" for _ in values)
            if op == "IN":
                return f"({column}{collate} IN ({marks}))", values
            return f"({column} IS NULL OR {column}{collate} NOT IN ({marks}))", values
        assert not isinstance(node.value, tuple)
        if op == "LIKE":
            if field_def.type not in _TEXT_TYPES and field_def.type not in {"id", "reference"}:
                raise _malformed(
                    self.text,
                    node.field,
                    f"invalid operator on {field_def.name}: LIKE works on text fields",
                    "INVALID_QUERY_FILTER_OPERATOR",
                )
            return f"({column} LIKE ? ESCAPE '\\')", [str(node.value)]
        if node.value is None:
            if op not in {"=", "!="}:
                raise _malformed(self.text, node.field, f"invalid operator {op} with null")
            return f"({column} {'IS' if op == '=' else 'IS NOT'} NULL)", []
        if isinstance(node.value, DateLiteral):
            return self._date_range(node, column, field_def)
        value = self.value(node, field_def, node.value)
        collate = " COLLATE NOCASE" if field_def.type in _TEXT_TYPES else ""
        if op == "!=":
            return f"({column} IS NOT ?{collate})", [value]
        return f"({column} {op} ?{collate})", [value]

    def value(self, node: Comparison, field_def: FieldDef, value: Any) -> Any:
        kind = field_def.type
        if value is None:
            return None
        if kind == "date":
            if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
                raise self._type_error(node, field_def, "date")
            return value.isoformat()
        if kind == "datetime":
            if not isinstance(value, dt.datetime):
                raise self._type_error(node, field_def, "dateTime")
            return format_datetime(value)
        if kind == "boolean":
            if not isinstance(value, bool):
                raise self._type_error(node, field_def, "boolean")
            return int(value)
        if (
            field_def.is_numeric
            or (field_def.summary is not None)
            or (field_def.formula is not None and not isinstance(value, str))
        ):
            if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
                raise self._type_error(node, field_def, "number")
            return float(value)
        if not isinstance(value, str):
            raise self._type_error(node, field_def, "string")
        if kind in {"id", "reference"} and looks_like_id(value):
            return to_18(value)
        return value

    def _type_error(self, node: Comparison, field_def: FieldDef, kind: str) -> SalesforceError:
        quoted = " and should not be enclosed in quotes" if kind != "string" else ""
        return _malformed(
            self.text,
            node.field,
            f"value of filter criterion for field "
            f"'{field_def.name}' must be of type {kind}{quoted}",
            "INVALID_QUERY_FILTER_OPERATOR",
        )

    def _date_range(
        self, node: Comparison, column: str, field_def: FieldDef
    ) -> tuple[str, list[Any]]:
        literal = node.value
        assert isinstance(literal, DateLiteral)
        today = self.today
        n = literal.n or 0
        start, end = {
            "TODAY": (today, today),
            "YESTERDAY": (today - dt.timedelta(days=1), today - dt.timedelta(days=1)),
            "TOMORROW": (today + dt.timedelta(days=1), today + dt.timedelta(days=1)),
            "LAST_N_DAYS": (today - dt.timedelta(days=n), today),
            "NEXT_N_DAYS": (today + dt.timedelta(days=1), today + dt.timedelta(days=n)),
        }[literal.name]
        if field_def.type == "date":
            low, high, inclusive = start.isoformat(), end.isoformat(), True
        elif field_def.type == "datetime":
            low = format_datetime(dt.datetime.combine(start, dt.time(), dt.UTC))
            high = format_datetime(
                dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)
            )
            inclusive = False
        else:
            raise self._type_error(node, field_def, "string")
        upper = "<=" if inclusive else "<"
        above = ">" if inclusive else ">="
        op = node.op
        if op == "=":
            return f"({column} >= ? AND {column} {upper} ?)", [low, high]
        if op == "!=":
            return f"({column} IS NULL OR {column} < ? OR {column} {above} ?)", [low, high]
        if op in {"<", ">="}:
            return f"({column} {op} ?)", [low]
        if op == ">":
            return f"({column} {above} ?)", [high]
        if op == "<=":
            return f"({column} {upper} ?)", [high]
        raise _malformed(self.text, node.field, f"invalid operator {op} for a date literal")
