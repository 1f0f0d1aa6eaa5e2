"""`--source vitally`: accounts from Vitally's REST API (reference §3).

Auth: Basic with `VITALLY_API_TOKEN` as the user name and an empty password. Pagination:
`GET /resources/accounts?limit=100&sortBy=createdAt[&from=<cursor>]` until `next` is null.
Mapping (pure): `healthScore` 0-10 x 10 -> health 0-100 (raw kept); the Salesforce Account id
from the first valid value along `salesforce_id_paths`; as_of = the UTC date of `updatedAt`;
inbound / outbound message timestamps -> last customer contact / last CSM touch; one usage
record per account for `usage_module`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal

import requests
from pydantic import Field, field_validator

from tier1_sync.errors import JobFailed
from tier1_sync.sources.api import Problems, count_at, environment, first_account_id, read_stream
from tier1_sync.sources.base import (
    HealthRecord,
    RejectedRow,
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
from tier1_sync.sources.values import BadValue, lookup, parse_key, parse_score, utc_date

PLATFORM = "Vitally"
SOURCE = "vitally"
TOKEN_ENV = "VITALLY_API_TOKEN"  # noqa: S105 - the variable's name, not a token
STREAM = "vitally:accounts"
ACCOUNTS = "/resources/accounts"


class VitallySettings(HttpSettings):
    """`[sources.vitally]` in tier1.toml."""

    base_url: str = Field(
        default="https://rest.vitally.io",
        description="e.g. https://acme.rest.vitally.io, or your EU host",
    )
    account_key_path: str = Field(default="id", description="the CS_Platform_Account_Id__c")
    salesforce_id_paths: list[str] = Field(default=["externalId", "traits.salesforce_id"])
    usage_module: str = Field(default="Platform", min_length=1, max_length=80)
    seats_trait: str = "traits.seats_purchased"
    active_users_trait: str = "traits.active_users_30d"
    page_size: int = Field(default=100, ge=1, le=100)
    status: Literal["active", "churned", "activeOrChurned"] | None = None

    @field_validator("base_url")
    @classmethod
    def _without_resources(cls, value: str) -> str:
        return value.removesuffix("/resources")


def _kept(settings: VitallySettings) -> tuple[str, ...]:
    """What a RejectedRow keeps of an account: ids, name and the mapped fields only."""
    paths = ("id", settings.account_key_path, "name", "healthScore", "updatedAt")
    return tuple(dict.fromkeys((*paths, *settings.salesforce_id_paths)))


def pages(client: ApiClient, settings: VitallySettings) -> Iterator[list[Any]]:
    """Pages of raw accounts, following the `next` cursor until it is null."""
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        params: dict[str, str | int] = {"limit": settings.page_size, "sortBy": "createdAt"}
        if settings.status:
            params["status"] = settings.status
        if cursor:
            params["from"] = cursor
        body = client.get_json(ACCOUNTS, params)
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(results, list):
            raise JobFailed(f"{PLATFORM} answered GET {ACCOUNTS} without a 'results' list.")
        yield results
        cursor = body.get("next")
        if not cursor:
            return
        if not isinstance(cursor, str) or cursor in seen:
            raise JobFailed(f"{PLATFORM} sent a cursor it had sent before: stopped paging.")
        seen.add(cursor)


def _key(raw: Mapping[str, Any], settings: VitallySettings, problems: Problems) -> str | None:
    value = lookup(raw, settings.account_key_path)
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.add(settings.account_key_path, f"the account has no {settings.account_key_path}")
        return None
    try:
        return parse_key(settings.account_key_path, value)
    except BadValue as exc:
        problems.add(settings.account_key_path, str(exc))
        return None


def map_account(
    raw: Any, settings: VitallySettings | None = None, position: int = 0
) -> HealthRecord | RejectedRow:
    """One Vitally account as a health record, or why it cannot be used."""
    settings = settings or VitallySettings()
    problems = Problems(STREAM, position, raw, _kept(settings))
    if not isinstance(raw, Mapping):
        problems.add("", "the account is not a JSON object")
        return problems.rejected()
    key = _key(raw, settings, problems)
    score: tuple[int, float] | None = None
    if raw.get("healthScore") is None:
        problems.add("healthScore", "the account has no healthScore (not scored in Vitally yet)")
    else:
        try:
            score = parse_score("healthScore", raw["healthScore"], top=10)
        except BadValue as exc:
            problems.add("healthScore", str(exc))
    as_of = utc_date(raw.get("updatedAt"))
    if as_of is None:
        problems.add("updatedAt", f"updatedAt {raw.get('updatedAt')!r} is not an ISO 8601 time")
    if problems.found or key is None or score is None or as_of is None:
        return problems.rejected()
    return HealthRecord(
        account_key=key,
        salesforce_account_id=first_account_id(raw, settings.salesforce_id_paths),
        as_of=as_of,
        health_score=score[0],
        raw_score=score[1],
        raw_scale="0-10",
        last_customer_contact=utc_date(raw.get("lastInboundMessageTimestamp")),
        last_csm_touch=utc_date(raw.get("lastOutboundMessageTimestamp")),
        origin=f"{STREAM}:{position}",
    )


def map_usage(
    raw: Any, settings: VitallySettings | None = None, position: int = 0
) -> UsageRecord | RejectedRow | None:
    """Seats and active users of the account as one usage record; None when it has neither."""
    settings = settings or VitallySettings()
    if not isinstance(raw, Mapping):
        return None  # map_account reports it
    problems = Problems(STREAM, position, raw, _kept(settings))
    key = _key(raw, settings, Problems(STREAM, position, {}, ()))
    as_of = utc_date(raw.get("updatedAt"))
    seats = count_at(problems, settings.seats_trait, lookup(raw, settings.seats_trait))
    active_path = settings.active_users_trait
    if lookup(raw, active_path) is None:
        active_path = "usersCount"
    active = count_at(problems, active_path, lookup(raw, active_path))
    if problems.found:
        return problems.rejected()
    if key is None or as_of is None or (seats is None and active is None):
        return None
    return UsageRecord(
        account_key=key,
        as_of=as_of,
        module=settings.usage_module,
        licensed_seats=seats,
        active_users=active,
        origin=f"{STREAM}:{position}",
    )


class VitallySource:
    """Reads health and usage from Vitally (`--source vitally`)."""

    name = SOURCE

    def __init__(
        self,
        options: SourceOptions,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.settings = load_settings(VitallySettings, options.settings, SOURCE)
        token = token_from_env(environment(options), TOKEN_ENV, PLATFORM)
        self.client = ApiClient(
            PLATFORM,
            SOURCE,
            self.settings,
            TokenAuth("Basic", token),
            TOKEN_ENV,
            session=session,
            sleep=sleep,
            jitter=jitter,
        )

    def __repr__(self) -> str:
        return f"VitallySource({self.client!r})"

    def read(self) -> SourceData:
        return read_stream(
            PLATFORM,
            self.client,
            pages(self.client, self.settings),
            lambda raw, position: map_account(raw, self.settings, position),
            lambda raw, position: map_usage(raw, self.settings, position),
        )
