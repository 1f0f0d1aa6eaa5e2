"""The local org's SOQL parser: text in, a typed AST out, no I/O.

`parse_soql(text)` accepts the SOQL subset the local org executes and raises `SoqlError`
(error code MALFORMED_QUERY, message in Salesforce's layout) for anything else, naming the
unsupported part rather than dropping it.
"""

from tier1_sync.localorg.soql.ast import (
    AGGREGATE_FUNCTIONS,
    OPERATORS,
    Aggregate,
    And,
    Comparison,
    DateLiteral,
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
    like_regex,
)
from tier1_sync.localorg.soql.errors import SoqlError, format_error_message
from tier1_sync.localorg.soql.parser import parse_soql

__all__ = [
    "AGGREGATE_FUNCTIONS",
    "OPERATORS",
    "Aggregate",
    "And",
    "Comparison",
    "DateLiteral",
    "Expr",
    "FieldPath",
    "Not",
    "Or",
    "OrderItem",
    "Position",
    "Query",
    "SelectItem",
    "SoqlError",
    "SubQuery",
    "Value",
    "format_error_message",
    "like_regex",
    "parse_soql",
]
