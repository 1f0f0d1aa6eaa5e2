"""Reading one value: keys, dates, scores, counts, Salesforce ids, API timestamps.

Pure functions shared by the file source and the API connectors. Each raises `BadValue`
with a sentence a person can act on ("health_score 140 is outside 0-100"); the caller
decides whether that rejects the row.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from tier1_sync.salesforce.ids import normalise_account_id

KEY_MAX = 80  # CS_Platform_Account_Id__c and Module__c are Text(80)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NUMERIC = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


class BadValue(ValueError):
    """A value that cannot be used; str() is the reason, naming the field."""


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def shown(value: object) -> str:
    """A value as a message shows it: numbers bare, text quoted, long text cut."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    text = str(value).strip()
    if _NUMERIC.match(text):
        return text
    return repr(text if len(text) <= 40 else text[:37] + "...")


def parse_key(field: str, value: object) -> str:
    """An identifier such as an account key or a module name: text, at most 80 characters."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadValue(f"{field} {shown(value)} is not text")
    text = str(value).strip()
    if _CONTROL.search(text):
        raise BadValue(f"{field} {shown(text)} contains a line break or control character")
    if len(text) > KEY_MAX:
        raise BadValue(
            f"{field} is {len(text)} characters long; Salesforce holds at most {KEY_MAX}"
        )
    return text


def parse_date(field: str, value: object) -> dt.date:
    """A calendar date written YYYY-MM-DD, and nothing else (no 01/02/2024: is it Jan or Feb?)."""
    text = value.strip() if isinstance(value, str) else value
    if not isinstance(text, str) or not _DATE.match(text):
        raise BadValue(f"{field} {shown(value)} is not a date in the form YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise BadValue(f"{field} {text} is not a real date ({exc})") from None


def _number(field: str, value: object) -> Decimal:
    if isinstance(value, bool):
        raise BadValue(f"{field} {shown(value)} is not a number")
    text = value.strip() if isinstance(value, str) else value
    if not isinstance(text, str | int | float):
        raise BadValue(f"{field} {shown(value)} is not a number")
    try:
        number = Decimal(str(text))
    except InvalidOperation:
        raise BadValue(f"{field} {shown(value)} is not a number") from None
    if not number.is_finite():
        raise BadValue(f"{field} {shown(value)} is not a number")
    return number


def parse_score(field: str, value: object, top: int = 100) -> tuple[int, float]:
    """A score on 0..`top` as (0-100 integer, raw value); decimals round half up."""
    number = _number(field, value)
    if not 0 <= number <= top:
        raise BadValue(f"{field} {shown(value)} is outside 0-{top}")
    scaled = (number * (100 // top)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(scaled), float(number)


def parse_count(field: str, value: object) -> int:
    """A whole number of seats or users, 0 or more."""
    number = _number(field, value)
    if number != number.to_integral_value():
        raise BadValue(f"{field} {shown(value)} is not a whole number")
    if number < 0:
        raise BadValue(f"{field} {shown(value)} is negative")
    return int(number)


def parse_account_id(field: str, value: object) -> str:
    """A Salesforce Account id (15 or 18 characters) as 18 characters."""
    text = value.strip() if isinstance(value, str) else value
    if not isinstance(text, str):
        raise BadValue(f"{field} {shown(value)} is not a Salesforce Account id")
    try:
        return normalise_account_id(text)
    except ValueError as exc:
        raise BadValue(f"{field} {shown(text)} {exc}") from None


def utc_date(value: object) -> dt.date | None:
    """The UTC calendar date of an ISO 8601 timestamp (or a bare date); None if unreadable.

    A timestamp without an offset is taken as UTC.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        if _DATE.match(text):
            return dt.date.fromisoformat(text)
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is None:
        return stamp.date()
    return stamp.astimezone(dt.UTC).date()


def lookup(payload: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path; keys may hold dots themselves (`traits.vitally.custom.tier`).

    The longest key that matches wins at each level; None when nothing is there.
    """
    if path in payload:
        return payload[path]
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head, rest = ".".join(parts[:cut]), ".".join(parts[cut:])
        inner = payload.get(head)
        if isinstance(inner, Mapping):
            found = lookup(inner, rest)
            if found is not None:
                return found
    return None


def subset(payload: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """A few named values of a payload, for a RejectedRow's `raw` (never the whole record)."""
    picked: dict[str, Any] = {}
    for path in paths:
        value = lookup(payload, path)
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            picked[path] = value
    return picked
