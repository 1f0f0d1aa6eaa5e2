"""`--source file` (SPEC §6): every bad row rejected with file, line, field and reason."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest

from tier1_sync.errors import ConfigError
from tier1_sync.sources.base import RejectedRow, SourceData, SourceOptions
from tier1_sync.sources.file import FileSource

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
TODAY = dt.date(2026, 12, 4)
HEADER = "account_key,as_of,health_score\n"


def read(folder: Path) -> SourceData:
    return FileSource(SourceOptions(path=folder), today=TODAY).read()


def write(folder: Path, name: str, content: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def by_line(data: SourceData, file: str) -> dict[int | None, RejectedRow]:
    return {row.line: row for row in data.rejected if row.file == file}


@pytest.fixture(scope="module")
def bad() -> SourceData:
    return FileSource(SourceOptions(path=SAMPLES / "cs-export-bad"), today=TODAY).read()


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        (3, "account_key", "account_key is missing"),
        (4, "health_score", "health_score 140 is outside 0-100"),
        (5, "health_score", "health_score 'high' is not a number"),
        (6, "as_of", "as_of 2024-13-01 is not a real date"),
        (7, "as_of", "as_of '01/02/2024' is not a date in the form YYYY-MM-DD"),
        (10, "account_key", "for as_of 2026-11-30 already has a row on line 9"),
        (13, "salesforce_account_id", "salesforce_account_id '001ABC' is not a Salesforce id"),
        (14, "salesforce_account_id", "checksum suffix AAZ but its first 15 characters give AAV"),
        (15, "health_band", "health_band 'amber' is not green, yellow or red"),
        (16, "usage_score", "usage_score 101 is outside 0-100; last_csm_touch 2026-02-30"),
        (17, "salesforce_account_id", "is not an Account id"),
        (20, "health_score", "health_score -5 is outside 0-100"),
    ],
)
def test_each_bad_health_row_names_its_line_field_and_reason(
    bad: SourceData, line: int, field: str, reason: str
) -> None:
    rejected = by_line(bad, "health.csv")[line]
    assert rejected.field == field
    assert reason in rejected.reason
    assert rejected.raw  # the row as read, for the report


def test_the_good_rows_of_a_bad_file_still_go_through(bad: SourceData) -> None:
    assert [h.origin for h in bad.health] == [
        "health.csv:2",
        "health.csv:9",
        "health.csv:11",
        "health.csv:12",
        "health.csv:18",
    ]
    assert len(by_line(bad, "health.csv")) == 12
    assert bad.rows_read == 17 + 9


def test_a_15_character_id_is_stored_as_18(bad: SourceData) -> None:
    assert bad.health[0].salesforce_account_id == "0015g00000AbCdEAAV"
    assert bad.health[0].health_band == "Green"


def test_quotes_and_backslashes_in_a_csv_quoted_key_survive(bad: SourceData) -> None:
    assert bad.health[3].account_key == 'CS-"Q"\\7'
    assert bad.health[3].health_band == "Yellow"  # "Yellow" in any case


def test_the_same_account_on_another_day_is_not_a_duplicate(bad: SourceData) -> None:
    days = sorted(h.as_of for h in bad.health if h.account_key == "CS-000106")
    assert days == [dt.date(2026, 11, 16), dt.date(2026, 11, 30)]
    assert next(h for h in bad.health if h.account_key == "CS-000106").health_score == 55


def test_an_unknown_column_is_ignored_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        data = read(SAMPLES / "cs-export-bad")
    assert data.warnings == [
        "health.csv: ignored the column 'notes' (not part of the export format)"
    ]
    assert sum("ignored the column 'notes'" in r.getMessage() for r in caplog.records) == 1


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        (3, "module", "module is missing"),
        (4, "licensed_seats", "licensed_seats 12.5 is not a whole number"),
        (5, "licensed_seats", "licensed_seats -3 is negative"),
        (6, "licensed_seats", "both empty"),
        (7, "account_key", "module Core, as_of 2026-11-30 already has a row on line 2"),
        (9, "as_of", "as_of '30/11/2026' is not a date"),
        (10, None, "line 10 has 6 values but the header has 5 columns"),
    ],
)
def test_each_bad_usage_row_names_its_line_field_and_reason(
    bad: SourceData, line: int, field: str | None, reason: str
) -> None:
    rejected = by_line(bad, "usage.csv")[line]
    assert (rejected.field, reason in rejected.reason) == (field, True)
    assert [u.origin for u in bad.usage] == ["usage.csv:2", "usage.csv:8"]


def test_a_bom_is_accepted(tmp_path: Path) -> None:
    write(tmp_path, "health.csv", b"\xef\xbb\xbf" + HEADER.encode() + b"CS-1,2026-11-30,70\n")
    data = read(tmp_path)
    assert [(h.account_key, h.health_score) for h in data.health] == [("CS-1", 70)]


def test_empty_lines_are_skipped_and_lines_still_counted_physically(tmp_path: Path) -> None:
    content = HEADER + "\nCS-1,2026-11-30,70\n\n  \n,,\nCS-2,2026-11-30,x\n\n"
    write(tmp_path, "health.csv", content.replace("\n", "\r\n"))
    data = read(tmp_path)
    assert [h.origin for h in data.health] == ["health.csv:3"]
    assert [(r.line, r.field) for r in data.rejected] == [(7, "health_score")]
    assert data.rows_read == 2


def test_a_file_that_is_not_utf8_is_rejected_whole_naming_the_byte(tmp_path: Path) -> None:
    content = HEADER + "CS-1,2026-11-30,70\nCafé,2026-11-30,71\nCS-3,2026-11-30,72\n"
    write(tmp_path, "health.csv", content.encode("latin-1"))
    data = read(tmp_path)
    assert data.health == []
    [rejected] = data.rejected
    offset = content.encode("latin-1").index(b"\xe9")
    assert rejected.file == "health.csv"
    assert f"0xE9 at byte offset {offset} (line 3) is not valid UTF-8" in rejected.reason
    assert "Nothing from this file was used" in rejected.reason
    assert (rejected.rows, data.rows_read, data.reject_pct()) == (3, 3, 100.0)


def test_a_usage_file_that_is_not_utf8_does_not_stop_the_health_file(tmp_path: Path) -> None:
    write(tmp_path, "health.csv", HEADER + "CS-1,2026-11-30,70\n")
    usage = "account_key,as_of,module,licensed_seats,active_users\nCS-1,2026-11-30,Café,1,1\n"
    write(tmp_path, "usage.csv", usage.encode("cp1252"))
    data = read(tmp_path)
    assert len(data.health) == 1
    assert data.usage == []
    assert [r.file for r in data.rejected] == ["usage.csv"]
    assert data.reject_pct() == 50.0


def test_a_missing_folder_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist") as caught:
        read(tmp_path / "nowhere")
    assert caught.value.exit_code == 2


def test_no_folder_at_all_asks_for_path() -> None:
    with pytest.raises(ConfigError) as caught:
        FileSource(SourceOptions()).read()
    assert "--path" in (caught.value.hint or "")


def test_a_folder_without_health_csv_is_a_configuration_error(tmp_path: Path) -> None:
    write(tmp_path, "usage.csv", "account_key,as_of,module,licensed_seats,active_users\n")
    with pytest.raises(ConfigError, match=r"no health\.csv") as caught:
        read(tmp_path)
    assert "usage.csv" in (caught.value.hint or "")


def test_health_csv_and_health_json_together_is_a_configuration_error(tmp_path: Path) -> None:
    write(tmp_path, "health.csv", HEADER)
    write(tmp_path, "health.json", "[]")
    with pytest.raises(ConfigError, match=r"both health\.csv and health\.json"):
        read(tmp_path)


def test_a_missing_required_column_names_the_file_and_the_column(tmp_path: Path) -> None:
    write(tmp_path, "health.csv", "account_key,as_of,score\nCS-1,2026-11-30,70\n")
    with pytest.raises(ConfigError, match=r"health\.csv has no column 'health_score'") as caught:
        read(tmp_path)
    assert "header row" in (caught.value.hint or "")


def test_a_file_without_a_header_row_is_a_configuration_error(tmp_path: Path) -> None:
    write(tmp_path, "health.csv", "CS-1,2026-11-30,70\n")
    with pytest.raises(ConfigError, match="has no column 'account_key'"):
        read(tmp_path)
    write(tmp_path, "health.csv", "")
    with pytest.raises(ConfigError, match=r"health\.csv is empty"):
        read(tmp_path)


def test_header_names_are_trimmed_and_case_insensitive(tmp_path: Path) -> None:
    write(tmp_path, "health.csv", " Account_Key ,AS_OF,Health_Score\nCS-1,2026-11-30,70\n")
    assert len(read(tmp_path).health) == 1


def test_duplicates_compare_keys_ignoring_case_like_salesforce(tmp_path: Path) -> None:
    write(tmp_path, "health.csv", HEADER + "CS-1,2026-11-30,70\ncs-1,2026-11-30,71\n")
    [rejected] = read(tmp_path).rejected
    assert rejected.line == 3
    assert "line 2 (keys are compared ignoring case" in rejected.reason


def test_a_snapshot_dated_in_the_future_is_rejected(tmp_path: Path) -> None:
    write(tmp_path, "health.csv", HEADER + "CS-1,2026-12-05,70\nCS-2,2026-12-25,70\n")
    data = read(tmp_path)
    assert [h.account_key for h in data.health] == ["CS-1"]  # one day ahead: time zones
    assert data.rejected[0].reason == "as_of 2026-12-25 is in the future"


def test_json_items_are_rows_numbered_from_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    items = [
        {"account_key": "CS-1", "as_of": "2026-11-30", "health_score": 70, "extra": 1},
        {"account_key": "CS-2", "as_of": "2026-11-30", "health_score": 140},
        "not an object",
        {"account_key": "CS-4", "as_of": "2026-11-30", "health_score": True},
        {"account_key": "CS-5", "as_of": "2026-11-30", "health_score": "81", "health_band": None},
    ]
    write(tmp_path, "health.json", json.dumps(items))
    write(
        tmp_path,
        "usage.json",
        json.dumps(
            [{"account_key": "CS-1", "as_of": "2026-11-30", "module": "Core", "licensed_seats": 10}]
        ),
    )
    with caplog.at_level(logging.WARNING):
        data = read(tmp_path)
    assert [(h.origin, h.health_score) for h in data.health] == [
        ("health.json:1", 70),
        ("health.json:5", 81),
    ]
    assert [(r.line, r.field) for r in data.rejected] == [
        (2, "health_score"),
        (3, None),
        (4, "health_score"),
    ]
    assert data.warnings == ["health.json: ignored the key 'extra' (not part of the export format)"]
    assert [(u.module, u.licensed_seats, u.active_users) for u in data.usage] == [
        ("Core", 10, None)
    ]


def test_invalid_json_is_rejected_whole(tmp_path: Path) -> None:
    write(tmp_path, "health.json", '[{"account_key": "CS-1", "as_of": "2026-11-30",]')
    data = read(tmp_path)
    assert data.health == []
    assert "health.json is not valid JSON" in data.rejected[0].reason
    assert data.reject_pct() == 100.0


def test_json_that_is_not_a_list_is_a_configuration_error(tmp_path: Path) -> None:
    write(tmp_path, "health.json", '{"results": []}')
    with pytest.raises(ConfigError, match="holds a JSON dict, not a list"):
        read(tmp_path)


def test_unknown_file_settings_are_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match=r"\[sources.file\] folder"):
        FileSource(SourceOptions(settings={"folder": "x"}))


def test_the_folder_may_come_from_settings() -> None:
    source = FileSource(SourceOptions(settings={"path": str(SAMPLES / "cs-export")}))
    assert len(source.read().health) == 100


def test_rows_of_one_account_share_their_key_and_date_objects(tmp_path: Path) -> None:
    write(
        tmp_path,
        "health.csv",
        "account_key,as_of,health_score,last_csm_touch\n"
        "CS-1,2026-11-30,70,2026-11-01\nCS-1,2026-12-01,71,2026-11-01\n"
        "CS-2,2026-12-01,60,2026-11-01\n",
    )
    write(
        tmp_path,
        "usage.csv",
        "account_key,as_of,module,licensed_seats,active_users\nCS-1,2026-12-01,Core,5,\n",
    )
    data = read(tmp_path)
    first, second, other = data.health
    [usage] = data.usage
    assert (second.account_key, second.as_of, other.last_csm_touch) == (
        "CS-1",
        dt.date(2026, 12, 1),
        dt.date(2026, 11, 1),
    )
    assert first.account_key is second.account_key is usage.account_key
    assert second.as_of is other.as_of is usage.as_of
    assert first.last_csm_touch is second.last_csm_touch is other.last_csm_touch
