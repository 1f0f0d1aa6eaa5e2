"""Salesforce record ids: 15 case-sensitive characters plus a 3-character checksum suffix."""

from __future__ import annotations

import itertools
import re
import threading

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ORG_ID = "00D000000000001AAA"
_ID_PATTERN = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")


def checksum_suffix(id15: str) -> str:
    """The suffix Salesforce appends to make an id case-insensitively unique."""
    suffix = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        suffix += _ALPHABET[bits]
    return suffix


def to_18(record_id: str) -> str:
    """A 15- or 18-character id as 18 characters; ValueError if it is not an id."""
    if not _ID_PATTERN.match(record_id):
        raise ValueError(f"not a Salesforce id: {record_id!r}")
    if len(record_id) == 18:
        return record_id[:15] + checksum_suffix(record_id[:15])
    return record_id + checksum_suffix(record_id)


def looks_like_id(value: str) -> bool:
    return bool(_ID_PATTERN.match(value))


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, rem = divmod(number, 62)
        digits.append(_BASE62[rem])
    return "".join(reversed(digits))


class IdFactory:
    """Thread-safe ids per key prefix: `<prefix>` + pod `5g` + a counter, 18 characters."""

    def __init__(self, start: int = 1) -> None:
        self._counter = itertools.count(start)
        self._lock = threading.Lock()

    def advance_past(self, value: int) -> None:
        with self._lock:
            current = next(self._counter)
            self._counter = itertools.count(max(current, value + 1))

    def new(self, key_prefix: str) -> str:
        with self._lock:
            number = next(self._counter)
        id15 = key_prefix + "5g" + _base62(number, 10)
        return id15 + checksum_suffix(id15)

    @staticmethod
    def sequence_of(record_id: str) -> int:
        value = 0
        for ch in record_id[5:15]:
            value = value * 62 + _BASE62.index(ch)
        return value
