"""How the sync job scales: N accounts with health and usage snapshots, against a naive loop.

For each size, starts a fresh local org on a temporary on-disk data dir (in this process,
or in a child process with `--org-process`), deploys force-app, creates N Accounts keyed by
`CS_Platform_Account_Id__c` through sObject Collections (setup, not measured) and builds the
input in memory: two health snapshots 14 days apart and two usage modules per account, so 5
records per account (the Account's Panel 2 fields, 2 health and 2 usage snapshots). Then it
measures:

1. the first SyncJob run, with its default settings and rules (every record is written);
2. a no-op re-run with the same input (nothing may be written but the run's Sync_Run__c);
3. a naive baseline on a sample of `--naive-limit` records, written into accounts of their
   own as a plain simple-salesforce loop writes them: one REST PATCH per Account, one
   upsert per snapshot. Its figures are per 1,000 records and projected to all N accounts.

Every HTTP request is classified by a response hook on the session: query pages, write
calls per object (collections, Bulk 2.0 or single record), the Sync_Run__c upsert. The
write-call target of the issue is checked per object: at most ⌈records written / 200⌉
collections calls; for Bulk 2.0, a handful per job: `BULK_CALLS_PER_JOB` (create, upload,
close, three result sets) plus its status checks (after 0.5 s, then doubling up to 10 s
while the job runs, so they grow with the job's duration, not with its records).

Memory: the process's resident set sampled every 10 ms during the job (before → peak), and
the process's peak RSS so far. By default client and server share the process, so both
include the local org's own memory; with `--org-process` the org runs in a child process
(as `tier1 local-org start` runs it) and the figures are the client's alone: the input and
the job. `--tracemalloc` adds the peak of Python allocations during the job; it slows the
job several times over, so wall times are then not real. `--from-files` writes the input as
the CS export (health.csv, usage.csv) and each run reads it with the file connector inside
the measured block, as `tier1 sync --source file` does.

    .venv/bin/python -m bench.sync_bench [--accounts 1000,10000,100000] [--naive-limit 1000]
                                         [--org-process] [--from-files] [--tracemalloc]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import re
import resource
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast
from urllib.parse import quote, urlsplit

import requests
from simple_salesforce.api import Salesforce, SFType
from simple_salesforce.format import format_soql

from tier1_sync.localorg import control
from tier1_sync.localorg.org import DEFAULT_DAILY_API_REQUESTS
from tier1_sync.localorg.server import connect, start_in_thread
from tier1_sync.salesforce.client import COLLECTION_SIZE, OrgClient
from tier1_sync.salesforce.connection import Connection
from tier1_sync.salesforce.deploy import deploy
from tier1_sync.sources.base import HealthRecord, SourceData, SourceOptions, UsageRecord
from tier1_sync.sources.file import FileSource
from tier1_sync.sync.health import band_for, drivers_text, health_key, usage_key
from tier1_sync.sync.job import SyncJob
from tier1_sync.sync.report import RunReport
from tier1_sync.sync.settings import SyncSettings

PROJECT_DIR = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 12, 1)
EARLIER = TODAY - dt.timedelta(days=14)
NOW = dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.UTC)
KEY_FIELD = "CS_Platform_Account_Id__c"
HEALTH_COLUMNS = (
    "account_key",
    "as_of",
    "health_score",
    "usage_score",
    "support_score",
    "last_customer_contact",
)
USAGE_COLUMNS = ("account_key", "as_of", "module", "licensed_seats", "active_users")
MODULES = ("Analytics", "Workflows")
RECORDS_PER_ACCOUNT = 1 + 2 + len(MODULES)  # the Account, 2 health and 2 usage snapshots
BULK_CALLS_PER_JOB = 6  # create, upload, close, 3 result sets; plus the job's status checks
DAILY_API_REQUESTS = 10_000_000  # room for any size; the naive loop is compared to the default
STATM = Path("/proc/self/statm")
PAGE_MB = resource.getpagesize() / 2**20
_TYPE = re.compile(rb'"type"\s*:\s*"(\w+)"')


@dataclass
class Traffic:
    """Every HTTP request on one session, by kind (a response hook; retries included)."""

    reads: int = 0  # query pages
    writes: Counter[str] = field(default_factory=Counter)  # object -> write calls
    bulk_jobs: Counter[str] = field(default_factory=Counter)  # object -> Bulk 2.0 jobs
    status_checks: Counter[str] = field(default_factory=Counter)  # object -> job status GETs
    run_record: int = 0  # the Sync_Run__c upsert
    other: int = 0
    _job_objects: dict[str, str] = field(default_factory=dict)

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        parts = urlsplit(request.url or "").path.split("/")[4:]  # after /services/data/vXX.X
        body = request.body if isinstance(request.body, bytes) else b""
        if parts[:1] == ["query"]:
            self.reads += 1
        elif parts[:2] == ["composite", "sobjects"]:
            found = _TYPE.search(body[:300])
            sobject = parts[2] if len(parts) > 2 else found.group(1).decode() if found else "?"
            self.writes[sobject] += 1
        elif parts[:2] == ["jobs", "ingest"]:
            self.writes[self._bulk_object(response, parts[2:])] += 1
        elif parts[:2] == ["sobjects", "Sync_Run__c"]:
            self.run_record += 1
        elif parts[:1] == ["sobjects"] and request.method in {"PATCH", "POST"}:
            self.writes[parts[1]] += 1
        else:
            self.other += 1

    def _bulk_object(self, response: requests.Response, rest: list[str]) -> str:
        if not rest and response.request.method == "POST" and response.ok:
            job = cast(dict[str, Any], response.json())
            self._job_objects[str(job["id"])] = str(job["object"])
            self.bulk_jobs[str(job["object"])] += 1
            return str(job["object"])
        sobject = self._job_objects.get(rest[0] if rest else "", "?")
        if len(rest) == 1 and response.request.method == "GET":
            self.status_checks[sobject] += 1
        return sobject

    @property
    def write_calls(self) -> int:
        return sum(self.writes.values())

    @property
    def total(self) -> int:
        return self.reads + self.write_calls + self.run_record + self.other


class Org(Protocol):
    url: str

    def client(self) -> Salesforce: ...

    def stop(self) -> None: ...


@dataclass
class ChildOrg:
    """The local org in a child process, as `tier1 local-org start` runs it."""

    url: str
    token: str
    cert: Path
    state_file: Path

    def client(self) -> Salesforce:
        return connect(self.url, self.token, self.cert)

    def stop(self) -> None:
        control.stop(self.state_file)


def start_org(folder: Path, in_process: bool) -> Org:
    if in_process:
        return start_in_thread(
            folder / "org", folder / "tls", daily_api_requests=DAILY_API_REQUESTS
        )
    state_file = folder / "org.json"
    started = control.start(data_dir=folder / "org", state_file=state_file)
    if not (started.instance_url and started.access_token and started.cert):
        raise RuntimeError(f"setup: the local org did not start: {started.message}")
    return ChildOrg(started.instance_url, started.access_token, Path(started.cert), state_file)


class RssPeak:
    """The process's peak resident set while a block runs, sampled every 10 ms (Linux)."""

    def __init__(self) -> None:
        self.before = self.peak = current_rss_mb()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.01):
            self.peak = max(self.peak, current_rss_mb())

    def __enter__(self) -> RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, current_rss_mb())


