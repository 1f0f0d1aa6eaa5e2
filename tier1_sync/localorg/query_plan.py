"""A parsed SOQL query planned as SQL: the select list (fields, aggregates, child subqueries),
FROM with its joins, WHERE, GROUP BY, ORDER BY, LIMIT and OFFSET, and the output columns the
records are rendered from."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from tier1_sync.localorg.errors import SalesforceError
from tier1_sync.localorg.query_fields import TEXT_TYPES, malformed
from tier1_sync.localorg.query_where import WhereCompiler
from tier1_sync.localorg.schema import FieldDef, SObjectDef
from tier1_sync.localorg.soql.ast import Aggregate, FieldPath, Query, SubQuery
from tier1_sync.localorg.soql.errors import format_error_message
from tier1_sync.localorg.store import q


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


class QueryPlanner(WhereCompiler):
    """Builds the `Plan` of one query (or of a child subquery, given the field linking it)."""

    def build(self, query: Query) -> Plan:
        obj = self.store.schema.find(query.sobject)
        if obj is None:
            raise malformed(
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
                    raise malformed(
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
                    text = field_def.type in TEXT_TYPES
            else:
                sql, field_def = self.field_sql(target)
                text = field_def.type in TEXT_TYPES
            collate = " COLLATE NOCASE" if text else ""
            direction = " DESC" if item.descending else " ASC"
            nulls = " NULLS FIRST" if item.nulls_first else " NULLS LAST"
            parts.append(f"{sql}{collate}{direction}{nulls}")
        return " ORDER BY " + ", ".join(parts)
