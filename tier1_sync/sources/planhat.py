"""`--source planhat`: companies from Planhat's API (reference §5).

Auth: `Authorization: Bearer <PLANHAT_API_TOKEN>`. Pagination: `GET /companies?limit=&offset=`
answers a bare JSON array; a page shorter than the limit is the last. Mapping (pure): `h` 0-10
x 10 -> health 0-100 (raw kept); the Salesforce Account id from `salesforce_id_field`
(default `sourceId`, which Planhat fills from its Salesforce integration); as_of = the UTC date
of `updatedAt`; `lastTouch` / `nextTouchDate` -> last / next CSM touch; usage from the
`usage{}` map (active users) and `custom{}` (seats). `lastActive` is product use, not a
customer-initiated contact, so last_customer_contact comes only from a configured field.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import Field

from tier1_sync.errors import JobFailed
from tier1_sync.sources.api import (
    ApiSource,
    Problems,
    count_at,
    score_of_ten,
    text_at,
    updated_on,
    usage_record,
)
from tier1_sync.sources.base import HealthRecord, RejectedRow, UsageRecord
from tier1_sync.sources.http import ApiClient, HttpSettings
from tier1_sync.sources.values import BadValue, lookup, parse_account_id, utc_date

PLATFORM = "Planhat"
SOURCE = "planhat"
TOKEN_ENV = "PLANHAT_API_TOKEN"  # noqa: S105 - the variable's name, not a token
STREAM = "planhat:companies"
COMPANIES = "/companies"


class PlanhatSettings(HttpSettings):
    """`[sources.planhat]` in tier1.toml."""

    base_url: str = Field(
        default="https://api.planhat.com", description="e.g. https://api-us4.planhat.com"
    )
    page_size: int = Field(default=5000, ge=1, le=5000)
    account_key_field: str = Field(default="_id", description="the CS_Platform_Account_Id__c")
    salesforce_id_field: str = Field(
        default="sourceId", description='the Salesforce Account id; "" when Planhat has none'
    )
    last_customer_contact_field: str | None = Field(
        default=None, description="a field holding the last customer-initiated contact, if any"
    )
    usage_module: str = Field(default="Platform", min_length=1, max_length=80)
    active_users_key: str = Field(default="activeusers30d", description="a key of usage{}")
    seats_key: str = Field(default="Seats Purchased", description="a key of custom{}")


def _kept(settings: PlanhatSettings) -> tuple[str, ...]:
    """What a RejectedRow keeps of a company: ids, name and the mapped fields only."""
    paths = ("_id", settings.account_key_field, "name", "externalId", settings.salesforce_id_field)
    return tuple(dict.fromkeys(p for p in (*paths, "h", "updatedAt") if p))


def pages(client: ApiClient, settings: PlanhatSettings) -> Iterator[list[Any]]:
    """Pages of raw companies by offset, until a page is shorter than the limit."""
    offset = 0
    previous_first: object = None
    while True:
        params = {"limit": settings.page_size, "offset": offset}
        body = client.get_json(COMPANIES, params)
        if not isinstance(body, list):
            kind = type(body).__name__
            raise JobFailed(f"{PLATFORM} answered GET {COMPANIES} with a JSON {kind}, not a list.")
        first = body[0].get("_id") if body and isinstance(body[0], dict) else None
        if first is not None and first == previous_first:
            raise JobFailed(f"{PLATFORM} sent the same page twice (offset {offset}): stopped.")
        previous_first = first
        yield body
        if len(body) < settings.page_size:
            return
        offset += settings.page_size


def map_account(
    raw: Any, settings: PlanhatSettings | None = None, position: int = 0
) -> HealthRecord | RejectedRow:
    """One Planhat company as a health record, or why it cannot be used."""
    settings = settings or PlanhatSettings()
    problems = Problems(STREAM, position, raw, _kept(settings))
    if not isinstance(raw, Mapping):
        problems.add("", "the company is not a JSON object")
        return problems.rejected()
    key_field = settings.account_key_field
    key = text_at(problems, raw, key_field, f"the company has no {key_field}")
    sf_field = settings.salesforce_id_field
    sf_id = text_at(problems, raw, sf_field) if sf_field else None
    if sf_id is not None:
        try:
            sf_id = parse_account_id(sf_field, sf_id)
        except BadValue as exc:
            problems.add(sf_field, str(exc))
    score = score_of_ten(problems, raw, "h", "the company has no health score h")
    as_of = updated_on(problems, raw)
    if problems.found or key is None or score is None or as_of is None:
        return problems.rejected()
    contact_field = settings.last_customer_contact_field
    return HealthRecord(
        account_key=key,
        salesforce_account_id=sf_id,
        as_of=as_of,
        health_score=score[0],
        raw_score=score[1],
        raw_scale="0-10",
        last_customer_contact=utc_date(lookup(raw, contact_field)) if contact_field else None,
        last_csm_touch=utc_date(raw.get("lastTouch")),
        next_csm_touch=utc_date(raw.get("nextTouchDate")),
        origin=f"{STREAM}:{position}",
    )


def _inner(raw: Mapping[str, Any], name: str, key: str) -> object:
    inner = raw.get(name)
    return inner.get(key) if isinstance(inner, Mapping) else None


def map_usage(
    raw: Any, settings: PlanhatSettings | None = None, position: int = 0
) -> UsageRecord | RejectedRow | None:
    """Seats and active users of the company as one usage record; None when it has neither."""
    settings = settings or PlanhatSettings()
    if not isinstance(raw, Mapping):
        return None  # map_account reports it
    problems = Problems(STREAM, position, raw, _kept(settings))
    key = text_at(Problems(STREAM, position, {}, ()), raw, settings.account_key_field)
    as_of = utc_date(raw.get("updatedAt"))
    seats_path = f"custom.{settings.seats_key}"
    seats = count_at(problems, seats_path, _inner(raw, "custom", settings.seats_key))
    active_path = f"usage.{settings.active_users_key}"
    active = count_at(problems, active_path, _inner(raw, "usage", settings.active_users_key))
    return usage_record(
        problems, key=key, as_of=as_of, module=settings.usage_module, seats=seats, active=active
    )


class PlanhatSource(ApiSource[PlanhatSettings]):
    """Reads health and usage from Planhat (`--source planhat`)."""

    name = SOURCE
    platform = PLATFORM
    token_env = TOKEN_ENV
    auth_scheme = "Bearer"
    settings_model = PlanhatSettings

    def pages(self) -> Iterator[list[Any]]:
        return pages(self.client, self.settings)

    def map_account(self, raw: Any, position: int) -> HealthRecord | RejectedRow:
        return map_account(raw, self.settings, position)

    def map_usage(self, raw: Any, position: int) -> UsageRecord | RejectedRow | None:
        return map_usage(raw, self.settings, position)
