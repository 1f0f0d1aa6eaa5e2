"""Reading single values: Salesforce ids, scores, dates, dotted paths."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from tier1_sync.salesforce.ids import normalise_account_id, normalise_id, to_18
from tier1_sync.sources.base import HealthRecord, RejectedRow, SourceData, UsageRecord
from tier1_sync.sources.values import (
    BadValue,
    lookup,
    parse_count,
    parse_date,
    parse_key,
    parse_score,
    utc_date,
)


def test_a_15_character_id_gets_its_checksum_suffix() -> None:
    assert normalise_id("0015g00000AbCdE") == "0015g00000AbCdEAAV"
    assert to_18("0015g00000AbCdE") == "0015g00000AbCdEAAV"


def test_an_18_character_id_is_kept_and_its_suffix_upper_cased() -> None:
    assert normalise_id("0015g00000AbCdEAAV") == "0015g00000AbCdEAAV"
    assert normalise_id("0015g00000AbCdEaav") == "0015g00000AbCdEAAV"


def test_an_id_upper_cased_on_the_way_gets_its_case_back_from_the_suffix() -> None:
    assert normalise_id("0015G00000ABCDEAAV") == "0015g00000AbCdEAAV"
    assert normalise_id("0015g00000abcdeaav") == "0015g00000AbCdEAAV"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("001ABC", "is not a Salesforce id"),
        ("0015g00000AbCdE-X", "is not a Salesforce id"),
        ("0015g00000AbCdEAAZ", "checksum suffix AAZ but its first 15 characters give AAV"),
    ],
)
def test_malformed_ids_are_refused_with_the_reason(value: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        normalise_id(value)


def test_only_account_ids_are_account_ids() -> None:
    with pytest.raises(ValueError, match="start with 001"):
        normalise_account_id("0035g00000AbCdE")


@pytest.mark.parametrize(
    ("raw", "top", "expected"),
    [("72", 100, (72, 72.0)), ("72.5", 100, (73, 72.5)), (7.45, 10, (75, 7.45)), (0, 10, (0, 0.0))],
)
def test_scores_scale_to_0_100_rounding_half_up(
    raw: object, top: int, expected: tuple[int, float]
) -> None:
    assert parse_score("health_score", raw, top) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("140", "health_score 140 is outside 0-100"),
        ("abc", "health_score 'abc' is not a number"),
        ("nan", "is not a number"),
        (True, "is not a number"),
    ],
)
def test_bad_scores_say_what_is_wrong(raw: object, reason: str) -> None:
    with pytest.raises(BadValue, match=reason):
        parse_score("health_score", raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2024-13-01", "as_of 2024-13-01 is not a real date"),
        ("01/02/2024", "as_of '01/02/2024' is not a date in the form YYYY-MM-DD"),
        ("20240101", "not a date in the form YYYY-MM-DD"),
        (20240101, "not a date in the form YYYY-MM-DD"),
    ],
)
def test_dates_are_yyyy_mm_dd_only(raw: object, reason: str) -> None:
    with pytest.raises(BadValue, match=reason):
        parse_date("as_of", raw)
    assert parse_date("as_of", " 2024-02-29 ") == dt.date(2024, 2, 29)


def test_counts_are_whole_and_not_negative() -> None:
    assert parse_count("active_users", "12") == 12
    assert parse_count("active_users", 12.0) == 12
    with pytest.raises(BadValue, match="not a whole number"):
        parse_count("active_users", "12.5")
    with pytest.raises(BadValue, match="negative"):
        parse_count("active_users", -1)


def test_keys_refuse_line_breaks_and_overlong_text() -> None:
    assert parse_key("account_key", ' CS-"Q"\\7 ') == 'CS-"Q"\\7'
    with pytest.raises(BadValue, match="line break"):
        parse_key("account_key", "CS-1\nCS-2")
    with pytest.raises(BadValue, match="81 characters long"):
        parse_key("account_key", "x" * 81)


def test_api_timestamps_become_utc_dates() -> None:
    assert utc_date("2026-11-30T23:30:00-05:00") == dt.date(2026, 12, 1)
    assert utc_date("2026-11-30T14:11:08.512Z") == dt.date(2026, 11, 30)
    assert utc_date("2026-11-30") == dt.date(2026, 11, 30)
    assert utc_date("yesterday") is None
    assert utc_date(1732999999) is None


def test_dotted_paths_find_keys_that_hold_dots() -> None:
    payload = {"traits": {"vitally.custom.tier": "Tier 1", "sf": {"id": "x"}}, "a.b": 1}
    assert lookup(payload, "traits.vitally.custom.tier") == "Tier 1"
    assert lookup(payload, "traits.sf.id") == "x"
    assert lookup(payload, "a.b") == 1
    assert lookup(payload, "traits.missing") is None


def test_reject_pct_counts_a_rejected_whole_file_as_all_its_rows() -> None:
    data = SourceData(source="File", rows_read=40)
    data.rejected.append(RejectedRow(file="usage.csv", reason="not UTF-8", rows=30))
    data.rejected.append(RejectedRow(file="health.csv", line=3, reason="bad"))
    assert data.rejected_rows() == 31
    assert data.reject_pct() == pytest.approx(77.5)
    assert SourceData(source="File").reject_pct() == 0.0


def test_records_validate_and_source_data_keeps_them_as_given() -> None:
    day = dt.date(2026, 12, 1)
    text: Any = "2026-12-01"  # as a caller without types might pass them
    health = HealthRecord(account_key="CS-1", as_of=text, health_score=70)
    usage = UsageRecord(account_key="CS-1", as_of=day, module="Core")
    assert health.as_of == day
    with pytest.raises(ValidationError, match="less than or equal to 100"):
        HealthRecord(account_key="CS-1", as_of=day, health_score=101)
    band: Any = "Blue"
    with pytest.raises(ValidationError, match="health_band"):
        HealthRecord(account_key="CS-1", as_of=day, health_score=1, health_band=band)
    with pytest.raises(ValidationError, match="at least 1 character"):
        UsageRecord(account_key="CS-1", as_of=day, module="")
    data = SourceData(source="File", health=[health], usage=[usage])
    assert data.health[0] is health  # kept as given: not validated or copied again
    assert data.usage[0] is usage
    dumped = data.model_dump(mode="json")
    assert dumped["health"][0]["as_of"] == "2026-12-01"
    assert dumped["usage"][0]["module"] == "Core"
