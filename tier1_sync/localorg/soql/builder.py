"""Builds the AST while lark parses (an inline transformer: no parse tree is kept).

Everything the grammar admits but the local org does not support is rejected here, by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from lark import Token, Transformer, v_args

from tier1_sync.localorg.soql import literals
from tier1_sync.localorg.soql.ast import (
    AGGREGATE_FUNCTIONS,
    Aggregate,
    And,
    Comparison,
    Expr,
    FieldPath,
    Not,
    Or,
    OrderItem,
    Position,
    Query,
    SelectItem,
    SubQuery,
    Value,
)
from tier1_sync.localorg.soql.errors import Rejection


@dataclass(frozen=True, slots=True)
class Call:
    """A function call as written; only aggregates survive into the AST."""

    name: Token
    args: tuple[FieldPath | Call | Token, ...]


def _pos(token: Token) -> Position:
    return Position(token.line or 1, token.column or 1, token.start_pos or 0)


def _offset(token: Token) -> int:
    return token.start_pos or 0


def _start(pos: Position | None) -> int:
    return pos.offset if pos is not None else 0


def _unsupported_call(call: Call, where: str = "") -> Rejection:
    return Rejection(
        _offset(call.name), f"{call.name.value}(){where} is not supported by the local org"
    )


_COUNT_ROWS = Aggregate("COUNT", None)


def _aggregate(call: Call) -> Aggregate:
    function = call.name.value.upper()
    if function not in AGGREGATE_FUNCTIONS:
        raise _unsupported_call(call)
    field: FieldPath | None = None
    if call.args:
        first = call.args[0]
        if isinstance(first, Call):
            if first.name.value.upper() in AGGREGATE_FUNCTIONS:
                raise Rejection(
                    _offset(first.name),
                    f"{first.name.value}() cannot be nested inside {call.name.value}()",
                )
            raise _unsupported_call(first)
        if isinstance(first, Token):
            raise Rejection(_offset(first), f"unexpected token: '{first.value}'")
        field = first
    if len(call.args) > 1 or (field is None and function != "COUNT"):
        raise Rejection(_offset(call.name), f"{call.name.value}() takes exactly one field")
    pos = _pos(call.name)
    return Aggregate(function, field, None, pos)


def _field_only(item: FieldPath | Call, clause: str) -> FieldPath:
    if isinstance(item, FieldPath):
        return item
    if item.name.value.upper() in AGGREGATE_FUNCTIONS:
        raise _unsupported_call(item, f" in {clause}")
    raise _unsupported_call(item)


def _flatten(kind: type[And] | type[Or], items: tuple[Expr, ...]) -> tuple[Expr, ...]:
    flat: list[Expr] = []
    for item in items:
        flat.extend(item.items if isinstance(item, kind) else (item,))
    return tuple(flat)


@v_args(inline=True)
class Builder(Transformer[Token, Query]):
    """Callbacks named after the grammar's rules and aliases."""

    def query(
        self,
        select: Token,
        items: tuple[SelectItem, ...],
        sobject: Token,
        where: Expr | None,
        group_by: tuple[FieldPath, ...] | None,
        order_by: tuple[OrderItem, ...] | None,
        limit: int | None,
        offset: int | None,
    ) -> Query:
        count = next((i for i in items if i == _COUNT_ROWS), None)
        if isinstance(count, Aggregate) and len(items) > 1:
            raise Rejection(
                _start(count.pos), "COUNT() must be the only element in the SELECT list"
            )
        return Query(
            select=items,
            sobject=sobject.value,
            where=where,
            group_by=group_by or (),
            order_by=order_by or (),
            limit=limit,
            offset=offset,
            pos=_pos(select),
            sobject_pos=_pos(sobject),
        )

    def select_list(self, *items: SelectItem) -> tuple[SelectItem, ...]:
        return items

    def field_item(self, path: FieldPath, alias: Token | None) -> FieldPath:
        if path.parts[0].upper() == "TYPEOF":
            raise Rejection(_start(path.pos), "TYPEOF is not supported by the local org")
        if alias is not None:
            raise Rejection(
                _offset(alias),
                f"field aliases ({path.dotted} {alias.value}) are not supported by the local "
                "org; only aggregate functions take an alias",
            )
        return path

    def call_item(self, call: Call, alias: Token | None) -> Aggregate:
        if call.name.value.upper() == "FIELDS":
            group = ", ".join(a.dotted for a in call.args if isinstance(a, FieldPath))
            raise Rejection(
                _offset(call.name), f"{call.name}({group}) is not supported by the local org"
            )
        aggregate = _aggregate(call)
        if alias is None:
            return aggregate
        if aggregate == _COUNT_ROWS:
            raise Rejection(_offset(alias), f"unexpected token: '{alias}'")
        return Aggregate(aggregate.function, aggregate.field, alias.value, aggregate.pos)

    def subquery(self, query: Query) -> SubQuery:
        return SubQuery(query)

    def field_path(self, *names: Token) -> FieldPath:
        return FieldPath(tuple(n.value for n in names), _pos(names[0]))

    def call(self, name: Token, *args: FieldPath | Call | Token | None) -> Call:
        return Call(name, tuple(a for a in args if a is not None))

    def where(self, expr: Expr) -> Expr:
        return expr

    def or_expr(self, *items: Expr) -> Or:
        return Or(_flatten(Or, items))

    def and_expr(self, *items: Expr) -> And:
        return And(_flatten(And, items))

    def negation(self, item: Expr) -> Not:
        return Not(item)

    def compare(self, lhs: FieldPath | Call, op: Token, value: Token) -> Comparison:
        operator = "!=" if op.value == "<>" else op.value
        return Comparison(_field_only(lhs, "WHERE"), operator, literals.literal_value(value))

    def like(self, lhs: FieldPath | Call, value: Token) -> Comparison:
        pattern = literals.literal_value(value, like=True)
        return Comparison(_field_only(lhs, "WHERE"), "LIKE", pattern)

    def in_(self, lhs: FieldPath | Call, values: tuple[Value, ...]) -> Comparison:
        return Comparison(_field_only(lhs, "WHERE"), "IN", values)

    def not_in(self, lhs: FieldPath | Call, values: tuple[Value, ...]) -> Comparison:
        return Comparison(_field_only(lhs, "WHERE"), "NOT IN", values)

    def includes(self, lhs: FieldPath | Call, values: tuple[Value, ...]) -> Comparison:
        return Comparison(_field_only(lhs, "WHERE"), "INCLUDES", values)

    def excludes(self, lhs: FieldPath | Call, values: tuple[Value, ...]) -> Comparison:
        return Comparison(_field_only(lhs, "WHERE"), "EXCLUDES", values)

    def in_list(self, *tokens: Token) -> tuple[Value, ...]:
        return tuple(literals.literal_value(t) for t in tokens)

    def semi_join(self, query: Query) -> tuple[Value, ...]:
        raise Rejection(
            _start(query.pos),
            "semi-join subqueries (IN (SELECT ...)) are not supported by the local org",
        )

    def group_by(self, *items: FieldPath | Call) -> tuple[FieldPath, ...]:
        return tuple(_field_only(i, "GROUP BY") for i in items)

    def order_by(self, *items: OrderItem) -> tuple[OrderItem, ...]:
        return items

    def order_item(
        self, target: FieldPath | Call, direction: Token | None, nulls: Token | None
    ) -> OrderItem:
        resolved = _aggregate(target) if isinstance(target, Call) else target
        descending = direction is not None and direction.value.upper() == "DESC"
        nulls_first = not descending if nulls is None else nulls.value.upper() == "FIRST"
        return OrderItem(resolved, descending, nulls_first)

    def limit(self, count: Token) -> int:
        return literals.count_value(count, "LIMIT")

    def offset(self, count: Token) -> int:
        return literals.count_value(count, "OFFSET")
