"""Bulk API 2.0 ingest routes: `/services/data/vXX.X/jobs/ingest[/{id}[/...]]`.

Create a job, upload its CSV once (chunked transfer is fine, it is streamed to disk), close it
with `{"state": "UploadComplete"}`, poll it, then read the successful, failed and unprocessed
rows as CSV. Jobs run on a background thread; a small one is complete by the first poll.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import Route

from tier1_sync.localorg.bulk_csv import (
    FAILED_COLUMNS,
    SUCCESS_COLUMNS,
    header_line,
    read_header,
    unprocessed_lines,
)
from tier1_sync.localorg.bulk_jobs import IngestJobs
from tier1_sync.localorg.bulk_model import FINAL_STATES, IngestJob, check_new_job, invalid_state
from tier1_sync.localorg.errors import SalesforceError, not_found
from tier1_sync.localorg.org import LocalOrg
from tier1_sync.localorg.rest import bearer, json_body, sf_json
from tier1_sync.localorg.store import UserContext

CSV_MEDIA_TYPE = "text/csv; charset=UTF-8"
# How long closing a job waits for it to finish, so small jobs are done by the first poll.
CLOSE_WAIT_SECONDS = 2.0
Endpoint = Callable[[Request], Coroutine[Any, Any, Response]]


def _both(path: str, endpoint: Endpoint, methods: list[str]) -> list[Route]:
    """Salesforce accepts every Bulk path with and without a trailing slash."""
    return [Route(path, endpoint, methods=methods), Route(path + "/", endpoint, methods=methods)]


class BulkApi:
    """Bulk API 2.0 ingest jobs of one LocalOrg."""

    def __init__(self, org: LocalOrg) -> None:
        self.org = org
        self.jobs = IngestJobs(org.store, org.data_dir / "bulk" if org.data_dir else None)

    def routes(self) -> list[Route]:
        base = "/services/data/v{version}/jobs/ingest"
        job = base + "/{job_id}"
        return [
            *_both(base, self.collection, ["GET", "POST"]),
            *_both(job, self.job, ["GET", "PATCH", "DELETE"]),
            *_both(job + "/batches", self.upload, ["PUT"]),
            *_both(job + "/{results}", self.results, ["GET"]),
        ]

    def ctx(self, request: Request) -> UserContext:
        return self.org.context(bearer(request))

    def _job(self, request: Request) -> IngestJob:
        return self.jobs.get(request.path_params["job_id"])

    # --- jobs -------------------------------------------------------------------------------

    async def collection(self, request: Request) -> Response:
        ctx = self.ctx(request)
        if request.method == "GET":
            wanted = request.query_params.get("jobType", "V2Ingest")
            jobs = self.jobs.all() if wanted == "V2Ingest" else []
            return sf_json(
                {"done": True, "records": [j.list_info() for j in jobs], "nextRecordsUrl": None}
            )
        version = request.path_params["version"]
        settings = check_new_job(self.org.store.schema, await json_body(request))
        job = self.jobs.create(ctx.user_id, _version(version), **settings)
        return sf_json(job.created_info())

    async def job(self, request: Request) -> Response:
        self.ctx(request)
        job = self._job(request)
        if request.method == "GET":
            return sf_json(job.info())
        if request.method == "DELETE":
            await asyncio.to_thread(self.jobs.delete, job)
            return Response(status_code=204)
        body = await json_body(request)
        state = body.get("state") if isinstance(body, dict) else None
        if state == "UploadComplete":
            finished = self.jobs.close(job)
            answer = {**job.state_info(), "state": "UploadComplete"}  # the worker may be quicker
            await asyncio.to_thread(finished.wait, CLOSE_WAIT_SECONDS)
            return sf_json(answer)
        if state == "Aborted":
            self.jobs.abort(job)
            return sf_json(job.state_info())
        raise invalid_state(f"Cannot change the state of job {job.id} to {state}")

    # --- data -------------------------------------------------------------------------------

    async def upload(self, request: Request) -> Response:
        """PUT the job's CSV: streamed to the job's folder, never held whole in memory."""
        self.ctx(request)
        job = self._job(request)
        target = self.jobs.start_upload(job)
        partial = target.with_suffix(".part")
        received = 0
        try:
            with partial.open("wb") as out:
                async for chunk in request.stream():
                    out.write(chunk)
                    received += len(chunk)
            partial.replace(target)
        except BaseException:
            received = 0
            raise
        finally:
            partial.unlink(missing_ok=True)
            self.jobs.finish_upload(job, received)
        return Response(status_code=201)

    async def results(self, request: Request) -> Response:
        self.ctx(request)
        job = self._job(request)
        kind = request.path_params["results"].lower()
        paths = self.jobs.paths(job)
        if kind == "unprocessedrecords":
            return StreamingResponse(unprocessed_lines(paths, job), media_type=CSV_MEDIA_TYPE)
        if kind == "successfulresults":
            path, columns = paths.successful, SUCCESS_COLUMNS
        elif kind == "failedresults":
            path, columns = paths.failed, FAILED_COLUMNS
        else:
            raise not_found()
        if job.state in FINAL_STATES and path.exists():
            return FileResponse(path, media_type=CSV_MEDIA_TYPE)
        header = read_header(paths, job)
        body = "" if header is None else header_line(job, header, columns)
        return Response(body, media_type=CSV_MEDIA_TYPE)


def _version(text: str) -> str:
    try:
        return f"{float(text):.1f}"
    except ValueError:
        raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist") from None
