"""Run parsed SOQL against the SQLite store: joins for parent paths, correlated sub-selects
for roll-ups, formulas compiled to SQL, child subqueries, aggregates and paging.

This module holds the engine (counting, fetching, paging with server-side cursors); planning
is in `query_plan` (with `query_fields` and `query_where`), rendering in `query_records`."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import Any

from tier1_sync.localorg.errors import SalesforceError
from tier1_sync.localorg.query_plan import Column, Plan, QueryPlanner
from tier1_sync.localorg.query_records import (
    attach_children,
    column_metadata,
    render_aggregate,
    render_record,
)
from tier1_sync.localorg.soql import parse_soql
from tier1_sync.localorg.soql.errors import SoqlError
from tier1_sync.localorg.store import Store

__all__ = ["MAX_PAGE", "MIN_PAGE", "Column", "Cursor", "Plan", "QueryEngine"]

MAX_PAGE = 2000
MIN_PAGE = 200


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
                records = [render_aggregate(plan, row) for row in rows]
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
        return column_metadata(self.plan(soql))

    # --- planning -------------------------------------------------------------------------

    def plan(self, soql: str) -> Plan:
        try:
            parsed = parse_soql(soql)
        except SoqlError as exc:
            raise SalesforceError(400, "MALFORMED_QUERY", exc.message) from None
        return QueryPlanner(self.store, soql).build(parsed)

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
        records = [render_record(plan, row, self.api_version) for row in rows]
        if plan.subqueries and records:
            attach_children(self.store, plan, rows, records, self.api_version)
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
