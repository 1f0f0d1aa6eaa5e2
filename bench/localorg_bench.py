"""How fast the local org loads and reads records: collections, Bulk API 2.0, paged query.

Starts a local org in this process on a temporary on-disk data directory, adds an external-id
field to Account and prints one line per phase:

1. upsert N new records through `composite/sobjects/Account/Ext_Id__c`, 200 per call;
2. upsert the same N rows again through Bulk API 2.0 with simple-salesforce (all updates);
3. read them back with `SELECT Id, Name, Ext_Id__c FROM Account`, page by page;
4. upsert N more rows through Bulk API 2.0 (all creates);
5. upsert those N rows once more through Bulk API 2.0, the CSV streamed from a file with plain
   requests, so the client holds almost nothing and the memory peak is the server's.

Memory: the process's peak RSS after each phase (client and server share the process), and
with `--tracemalloc` the peak of Python allocations during each phase (slows everything down).

    .venv/bin/python bench/localorg_bench.py [--records 100000] [--tracemalloc]
"""

from __future__ import annotations

import argparse
import csv
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

from simple_salesforce.api import Salesforce

from tier1_sync.localorg.server import RunningOrg, start_in_thread
from tier1_sync.metadata.source import CustomField

CHUNK = 200
INDUSTRIES = ["Energy", "Technology", "Retail", "Banking"]


def add_external_id(running: RunningOrg) -> None:
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


def row(key: str, number: int, label: str) -> dict[str, str]:
    return {
        "Ext_Id__c": key,
        "Name": f"{label} {number}",
        "NumberOfEmployees": str(number % 5000),
        "Industry": INDUSTRIES[number % len(INDUSTRIES)],
    }


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Phase:
    """Times a phase and reports API calls and memory with it."""

    def __init__(self, running: RunningOrg, traced: bool) -> None:
        self.running = running
        self.traced = traced

    def run(self, name: str, action: Callable[[], str]) -> None:
        calls = self.running.org.api_usage()
        if self.traced:
            tracemalloc.reset_peak()
        started = time.perf_counter()
        detail = action()
        seconds = time.perf_counter() - started
        used = self.running.org.api_usage() - calls
        memory = f"peak RSS {peak_rss_mb():,.0f} MB"
        if self.traced:
            memory += f", traced peak {tracemalloc.get_traced_memory()[1] / 2**20:,.0f} MB"
        print(f"{name:<34} {seconds:7.1f} s  {detail}; {used} API calls; {memory}", flush=True)


def collections_upsert(sf: Salesforce, records: int) -> str:
    started = time.perf_counter()
    failures = 0
    for start in range(0, records, CHUNK):
        body = {
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Account"}, **row(f"K-{i:07d}", i, "Collections")}
                for i in range(start, min(start + CHUNK, records))
            ],
        }
        results = cast(
            list[dict[str, Any]],
            sf.restful("composite/sobjects/Account/Ext_Id__c", method="PATCH", json=body),
        )
        failures += sum(1 for r in results if not r["success"])
    rate = records / (time.perf_counter() - started)
    calls_per_1000 = 1000 / CHUNK
    return f"{rate:,.0f} records/s, {calls_per_1000:g} calls per 1,000 records, {failures} failed"


def bulk_upsert(sf: Salesforce, prefix: str, label: str, records: int) -> str:
    rows = [row(f"{prefix}-{i:07d}", i, label) for i in range(records)]
    started = time.perf_counter()
    bulk = getattr(sf.bulk2, "Account")  # noqa: B009 - simple-salesforce resolves it by name
    results = cast(
        list[dict[str, Any]], bulk.upsert(records=rows, external_id_field="Ext_Id__c", wait=0)
    )
    seconds = time.perf_counter() - started
    processed = sum(int(r["numberRecordsProcessed"]) for r in results)
    failed = sum(int(r["numberRecordsFailed"]) for r in results)
    infos = [cast(dict[str, Any], sf.restful(f"jobs/ingest/{r['job_id']}")) for r in results]
    server_ms = sum(int(info["totalProcessingTime"]) for info in infos)
    return (
        f"{processed / seconds:,.0f} rows/s end to end, server {server_ms / 1000:.1f} s "
        f"({processed / max(server_ms, 1) * 1000:,.0f} rows/s), {failed} failed, "
        f"{len(results)} job(s)"
    )


def streamed_bulk_upsert(sf: Salesforce, folder: Path, prefix: str, records: int) -> str:
    """A job fed from a CSV file on disk in 64 KB chunks (Transfer-Encoding: chunked)."""
    source = folder / "rows.csv"
    with source.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(row("", 0, "")), lineterminator="\n")
        writer.writeheader()
        writer.writerows(row(f"{prefix}-{i:07d}", i, "Streamed") for i in range(records))

    def chunks() -> Iterator[bytes]:
        with source.open("rb") as data:
            while chunk := data.read(65_536):
                yield chunk

    base = f"{sf.base_url}jobs/ingest"
    session, headers = sf.session, {"Authorization": f"Bearer {sf.session_id}"}
    started = time.perf_counter()
    job = session.post(
        base,
        json={"object": "Account", "operation": "upsert", "externalIdFieldName": "Ext_Id__c"},
        headers=headers,
    ).json()
    upload_headers = {**headers, "Content-Type": "text/csv"}
    session.put(f"{base}/{job['id']}/batches", data=chunks(), headers=upload_headers)
    session.patch(f"{base}/{job['id']}", json={"state": "UploadComplete"}, headers=headers)
    while (info := session.get(f"{base}/{job['id']}", headers=headers).json())["state"] not in {
        "JobComplete",
        "Failed",
        "Aborted",
    }:
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    processed = int(info["numberRecordsProcessed"])
    return (
        f"{processed / seconds:,.0f} rows/s end to end, state {info['state']}, "
        f"{info['numberRecordsFailed']} failed"
    )


def paged_query(sf: Salesforce) -> str:
    page = cast(dict[str, Any], sf.query("SELECT Id, Name, Ext_Id__c FROM Account"))
    pages, records = 1, len(page["records"])
    while not page["done"]:
        page = cast(dict[str, Any], sf.query_more(page["nextRecordsUrl"], identifier_is_url=True))
        pages += 1
        records += len(page["records"])
    return f"{records:,} records in {pages} pages"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--tracemalloc", action="store_true", help="trace Python allocations")
    args = parser.parse_args()
    records: int = args.records
    if args.tracemalloc:
        tracemalloc.start()
    with tempfile.TemporaryDirectory(prefix="tier1-bench-") as folder:
        running = start_in_thread(Path(folder) / "org", Path(folder) / "tls")
        try:
            add_external_id(running)
            sf = running.client()
            phase = Phase(running, args.tracemalloc)
            print(f"local org at {running.url}, {records:,} records per phase", flush=True)
            phase.run("collections upsert (creates)", lambda: collections_upsert(sf, records))
            phase.run("bulk 2.0 upsert (updates)", lambda: bulk_upsert(sf, "K", "Bulk", records))
            phase.run("paged query", lambda: paged_query(sf))
            phase.run("bulk 2.0 upsert (creates)", lambda: bulk_upsert(sf, "N", "New", records))
            phase.run(
                "bulk 2.0 upsert streamed (updates)",
                lambda: streamed_bulk_upsert(sf, Path(folder), "N", records),
            )
        finally:
            running.stop()


if __name__ == "__main__":
    main()
