"""The rules inside the sync: tiering → engagement timeline → flags and signals.

Each step reads what it needs, calls the pure rules of tier1_sync/rules, and plans the writes
like the health step does (same plan, so the same dry run, report, batching and retries). An
Account planned by several steps gets one merged write.

Two passes, so memory holds one chunk of accounts rather than the org: `read_rules_view`
reads every Account once for what is global (Tier 1 designation, the health cut of the
renewal-risk rule, the renewal-risk flags); then `plan_chunk_rules` plans each chunk of
accounts after its health step.

Scope (SPEC §4): the engagement timeline, flags and signals are computed for the Tier 1
accounts as designated in this run; outside Tier 1 only the renewal-risk rule runs. When
designation would take Tier 1 above the cap, the sync does not apply it (the run goes on
with Tier 1 as the org holds it, and the report says why); `tier1 tier --force` applies it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from simple_salesforce.format import format_soql

from tier1_sync.rules.engagement import EngagementInput, Timeline, timeline
from tier1_sync.rules.flag_rules import bottom_cut
from tier1_sync.rules.settings import RuleSettings
from tier1_sync.rules.tiering import (
    Designation,
    TierAccount,
    TierSummary,
    criteria_value,
    designate,
    summarize,
)
from tier1_sync.salesforce.client import OrgClient
from tier1_sync.sources.base import HealthRecord, SourceData
from tier1_sync.sync.health import latest_health, shows_newer
from tier1_sync.sync.match import MatchResult
from tier1_sync.sync.plan import SyncPlan, plan_record, stamp
from tier1_sync.sync.report import RuleEvent
from tier1_sync.sync.rule_flags import plan_flags, plan_signals
from tier1_sync.sync.rule_state import (
    TIER_FIELDS,
    as_date,
    read_renewal_flags,
    read_rule_state,
)
from tier1_sync.sync.state import OrgState

# What the one pass over every Account reads: tiering's fields and the health score.
OVERVIEW_FIELDS = (*TIER_FIELDS, "Health_Score__c", "Health_Score_As_Of__c")


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


def plan_designations(
    plan: SyncPlan,
    designations: Iterable[Designation],
    accounts: Mapping[str, dict[str, Any]],
    applied: bool,
    now: dt.datetime,
) -> None:
    """Plan Tier1__c / Tier1_Criteria__c / Tier1_Since__c and expired overrides.

    `applied` False (designation refused above the cap): only lapsed risk overrides are set
    to Expired. That is a fact, and it only makes Tier 1 smaller.
    """
    for designation in designations:
        desired: dict[str, Any] = {}
        if applied:
            desired = {
                "Tier1__c": designation.tier1,
                "Tier1_Criteria__c": criteria_value(designation.criteria),
                "Tier1_Since__c": designation.since,
            }
        if designation.override_expired:
            desired["Risk_Override_Status__c"] = "Expired"
        if not desired:
            continue
        plan_record(
            plan,
            "Account",
            "Id",
            designation.account_id,
            desired,
            accounts[designation.account_id],
            parent_id=designation.account_id,
            label=designation.name,
            touch=stamp(now),
        )


def plan_tiering(
    plan: SyncPlan,
    accounts: dict[str, dict[str, Any]],
    settings: RuleSettings,
    now: dt.datetime,
    *,
    force: bool = False,
) -> TierSummary:
    """Designate Tier 1 over `accounts` (every Account) and plan the changes (`tier1 tier`)."""
    outcome = designate([tier_account(a) for a in accounts.values()], settings.tiering, now.date())
    summary = summarize(outcome, force=force)
    plan_designations(plan, outcome.designations, accounts, summary.applied, now)
    return summary


@dataclass
class RulesView:
    """What the rules must know of every Account before any chunk of accounts is planned:
    Tier 1 designation, the health score cut for renewal risk, the renewal-risk flags."""

    account_ids: list[str]  # every Account, sorted
    summary: TierSummary
    designations: dict[str, Designation]  # by Account Id
    tier1: set[str]  # Tier 1 after this run (as the org holds it when designation is refused)
    health_cut: int | None  # the bottom renewal_risk.bottom_pct of health scores
    renewal_flags: dict[str, list[dict[str, Any]]]  # by Account Id


def read_rules_view(
    client: OrgClient,
    latest: Mapping[str, HealthRecord],
    settings: RuleSettings,
    now: dt.datetime,
    *,
    force: bool = False,
) -> RulesView:
    """One pass over every Account (only the fields tiering and the health cut need).

    `latest`: the input's newest health per Account Id; the cut is taken over the scores the
    Accounts will show after this run's health step.
    """
    accounts: list[TierAccount] = []
    scores: list[int] = []
    soql = format_soql("SELECT {:literal} FROM Account", ", ".join(OVERVIEW_FIELDS))
    for record in client.query(soql):
        accounts.append(tier_account(record))
        incoming = latest.get(str(record["Id"]))
        if incoming is not None and not shows_newer(record, incoming):
            scores.append(incoming.health_score)
        elif record.get("Health_Score__c") is not None:
            scores.append(int(record["Health_Score__c"]))
    outcome = designate(accounts, settings.tiering, now.date())
    summary = summarize(outcome, force=force)
    if summary.applied:
        tier1 = {d.account_id for d in outcome.designations if d.tier1}
    else:
        tier1 = {a.id for a in accounts if a.tier1}
    return RulesView(
        account_ids=sorted(a.id for a in accounts),
        summary=summary,
        designations={d.account_id: d for d in outcome.designations},
        tier1=tier1,
        health_cut=bottom_cut(scores, settings.renewal_risk.bottom_pct),
        renewal_flags=read_renewal_flags(client),
    )


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


def plan_chunk_rules(
    client: OrgClient,
    plan: SyncPlan,
    view: RulesView,
    accounts: dict[str, dict[str, Any]],
    data: SourceData,
    match: MatchResult,
    state: OrgState,
    settings: RuleSettings,
    now: dt.datetime,
) -> list[RuleEvent]:
    """Tiering, then the engagement timeline, flags and signals for one chunk of `accounts`
    (what the org holds for them), into `plan` after the chunk's health step."""
    ids = sorted(accounts)
    plan_designations(
        plan,
        (view.designations[i] for i in ids if i in view.designations),
        accounts,
        view.summary.applied,
        now,
    )
    scope = {i: accounts[i] for i in ids if i in view.tier1}
    rule_state = read_rule_state(
        client,
        scope,
        now,
        settings.engagement.customer_activity_types,
        settings.sponsor_contact_gap.roles,
    )
    for account_id in ids:
        for record in view.renewal_flags.get(account_id, []):
            rule_state.flags[str(record["Flag_Key__c"]).lower()] = record
    timelines = plan_engagement(
        plan, scope, dict(rule_state.activities), latest_health(data, match), now
    )
    effective = {i: {**accounts[i], **plan.desired("Account", i)} for i in ids}
    events = plan_flags(
        plan,
        effective,
        view.tier1,
        timelines,
        rule_state,
        data,
        match,
        state,
        settings,
        now,
        health_cut=view.health_cut,
    )
    return events + plan_signals(
        plan, effective, view.tier1, rule_state, data, match, state, settings
    )
