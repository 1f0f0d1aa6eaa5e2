"""The org's Bulk API 2.0 ingest jobs: their files, their state, and the thread that runs them.

A job's settings and counters live in the store's kv table, its uploaded CSV and result files
in a folder of its own (under the org's data directory, or a temporary one for an in-memory
org). Jobs run one at a time on a background thread, in the order they were closed.
"""

from __future__ import annotations

import queue
import shutil
import tempfile
import threading
import time
from pathlib import Path

from tier1_sync.localorg.bulk_csv import JobPaths
from tier1_sync.localorg.bulk_ingest import run_job
from tier1_sync.localorg.bulk_model import FINAL_STATES, IngestJob, invalid_state
from tier1_sync.localorg.errors import SalesforceError, not_found
from tier1_sync.localorg.ids import looks_like_id, to_18
from tier1_sync.localorg.store import Store
from tier1_sync.localorg.values import format_datetime

KV_KIND = "bulk-ingest-job"
JOB_KEY_PREFIX = "750"
WORKER_IDLE_SECONDS = 30.0


class IngestJobs:
    """Every ingest job of one org. Thread-safe."""

    def __init__(self, store: Store, folder: Path | None) -> None:
        self.store = store
        self._temporary: tempfile.TemporaryDirectory[str] | None = None
        if folder is None:
            self._temporary = tempfile.TemporaryDirectory(prefix="tier1-bulk-")
            folder = Path(self._temporary.name)
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._lock = threading.RLock()
        self._jobs: dict[str, IngestJob] = {}
        self._cancelled: dict[str, threading.Event] = {}
        self._finished: dict[str, threading.Event] = {}
        self._closed_at: dict[str, float] = {}
        self._queue: queue.Queue[str] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._load()

    def _load(self) -> None:
        """Jobs of an earlier run; one cut short by a restart is Failed, its rest unprocessed."""
        for data in self.store.kv_all(KV_KIND).values():
            job = IngestJob.model_validate(data)
            if job.state in {"UploadComplete", "InProgress"}:
                job.state = "Failed"
                job.error_message = "InternalServerError : the org stopped while the job ran"
                self.save(job)
            self._jobs[job.id] = job

    # --- bookkeeping ----------------------------------------------------------------------

    def _now(self) -> str:
        return format_datetime(self.store.clock.now())

    def save(self, job: IngestJob) -> None:
        """Persist the job. Takes only the store's lock: the worker saves inside a transaction,
        so `self._lock` is always taken before the store's lock, never after it."""
        job.system_modstamp = self._now()
        self.store.kv_put(KV_KIND, job.id, job.model_dump())

    def paths(self, job: IngestJob) -> JobPaths:
        return JobPaths(self.folder / job.id)

    def create(self, user_id: str, api_version: str, **settings: str) -> IngestJob:
        now = self._now()
        with self.store.transaction():  # also persists the id counter with the job
            job = IngestJob(
                id=self.store.ids.new(JOB_KEY_PREFIX),
                created_by_id=user_id,
                created_date=now,
                system_modstamp=now,
                api_version=api_version,
                **settings,
            )
            self.save(job)
        self.paths(job).folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._jobs[job.id] = job
        return job

    def get(self, job_id: str) -> IngestJob:
        key = to_18(job_id) if looks_like_id(job_id) else job_id
        with self._lock:
            job = self._jobs.get(key)
        if job is None:
            raise not_found()
        return job

    def all(self) -> list[IngestJob]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda job: job.id)

    # --- upload ---------------------------------------------------------------------------

    def start_upload(self, job: IngestJob) -> Path:
        """Claim the job's single upload; where to write it."""
        with self._lock:
            if job.state != "Open":
                raise invalid_state(
                    f"Job {job.id} is {job.state}: data can be uploaded only while it is Open"
                )
            if job.uploaded:
                raise _multiple_uploads(job)
            job.uploaded = True
        return self.paths(job).data

    def finish_upload(self, job: IngestJob, received: int) -> None:
        with self._lock:
            if received == 0:
                job.uploaded = False
                self.paths(job).data.unlink(missing_ok=True)
            self.save(job)

    # --- state changes --------------------------------------------------------------------

    def close(self, job: IngestJob) -> threading.Event:
        """UploadComplete: queue the job; the event is set once it has run."""
        with self._lock:
            if job.state != "Open":
                raise invalid_state(f"Job {job.id} is {job.state}, not Open")
            job.state = "UploadComplete"
            self.save(job)
            finished = threading.Event()
            self._finished[job.id] = finished
            self._cancelled[job.id] = threading.Event()
            self._closed_at[job.id] = time.monotonic()
            self._queue.put(job.id)
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._work, name="tier1-bulk-ingest", daemon=True
                )
                self._worker.start()
        return finished

    def abort(self, job: IngestJob) -> None:
        with self._lock:
            if job.state in FINAL_STATES:
                raise invalid_state(f"Job {job.id} is {job.state} and cannot be aborted")
            job.state = "Aborted"
            self.save(job)
            cancelled = self._cancelled.get(job.id)
            if cancelled is not None:
                cancelled.set()

    def delete(self, job: IngestJob) -> None:
        with self._lock:
            if job.state == "Open":
                raise invalid_state(
                    f"Job {job.id} is Open: abort it or set it UploadComplete before deleting"
                )
            cancelled = self._cancelled.get(job.id)
            finished = self._finished.get(job.id)
        if cancelled is not None and finished is not None:
            cancelled.set()
            finished.wait(timeout=60)
        with self._lock:
            self._jobs.pop(job.id, None)
            self.store.kv_delete(KV_KIND, job.id)
        shutil.rmtree(self.paths(job).folder, ignore_errors=True)

    # --- the worker -------------------------------------------------------------------------

    def _work(self) -> None:
        """Run queued jobs; the thread ends after a while without work (close starts another)."""
        while True:
            try:
                job_id = self._queue.get(timeout=WORKER_IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._worker = None
                        return
                continue
            with self._lock:
                job = self._jobs.get(job_id)
                cancelled = self._cancelled.get(job_id, threading.Event())
                finished = self._finished.get(job_id, threading.Event())
            try:
                if job is not None and not cancelled.is_set():
                    self._run(job, cancelled)
            finally:
                finished.set()
                with self._lock:
                    self._cancelled.pop(job_id, None)
                    self._finished.pop(job_id, None)
                    self._closed_at.pop(job_id, None)

    def _run(self, job: IngestJob, cancelled: threading.Event) -> None:
        with self._lock:
            if job.state != "UploadComplete":
                return
            closed_at = self._closed_at.get(job.id, time.monotonic())
            job.state = "InProgress"
            self.save(job)
        try:
            run_job(self.store, job, self.paths(job), cancelled, lambda: self.save(job))
        except Exception as exc:  # the job fails, the worker carries on with the next one
            job.state = "Failed"
            job.error_message = f"UnknownException : {exc}"
        with self._lock:
            if job.state == "InProgress":
                job.state = "JobComplete"
            job.total_ms = int((time.monotonic() - closed_at) * 1000)
            self.save(job)


def _multiple_uploads(job: IngestJob) -> SalesforceError:
    return SalesforceError(
        400,
        "BULK_API_ERROR",
        f"Found multiple contents for job: <{job.id[:15]}>, please 'Close' / 'Abort' / "
        "'Delete' the current Job then create a new Job and make sure you only do 'PUT' once "
        "on a given Job.",
    )
