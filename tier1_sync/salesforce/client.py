"""Our calls to Salesforce: paged SOQL, sObject Collections, one retry policy, one API budget.

Retries are decided here and only here: 503 / SERVER_UNAVAILABLE, dropped connections and
the concurrent-request REQUEST_LIMIT_EXCEEDED are retried with exponential backoff and
jitter; the daily limit (TotalRequests Limit exceeded) stops the run cleanly; everything
else is permanent and reported. Per-record UNABLE_TO_LOCK_ROW is retried by the writer.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import quote

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceError
from simple_salesforce.util import call_salesforce

from tier1_sync.errors import JobFailed

COLLECTION_SIZE = 200
BULK_DONE = {"JobComplete", "Failed", "Aborted"}
BulkResults = Literal["successfulResults", "failedResults", "unprocessedrecords"]


class ApiLimitReached(JobFailed):
    """The org's daily API allocation (or our share of it) is used up: stop cleanly."""


@dataclass
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int) -> float:
        ceiling = min(self.max_delay, self.base_delay * (2**attempt))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not crypto


def _error_code(exc: SalesforceError) -> str:
    content = exc.content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode", ""))
    return ""


def _error_message(exc: SalesforceError) -> str:
    content = exc.content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("message", ""))
    return str(content)[:300]


def is_daily_limit(exc: SalesforceError) -> bool:
    return _error_code(exc) == "REQUEST_LIMIT_EXCEEDED" and "TotalRequests" in _error_message(exc)


def is_transient(exc: Exception) -> bool:
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        return True
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return True
    if isinstance(exc, SalesforceError):
        if is_daily_limit(exc):
            return False
        return exc.status in {502, 503, 504} or _error_code(exc) in {
            "SERVER_UNAVAILABLE",
            "REQUEST_LIMIT_EXCEEDED",
            "UNABLE_TO_LOCK_ROW",
        }
    return False


