"""Typed Bulk API 2.0 calls for tests: simple-salesforce's bulk2 client and raw requests."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from typing import Any, cast

import requests
from simple_salesforce.api import Salesforce

from tests.localorg.helpers import query
from tier1_sync.localorg.server import RunningOrg
from tier1_sync.metadata.source import CustomField


def _bulk(sf: Salesforce, sobject: str) -> Any:
    return getattr(sf.bulk2, sobject)


def bulk_load(
    sf: Salesforce, sobject: str, operation: str, rows: list[dict[str, str]], **kwargs: Any
) -> dict[str, Any]:
    """Run one simple-salesforce bulk2 job; its summary (counts and job_id)."""
    results = getattr(_bulk(sf, sobject), operation)(records=rows, wait=0, **kwargs)
    assert len(results) == 1
    return cast(dict[str, Any], results[0])


def bulk_results(sf: Salesforce, sobject: str, kind: str, job_id: str) -> list[dict[str, str]]:
    """successful / failed / unprocessed rows of a job, parsed."""
    text = getattr(_bulk(sf, sobject), f"get_{kind}_records")(job_id)
    return list(csv.DictReader(io.StringIO(cast(str, text))))


def job_info(sf: Salesforce, job_id: str) -> dict[str, Any]:
    return cast(dict[str, Any], sf.restful(f"jobs/ingest/{job_id}"))


class RawBulk:
    """The Bulk API 2.0 endpoints without a client library, to see statuses and bodies."""

    def __init__(self, org: RunningOrg) -> None:
        self.base = f"{org.url}/services/data/v63.0/jobs/ingest"
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = str(org.cert)
        self.session.headers["Authorization"] = f"Bearer {org.token}"

    def call(self, method: str, path: str = "", **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.base + path, timeout=30, **kwargs)

    def create(self, **body: Any) -> dict[str, Any]:
        response = self.call("POST", json={"contentType": "CSV", **body})
        assert response.status_code == 200, response.text
        return cast(dict[str, Any], response.json())

    def upload(self, job_id: str, data: bytes | Iterator[bytes]) -> requests.Response:
        return self.call(
            "PUT", f"/{job_id}/batches", data=data, headers={"Content-Type": "text/csv"}
        )

    def set_state(self, job_id: str, state: str) -> requests.Response:
        return self.call("PATCH", f"/{job_id}", json={"state": state})

    def wait(self, job_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            info = cast(dict[str, Any], self.call("GET", f"/{job_id}").json())
            if info["state"] in {"JobComplete", "Failed", "Aborted"}:
                return info
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} did not finish")

    def text(self, job_id: str, kind: str) -> str:
        response = self.call("GET", f"/{job_id}/{kind}/")
        assert response.status_code == 200, response.text
        return response.text


def error_of(response: requests.Response) -> dict[str, Any]:
    return cast(dict[str, Any], response.json()[0])


def add_external_id(running: RunningOrg) -> None:
    """Account.Ext_Id__c: Text(80), External ID, Unique."""
    running.org.add_field(
        CustomField(
            object="Account",
            name="Ext_Id__c",
            label="Ext Id",
            type="Text",
            length=80,
            external_id=True,
            unique=True,
        )
    )


def count(sf: Salesforce, soql: str = "SELECT COUNT() FROM Account") -> int:
    return int(query(sf, soql)["totalSize"])
