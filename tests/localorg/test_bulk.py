"""Bulk API 2.0 ingest over real HTTPS through simple-salesforce's bulk2 client."""

from __future__ import annotations

from pathlib import Path

import pytest
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceOperationError

from tests.localorg.bulk_helpers import (
    add_external_id,
    bulk_load,
    bulk_results,
    count,
    job_info,
)
from tests.localorg.helpers import create, get, query
from tier1_sync.localorg.server import RunningOrg, start_in_thread


@pytest.fixture
def org(local_org: RunningOrg) -> RunningOrg:
    add_external_id(local_org)
    return local_org


def test_insert_creates_every_row_and_reports_its_id(sf: Salesforce, org: RunningOrg) -> None:
    rows = [{"Name": f"Acme {i}", "NumberOfEmployees": str(10 * i)} for i in range(3)]
    summary = bulk_load(sf, "Account", "insert", rows)
    assert summary["numberRecordsProcessed"] == 3
    assert summary["numberRecordsFailed"] == 0
    successful = bulk_results(sf, "Account", "successful", summary["job_id"])
    assert [r["sf__Created"] for r in successful] == ["true"] * 3
    assert {r["Name"] for r in successful} == {"Acme 0", "Acme 1", "Acme 2"}
    for row in successful:
        assert get(sf, "Account", row["sf__Id"])["NumberOfEmployees"] == int(
            row["NumberOfEmployees"]
        )
    assert bulk_results(sf, "Account", "failed", summary["job_id"]) == []


def test_failing_rows_carry_salesforce_errors_and_do_not_stop_the_others(
    sf: Salesforce, org: RunningOrg
) -> None:
    rows = [
        {"Name": "Good", "Ext_Id__c": "E1"},
        {"Name": "", "Ext_Id__c": "E2"},
        {"Name": "x" * 300, "Ext_Id__c": "E3"},
        {"Name": "Copy", "Ext_Id__c": "e1"},
        {"Name": "Also good", "Ext_Id__c": "E4"},
    ]
    summary = bulk_load(sf, "Account", "insert", rows)
    assert (summary["numberRecordsProcessed"], summary["numberRecordsFailed"]) == (5, 3)
    failed = {r["Ext_Id__c"]: r for r in bulk_results(sf, "Account", "failed", summary["job_id"])}
    assert failed["E2"]["sf__Error"] == (
        "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"
    )
    assert failed["E3"]["sf__Error"].startswith("STRING_TOO_LONG:Account Name: data value too")
    assert failed["E3"]["sf__Error"].endswith(":Name --")
    assert failed["e1"]["sf__Error"].startswith(
        "DUPLICATE_VALUE:duplicate value found: Ext_Id__c duplicates value on record with id: 001"
    )
    assert {r["sf__Id"] for r in failed.values()} == {""}
    names = {r["Name"] for r in query(sf, "SELECT Name FROM Account")["records"]}
    assert names == {"Good", "Also good"}


def test_upsert_creates_then_updates_and_a_repeat_creates_nothing(
    sf: Salesforce, org: RunningOrg
) -> None:
    rows = [{"Ext_Id__c": f"CS-{i}", "Name": f"Customer {i}"} for i in range(3)]
    first = bulk_load(sf, "Account", "upsert", rows, external_id_field="Ext_Id__c")
    created = bulk_results(sf, "Account", "successful", first["job_id"])
    assert [r["sf__Created"] for r in created] == ["true"] * 3

    changed = [{**row, "Name": row["Name"] + " (renamed)"} for row in rows]
    changed.append({"Ext_Id__c": "CS-9", "Name": "Customer 9"})
    second = bulk_load(sf, "Account", "upsert", changed, external_id_field="Ext_Id__c")
    outcome = {
        r["Ext_Id__c"]: r for r in bulk_results(sf, "Account", "successful", second["job_id"])
    }
    assert {k: r["sf__Created"] for k, r in outcome.items()} == {
        "CS-0": "false",
        "CS-1": "false",
        "CS-2": "false",
        "CS-9": "true",
    }
    assert {r["sf__Id"] for r in created} <= {r["sf__Id"] for r in outcome.values()}

    repeat = bulk_load(sf, "Account", "upsert", changed, external_id_field="Ext_Id__c")
    again = bulk_results(sf, "Account", "successful", repeat["job_id"])
    assert {r["sf__Created"] for r in again} == {"false"}
    assert count(sf) == 4
    names = {r["Name"] for r in query(sf, "SELECT Name FROM Account")["records"]}
    assert "Customer 0 (renamed)" in names


def test_upsert_refuses_a_key_repeated_in_one_chunk(sf: Salesforce, org: RunningOrg) -> None:
    rows = [
        {"Ext_Id__c": "K-1", "Name": "One"},
        {"Ext_Id__c": "k-1", "Name": "One again"},
        {"Ext_Id__c": "K-2", "Name": "Two"},
    ]
    summary = bulk_load(sf, "Account", "upsert", rows, external_id_field="Ext_Id__c")
    failed = bulk_results(sf, "Account", "failed", summary["job_id"])
    assert [r["sf__Error"].split(":")[0] for r in failed] == ["DUPLICATE_EXTERNAL_ID"] * 2
    assert count(sf) == 1


