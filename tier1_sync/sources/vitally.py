"""`--source vitally`: accounts from Vitally's REST API (reference §3).

Auth: Basic with `VITALLY_API_TOKEN` as the user name and an empty password. Pagination:
`GET /resources/accounts?limit=100&sortBy=createdAt[&from=<cursor>]` until `next` is null.
Mapping (pure): `healthScore` 0-10 x 10 -> health 0-100 (raw kept); the Salesforce Account id
from the first valid value along `salesforce_id_paths`; as_of = the UTC date of `updatedAt`;
inbound / outbound message timestamps -> last customer contact / last CSM touch; one usage
record per account for `usage_module`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from pydantic import Field, field_validator

from tier1_sync.errors import JobFailed
from tier1_sync.sources.api import (
    ApiSource,
    Problems,
    count_at,
    first_account_id,
    score_of_ten,
    text_at,
    updated_on,
    usage_record,
)
from tier1_sync.sources.base import HealthRecord, RejectedRow, UsageRecord
from tier1_sync.sources.http import ApiClient, HttpSettings
from tier1_sync.sources.values import lookup, utc_date

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
    path = settings.account_key_path
    return text_at(problems, raw, path, f"the account has no {path}")


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
    missing = "the account has no healthScore (not scored in Vitally yet)"
    score = score_of_ten(problems, raw, "healthScore", missing)
    as_of = updated_on(problems, raw)
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
    return usage_record(
        problems, key=key, as_of=as_of, module=settings.usage_module, seats=seats, active=active
    )


class VitallySource(ApiSource[VitallySettings]):
    """Reads health and usage from Vitally (`--source vitally`)."""

    name = SOURCE
    platform = PLATFORM
    token_env = TOKEN_ENV
    auth_scheme = "Basic"
    settings_model = VitallySettings

    def pages(self) -> Iterator[list[Any]]:
        return pages(self.client, self.settings)

    def map_account(self, raw: Any, position: int) -> HealthRecord | RejectedRow:
        return map_account(raw, self.settings, position)

    def map_usage(self, raw: Any, position: int) -> UsageRecord | RejectedRow | None:
        return map_usage(raw, self.settings, position)
