"""Panel 2 and the snapshot history: what the org should hold, given what the source says."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from tier1_sync.sources.base import HealthRecord, SourceData, UsageRecord
from tier1_sync.sync.match import MatchResult
from tier1_sync.sync.plan import SyncPlan, plan_record, stamp
from tier1_sync.sync.settings import SyncSettings
from tier1_sync.sync.state import OrgState

CHANGE_DAYS = 14
CHANGE_WINDOW_DAYS = 7  # the earlier snapshot may be up to a week older than 14 days
DRIVERS = (
    ("Usage", "usage_score"),
    ("Engagement", "engagement_score"),
    ("Support", "support_score"),
    ("Sentiment", "sentiment_score"),
)


def health_key(account_key: str, as_of: dt.date) -> str:
    return f"{account_key}|{as_of.isoformat()}"


def usage_key(account_key: str, module: str, as_of: dt.date) -> str:
    return f"{account_key}|{module}|{as_of.isoformat()}"


def band_for(score: int, settings: SyncSettings) -> str:
    if score >= settings.green_at:
        return "Green"
    return "Yellow" if score >= settings.yellow_at else "Red"


def drivers_text(record: HealthRecord) -> str | None:
    """The underlying signals, e.g. "Usage 72 · Support 40" (at most 255 characters)."""
    parts = [
        f"{label} {getattr(record, name)}"
        for label, name in DRIVERS
        if getattr(record, name) is not None
    ]
    return " · ".join(parts)[:255] or None


def score_history(
    data: SourceData, state: OrgState, match: MatchResult
) -> dict[str, dict[dt.date, int]]:
    """Account Id -> {as_of: score}, from the org's snapshots overlaid with the input."""
    history: dict[str, dict[dt.date, int]] = defaultdict(dict)
    for snapshot in state.health_snapshots.values():
        if snapshot.get("Score__c") is not None and snapshot.get("As_Of__c"):
            history[str(snapshot["Account__c"])][dt.date.fromisoformat(snapshot["As_Of__c"])] = int(
                snapshot["Score__c"]
            )
    for record in data.health:
        account_id = match.account_ids.get(record.account_key)
        if account_id:
            history[account_id][record.as_of] = record.health_score
    return history


def latest_health(data: SourceData, match: MatchResult) -> dict[str, HealthRecord]:
    """Account Id -> the input's newest health record for it."""
    latest: dict[str, HealthRecord] = {}
    for record in data.health:
        account_id = match.account_ids.get(record.account_key)
        if account_id is None:
            continue
        best = latest.get(account_id)
        if best is None or record.as_of > best.as_of:
            latest[account_id] = record
    return latest


def shows_newer(current: Mapping[str, Any], record: HealthRecord) -> bool:
    """The Account already shows health newer than `record` (the sync never goes back)."""
    shown = current.get("Health_Score_As_Of__c")
    return bool(shown) and dt.date.fromisoformat(str(shown)[:10]) > record.as_of


def change_14d(history: dict[dt.date, int], as_of: dt.date, score: int) -> int | None:
    """Score now minus the score 14 days earlier (the newest snapshot within a week before)."""
    target = as_of - dt.timedelta(days=CHANGE_DAYS)
    earlier = [d for d in history if target - dt.timedelta(days=CHANGE_WINDOW_DAYS) <= d <= target]
    if not earlier:
        return None
    return score - history[max(earlier)]


def plan_health(
    plan: SyncPlan,
    data: SourceData,
    match: MatchResult,
    state: OrgState,
    settings: SyncSettings,
    now: dt.datetime,
) -> None:
    """Health snapshots for every matched record; Panel 2 from each account's latest one."""
    for record in data.health:
        account_id = match.account_ids.get(record.account_key)
        if account_id is not None:
            _plan_health_snapshot(plan, record, account_id, data.source, state, settings)
    latest = latest_health(data, match)
    history = score_history(data, state, match)
    for account_id in sorted(latest):
        record = latest[account_id]
        current = state.accounts.get(account_id)
        if current is None or shows_newer(current, record):
            continue  # the org already shows newer health: never go back in time
        desired: dict[str, Any] = {
            "Health_Score__c": record.health_score,
            "Health_Band__c": record.health_band or band_for(record.health_score, settings),
            "Health_Score_As_Of__c": record.as_of,
            "Health_Change_14d__c": change_14d(
                history[account_id], record.as_of, record.health_score
            ),
            "Health_Drivers__c": drivers_text(record),
            "Health_Source__c": data.source,
        }
        for field, value in (
            ("Last_CSM_Touch__c", record.last_csm_touch),
            ("Last_Customer_Contact__c", record.last_customer_contact),
            ("Next_CSM_Touch__c", record.next_csm_touch),
        ):
            if value is not None:
                desired[field] = value
        if not current.get("CS_Platform_Account_Id__c"):
            desired["CS_Platform_Account_Id__c"] = record.account_key
        plan_record(
            plan,
            "Account",
            "Id",
            account_id,
            desired,
            current,
            parent_id=account_id,
            label=record.account_key,
            touch=stamp(now),
        )


def _plan_health_snapshot(
    plan: SyncPlan,
    record: HealthRecord,
    account_id: str,
    source: str,
    state: OrgState,
    settings: SyncSettings,
) -> None:
    key = health_key(record.account_key, record.as_of)
    desired = {
        "Snapshot_Key__c": key,
        "As_Of__c": record.as_of,
        "Score__c": record.health_score,
        "Band__c": record.health_band or band_for(record.health_score, settings),
        "Usage_Score__c": record.usage_score,
        "Engagement_Score__c": record.engagement_score,
        "Support_Score__c": record.support_score,
        "Sentiment_Score__c": record.sentiment_score,
        "Source__c": source,
    }
    plan_record(
        plan,
        "Health_Snapshot__c",
        "Snapshot_Key__c",
        key,
        desired,
        state.health_snapshots.get(key.lower()),
        parent_id=account_id,
        label=record.account_key,
        create_only={"Account__c": account_id},
    )


def plan_usage(plan: SyncPlan, data: SourceData, match: MatchResult, state: OrgState) -> None:
    for record in data.usage:
        account_id = match.account_ids.get(record.account_key)
        if account_id is not None:
            _plan_usage_snapshot(plan, record, account_id, data.source, state)


def _plan_usage_snapshot(
    plan: SyncPlan, record: UsageRecord, account_id: str, source: str, state: OrgState
) -> None:
    key = usage_key(record.account_key, record.module, record.as_of)
    desired = {
        "Snapshot_Key__c": key,
        "As_Of__c": record.as_of,
        "Module__c": record.module,
        "Licensed_Seats__c": record.licensed_seats,
        "Active_Users__c": record.active_users,
        "Source__c": source,
    }
    plan_record(
        plan,
        "Usage_Snapshot__c",
        "Snapshot_Key__c",
        key,
        desired,
        state.usage_snapshots.get(key.lower()),
        parent_id=account_id,
        label=record.account_key,
        create_only={"Account__c": account_id},
    )
