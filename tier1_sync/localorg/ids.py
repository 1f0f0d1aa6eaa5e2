"""Ids the local org mints. The id arithmetic (checksum suffix, 15 → 18) is in salesforce/ids.py."""

from __future__ import annotations

import itertools
import threading

from tier1_sync.salesforce.ids import checksum_suffix, looks_like_id, to_18

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ORG_ID = "00D000000000001AAA"
__all__ = ["ORG_ID", "IdFactory", "checksum_suffix", "looks_like_id", "to_18"]


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
