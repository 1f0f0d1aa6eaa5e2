"""What the API connectors share: the environment, a reject helper and the read loop.

Each connector supplies a paginator (pages of raw accounts) and two pure mappers (raw account
-> health record, raw account -> usage record); `read_stream` puts them together into one
`SourceData`, counting rows and API calls.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from tier1_sync.sources.base import (
    HealthRecord,
    RejectedRow,
    SourceData,
    SourceOptions,
    UsageRecord,
)
from tier1_sync.sources.http import ApiClient
from tier1_sync.sources.values import BadValue, lookup, parse_account_id, parse_count, subset

HealthMapper = Callable[[Any, int], HealthRecord | RejectedRow]
UsageMapper = Callable[[Any, int], UsageRecord | RejectedRow | None]


def environment(options: SourceOptions) -> Mapping[str, str]:
    """The variables given in the options, else the process environment."""
    return options.env or os.environ


class Problems:
    """The reasons one raw account cannot be used, gathered into one RejectedRow."""

    def __init__(self, stream: str, position: int, raw: Any, keep: Sequence[str]) -> None:
        self.stream = stream
        self.position = position
        self.raw = subset(raw, keep) if isinstance(raw, Mapping) else {"value": str(raw)[:80]}
        self.found: list[tuple[str, str]] = []

    def add(self, field: str, reason: str) -> None:
        self.found.append((field, reason))

    def rejected(self) -> RejectedRow:
        return RejectedRow(
            file=self.stream,
            line=self.position,
            field=self.found[0][0],
            reason="; ".join(reason for _, reason in self.found),
            raw=self.raw,
        )


def first_account_id(raw: Mapping[str, Any], paths: Iterable[str]) -> str | None:
    """The first value along `paths` that is a valid Salesforce Account id, as 18 characters."""
    for path in paths:
        value = lookup(raw, path)
        if isinstance(value, str) and value.strip():
            try:
                return parse_account_id(path, value)
            except BadValue:
                continue
    return None


def count_at(problems: Problems, path: str, value: object) -> int | None:
    """A seat or user count, or None (noting the problem) when it is not a whole number >= 0."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_count(path, value)
    except BadValue as exc:
        problems.add(path, str(exc))
        return None


def read_stream(
    source: str,
    client: ApiClient,
    pages: Iterable[list[Any]],
    health: HealthMapper,
    usage: UsageMapper,
) -> SourceData:
    """Every account of every page through the mappers; an account seen twice counts once."""
    data = SourceData(source=source)
    seen: set[str] = set()
    position = 0
    for page in pages:
        for raw in page:
            position += 1
            data.rows_read += 1
            record = health(raw, position)
            if isinstance(record, HealthRecord):
                key = record.account_key.casefold()
                if key in seen:  # offset paging while data changes can repeat an account
                    data.rows_read -= 1
                    continue
                seen.add(key)
                data.health.append(record)
            else:
                data.rejected.append(record)
            used = usage(raw, position)
            if isinstance(used, UsageRecord):
                data.usage.append(used)
            elif used is not None:
                data.rejected.append(used)
    data.api_calls = client.calls
    return data
