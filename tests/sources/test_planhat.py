"""`--source planhat`: offset pagination over a bare array, Bearer auth, the company mapping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from responses import matchers

from tier1_sync.errors import JobFailed
from tier1_sync.sources.base import HealthRecord, RejectedRow, SourceOptions, UsageRecord
from tier1_sync.sources.planhat import PlanhatSettings, PlanhatSource, map_account, map_usage

from .payloads import TOKEN, account_id, planhat_company

BASE = "https://api-us4.planhat.com"
URL = f"{BASE}/companies"


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


def source(**settings: Any) -> PlanhatSource:
    options = SourceOptions(
        settings={"base_url": BASE, **settings}, env={"PLANHAT_API_TOKEN": TOKEN}
    )
    return PlanhatSource(options, sleep=lambda _: None)


def register(api: responses.RequestsMock, limit: int, pages: list[list[int]]) -> None:
    for index, numbers in enumerate(pages):
        api.get(
            URL,
            json=[planhat_company(n) for n in numbers],
            match=[
                matchers.query_param_matcher({"limit": str(limit), "offset": str(index * limit)})
            ],
        )


def test_reads_pages_until_one_is_shorter_than_the_limit(api: responses.RequestsMock) -> None:
    register(api, 2, [[1, 2], [3, 4], [5]])
    data = source(page_size=2).read()
    assert [h.account_key[-4:] for h in data.health] == ["0001", "0002", "0003", "0004", "0005"]
    assert (data.source, data.rows_read, data.api_calls, len(data.usage)) == ("Planhat", 5, 3, 5)


def test_a_last_page_that_is_exactly_full_is_followed_by_an_empty_one(
    api: responses.RequestsMock,
) -> None:
    register(api, 2, [[1, 2], [3, 4], []])
    assert len(source(page_size=2).read().health) == 4


def test_the_default_page_is_5000_and_the_token_a_bearer(api: responses.RequestsMock) -> None:
    register(api, 5000, [[1]])
    source().read()
    assert api.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_company_repeated_across_pages_counts_once(api: responses.RequestsMock) -> None:
    register(api, 2, [[1, 2], [2, 3], []])
    data = source(page_size=2).read()
    assert (len(data.health), len(data.usage), data.rows_read) == (3, 3, 3)


def test_an_answer_that_is_not_a_list_is_a_job_failure(api: responses.RequestsMock) -> None:
    api.get(URL, json={"error": "nope"})
    with pytest.raises(JobFailed, match="with a JSON dict, not a list"):
        source().read()


def test_maps_the_documented_company() -> None:
    record = map_account(planhat_company(1), position=5)
    assert isinstance(record, HealthRecord)
    assert record.account_key == "65a1f0c2e4b0a1b2c3d40001"
    assert record.salesforce_account_id == account_id(1)
    assert (record.health_score, record.raw_score, record.raw_scale) == (70, 7.0, "0-10")
    assert record.as_of == dt.date(2026, 11, 30)
    assert record.last_csm_touch == dt.date(2026, 11, 27)
    assert record.next_csm_touch == dt.date(2026, 12, 9)
    assert record.last_customer_contact is None  # lastActive is product use, not contact
    assert record.origin == "planhat:companies:5"


def test_last_customer_contact_comes_from_a_configured_field() -> None:
    raw = planhat_company(1, custom={"Last Inbound": "2026-11-26T08:00:00Z"})
    settings = PlanhatSettings(last_customer_contact_field="custom.Last Inbound")
    record = map_account(raw, settings)
    assert isinstance(record, HealthRecord)
    assert record.last_customer_contact == dt.date(2026, 11, 26)


def test_a_15_character_source_id_becomes_18() -> None:
    record = map_account(planhat_company(2, sourceId=account_id(2)[:15]))
    assert isinstance(record, HealthRecord)
    assert record.salesforce_account_id == account_id(2)
    record = map_account(planhat_company(2, sourceId=None))
    assert isinstance(record, HealthRecord)
    assert record.salesforce_account_id is None


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"h": None}, "h", "no health score h"),
        ({"h": 12}, "h", "h 12 is outside 0-10"),
        ({"sourceId": "0015g00000AbCdEAAZ"}, "sourceId", "checksum suffix AAZ"),
        ({"sourceId": "hubspot-991"}, "sourceId", "is not a Salesforce id"),
        ({"updatedAt": None}, "updatedAt", "None is not an ISO 8601 time"),
    ],
)
def test_companies_that_cannot_be_mapped_are_rejected(
    changes: dict[str, Any], field: str, reason: str
) -> None:
    rejected = map_account(planhat_company(1, **changes), position=9)
    assert isinstance(rejected, RejectedRow)
    assert (rejected.file, rejected.line, rejected.field) == ("planhat:companies", 9, field)
    assert reason in rejected.reason
    assert set(rejected.raw) <= {"_id", "name", "externalId", "sourceId", "h", "updatedAt"}


def test_the_salesforce_id_field_can_be_switched_off() -> None:
    raw = planhat_company(1, sourceId="hubspot-991")
    record = map_account(raw, PlanhatSettings(salesforce_id_field=""))
    assert isinstance(record, HealthRecord)
    assert record.salesforce_account_id is None


def test_usage_comes_from_the_usage_and_custom_maps() -> None:
    usage = map_usage(planhat_company(1))
    assert isinstance(usage, UsageRecord)
    assert (usage.module, usage.licensed_seats, usage.active_users) == ("Platform", 100, 61)
    settings = PlanhatSettings(active_users_key="logins7d", seats_key="Seats", usage_module="Core")
    usage = map_usage(planhat_company(1), settings)
    assert isinstance(usage, UsageRecord)
    assert (usage.module, usage.licensed_seats, usage.active_users) == ("Core", None, 212)
    assert map_usage(planhat_company(1, usage={}, custom={})) is None


def test_a_negative_user_count_rejects_the_usage() -> None:
    usage = map_usage(planhat_company(1, usage={"activeusers30d": -4}), position=2)
    assert isinstance(usage, RejectedRow)
    assert (usage.field, usage.reason) == (
        "usage.activeusers30d",
        "usage.activeusers30d -4 is negative",
    )
