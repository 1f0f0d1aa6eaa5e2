"""Query results rendered as Salesforce returns them: records with their `attributes`,
parent relationships as nested objects, aggregate results, child subqueries as nested query
results, and the column metadata of `columns=true`."""

from __future__ import annotations

from typing import Any

from tier1_sync.localorg.query_fields import TEXT_TYPES
from tier1_sync.localorg.query_plan import Column, Plan, QueryPlanner
from tier1_sync.localorg.schema import FieldDef, SObjectDef
from tier1_sync.localorg.soql.ast import Query, SubQuery
from tier1_sync.localorg.store import Store, q
from tier1_sync.localorg.values import from_storage, json_number


def column_metadata(plan: Plan) -> dict[str, Any]:
    """The undocumented `columns=true` answer the Salesforce CLI asks for."""
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
                "textType": field_def is not None and field_def.type in TEXT_TYPES,
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


def record_attributes(obj: SObjectDef, record_id: Any, api_version: str) -> dict[str, Any]:
    attributes: dict[str, Any] = {"type": obj.name}
    if record_id:
        attributes["url"] = f"/services/data/v{api_version}/sobjects/{obj.name}/{record_id}"
    return attributes


def render_record(plan: Plan, row: tuple[Any, ...], api_version: str) -> dict[str, Any]:
    record: dict[str, Any] = {"attributes": record_attributes(plan.sobject, row[0], api_version)}
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
                    else {"attributes": record_attributes(obj, parent_id, api_version)}
                )
            if target[part] is None:
                break
            target = target[part]
        else:
            assert column.field is not None
            target[column.path[-1]] = _value(column.field, row[column.sql_index])
    return record


def render_aggregate(plan: Plan, row: tuple[Any, ...]) -> dict[str, Any]:
    record: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
    for column in plan.columns:
        value = row[column.sql_index]
        if column.aggregate is not None:
            record[column.aggregate] = _aggregate_value(column, value)
        else:
            assert column.field is not None
            record[column.path[-1]] = _value(column.field, value)
    return record


def attach_children(
    store: Store,
    plan: Plan,
    rows: list[tuple[Any, ...]],
    records: list[dict[str, Any]],
    api_version: str,
) -> None:
    """Run each child subquery once for all the parents and set its results on their records."""
    parent_ids = [row[0] for row in rows]
    for sub, child, link in plan.subqueries:
        child_plan = QueryPlanner(store, "", child_link=link).build(
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
        for child_row in store.db.execute(sql, params):
            grouped.setdefault(child_row[-1], []).append(
                render_record(child_plan, child_row, api_version)
            )
        limit = sub.query.limit
        for parent_id, record in zip(parent_ids, records, strict=True):
            children = grouped.get(parent_id, [])[: limit if limit is not None else None]
            record[_child_name(plan.sobject, sub, store)] = (
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


def _value(field_def: FieldDef, value: Any) -> Any:
    if field_def.formula is not None and field_def.is_numeric and value is not None:
        return json_number(round(value, field_def.scale))
    if field_def.summary is not None and value is not None:
        return json_number(value)
    return from_storage(field_def, value)


def _aggregate_value(column: Column, value: Any) -> Any:
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
