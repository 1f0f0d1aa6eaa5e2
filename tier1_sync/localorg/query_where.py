"""The WHERE clause of a SOQL query compiled to SQL: AND / OR / NOT, comparisons with values
checked against the field's type, INCLUDES / EXCLUDES on multi-select picklists, IN, LIKE,
null tests and date literals (TODAY, LAST_N_DAYS:n, ...)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tier1_sync.localorg.errors import SalesforceError
from tier1_sync.localorg.ids import looks_like_id, to_18
from tier1_sync.localorg.query_fields import TEXT_TYPES, FieldResolver, malformed
from tier1_sync.localorg.schema import FieldDef
from tier1_sync.localorg.soql.ast import And, Comparison, DateLiteral, Expr, Not, Or
from tier1_sync.localorg.values import format_datetime


class WhereCompiler(FieldResolver):
    """Compiles filter expressions, resolving the fields they name (and their joins)."""

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
                raise malformed(
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
            collate = " COLLATE NOCASE" if field_def.type in TEXT_TYPES else ""
            marks = ", ".join("?" for _ in values)
            if op == "IN":
                return f"({column}{collate} IN ({marks}))", values
            return f"({column} IS NULL OR {column}{collate} NOT IN ({marks}))", values
        assert not isinstance(node.value, tuple)
        if op == "LIKE":
            if field_def.type not in TEXT_TYPES and field_def.type not in {"id", "reference"}:
                raise malformed(
                    self.text,
                    node.field,
                    f"invalid operator on {field_def.name}: LIKE works on text fields",
                    "INVALID_QUERY_FILTER_OPERATOR",
                )
            return f"({column} LIKE ? ESCAPE '\\')", [str(node.value)]
        if node.value is None:
            if op not in {"=", "!="}:
                raise malformed(self.text, node.field, f"invalid operator {op} with null")
            return f"({column} {'IS' if op == '=' else 'IS NOT'} NULL)", []
        if isinstance(node.value, DateLiteral):
            return self._date_range(node, column, field_def)
        value = self.value(node, field_def, node.value)
        collate = " COLLATE NOCASE" if field_def.type in TEXT_TYPES else ""
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
        return malformed(
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
        raise malformed(self.text, node.field, f"invalid operator {op} for a date literal")
