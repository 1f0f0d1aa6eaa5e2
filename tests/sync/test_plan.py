"""Planning the same record in several steps merges into one write."""

from __future__ import annotations

from tier1_sync.sync.plan import SyncPlan, plan_record

CURRENT = {"Id": "001A", "Health_Score__c": 80, "Tier1__c": False, "Last_CSM_Touch__c": None}
STAMP = {"Tier1_Last_Synced__c": "2026-12-01T06:00:00.000Z"}


def test_later_steps_merge_into_the_one_write_and_win_field_by_field() -> None:
    plan = SyncPlan()
    plan_record(
        plan,
        "Account",
        "Id",
        "001A",
        {"Health_Score__c": 61, "Last_CSM_Touch__c": "2026-11-20"},
        CURRENT,
        touch=STAMP,
    )
    plan_record(plan, "Account", "Id", "001A", {"Tier1__c": True}, CURRENT, touch=STAMP)
    plan_record(plan, "Account", "Id", "001A", {"Last_CSM_Touch__c": "2026-11-25"}, CURRENT)
    [write] = plan.objects["Account"].writes
    assert write.values == {
        "Health_Score__c": 61,
        "Last_CSM_Touch__c": "2026-11-25",
        "Tier1__c": True,
        **STAMP,
    }
    assert plan.objects["Account"].unchanged == 0
    assert plan.desired("Account", "001a")["Last_CSM_Touch__c"] == "2026-11-25"


def test_an_unchanged_record_changed_by_a_later_step_is_counted_once() -> None:
    plan = SyncPlan()
    plan_record(plan, "Account", "Id", "001A", {"Health_Score__c": 80}, CURRENT)
    assert plan.objects["Account"].unchanged == 1
    plan_record(plan, "Account", "Id", "001A", {"Tier1__c": False}, CURRENT)
    assert (plan.objects["Account"].unchanged, len(plan.objects["Account"].writes)) == (1, 0)
    plan_record(plan, "Account", "Id", "001A", {"Tier1__c": True}, CURRENT)
    assert (plan.objects["Account"].unchanged, plan.objects["Account"].updates) == (0, 1)


def test_a_later_step_can_undo_an_earlier_change() -> None:
    plan = SyncPlan()
    plan_record(plan, "Account", "Id", "001A", {"Last_CSM_Touch__c": "2026-11-20"}, CURRENT)
    plan_record(plan, "Account", "Id", "001A", {"Last_CSM_Touch__c": None}, CURRENT)
    assert (plan.objects["Account"].writes, plan.objects["Account"].unchanged) == ([], 1)