@dataclass
class OrgClient:
    """A simple-salesforce client with call counting, retries and an API budget guard."""

    sf: Salesforce
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    budget_share: float = 0.9  # stop before using more than this share of the daily allocation
    calls: int = 0  # HTTP requests to the org, retries and Bulk API calls included
    retries: int = 0
    bulk_first_wait: float = 0.5  # seconds before a Bulk job's first status check
    bulk_max_wait: float = 10.0  # ... doubling up to this between checks

    def __post_init__(self) -> None:
        self.sf.session.hooks["response"].append(self._count_call)

    def _count_call(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.calls += 1

    def _call(self, what: Callable[[], Any]) -> Any:
        attempt = 0
        while True:
            self._check_budget()
            try:
                return what()
            except (SalesforceError, requests.RequestException) as exc:
                if isinstance(exc, SalesforceError) and is_daily_limit(exc):
                    raise ApiLimitReached(
                        "The org's daily API request limit is reached; the run stopped cleanly.",
                        hint="Re-run after the limit resets: nothing is lost or duplicated.",
                    ) from None
                if not is_transient(exc) or attempt + 1 >= self.retry.attempts:
                    raise
                self.retries += 1
                self.retry.sleep(self.retry.delay(attempt))
                attempt += 1

    def _check_budget(self) -> None:
        usage = self.sf.api_usage.get("api-usage")
        if usage is None or not usage.total:
            return
        if usage.used >= usage.total * self.budget_share:
            raise ApiLimitReached(
                f"API budget guard: {usage.used} of {usage.total} daily calls used "
                f"(the sync stops at {self.budget_share:.0%}).",
                hint="Raise sync.api_budget_share in tier1.toml, or re-run tomorrow.",
            )

    def api_usage(self) -> tuple[int, int] | None:
        usage = self.sf.api_usage.get("api-usage")
        return None if usage is None else (usage.used, usage.total)

    # --- reads -------------------------------------------------------------------------

    def query(self, soql: str) -> Iterator[dict[str, Any]]:
        """Every record of a query, page by page (nextRecordsUrl), attributes removed."""
        page = cast(dict[str, Any], self._call(lambda: self.sf.query(soql)))
        while True:
            for record in page["records"]:
                record.pop("attributes", None)
                yield record
            if page.get("done", True):
                return
            page = self._more(str(page["nextRecordsUrl"]))

    def _more(self, next_url: str) -> dict[str, Any]:
        return cast(
            dict[str, Any], self._call(lambda: self.sf.query_more(next_url, identifier_is_url=True))
        )

    def count(self, soql: str) -> int:
        page = cast(dict[str, Any], self._call(lambda: self.sf.query(soql)))
        return int(page["totalSize"])

    # --- writes ------------------------------------------------------------------------

    def collection(
        self, method: str, records: list[dict[str, Any]], path: str = ""
    ) -> list[dict[str, Any]]:
        """One sObject Collections call (≤ 200 records, allOrNone false); results in order."""
        if len(records) > COLLECTION_SIZE:
            raise ValueError(f"at most {COLLECTION_SIZE} records per collections call")
        suffix = f"/{path}" if path else ""
        body = {"allOrNone": False, "records": records}
        result = self._call(
            lambda: self.sf.restful(f"composite/sobjects{suffix}", method=method, json=body)
        )
        return cast(list[dict[str, Any]], result)

    def create(self, sobject: str, record: dict[str, Any]) -> str:
        result = self._call(
            lambda: self.sf.restful(f"sobjects/{sobject}", method="POST", json=record)
        )
        return str(cast(dict[str, Any], result)["id"])

    def upsert_one(self, sobject: str, key_field: str, key: str, record: dict[str, Any]) -> str:
        path = f"sobjects/{sobject}/{key_field}/{quote(key, safe='')}"
        result = self._call(lambda: self.sf.restful(path, method="PATCH", json=record))
        return str(cast(dict[str, Any], result)["id"])

    # --- Bulk API 2.0 ingest -------------------------------------------------------------

    def _bulk(self, method: str, path: str, content_type: str, **kwargs: Any) -> requests.Response:
        url = f"{self.sf.bulk2_url}ingest{path}"
        headers = {**self.sf.headers, "Content-Type": content_type, "Accept": "application/json"}
        return cast(
            requests.Response,
            self._call(lambda: call_salesforce(url, method, self.sf.session, headers, **kwargs)),
        )

    def bulk_ingest(
        self,
        sobject: str,
        operation: Literal["update", "upsert"],
        csv_path: Path,
        external_id_field: str | None = None,
    ) -> dict[str, Any]:
        """One Bulk API 2.0 ingest job: create, upload the CSV file (streamed), close, wait.

        Returns the finished job's info. A job Salesforce failed or aborted is a JobFailed.
        Status checks start after `bulk_first_wait` seconds and back off to `bulk_max_wait`.
        """
        spec: dict[str, Any] = {
            "object": sobject,
            "operation": operation,
            "contentType": "CSV",
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
        }
        if external_id_field:
            spec["externalIdFieldName"] = external_id_field
        job = self._bulk("POST", "", "application/json", json=spec).json()
        job_id = str(job["id"])

        def upload() -> requests.Response:
            with csv_path.open("rb") as data:
                return call_salesforce(
                    f"{self.sf.bulk2_url}ingest/{job_id}/batches",
                    "PUT",
                    self.sf.session,
                    {**self.sf.headers, "Content-Type": "text/csv", "Accept": "application/json"},
                    data=data,
                )

        self._call(upload)
        self._bulk("PATCH", f"/{job_id}", "application/json", json={"state": "UploadComplete"})
        wait = self.bulk_first_wait
        while True:
            time.sleep(wait)
            info = cast(dict[str, Any], self._bulk("GET", f"/{job_id}", "application/json").json())
            if info.get("state") in BULK_DONE:
                break
            wait = min(self.bulk_max_wait, wait * 2)
        if info["state"] != "JobComplete":
            raise JobFailed(
                f"Bulk API 2.0 job {job_id} ({operation} {sobject}) ended {info['state']}: "
                f"{info.get('errorMessage') or 'no reason given'}",
                hint="Nothing was written by that job; a re-run tries its rows again.",
            )
        return info

    def bulk_results(self, job_id: str, kind: BulkResults, destination: Path) -> Path:
        """Download one of a finished job's result sets (CSV) to `destination`, streamed."""
        response = self._bulk("GET", f"/{job_id}/{kind}", "application/json", stream=True)
        with closing(response), destination.open("wb") as out:
            for block in response.iter_content(chunk_size=1 << 16):
                out.write(block)
        return destination
