"""Fault injection for tests: 503 bursts, row locks, latency, dropped connections."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tier1_sync.localorg.errors import SalesforceError


@dataclass
class HttpFault:
    path_contains: str
    remaining: int
    kind: str = "unavailable"  # unavailable (503) or drop (close the connection)


@dataclass
class Faults:
    """What to break next. Shared by the HTTP layer (503, drops, latency) and the store (locks)."""

    http: list[HttpFault] = field(default_factory=list)
    locked_values: set[str] = field(default_factory=set)
    latency_seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, path_contains: str, count: int, kind: str = "unavailable") -> None:
        if kind not in {"unavailable", "drop"}:
            raise ValueError(f"unknown fault kind {kind!r}")
        with self._lock:
            self.http.append(HttpFault(path_contains, count, kind))

    def lock_rows(self, values: Iterable[str]) -> None:
        """Writes to records holding any of these values (an Id or a key) fail to lock."""
        with self._lock:
            self.locked_values |= set(values)

    def clear(self) -> None:
        with self._lock:
            self.http.clear()
            self.locked_values.clear()
            self.latency_seconds = 0.0

    def take_http(self, path: str) -> str | None:
        with self._lock:
            for fault in self.http:
                if fault.remaining > 0 and fault.path_contains in path:
                    fault.remaining -= 1
                    return fault.kind
        return None

    def check_lock(self, sobject: str, values: Mapping[str, Any]) -> None:
        if not self.locked_values:
            return
        hit = next(
            (v for v in values.values() if isinstance(v, str) and v in self.locked_values), None
        )
        if hit is not None:
            raise SalesforceError(
                400,
                "UNABLE_TO_LOCK_ROW",
                f"unable to obtain exclusive access to this record or 1 records: {hit}",
                [],
            )
