"""Bulk API 2.0 ingest over real HTTPS without a client library: statuses, bodies, files."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from simple_salesforce.api import Salesforce

from tests.localorg.bulk_helpers import RawBulk, add_external_id, count, error_of
from tests.localorg.helpers import query
from tier1_sync.localorg import bulk_csv, bulk_ingest
from tier1_sync.localorg.bulk_jobs import IngestJobs
from tier1_sync.localorg.server import RunningOrg
from tier1_sync.localorg.store import Store


@pytest.fixture
def org(local_org: RunningOrg) -> RunningOrg:
    add_external_id(local_org)
    return local_org


@pytest.fixture
def raw(org: RunningOrg) -> RawBulk:
    return RawBulk(org)


def test_create_job_answers_like_salesforce(raw: RawBulk, org: RunningOrg) -> None:
    info = raw.create(object="account", operation="upsert", externalIdFieldName="ext_id__c")
    assert info["id"].startswith("750")
    assert len(info["id"]) == 18
    assert info["object"] == "Account"
    assert info["externalIdFieldName"] == "Ext_Id__c"
    assert info["state"] == "Open"
    assert info["contentUrl"] == f"services/data/v63.0/jobs/ingest/{info['id']}/batches"
    assert (info["concurrencyMode"], info["apiVersion"], info["lineEnding"]) == (
        "Parallel",
        63.0,
        "LF",
    )
    assert info["createdById"] == org.org.store.admin_user_id()
    listed = raw.call("GET").json()
    assert [job["id"] for job in listed["records"]] == [info["id"]]


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            {"object": "Acount", "operation": "insert"},
            "INVALIDJOB",
            "InvalidJob : Unable to find object: Acount",
        ),
        (
            {"object": "Account", "operation": "upsert"},
            "INVALIDJOB",
            "InvalidJob : External ID was blank for Account. An External ID must be specified "
            "for upsert.",
        ),
        (
            {"object": "Account", "operation": "upsert", "externalIdFieldName": "Name"},
            "INVALIDJOB",
            "InvalidJob : Field name provided, Name does not match an External ID for Account",
        ),
        (
            {"object": "Account", "operation": "merge"},
            "API_ERROR",
            "Invalid value: 'merge' supplied for property: 'operation'",
        ),
        (
            {"object": "Account", "operation": "insert", "columnDelimiter": "COLON"},
            "API_ERROR",
            "Invalid value: 'COLON' supplied for property: 'columnDelimiter'",
        ),
    ],
)
def test_bad_job_requests_get_salesforce_errors(
    raw: RawBulk, body: dict[str, Any], code: str, message: str
) -> None:
    response = raw.call("POST", json=body)
    assert response.status_code == 400
    assert error_of(response) == {"errorCode": code, "message": message}


def test_unknown_job_is_not_found(raw: RawBulk) -> None:
    response = raw.call("GET", "/7505g000000ZZZZAAA")
    assert response.status_code == 404
    assert error_of(response)["errorCode"] == "NOT_FOUND"


def test_chunked_upload_with_other_delimiter_and_line_ending(raw: RawBulk, sf: Salesforce) -> None:
    job = raw.create(
        object="Account", operation="insert", lineEnding="CRLF", columnDelimiter="SEMICOLON"
    )
    lines = ["Name;Description\r\n"] + [
        f'Acme {i};"two\r\nlines; one ""quote"""\r\n' for i in range(500)
    ]

    def body() -> Iterator[bytes]:
        for start in range(0, len(lines), 50):
            yield "".join(lines[start : start + 50]).encode()

    uploaded = raw.upload(job["id"], body())
    assert uploaded.request.headers.get("Transfer-Encoding") == "chunked"
    assert uploaded.status_code == 201
    assert uploaded.content == b""
    assert raw.set_state(job["id"], "UploadComplete").json()["state"] == "UploadComplete"
    info = raw.wait(job["id"])
    assert (info["state"], info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (
        "JobComplete",
        500,
        0,
    )
    successful = raw.text(job["id"], "successfulResults")
    assert successful.startswith('"sf__Id";"sf__Created";Name;Description\r\n')
    rows = list(csv.reader(io.StringIO(successful, newline=""), delimiter=";"))
    assert rows[1][2:] == ["Acme 0", 'two\r\nlines; one "quote"']
    stored = query(sf, "SELECT Description FROM Account LIMIT 1")["records"][0]
    assert stored["Description"] == 'two\r\nlines; one "quote"'


def test_only_one_upload_and_only_while_open(raw: RawBulk) -> None:
    job = raw.create(object="Account", operation="insert")
    assert raw.upload(job["id"], b"Name\nOne\n").status_code == 201
    again = raw.upload(job["id"], b"Name\nTwo\n")
    assert again.status_code == 400
    assert error_of(again)["errorCode"] == "BULK_API_ERROR"
    raw.set_state(job["id"], "UploadComplete")
    late = raw.upload(job["id"], b"Name\nThree\n")
    assert late.status_code == 400
    assert error_of(late)["errorCode"] == "INVALIDJOBSTATE"
    assert raw.wait(job["id"])["numberRecordsProcessed"] == 1


def test_abort_leaves_every_row_unprocessed(raw: RawBulk, sf: Salesforce) -> None:
    job = raw.create(object="Account", operation="insert")
    raw.upload(job["id"], b"Name,Phone\nOne,1\nTwo,2\n")
    aborted = raw.set_state(job["id"], "Aborted")
    assert aborted.json()["state"] == "Aborted"
    assert raw.call("GET", f"/{job['id']}").json()["state"] == "Aborted"
    assert raw.text(job["id"], "unprocessedrecords") == "Name,Phone\nOne,1\nTwo,2\n"
    assert raw.text(job["id"], "successfulResults") == '"sf__Id","sf__Created",Name,Phone\n'
    closing = raw.set_state(job["id"], "UploadComplete")
    assert error_of(closing)["errorCode"] == "INVALIDJOBSTATE"
    assert count(sf) == 0


def test_failed_job_keeps_its_rows_unprocessed(raw: RawBulk) -> None:
    job = raw.create(object="Account", operation="insert")
    raw.upload(job["id"], b"Nmae\nOne\n")
    raw.set_state(job["id"], "UploadComplete")
    info = raw.wait(job["id"])
    assert info["state"] == "Failed"
    assert info["errorMessage"] == "InvalidBatch : Field name not found : Nmae"
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (0, 0)
    assert raw.text(job["id"], "unprocessedRecords") == "Nmae\nOne\n"


def test_malformed_csv_fails_the_job_after_the_rows_before_it(raw: RawBulk, sf: Salesforce) -> None:
    job = raw.create(object="Account", operation="insert")
    raw.upload(job["id"], b'Name\nGood\n"Bad"x\nNever\n')
    raw.set_state(job["id"], "UploadComplete")
    info = raw.wait(job["id"])
    assert info["state"] == "Failed"
    assert info["errorMessage"].startswith("InvalidBatch : ")
    assert info["numberRecordsProcessed"] == 1
    assert [r["Name"] for r in query(sf, "SELECT Name FROM Account")["records"]] == ["Good"]


def test_complete_job_has_no_unprocessed_rows_and_can_be_deleted(raw: RawBulk) -> None:
    job = raw.create(object="Account", operation="insert")
    assert raw.call("DELETE", f"/{job['id']}").status_code == 400  # still Open
    raw.upload(job["id"], b"Name\nOne\n")
    raw.set_state(job["id"], "UploadComplete")
    raw.wait(job["id"])
    assert raw.text(job["id"], "unprocessedrecords") == "Name\n"
    assert raw.call("DELETE", f"/{job['id']}/").status_code == 204
    assert raw.call("GET", f"/{job['id']}").status_code == 404
    assert raw.call("GET").json()["records"] == []


def test_abort_while_running_keeps_what_was_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_ingest, "TRANSACTION_ROWS", 2)
    monkeypatch.setattr(bulk_ingest, "DML_CHUNK", 1)
    store = Store()
    jobs = IngestJobs(store, tmp_path)
    job = jobs.create(store.admin_user_id(), "63.0", operation="insert", object="Account")
    paths = jobs.paths(job)
    paths.data.write_text("Name\nA\nB\nC\nD\nE\n")
    cancelled = threading.Event()

    def save() -> None:  # the owner aborts once the first transaction is in
        if job.processed >= 2:
            cancelled.set()

    bulk_ingest.run_job(store, job, paths, cancelled, save)
    job.state = "Aborted"
    assert (job.processed, job.failed) == (2, 0)
    assert "".join(bulk_csv.unprocessed_lines(paths, job)) == "Name\nC\nD\nE\n"
    assert paths.successful.read_text().count("\n") == 3
    names = [row[0] for row in store.db.execute('SELECT Name FROM "Account" ORDER BY Name')]
    assert names == ["A", "B"]
