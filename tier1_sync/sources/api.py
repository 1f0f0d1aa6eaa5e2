"""What the API connectors share: the connector class, value and reject helpers, the read loop.

Each connector is an `ApiSource` that names its platform, token variable, auth scheme and
settings model, and supplies a paginator (pages of raw accounts) and two pure mappers (raw
account -> health record, raw account -> usage record); `read_stream` puts them together into
one `SourceData`, counting rows and API calls.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Generic, Literal, TypeVar

import requests

from tier1_sync.sources.base import (
    HealthRecord,
    RejectedRow,
    SharedValues,
    SourceData,
    SourceOptions,
    UsageRecord,
)
from tier1_sync.sources.http import (
    ApiClient,
    HttpSettings,
    TokenAuth,
    load_settings,
    token_from_env,
)
from tier1_sync.sources.values import (
    BadValue,
    is_blank,
    lookup,
    parse_account_id,
    parse_count,
    parse_key,
    parse_score,
    subset,
    utc_date,
)

HealthMapper = Callable[[Any, int], HealthRecord | RejectedRow]
UsageMapper = Callable[[Any, int], UsageRecord | RejectedRow | None]
S = TypeVar("S", bound=HttpSettings)
T = TypeVar("T")


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


def _parse_at(
    problems: Problems, path: str, value: object, parse: Callable[[str, object], T], missing: str
) -> T | None:
    """`value` parsed, or None: noting `missing` (if any) when it is blank, or why it is bad."""
    if is_blank(value):
        if missing:
            problems.add(path, missing)
        return None
    return _parsed(problems, path, value, parse)


def _parsed(
    problems: Problems, path: str, value: object, parse: Callable[[str, object], T]
) -> T | None:
    try:
        return parse(path, value)
    except BadValue as exc:
        problems.add(path, str(exc))
        return None


def text_at(problems: Problems, raw: Mapping[str, Any], path: str, missing: str = "") -> str | None:
    """The key or id at `path`, or None (noting `missing` when it is blank, or why it is bad)."""
    return _parse_at(problems, path, lookup(raw, path), parse_key, missing)


def count_at(problems: Problems, path: str, value: object) -> int | None:
    """A seat or user count, or None (noting the problem) when it is not a whole number >= 0."""
    return _parse_at(problems, path, value, parse_count, "")


def score_of_ten(
    problems: Problems, raw: Mapping[str, Any], field: str, missing: str
) -> tuple[int, float] | None:
    """A 0-10 health score as (0-100, raw), or None, noting why (`missing` if it is absent)."""
    if raw.get(field) is None:
        problems.add(field, missing)
        return None
    return _parsed(
        problems, field, raw[field], lambda path, value: parse_score(path, value, top=10)
    )


def updated_on(problems: Problems, raw: Mapping[str, Any]) -> dt.date | None:
    """The UTC date of `updatedAt`, or None (noting that it is not an ISO 8601 time)."""
    as_of = utc_date(raw.get("updatedAt"))
    if as_of is None:
        problems.add("updatedAt", f"updatedAt {raw.get('updatedAt')!r} is not an ISO 8601 time")
    return as_of


def usage_record(
    problems: Problems,
    *,
    key: str | None,
    as_of: dt.date | None,
    module: str,
    seats: int | None,
    active: int | None,
) -> UsageRecord | RejectedRow | None:
    """The checked values as one usage record; rejected on a problem; None when one is missing.

    Missing means no key, no date, or neither count: the account simply has no usage.
    """
    if problems.found:
        return problems.rejected()
    if key is None or as_of is None or (seats is None and active is None):
        return None
    return UsageRecord(
        account_key=key,
        as_of=as_of,
        module=module,
        licensed_seats=seats,
        active_users=active,
        origin=f"{problems.stream}:{problems.position}",
    )


def read_stream(
    source: str,
    client: ApiClient,
    pages: Iterable[list[Any]],
    health: HealthMapper,
    usage: UsageMapper,
) -> SourceData:
    """Every account of every page through the mappers; an account seen twice counts once."""
    data = SourceData(source=source)
    shared = SharedValues()  # one object per equal key and date across the accounts
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
                shared.share(record)
                data.health.append(record)
            else:
                data.rejected.append(record)
            used = usage(raw, position)
            if isinstance(used, UsageRecord):
                shared.share(used)
                data.usage.append(used)
            elif used is not None:
                data.rejected.append(used)
    data.api_calls = client.calls
    return data


class ApiSource(ABC, Generic[S]):
    """A connector over one platform's API: its settings, token and client, and `read`."""

    name: str  # as tier1.toml says it: [sources.vitally]
    platform: ClassVar[str]  # as people say it: "Vitally"
    token_env: ClassVar[str]
    auth_scheme: ClassVar[Literal["Basic", "Bearer"]]
    settings_model: type[S]

    def __init__(
        self,
        options: SourceOptions,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.settings = load_settings(self.settings_model, options.settings, self.name)
        token = token_from_env(environment(options), self.token_env, self.platform)
        self.client = ApiClient(
            self.platform,
            self.name,
            self.settings,
            TokenAuth(self.auth_scheme, token),
            self.token_env,
            session=session,
            sleep=sleep,
            jitter=jitter,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.client!r})"

    @abstractmethod
    def pages(self) -> Iterator[list[Any]]:
        """Pages of raw accounts from the platform."""

    @abstractmethod
    def map_account(self, raw: Any, position: int) -> HealthRecord | RejectedRow:
        """One raw account as a health record, or why it cannot be used."""

    @abstractmethod
    def map_usage(self, raw: Any, position: int) -> UsageRecord | RejectedRow | None:
        """One raw account as a usage record, why it cannot be used, or None without usage."""

    def read(self) -> SourceData:
        return read_stream(
            self.platform, self.client, self.pages(), self.map_account, self.map_usage
        )
