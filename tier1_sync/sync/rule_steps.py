"""The rules inside the sync: tiering → engagement timeline → flags and signals.

Each step reads what it needs, calls the pure rules of tier1_sync/rules, and plans the writes
like the health step does (same plan, so the same dry run, report, batching and retries). An
Account planned by several steps gets one merged write.

Scope (SPEC §4): the engagement timeline, flags and signals are computed for the Tier 1
accounts as designated in this run; outside Tier 1 only the renewal-risk rule runs. When
designation would take Tier 1 above the cap, the sync does not apply it (the run goes on
with Tier 1 as the org holds it, and the report says why); `tier1 tier --force` applies it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tier1_sync.rules.engagement import EngagementInput, Timeline, timeline
from tier1_sync.rules.settings import RuleSettings
from tier1_sync.rules.tiering import (
    TierAccount,
    TierSummary,
    criteria_value,
    designate,
    summarize,
)
from tier1_sync.salesforce.client import OrgClient
from tier1_sync.sources.base import HealthRecord, SourceData
from tier1_sync.sync.match import MatchResult
from tier1_sync.sync.plan import SyncPlan, plan_record
from tier1_sync.sync.report import RuleEvent
from tier1_sync.sync.rule_flags import plan_flags, plan_signals, stamp
from tier1_sync.sync.rule_state import as_date, read_accounts, read_rule_state
from tier1_sync.sync.state import OrgState


@dataclass
class RulesOutcome:
    tiering: TierSummary | None = None
    events: list[RuleEvent] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def multi(value: Any) -> list[str]:
    return [v for v in str(value or "").split(";") if v]


def tier_account(record: dict[str, Any]) -> TierAccount:
    arr = record.get("ARR__c")
    return TierAccount(
        id=str(record["Id"]),
        name=str(record.get("Name") or ""),
        arr=None if arr is None else float(arr),
        strategic=multi(record.get("Strategic_Designation__c")),
        override_status=record.get("Risk_Override_Status__c"),
        override_expires_on=as_date(record.get("Risk_Override_Expires_On__c")),
        tier1=bool(record.get("Tier1__c")),
        criteria=multi(record.get("Tier1_Criteria__c")),
        tier1_since=as_date(record.get("Tier1_Since__c")),
    )


def plan_tiering(
    plan: SyncPlan,
    accounts: dict[str, dict[str, Any]],
    settings: RuleSettings,
    now: dt.datetime,
    *,
    force: bool = False,
) -> tuple[TierSummary, set[str]]:
    """Plan Tier1__c / Tier1_Criteria__c / Tier1_Since__c and expired overrides.

    Returns the summary and the Tier 1 accounts after this run (as the org holds them when
    designation is refused). A lapsed override is set to Expired even then: it is a fact,
    and it only makes Tier 1 smaller.
    """
    today = now.date()
    outcome = designate([tier_account(a) for a in accounts.values()], settings.tiering, today)
    summary = summarize(outcome, force=force)
    for designation in outcome.designations:
        desired: dict[str, Any] = {}
        if summary.applied:
            desired = {
                "Tier1__c": designation.tier1,
                "Tier1_Criteria__c": criteria_value(designation.criteria),
                "Tier1_Since__c": designation.since,
            }
        if designation.override_expired:
            desired["Risk_Override_Status__c"] = "Expired"
        if not desired:
            continue
        current = accounts[designation.account_id]
        plan_record(
            plan,
            "Account",
            "Id",
            designation.account_id,
            desired,
            current,
            parent_id=designation.account_id,
            label=designation.name,
            touch=stamp(now),
        )
    if summary.applied:
        tier1 = {d.account_id for d in outcome.designations if d.tier1}
    else:
        tier1 = {i for i, a in accounts.items() if a.get("Tier1__c")}
    return summary, tier1


def latest_input(data: SourceData, match: MatchResult) -> dict[str, HealthRecord]:
    latest: dict[str, HealthRecord] = {}
    for record in data.health:
        account_id = match.account_ids.get(record.account_key)
        if account_id is None:
            continue
        best = latest.get(account_id)
        if best is None or record.as_of > best.as_of:
            latest[account_id] = record
    return latest


def plan_engagement(
    plan: SyncPlan,
    accounts: dict[str, dict[str, Any]],
    activities: dict[str, Any],
    inputs: dict[str, HealthRecord],
    now: dt.datetime,
) -> dict[str, Timeline]:
    """Panel 4 for each account in scope: one merged Account write with the health step's."""
    today = now.date()
    timelines = {}
    for account_id in sorted(accounts):
        current = accounts[account_id]
        effective = {**current, **plan.desired("Account", account_id)}
        record = inputs.get(account_id)
        line = timeline(
            EngagementInput(
                ae_owner=current.get("AE_Owner__c"),
                csm_owner=current.get("CSM_Owner__c"),
                activities=activities[account_id],
                # The CS platform's dates: this run's export, else what the account shows.
                platform_last_csm=as_date(effective.get("Last_CSM_Touch__c")),
                platform_last_customer=as_date(effective.get("Last_Customer_Contact__c")),
                platform_next_csm=record.next_csm_touch if record else None,
                current_next_ae=as_date(current.get("Next_AE_Touch__c")),
                current_next_csm=as_date(current.get("Next_CSM_Touch__c")),
            ),
            today,
        )
        timelines[account_id] = line
        desired: dict[str, Any] = {
            "Last_AE_Touch__c": line.last_ae_touch,
            "Last_CSM_Touch__c": line.last_csm_touch,
            "Last_Customer_Contact__c": line.last_customer_contact,
        }
        if line.next_ae_touch is not None:
            desired["Next_AE_Touch__c"] = line.next_ae_touch
        if line.next_csm_touch is not None:
            desired["Next_CSM_Touch__c"] = line.next_csm_touch
        plan_record(
            plan,
            "Account",
            "Id",
            account_id,
            desired,
            current,
            parent_id=account_id,
            label=str(current.get("Name") or ""),
            touch=stamp(now),
        )
    return timelines


def plan_rules(
    client: OrgClient,
    plan: SyncPlan,
    data: SourceData,
    match: MatchResult,
    state: OrgState,
    settings: RuleSettings,
    now: dt.datetime,
    *,
    force: bool = False,
) -> RulesOutcome:
    """Tiering, then the engagement timeline, flags and signals, all into `plan`."""
    outcome = RulesOutcome()
    accounts = read_accounts(client)
    summary, tier1 = plan_tiering(plan, accounts, settings, now, force=force)
    outcome.tiering = summary
    outcome.notes += [m for m in (summary.warning, summary.refused) if m]
    scope = {i: accounts[i] for i in tier1 if i in accounts}
    rule_state = read_rule_state(
        client,
        scope,
        now,
        settings.engagement.customer_activity_types,
        settings.sponsor_contact_gap.roles,
    )
    timelines = plan_engagement(
        plan, scope, dict(rule_state.activities), latest_input(data, match), now
    )
    effective = {i: {**a, **plan.desired("Account", i)} for i, a in accounts.items()}
    outcome.events += plan_flags(
        plan, effective, tier1, timelines, rule_state, data, match, state, settings, now
    )
    outcome.events += plan_signals(plan, effective, tier1, rule_state, data, match, state, settings)
    return outcome
