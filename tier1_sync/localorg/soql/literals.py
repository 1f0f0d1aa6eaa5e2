"""Turning SOQL literal tokens into Python values (strings, numbers, dates, date literals)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from lark import Token

from tier1_sync.localorg.soql.ast import DateLiteral, Value
from tier1_sync.localorg.soql.errors import Rejection

_ESCAPES = {
    "'": "'",
    '"': '"',
    "\\": "\\",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
    "_": "_",
    "%": "%",
}
_LIKE_KEPT = frozenset({"\\", "_", "%"})
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):?(\d{2}))?"
)

SUPPORTED_DATE_LITERALS = frozenset({"TODAY", "YESTERDAY", "TOMORROW"})
SUPPORTED_DATE_N_LITERALS = frozenset({"LAST_N_DAYS", "NEXT_N_DAYS"})
_OTHER_DATE_LITERALS = frozenset(
    f"{when}_{unit}"
    for when in ("THIS", "LAST", "NEXT")
    for unit in ("WEEK", "MONTH", "QUARTER", "YEAR", "FISCAL_QUARTER", "FISCAL_YEAR")
) | {"LAST_90_DAYS", "NEXT_90_DAYS"}
_OTHER_DATE_N_LITERALS = frozenset(
    name
    for unit in ("WEEKS", "MONTHS", "QUARTERS", "YEARS", "FISCAL_QUARTERS", "FISCAL_YEARS")
    for name in (f"LAST_N_{unit}", f"NEXT_N_{unit}", f"N_{unit}_AGO")
) | {"N_DAYS_AGO"}


def string_value(token: Token, *, like: bool = False) -> str:
    """Unescape a quoted string; a LIKE pattern keeps `\\\\`, `\\_` and `\\%` escaped."""
    body = str(token)[1:-1]
    if "\\" not in body:
        return body
    start = token.start_pos or 0

    def unescape(match: re.Match[str]) -> str:
        char = match.group(1)
        if char not in _ESCAPES:
            raise Rejection(
                start + 1 + match.start(),
                f"Illegal character sequence '\\{char}' in string literal.",
            )
        if like and char in _LIKE_KEPT:
            return match.group(0)
        return _ESCAPES[char]

    return _ESCAPE.sub(unescape, body)


def number_value(token: Token) -> int | Decimal:
    text = token.value
    if "." in text:
        return Decimal(text)
    return int(text)


def count_value(token: Token, clause: str) -> int:
    """The number after LIMIT or OFFSET: a plain non-negative integer."""
    if token.type == "BIND":
        raise bind_rejection(token)
    if not token.value.isdigit():
        raise Rejection(token.start_pos or 0, f"{clause} must be a non-negative integer")
    return int(token.value)


def temporal_value(token: Token) -> dt.date | dt.datetime:
    text = token.value
    start = token.start_pos or 0
    try:
        if match := _DATE.fullmatch(text):
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        match = _DATETIME.fullmatch(text)
        if match is None:
            raise ValueError(text)
        if match.group(8) is None and match.group(9) is None:
            raise Rejection(
                start,
                f"invalid datetime literal '{text}': it needs a time zone (Z or +hh:mm)",
            )
        return _datetime(match)
    except ValueError:
        raise Rejection(start, f"invalid date or datetime literal '{text}'") from None


def _datetime(match: re.Match[str]) -> dt.datetime:
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    micro = int((match.group(7) or "0").ljust(6, "0")[:6])
    tz = dt.UTC
    if match.group(9):
        offset = dt.timedelta(hours=int(match.group(10)), minutes=int(match.group(11)))
        if offset:
            tz = dt.timezone(-offset if match.group(9) == "-" else offset)
    return dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)


def name_value(token: Token) -> Value:
    """An unquoted word on the right-hand side: true, false, null or a date literal."""
    lowered: str = token.value.lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    if lowered == "null":
        return None
    upper = token.value.upper()
    if upper in SUPPORTED_DATE_LITERALS:
        return DateLiteral(upper)
    if upper in _OTHER_DATE_LITERALS:
        raise Rejection(
            token.start_pos or 0, f"date literal {upper} is not supported by the local org"
        )
    raise Rejection(token.start_pos or 0, f"unexpected token: '{token.value}'")


def name_n_value(token: Token) -> DateLiteral:
    """`LAST_N_DAYS:30` and `NEXT_N_DAYS:7`."""
    name, _, n = token.value.partition(":")
    upper = name.upper()
    if upper in SUPPORTED_DATE_N_LITERALS:
        return DateLiteral(upper, int(n))
    if upper in _OTHER_DATE_N_LITERALS:
        raise Rejection(
            token.start_pos or 0, f"date literal {upper}:n is not supported by the local org"
        )
    raise Rejection(token.start_pos or 0, f"unexpected token: '{token.value}'")


def bind_rejection(token: Token) -> Rejection:
    return Rejection(
        token.start_pos or 0,
        f"bind variables ({token.value}) are not supported by the local org",
    )


def literal_value(token: Token, *, like: bool = False) -> Value:
    """Any right-hand-side token as its Python value."""
    kind = token.type
    if kind == "STRING":
        return string_value(token, like=like)
    if like:
        raise Rejection(token.start_pos or 0, f"LIKE needs a quoted string, not {token.value}")
    if kind == "NUMBER":
        return number_value(token)
    if kind == "TEMPORAL":
        return temporal_value(token)
    if kind == "NAME_N":
        return name_n_value(token)
    if kind == "BIND":
        raise bind_rejection(token)
    return name_value(token)
