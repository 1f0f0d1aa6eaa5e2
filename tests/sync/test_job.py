"""The sync job against the local org over HTTPS: writes only changes, converges after faults."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from simple_salesforce.api import Salesforce

from tests.localorg.helpers import collection, query
from tier1_sync.localorg.server import RunningOrg
from tier1_sync.salesforce.client import OrgClient, RetryPolicy
from tier1_sync.sources.base import HealthRecord, RejectedRow, SourceData, UsageRecord
from tier1_sync.sync.apply import apply_plan
from tier1_sync.sync.job import SyncJob
from tier1_sync.sync.plan import SyncPlan, plan_record
from tier1_sync.sync.report import RunReport
from tier1_sync.sync.settings import SyncSettings
from tier1_sync.sync.spool import PlanSpool

TODAY = dt.date(2026, 12, 1)
EARLIER = TODAY - dt.timedelta(days=14)
ACCOUNTS = 30


def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
def org(deployed_org: RunningOrg) -> RunningOrg:
    """30 accounts keyed CS-0001..CS-0030; two more that the platform knows by Salesforce id."""
    sf = deployed_org.client()
    collection(
        sf,
        "POST",
        {
            "records": [
                {
                    "attributes": {"type": "Account"},
                    "Name": f"Customer {i:04d}",
                    "CS_Platform_Account_Id__c": f"CS-{i:04d}",
                }
                for i in range(1, ACCOUNTS + 1)
            ]
        },
    )
    return deployed_org


def source(scores: dict[str, tuple[int, int]] | None = None, *, rejected: int = 0) -> SourceData:
    """Two health snapshots per account (14 days apart) and one usage row each."""
    scores = scores or {f"CS-{i:04d}": (80, 75) for i in range(1, ACCOUNTS + 1)}
    health = []
    usage = []
    for key, (before, now) in scores.items():
        health.append(
            HealthRecord(
                account_key=key,
                as_of=EARLIER,
                health_score=before,
                usage_score=70,
                support_score=50,
            )
        )
        health.append(
            HealthRecord(
                account_key=key,
                as_of=TODAY,
                health_score=now,
                usage_score=72,
                support_score=40,
                last_customer_contact=TODAY - dt.timedelta(days=3),
            )
        )
        usage.append(
            UsageRecord(
                account_key=key,
                as_of=TODAY,
                module="Analytics",
                licensed_seats=100,
                active_users=61,
            )
        )
    bad = [
        RejectedRow(
            file="health.csv",
            line=100 + n,
            field="health_score",
            reason="health_score 140 is outside 0-100",
        )
        for n in range(rejected)
    ]
    return SourceData(
        source="File",
        health=health,
        usage=usage,
        rejected=bad,
        rows_read=len(health) + len(usage) + rejected,
    )


def run(org: RunningOrg, data: SourceData, **kwargs: Any) -> RunReport:
    settings = SyncSettings(**kwargs.pop("settings", {}))
    client = OrgClient(
        org.client(), retry=RetryPolicy(sleep=_no_sleep), budget_share=settings.api_budget_share
    )
    job = SyncJob(
        client=client,
        org="local",
        settings=settings,
        now=dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.UTC),
    )
    return job.run(data, **kwargs)


def count_as_admin(org: RunningOrg, sobject: str) -> int:
    return len(org.org.store.db.execute(f'SELECT Id FROM "{sobject}"').fetchall())


def count(sf: Salesforce, sobject: str) -> int:
    return int(query(sf, f"SELECT COUNT() FROM {sobject}")["totalSize"])


def written(report: RunReport) -> dict[str, tuple[int, int]]:
    return {name: (o.created, o.updated) for name, o in report.objects.items()}


def test_first_run_writes_everything(org: RunningOrg) -> None:
    report = run(org, source())
    assert report.status == "Succeeded", report.notes
    assert written(report) == {
        "Account": (0, 30),
        "Health_Snapshot__c": (60, 0),
        "Usage_Snapshot__c": (30, 0),
    }
    sf = org.client()
    record = query(
        sf,
        "SELECT Health_Score__c, Health_Band__c, Health_Change_14d__c, "
        "Health_Drivers__c, Health_Source__c, Last_Customer_Contact__c, "
        "Tier1_Last_Synced__c FROM Account WHERE CS_Platform_Account_Id__c = "
        "'CS-0001'",
    )["records"][0]
    assert record["Health_Score__c"] == 75
    assert record["Health_Band__c"] == "Green"
    assert record["Health_Change_14d__c"] == -5
    assert record["Health_Drivers__c"] == "Usage 72 · Support 40"
    assert record["Health_Source__c"] == "File"
    assert record["Last_Customer_Contact__c"] == "2026-11-28"
    assert record["Tier1_Last_Synced__c"].startswith("2026-12-01T06:00:00")
    assert count(sf, "Sync_Run__c") == 1
    runs = query(
        sf,
        "SELECT Status__c, Records_Written__c, Accounts_Matched__c, API_Calls__c FROM Sync_Run__c",
    )["records"][0]
    assert runs["Status__c"] == "Succeeded"
    assert (runs["Records_Written__c"], runs["Accounts_Matched__c"]) == (120, 30)
    assert runs["API_Calls__c"] == report.api_calls - 1  # all but its own write


def test_second_run_with_the_same_input_writes_nothing_but_its_run(org: RunningOrg) -> None:
    run(org, source())
    report = run(org, source())
    assert report.status == "Succeeded"
    assert written(report) == {
        "Account": (0, 0),
        "Health_Snapshot__c": (0, 0),
        "Usage_Snapshot__c": (0, 0),
    }
    assert report.objects["Health_Snapshot__c"].unchanged == 60
    assert count(org.client(), "Sync_Run__c") == 2
    assert report.api_calls <= 8, "reads only: match, accounts, snapshots, the run record"


def test_a_changed_input_writes_only_the_changed_fields(org: RunningOrg) -> None:
    run(org, source())
    scores = {f"CS-{i:04d}": (80, 75) for i in range(1, ACCOUNTS + 1)}
    scores["CS-0007"] = (80, 61)
    report = run(org, source(scores), dry_run=True)
    assert report.status == "Dry Run"
    assert written(report)["Account"] == (0, 1)
    changed = {(c.sobject, c.field, c.old, c.new) for c in report.sample_changes}
    assert ("Account", "Health_Score__c", 75, 61) in changed
    assert ("Account", "Health_Change_14d__c", -5, -19) in changed
    assert ("Account", "Health_Band__c", "Green", "Yellow") in changed
    assert ("Health_Snapshot__c", "Score__c", 75, 61) in changed
    assert any("cannot be checked without writing" in note for note in report.notes)
    assert (
        query(
            org.client(),
            "SELECT Health_Score__c FROM Account WHERE CS_Platform_Account_Id__c = 'CS-0007'",
        )["records"][0]["Health_Score__c"]
        == 75
    )
    applied = run(org, source(scores))
    assert written(applied) == {
        "Account": (0, 1),
        "Health_Snapshot__c": (0, 1),
        "Usage_Snapshot__c": (0, 0),
    }


def test_503_bursts_are_retried(org: RunningOrg) -> None:
    org.org.faults.fail_next("/composite/sobjects", 3)
    report = run(org, source())
    assert report.status == "Succeeded"
    assert count(org.client(), "Health_Snapshot__c") == 60


def test_locked_rows_are_retried_then_reported_and_a_rerun_converges(org: RunningOrg) -> None:
    org.org.faults.lock_rows(["CS-0003|2026-12-01", "CS-0004|2026-12-01"])
    report = run(org, source())
    assert report.status == "Partial"
    assert {f.key for f in report.failures} == {"CS-0003|2026-12-01", "CS-0004|2026-12-01"}
    assert {f.error_code for f in report.failures} == {"UNABLE_TO_LOCK_ROW"}
    org.org.faults.clear()
    again = run(org, source())
    assert written(again)["Health_Snapshot__c"] == (2, 0)
    assert count(org.client(), "Health_Snapshot__c") == 60


def test_the_daily_limit_stops_the_run_cleanly_and_a_rerun_converges(org: RunningOrg) -> None:
    org.org.set_api_usage(500, allocation=500)  # used up by other integrations today
    report = run(org, source())
    assert report.status == "Failed"
    assert report.stopped is not None
    assert "daily API request limit" in report.stopped
    assert count_as_admin(org, "Health_Snapshot__c") == 0
    org.org.set_api_usage(0, allocation=100_000)
    again = run(org, source())
    assert again.status == "Succeeded"
    assert count(org.client(), "Health_Snapshot__c") == 60
    assert count(org.client(), "Usage_Snapshot__c") == 30


def test_the_budget_guard_stops_before_the_share_is_used(org: RunningOrg) -> None:
    org.org.set_api_usage(0, allocation=12)
    report = run(org, source(), settings={"api_budget_share": 0.5})
    assert report.status == "Failed"
    assert report.stopped is not None
    assert "API budget guard: 6 of 12" in report.stopped
    assert org.org.api_usage() == 6


def test_a_run_killed_midway_converges_on_rerun(
    org: RunningOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies during its second collection call: a re-run finishes the job, duplicating
    nothing (every write is keyed by Id or external id)."""
    original = OrgClient.collection
    calls = {"n": 0}

    def dies_on_the_second_call(self: OrgClient, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("killed")
        return original(self, *args, **kwargs)

    many = {f"CS-{i:04d}": (80, 75) for i in range(1, ACCOUNTS + 1)}
    data = source(many)
    data.health += [
        HealthRecord(account_key=f"CS-{i:04d}", as_of=TODAY - dt.timedelta(days=d), health_score=70)
        for i in range(1, ACCOUNTS + 1)
        for d in range(1, 9)
    ]
    monkeypatch.setattr(OrgClient, "collection", dies_on_the_second_call)
    with pytest.raises(SystemExit):
        run(org, data)
    monkeypatch.setattr(OrgClient, "collection", original)
    partial = count(org.client(), "Health_Snapshot__c")
    assert 0 < partial < 300
    again = run(org, data)
    assert again.status == "Succeeded"
    assert count(org.client(), "Health_Snapshot__c") == 300
    third = run(org, data)
    assert sum(c + u for c, u in written(third).values()) == 0


def test_unmatched_and_ambiguous_accounts_are_reported_never_guessed(org: RunningOrg) -> None:
    sf = org.client()
    other = query(sf, "SELECT Id FROM Account WHERE CS_Platform_Account_Id__c = 'CS-0002'")[
        "records"
    ][0]["Id"]
    data = source({"CS-0001": (80, 75), "CS-9999": (80, 75)})
    data.health.append(
        HealthRecord(
            account_key="CS-0005", salesforce_account_id=other, as_of=TODAY, health_score=50
        )
    )
    report = run(org, data)
    assert report.status == "Partial"
    assert [u.account_key for u in report.unmatched] == ["CS-9999"]
    assert [u.account_key for u in report.ambiguous] == ["CS-0005"]
    assert report.accounts_matched == 1


def test_too_many_rejected_rows_fail_the_run_and_write_nothing(org: RunningOrg) -> None:
    report = run(org, source({"CS-0001": (80, 75)}, rejected=2))
    assert report.status == "Failed"
    assert report.exit_code == 1
    assert count(org.client(), "Health_Snapshot__c") == 0
    assert count(org.client(), "Sync_Run__c") == 1


def test_verify_only_reports_drift_without_writing(org: RunningOrg) -> None:
    run(org, source())
    sf = org.client()
    account = query(sf, "SELECT Id FROM Account WHERE CS_Platform_Account_Id__c = 'CS-0009'")[
        "records"
    ][0]["Id"]
    collection(
        sf,
        "PATCH",
        {"records": [{"attributes": {"type": "Account"}, "id": account, "Health_Score__c": 99}]},
    )
    report = run(org, source(), verify_only=True)
    assert report.status == "Drift"
    assert report.exit_code == 1
    assert [(d.label, d.field, d.old, d.new) for d in report.drift] == [
        ("CS-0009", "Health_Score__c", 99, 75)
    ]
    assert (
        query(sf, "SELECT Health_Score__c FROM Account WHERE Id = '" + account + "'")["records"][0][
            "Health_Score__c"
        ]
        == 99
    )


def test_bulk_api_above_the_threshold(org: RunningOrg) -> None:
    report = run(org, source(), settings={"bulk_threshold": 20})
    assert report.objects["Health_Snapshot__c"].via == "bulk"
    assert report.objects["Usage_Snapshot__c"].via == "bulk"
    assert written(report)["Health_Snapshot__c"] == (60, 0)
    again = run(org, source(), settings={"bulk_threshold": 20})
    assert sum(c + u for c, u in written(again).values()) == 0


def test_accounts_planned_a_chunk_at_a_time_write_the_same(org: RunningOrg) -> None:
    report = run(org, source(), settings={"chunk_accounts": 7})
    assert report.status == "Succeeded", report.notes
    assert written(report) == {
        "Account": (0, 30),
        "Health_Snapshot__c": (60, 0),
        "Usage_Snapshot__c": (30, 0),
    }
    changes = {f"CS-{i:04d}": (80, 75) for i in range(1, ACCOUNTS + 1)}
    changes["CS-0029"] = (80, 20)
    again = run(org, source(changes), settings={"chunk_accounts": 7})
    assert written(again) == {
        "Account": (0, 1),
        "Health_Snapshot__c": (0, 1),
        "Usage_Snapshot__c": (0, 0),
    }
    assert again.objects["Health_Snapshot__c"].unchanged == 59


def test_bulk_jobs_split_by_file_size_and_report_failed_rows_with_labels(
    org: RunningOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tier1_sync.sync.apply.BULK_FILE_BYTES", 1_000)
    org.org.faults.lock_rows(["CS-0003|2026-12-01"])
    jobs: list[str] = []
    original = OrgClient.bulk_ingest

    def counted(self: OrgClient, *args: Any, **kwargs: Any) -> dict[str, Any]:
        info = original(self, *args, **kwargs)
        jobs.append(str(info["object"]))
        return info

    monkeypatch.setattr(OrgClient, "bulk_ingest", counted)
    report = run(org, source(), settings={"bulk_threshold": 20})
    assert jobs.count("Health_Snapshot__c") > 1, "60 rows of ~100 bytes: several 1 kB files"
    assert written(report)["Health_Snapshot__c"] == (59, 0)
    assert [(f.key, f.label, f.error_code) for f in report.failures] == [
        ("CS-0003|2026-12-01", "CS-0003", "UNABLE_TO_LOCK_ROW")
    ]
    assert report.status == "Partial"
    org.org.faults.clear()
    again = run(org, source(), settings={"bulk_threshold": 20})
    assert written(again)["Health_Snapshot__c"] == (1, 0)
    assert count(org.client(), "Health_Snapshot__c") == 60


def test_a_bulk_job_salesforce_fails_stops_the_run_and_says_why(
    org: RunningOrg, tmp_path: Path
) -> None:
    plan = SyncPlan()
    for n in range(3):
        plan_record(
            plan,
            "Health_Snapshot__c",
            "Snapshot_Key__c",
            f"CS-0001|2026-11-0{n + 1}",
            {"Score__c": 70, "Nope__c": "x"},  # no such field: Bulk 2.0 fails the whole job
            None,
            create_only={"Account__c": "001000000000001AAA"},
        )
    client = OrgClient(org.client(), retry=RetryPolicy(sleep=_no_sleep))
    with PlanSpool(tmp_path) as spool:
        spool.add(plan)
        result = apply_plan(client, spool, SyncSettings(bulk_threshold=1))
    assert result.stopped is not None
    assert "ended Failed" in result.stopped
    assert "Nope__c" in result.stopped
    outcome = result.objects["Health_Snapshot__c"]
    assert (outcome.via, outcome.created, outcome.not_attempted) == ("bulk", 0, 3)
