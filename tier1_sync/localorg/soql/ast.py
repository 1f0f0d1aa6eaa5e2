"""The typed syntax tree of a SOQL query, as frozen dataclasses.

Identifiers keep the case they were written in; the executor matches them case-insensitively.
Source positions (`pos`) are carried for error messages and never take part in equality.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

AGGREGATE_FUNCTIONS = frozenset({"COUNT", "COUNT_DISTINCT", "MAX", "MIN", "SUM", "AVG"})
OPERATORS = frozenset(
    {"=", "!=", "<", ">", "<=", ">=", "LIKE", "IN", "NOT IN", "INCLUDES", "EXCLUDES"}
)
LIST_OPERATORS = frozenset({"IN", "NOT IN", "INCLUDES", "EXCLUDES"})


@dataclass(frozen=True, slots=True)
class Position:
    """Where a part of the query starts: 1-based line and column (as Salesforce reports them)
    and the 0-based character offset."""

    line: int
    column: int
    offset: int = 0


@dataclass(frozen=True, slots=True)
class FieldPath:
    """`Name`, or a parent relationship path such as `Account__r.Owner.Name`."""

    parts: tuple[str, ...]
    pos: Position | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True, slots=True)
class Aggregate:
    """`COUNT()`, `COUNT(Id)`, `MAX(ActivityDate) lastTouch`; `function` is upper-case."""

    function: str
    field: FieldPath | None
    alias: str | None = None
    pos: Position | None = dataclasses.field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class DateLiteral:
    """A relative date: `TODAY`, `YESTERDAY`, `TOMORROW`, `LAST_N_DAYS:n`, `NEXT_N_DAYS:n`."""

    name: str
    n: int | None = None


Value = str | int | Decimal | bool | None | dt.date | dt.datetime | DateLiteral


@dataclass(frozen=True, slots=True)
class Comparison:
    """`field op value`; `value` is a tuple for IN, NOT IN, INCLUDES and EXCLUDES.

    Strings are unescaped, except that a LIKE pattern keeps `\\%`, `\\_` and `\\\\` escaped so a
    literal `%`, `_` or backslash stays distinguishable from a wildcard: match it with
    `like_regex`. Outside LIKE, `\\%` and `\\_` unescape to `%` and `_`.
    """

    field: FieldPath
    op: str
    value: Value | tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Expr


Expr = Comparison | And | Or | Not


@dataclass(frozen=True, slots=True)
class OrderItem:
    """One ORDER BY item; the NULLS default (FIRST for ASC, LAST for DESC) is resolved.

    An alias (`ORDER BY lastTouch`) arrives as a one-part `FieldPath`.
    """

    target: FieldPath | Aggregate
    descending: bool = False
    nulls_first: bool = True


@dataclass(frozen=True, slots=True)
class SubQuery:
    """A child relationship query in the SELECT list; `query.sobject` is the relationship name."""

    query: Query


SelectItem = FieldPath | Aggregate | SubQuery


@dataclass(frozen=True, slots=True)
class Query:
    select: tuple[SelectItem, ...]
    sobject: str
    where: Expr | None = None
    group_by: tuple[FieldPath, ...] = ()
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None
    pos: Position | None = dataclasses.field(default=None, compare=False, repr=False)
    sobject_pos: Position | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def is_count_only(self) -> bool:
        """True for `SELECT COUNT() FROM ...`, which answers with totalSize and no records."""
        return len(self.select) == 1 and self.select[0] == Aggregate("COUNT", None)

    @property
    def is_aggregate(self) -> bool:
        """True when the query answers with AggregateResult rows (aggregates or GROUP BY)."""
        if self.is_count_only:
            return False
        return bool(self.group_by) or any(isinstance(i, Aggregate) for i in self.select)


_LIKE_TOKEN = re.compile(r"\\(.)|(%)|(_)|([^\\%_]+)", re.DOTALL)


def like_regex(pattern: str) -> re.Pattern[str]:
    """Compile a LIKE pattern as Salesforce matches it; use `.fullmatch(value)`.

    Matching is case-insensitive. `%` is any run of characters, `_` is one character, and
    `\\%`, `\\_`, `\\\\` are literals.
    """
    out: list[str] = []
    for escaped, percent, underscore, plain in _LIKE_TOKEN.findall(pattern):
        if escaped:
            out.append(re.escape(escaped))
        elif percent:
            out.append(".*")
        elif underscore:
            out.append(".")
        else:
            out.append(re.escape(plain))
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)