def test_upsert_by_id_updates_given_ids_and_creates_blank_ones(
    sf: Salesforce, org: RunningOrg
) -> None:
    existing = create(sf, "Account", {"Name": "Before"})
    rows = [{"Id": existing, "Name": "After"}, {"Id": "", "Name": "Brand new"}]
    summary = bulk_load(sf, "Account", "upsert", rows)  # simple-salesforce's default key is Id
    successful = bulk_results(sf, "Account", "successful", summary["job_id"])
    assert {r["Name"]: r["sf__Created"] for r in successful} == {
        "After": "false",
        "Brand new": "true",
    }
    assert get(sf, "Account", existing)["Name"] == "After"
    assert count(sf) == 2


def test_update_and_delete_by_id(sf: Salesforce, org: RunningOrg) -> None:
    ids = [create(sf, "Account", {"Name": f"A{i}", "Industry": "Energy"}) for i in range(2)]
    missing = "001" + ids[0][3:5] + "ZZZZZZZZZZ"
    rows = [{"Id": ids[0], "Name": "A0 renamed", "Industry": ""}, {"Id": missing, "Name": "x"}]
    summary = bulk_load(sf, "Account", "update", rows)
    assert summary["numberRecordsFailed"] == 1
    record = get(sf, "Account", ids[0])
    assert (record["Name"], record["Industry"]) == ("A0 renamed", "Energy")
    failed = bulk_results(sf, "Account", "failed", summary["job_id"])
    assert failed[0]["sf__Error"] == ("INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--")

    deleted = bulk_load(sf, "Account", "delete", [{"Id": i} for i in ids])
    assert deleted["numberRecordsFailed"] == 0
    assert count(sf) == 0


def test_na_sets_a_field_to_null(sf: Salesforce, org: RunningOrg) -> None:
    record_id = create(sf, "Account", {"Name": "Acme", "Phone": "555", "Industry": "Energy"})
    bulk_load(sf, "Account", "update", [{"Id": record_id, "Phone": "#N/A", "Industry": ""}])
    record = get(sf, "Account", record_id)
    assert (record["Phone"], record["Industry"]) == (None, "Energy")


def test_relationship_column_finds_the_parent_by_external_id(
    sf: Salesforce, org: RunningOrg
) -> None:
    parent = create(sf, "Account", {"Name": "Parent", "Ext_Id__c": "P-1"})
    rows = [
        {"LastName": "Known", "Account.Ext_Id__c": "P-1"},
        {"LastName": "Orphan", "Account.Ext_Id__c": "P-404"},
    ]
    summary = bulk_load(sf, "Contact", "insert", rows)
    contacts = query(sf, "SELECT LastName, AccountId FROM Contact")["records"]
    assert [(c["LastName"], c["AccountId"]) for c in contacts] == [("Known", parent)]
    failed = bulk_results(sf, "Contact", "failed", summary["job_id"])
    assert failed[0]["sf__Error"] == (
        "INVALID_FIELD:Foreign key external ID: P-404 not found for field Ext_Id__c in entity "
        "Account:--"
    )


def test_locked_rows_fail_alone(sf: Salesforce, org: RunningOrg) -> None:
    org.org.faults.lock_rows(["LOCKED"])
    rows = [{"Name": "Free", "Ext_Id__c": "F"}, {"Name": "Stuck", "Ext_Id__c": "LOCKED"}]
    summary = bulk_load(sf, "Account", "upsert", rows, external_id_field="Ext_Id__c")
    failed = bulk_results(sf, "Account", "failed", summary["job_id"])
    assert [r["sf__Error"].split(":")[0] for r in failed] == ["UNABLE_TO_LOCK_ROW"]
    assert count(sf) == 1


def test_unknown_column_fails_the_whole_job(sf: Salesforce, org: RunningOrg) -> None:
    with pytest.raises(SalesforceOperationError, match="Field name not found : Nmae"):
        bulk_load(sf, "Account", "insert", [{"Nmae": "typo"}])
    assert count(sf) == 0


def test_jobs_and_results_outlive_a_restart(tmp_path: Path, tls_dir: Path) -> None:
    first = start_in_thread(tmp_path / "org", tls_dir)
    try:
        summary = bulk_load(first.client(), "Account", "insert", [{"Name": "Kept"}])
    finally:
        first.stop()
    second = start_in_thread(tmp_path / "org", tls_dir)
    try:
        sf = second.client()
        info = job_info(sf, summary["job_id"])
        assert (info["state"], info["numberRecordsProcessed"]) == ("JobComplete", 1)
        rows = bulk_results(sf, "Account", "successful", summary["job_id"])
        assert [r["Name"] for r in rows] == ["Kept"]
    finally:
        second.stop()
