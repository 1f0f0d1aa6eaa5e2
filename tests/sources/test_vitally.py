"""`--source vitally`: cursor pagination, Basic auth, and the account mapping."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from responses import matchers

from tier1_sync.errors import ConfigError, JobFailed
from tier1_sync.sources.base import HealthRecord, RejectedRow, SourceOptions, UsageRecord
from tier1_sync.sources.vitally import VitallySettings, VitallySource, map_account, map_usage

from .payloads import TOKEN, account_id, vitally_account, vitally_page

BASE = "https://acme.rest.vitally.io"
URL = f"{BASE}/resources/accounts"


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


def source(**settings: Any) -> VitallySource:
    options = SourceOptions(
        settings={"base_url": BASE, **settings}, env={"VITALLY_API_TOKEN": TOKEN}
    )
    return VitallySource(options, sleep=lambda _: None)


def page_params(cursor: str | None = None) -> dict[str, str]:
    params = {"limit": "100", "sortBy": "createdAt"}
    return params if cursor is None else {**params, "from": cursor}


def test_reads_every_page_until_next_is_null(api: responses.RequestsMock) -> None:
    pages = [([1, 2], "c2"), ([3, 4], "c3"), ([5], None)]
    cursor = None
    for numbers, next_cursor in pages:
        api.get(
            URL,
            json=vitally_page([vitally_account(n) for n in numbers], next_cursor),
            match=[matchers.query_param_matcher(page_params(cursor))],
        )
        cursor = next_cursor
    data = source().read()
    assert len(data.health) == 5
    assert len(data.usage) == 5
    assert (data.source, data.rows_read, data.api_calls, data.rejected) == ("Vitally", 5, 3, [])
    assert str(api.calls[1].request.url).endswith("from=c2")


def test_sends_the_token_as_basic_user_name_with_an_empty_password(
    api: responses.RequestsMock,
) -> None:
    api.get(URL, json=vitally_page([], None))
    source().read()
    expected = base64.b64encode(f"{TOKEN}:".encode()).decode()
    assert api.calls[0].request.headers["Authorization"] == f"Basic {expected}"


def test_a_cursor_seen_before_stops_the_read(api: responses.RequestsMock) -> None:
    api.get(URL, json=vitally_page([vitally_account(1)], "c2"))
    api.get(URL, json=vitally_page([vitally_account(2)], "c2"))
    with pytest.raises(JobFailed, match="cursor it had sent before"):
        source().read()


def test_an_answer_without_results_is_a_job_failure(api: responses.RequestsMock) -> None:
    api.get(URL, json={"data": []})
    with pytest.raises(JobFailed, match="without a 'results' list"):
        source().read()


def test_a_missing_token_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VITALLY_API_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="VITALLY_API_TOKEN is not set") as caught:
        VitallySource(SourceOptions())
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"base_url": "http://rest.vitally.io"}, "base_url: Value error, 'http://rest.vitally.io'"),
        ({"salesforce_id_path": "x"}, "salesforce_id_path: Extra inputs"),
        ({"page_size": 500}, "page_size: Input should be less than or equal to 100"),
    ],
)
def test_bad_settings_name_the_key(settings: dict[str, Any], message: str) -> None:
    options = SourceOptions(settings=settings, env={"VITALLY_API_TOKEN": TOKEN})
    with pytest.raises(ConfigError, match=r"\[sources.vitally\] " + message):
        VitallySource(options)


def test_a_base_url_may_name_the_resources_folder() -> None:
    assert VitallySettings(base_url=f"{BASE}/resources/").base_url == BASE


def test_maps_the_documented_account() -> None:
    record = map_account(vitally_account(1), position=7)
    assert isinstance(record, HealthRecord)
    assert record.account_key == "7f3c1e2a-9b4d-4c8e-a1f0-000000000001"
    assert record.salesforce_account_id == account_id(1)
    assert (record.health_score, record.raw_score, record.raw_scale) == (74, 7.4, "0-10")
    assert record.as_of == dt.date(2026, 11, 30)
    assert record.last_customer_contact == dt.date(2026, 11, 28)
    assert record.last_csm_touch == dt.date(2026, 11, 29)
    assert record.next_csm_touch is None
    assert record.origin == "vitally:accounts:7"


def test_health_rounds_half_up_and_as_of_is_the_utc_date() -> None:
    raw = vitally_account(1, healthScore=7.45, updatedAt="2026-11-30T21:00:00-05:00")
    record = map_account(raw)
    assert isinstance(record, HealthRecord)
    assert (record.health_score, record.as_of) == (75, dt.date(2026, 12, 1))


def test_the_salesforce_id_comes_from_the_first_valid_path() -> None:
    raw = vitally_account(1, externalId="cust-10042")
    raw["traits"]["salesforce_id"] = account_id(9)[:15]
    record = map_account(raw)
    assert isinstance(record, HealthRecord)
    assert record.salesforce_account_id == account_id(9)
    # The reference's example id has a checksum suffix that does not match: it is not used.
    record = map_account(vitally_account(1, externalId="0015g00000AbCdEAAZ"))
    assert isinstance(record, HealthRecord)
    assert record.salesforce_account_id is None


def test_salesforce_id_paths_are_configurable_and_may_hold_dots() -> None:
    raw = vitally_account(1, externalId=None)
    raw["traits"]["salesforce.account_id"] = account_id(3)
    settings = VitallySettings(salesforce_id_paths=["traits.salesforce.account_id"])
    record = map_account(raw, settings)
    assert isinstance(record, HealthRecord)
    assert record.salesforce_account_id == account_id(3)


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"healthScore": None}, "healthScore", "no healthScore"),
        ({"healthScore": 11}, "healthScore", "healthScore 11 is outside 0-10"),
        ({"healthScore": "good"}, "healthScore", "healthScore 'good' is not a number"),
        ({"updatedAt": "last week"}, "updatedAt", "'last week' is not an ISO 8601 time"),
        ({"id": None}, "id", "the account has no id"),
    ],
)
def test_accounts_that_cannot_be_mapped_are_rejected(
    changes: dict[str, Any], field: str, reason: str
) -> None:
    rejected = map_account(vitally_account(1, **changes), position=3)
    assert isinstance(rejected, RejectedRow)
    assert (rejected.file, rejected.line, rejected.field) == ("vitally:accounts", 3, field)
    assert reason in rejected.reason
    assert "traits" not in rejected.raw
    assert "csmId" not in rejected.raw
    assert rejected.raw["name"] == "Northwind Traders 1"


def test_usage_is_one_record_per_account_from_the_traits() -> None:
    usage = map_usage(vitally_account(1), position=2)
    assert isinstance(usage, UsageRecord)
    assert (usage.module, usage.licensed_seats, usage.active_users) == ("Platform", 100, 61)
    assert usage.as_of == dt.date(2026, 11, 30)


def test_active_users_fall_back_to_users_count_and_the_module_is_configurable() -> None:
    raw = vitally_account(1, traits={})
    usage = map_usage(raw, VitallySettings(usage_module="Core"))
    assert isinstance(usage, UsageRecord)
    assert (usage.module, usage.licensed_seats, usage.active_users) == ("Core", None, 84)
    assert map_usage(vitally_account(1, traits={}, usersCount=None)) is None


def test_a_bad_seat_count_rejects_only_the_usage() -> None:
    raw = vitally_account(1, traits={"seats_purchased": "lots"})
    usage = map_usage(raw, position=4)
    assert isinstance(usage, RejectedRow)
    assert (usage.field, usage.line) == ("traits.seats_purchased", 4)
    assert isinstance(map_account(raw), HealthRecord)


def test_an_unscored_account_still_reports_its_usage(api: responses.RequestsMock) -> None:
    api.get(URL, json=vitally_page([vitally_account(1, healthScore=None)], None))
    data = source().read()
    assert (len(data.health), len(data.usage), len(data.rejected)) == (0, 1, 1)
    assert data.rejected[0].line == 1