@dataclass
class Measure:
    """One measured run: a SyncJob run or the naive loop."""

    label: str
    seconds: float
    requests: int
    traffic: Traffic
    records: int  # input records the run handled
    written: dict[str, int]  # records created or updated, per object
    via: dict[str, str]
    rss: tuple[float, float]  # MB before the run, peak during it
    traced_mb: float | None = None

    @property
    def total_written(self) -> int:
        return sum(self.written.values())

    @property
    def calls_per_1000(self) -> float:
        return 1000 * self.requests / max(self.records, 1)

    @property
    def rate(self) -> float:
        return self.records / self.seconds


def current_rss_mb() -> float:
    if not STATM.exists():
        return peak_rss_mb()
    return int(STATM.read_text().split()[1]) * PAGE_MB


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:,.1f} s"
    return f"{seconds / 60:,.0f} min" if seconds < 7200 else f"{seconds / 3600:,.1f} h"


def account_keys(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{n:06d}" for n in range(1, count + 1)]


def create_accounts(sf: Salesforce, keys: list[str]) -> None:
    client = OrgClient(sf)
    for start in range(0, len(keys), COLLECTION_SIZE):
        records = [
            {"attributes": {"type": "Account"}, "Name": f"Customer {key}", KEY_FIELD: key}
            for key in keys[start : start + COLLECTION_SIZE]
        ]
        failed = [r for r in client.collection("POST", records) if not r.get("success")]
        if failed:
            raise RuntimeError(f"setup: account creation failed: {failed[0]}")


def build_source(keys: list[str]) -> SourceData:
    """Two health snapshots 14 days apart and one usage row per module, for each account."""
    health: list[HealthRecord] = []
    usage: list[UsageRecord] = []
    for n, key in enumerate(keys):
        health.append(
            HealthRecord(
                account_key=key,
                as_of=EARLIER,
                health_score=40 + n % 60,
                usage_score=70,
                support_score=50,
            )
        )
        health.append(
            HealthRecord(
                account_key=key,
                as_of=TODAY,
                health_score=35 + (n * 7) % 65,
                usage_score=72,
                support_score=40 + n % 10,
                last_customer_contact=TODAY - dt.timedelta(days=n % 30),
            )
        )
        usage.extend(
            UsageRecord(
                account_key=key,
                as_of=TODAY,
                module=module,
                licensed_seats=100 + n % 50,
                active_users=n % 100,
            )
            for module in MODULES
        )
    return SourceData(source="File", health=health, usage=usage, rows_read=len(health) + len(usage))


def write_export(data: SourceData, folder: Path) -> Path:
    """The input as the CS export folder (SPEC §6): health.csv and usage.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "health.csv").open("w", encoding="utf-8", newline="") as out:
        rows = csv.writer(out, lineterminator="\n")
        rows.writerow(HEALTH_COLUMNS)
        rows.writerows(
            ["" if v is None else v for v in (getattr(r, c) for c in HEALTH_COLUMNS)]
            for r in data.health
        )
    with (folder / "usage.csv").open("w", encoding="utf-8", newline="") as out:
        rows = csv.writer(out, lineterminator="\n")
        rows.writerow(USAGE_COLUMNS)
        rows.writerows([getattr(u, c) for c in USAGE_COLUMNS] for u in data.usage)
    return folder


def read_export(folder: Path) -> SourceData:
    return FileSource(SourceOptions(path=folder), today=TODAY).read()


def run_job(running: Org, data: SourceData | Path, label: str, traced: bool) -> Measure:
    """One SyncJob run; given an export folder, reading it is part of the measured run."""
    sf = running.client()
    client = OrgClient(sf)
    traffic = Traffic()
    sf.session.hooks["response"].append(traffic.hook)
    job = SyncJob(client=client, org="local", settings=SyncSettings(), now=NOW)
    if traced:
        tracemalloc.start()
    with RssPeak() as rss:
        started = time.perf_counter()
        if isinstance(data, Path):
            data = read_export(data)
        report = job.run(data)
        seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else None
    tracemalloc.stop()
    print(f"  {label}: {report.status}, {duration(seconds)}, {client.calls:,} requests", flush=True)
    accounts = len({r.account_key for r in data.health})
    return Measure(
        label=label,
        seconds=seconds,
        requests=client.calls,
        traffic=traffic,
        records=accounts + len(data.health) + len(data.usage),
        written=written(report),
        via={name: o.via for name, o in report.objects.items()},
        rss=(rss.before, rss.peak),
        traced_mb=peak,
    )


def written(report: RunReport) -> dict[str, int]:
    return {name: o.created + o.updated for name, o in report.objects.items()}


def naive_loop(running: Org, data: SourceData) -> Measure:
    """One REST call per record, as a plain simple-salesforce loop writes them."""
    sf = running.client()
    traffic = Traffic()
    sf.session.hooks["response"].append(traffic.hook)
    sobjects = {
        name: SFType(name, sf.session_id, sf.sf_instance, sf.sf_version, session=sf.session)
        for name in ("Account", "Health_Snapshot__c", "Usage_Snapshot__c")
    }
    done: Counter[str] = Counter()
    band = SyncSettings()
    stamp = NOW.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    soql = format_soql(
        "SELECT Id, {:literal} FROM Account WHERE {:literal} LIKE {}",
        KEY_FIELD,
        KEY_FIELD,
        "NAIVE-%",
    )
    with RssPeak() as rss:
        started = time.perf_counter()
        found = cast(list[dict[str, Any]], sf.query_all(soql)["records"])
        ids = {str(r[KEY_FIELD]): str(r["Id"]) for r in found}
        for earlier, latest in zip(data.health[::2], data.health[1::2], strict=True):
            account_id = ids[latest.account_key]
            sobjects["Account"].update(
                account_id,
                {
                    "Health_Score__c": latest.health_score,
                    "Health_Band__c": band_for(latest.health_score, band),
                    "Health_Score_As_Of__c": latest.as_of.isoformat(),
                    "Health_Change_14d__c": latest.health_score - earlier.health_score,
                    "Health_Drivers__c": drivers_text(latest),
                    "Health_Source__c": data.source,
                    "Last_Customer_Contact__c": str(latest.last_customer_contact),
                    "Tier1_Last_Synced__c": stamp,
                },
            )
            done["Account"] += 1
            for record in (earlier, latest):
                key = quote(health_key(record.account_key, record.as_of), safe="")
                sobjects["Health_Snapshot__c"].upsert(
                    f"Snapshot_Key__c/{key}",
                    {
                        "Account__c": account_id,
                        "As_Of__c": record.as_of.isoformat(),
                        "Score__c": record.health_score,
                        "Band__c": band_for(record.health_score, band),
                        "Usage_Score__c": record.usage_score,
                        "Support_Score__c": record.support_score,
                        "Source__c": data.source,
                    },
                )
                done["Health_Snapshot__c"] += 1
        for usage in data.usage:
            key = quote(usage_key(usage.account_key, usage.module, usage.as_of), safe="")
            sobjects["Usage_Snapshot__c"].upsert(
                f"Snapshot_Key__c/{key}",
                {
                    "Account__c": ids[usage.account_key],
                    "As_Of__c": usage.as_of.isoformat(),
                    "Module__c": usage.module,
                    "Licensed_Seats__c": usage.licensed_seats,
                    "Active_Users__c": usage.active_users,
                    "Source__c": data.source,
                },
            )
            done["Usage_Snapshot__c"] += 1
        seconds = time.perf_counter() - started
    return Measure(
        label="naive loop",
        seconds=seconds,
        requests=traffic.total,
        traffic=traffic,
        records=sum(done.values()),
        written=dict(done),
        via=dict.fromkeys(done, "one call per record"),
        rss=(rss.before, rss.peak),
    )


def check_target(measure: Measure) -> bool:
    """Print the issue's write-call target per object, and in total with the read pages."""
    met, allowed_total = True, 0
    for sobject, count in measure.written.items():
        calls = measure.traffic.writes[sobject]
        if measure.via.get(sobject) == "bulk":
            jobs, checks = (
                measure.traffic.bulk_jobs[sobject],
                measure.traffic.status_checks[sobject],
            )
            allowed = BULK_CALLS_PER_JOB * jobs + checks
            rule = f"{jobs} job: ≤ {BULK_CALLS_PER_JOB} per job + {checks} status checks"
        else:
            allowed, rule = math.ceil(count / COLLECTION_SIZE), f"⌈{count:,} / 200⌉"
        allowed_total += allowed
        met = met and calls <= allowed
        print(
            f"    {sobject:<20} {count:>8,} written via {measure.via.get(sobject, '-'):<11} "
            f"{calls:>4,} write calls (target {rule} = {allowed:,})"
            f"{'' if calls <= allowed else ' MISSED'}"
        )
    traffic = measure.traffic
    budget = allowed_total + traffic.reads + traffic.run_record
    met = met and measure.requests <= budget
    print(
        f"    all {measure.requests:,} requests: {traffic.reads:,} read pages + "
        f"{traffic.write_calls:,} write calls + {traffic.run_record} Sync_Run__c + "
        f"{traffic.other} other (target ≤ {budget:,}): {'met' if met else 'MISSED'}",
        flush=True,
    )
    return met


def row(accounts: int, measure: Measure, note: str) -> str:
    traced = "-" if measure.traced_mb is None else f"{measure.traced_mb:,.0f}"
    before, peak = measure.rss
    return (
        f"| {accounts:,} | {measure.label} | {duration(measure.seconds)} | {measure.requests:,} "
        f"| {measure.traffic.reads:,} | {measure.traffic.write_calls:,} "
        f"| {measure.total_written:,} | {measure.calls_per_1000:,.1f} | {measure.rate:,.0f} "
        f"| {before:,.0f} → {peak:,.0f} | {peak_rss_mb():,.0f} | {traced} | {note} |"
    )


def bench_size(
    accounts: int,
    naive_limit: int,
    folder: Path,
    *,
    in_process: bool,
    traced: bool,
    from_files: bool,
) -> tuple[list[str], bool]:
    """The table rows for one size, and whether the no-op re-run wrote nothing."""
    running = start_org(folder, in_process)
    try:
        sf = running.client()
        deployed = deploy(Connection("local", "access-token", sf, running.url), PROJECT_DIR)
        if not deployed.success:
            raise RuntimeError(f"setup: deploy {deployed.status}: {deployed.failures}")
        started = time.perf_counter()
        naive_accounts = max(1, naive_limit // RECORDS_PER_ACCOUNT)
        create_accounts(sf, account_keys("CS", accounts) + account_keys("NAIVE", naive_accounts))
        before = current_rss_mb()
        data = build_source(account_keys("CS", accounts))
        naive_data = build_source(account_keys("NAIVE", naive_accounts))
        snapshots = len(data.health) + len(data.usage)
        input_mb = current_rss_mb() - before
        given: SourceData | Path = data
        if from_files:
            given = write_export(data, folder / "export")
            del data
        print(
            f"\n{accounts:,} accounts, {snapshots:,} snapshots: setup "
            f"{duration(time.perf_counter() - started)}, RSS {current_rss_mb():,.0f} MB "
            f"(the input: {input_mb:,.0f} MB"
            f"{', written to CSV, read by each run' if from_files else ''}), local org "
            f"{'in this process' if in_process else 'in a child process'}",
            flush=True,
        )
        first = run_job(running, given, "first run", traced)
        first_met = check_target(first)
        again = run_job(running, given, "no-op re-run", traced)
        again_met = check_target(again)
        no_op = again.total_written == 0 and again.traffic.write_calls == 0
        naive = naive_loop(running, naive_data)
        projected = accounts * RECORDS_PER_ACCOUNT
        calls = projected * naive.calls_per_1000 / 1000
        share = calls / DEFAULT_DAILY_API_REQUESTS
        print(f"  naive loop: {duration(naive.seconds)}, {naive.requests:,} requests", flush=True)
        return [
            row(accounts, first, "target met" if first_met else "target MISSED"),
            row(
                accounts,
                again,
                f"{'target met' if again_met else 'target MISSED'}, "
                f"{again.total_written:,} records written",
            ),
            row(
                accounts,
                naive,
                f"{naive.records:,}-record sample; all {projected:,} records: "
                f"≈ {duration(projected / naive.rate)}, {calls:,.0f} calls "
                f"({share:.0%} of a 100,000-call day)",
            ),
        ], no_op
    finally:
        running.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", default="1000,10000,100000", help="comma-separated sizes")
    parser.add_argument("--naive-limit", type=int, default=1000, help="records in the naive loop")
    parser.add_argument(
        "--org-process", action="store_true", help="serve the local org from a child process"
    )
    parser.add_argument(
        "--from-files",
        action="store_true",
        help="write the input as the CSV export and read it in each run (as tier1 sync does)",
    )
    parser.add_argument(
        "--tracemalloc", action="store_true", help="trace Python allocations (slows the job)"
    )
    args = parser.parse_args()
    rows, all_no_op = [], True
    for accounts in (int(size) for size in str(args.accounts).split(",")):
        with tempfile.TemporaryDirectory(prefix="tier1-sync-bench-") as folder:
            size_rows, no_op = bench_size(
                accounts,
                args.naive_limit,
                Path(folder),
                in_process=not args.org_process,
                traced=args.tracemalloc,
                from_files=args.from_files,
            )
        rows.extend(size_rows)
        all_no_op = all_no_op and no_op
    print(
        "\n| Accounts | Run | Wall time | HTTP requests | Read pages | Write calls "
        "| Records written | Calls / 1,000 records | Records/s | RSS MB before → peak "
        "| Process peak RSS MB | Traced peak MB | Note |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    print("\n".join(rows))
    if not all_no_op:
        print("FAILED: a no-op re-run wrote records", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
