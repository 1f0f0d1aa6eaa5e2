"""The plan spool: chunk plans go to disk in send order, with the counts and samples kept."""

from __future__ import annotations

from pathlib import Path

from tier1_sync.sync.plan import SyncPlan, plan_record
from tier1_sync.sync.spool import PlanSpool


def _chunk(*accounts: str) -> SyncPlan:
    plan = SyncPlan()
    for account in accounts:
        for day in ("2026-12-01", "2026-11-17"):
            plan_record(
                plan,
                "Health_Snapshot__c",
                "Snapshot_Key__c",
                f"{account}|{day}",
                {"Snapshot_Key__c": f"{account}|{day}", "Score__c": 70},
                None,
                parent_id=account,
                label=account,
                create_only={"Account__c": account},
            )
        plan_record(
            plan,
            "Account",
            "Id",
            account,
            {"Health_Score__c": 70},
            {"Health_Score__c": 70 if account.endswith("1") else 50},
            parent_id=account,
            label=account,
        )
    return plan


def test_writes_come_back_sorted_by_parent_then_key_with_create_only_values(
    tmp_path: Path,
) -> None:
    with PlanSpool(tmp_path) as spool:
        spool.add(_chunk("001B", "001A"))
        spool.add(_chunk("001C"))
        keys = [w.key for w in spool.writes("Health_Snapshot__c")]
        assert keys == [
            "001A|2026-11-17",
            "001A|2026-12-01",
            "001B|2026-11-17",
            "001B|2026-12-01",
            "001C|2026-11-17",
            "001C|2026-12-01",
        ]
        first = next(iter(spool.writes("Health_Snapshot__c")))
        assert first.values == {
            "Snapshot_Key__c": "001A|2026-11-17",
            "Score__c": 70,
            "Account__c": "001A",
        }
        assert (first.action, first.create_only, first.label) == ("create", ("Account__c",), "001A")
        assert [w.key for w in spool.writes("Account")] == ["001A", "001B", "001C"]


def test_counts_fields_and_samples_add_up_over_chunks(tmp_path: Path) -> None:
    with PlanSpool(tmp_path, watch={"Account": ("Health_Score__c",)}) as spool:
        spool.add(_chunk("0011", "0012"))
        spool.add(_chunk("0013"))
    snapshots, accounts = spool.objects["Health_Snapshot__c"], spool.objects["Account"]
    assert (snapshots.creates, snapshots.updates, snapshots.unchanged) == (6, 0, 0)
    assert snapshots.fields == {"Snapshot_Key__c", "Score__c", "Account__c"}
    assert (accounts.creates, accounts.updates, accounts.unchanged) == (0, 2, 1)
    assert spool.total_writes == 8
    assert [(c.key, c.field, c.old, c.new) for c in spool.watched] == [
        ("0012", "Health_Score__c", 50, 70),
        ("0013", "Health_Score__c", 50, 70),
    ]
    samples = list(spool.sample_changes(per_object=3))
    assert [(c.sobject, c.key, c.field) for c in samples] == [
        ("Health_Snapshot__c", "0011|2026-11-17", "Snapshot_Key__c"),
        ("Health_Snapshot__c", "0011|2026-11-17", "Score__c"),
        ("Health_Snapshot__c", "0011|2026-12-01", "Snapshot_Key__c"),
        ("Account", "0012", "Health_Score__c"),
        ("Account", "0013", "Health_Score__c"),
    ]
