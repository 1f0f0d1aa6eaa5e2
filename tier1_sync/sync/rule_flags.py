"""Plan the automated risk flags and expansion signals (SPEC §4) as keyed upserts.

A new flag is created with its key, title, category, panel, detail and `Raised_By_Team__c`
= Automation (the status is left to its default, Open); afterwards the sync only ever sets
or clears `Condition_Cleared_On__c`. Status, acknowledgements and next actions are people's.
A signal is created once and never updated (its status and review are the AE's).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tier1_sync.rules.engagement import Timeline
from tier1_sync.rules.flag_rules import (
    champion_changes,
    engagement_gap,
    health_drop,
    overdue_commitments,
    renewal_risk,
    sponsor_contact_gaps,
    stale_reviews,
    wants_override,
)
from tier1_sync.rules.flags import ExistingFlag, Flag, reconcile_flags
from tier1_sync.rules.settings import RuleSettings
from tier1_sync.rules.signals import (
    ExistingSignal,
    Usage,
    growth_signals,
    new_module_adoption,
    new_signals,
)
from tier1_sync.rules.signals import Signal as ExpansionSignal
from tier1_sync.sources.base import SourceData
from tier1_sync.sync.health import score_history
from tier1_sync.sync.match import MatchResult
from tier1_sync.sync.plan import SyncPlan, plan_record, stamp
from tier1_sync.sync.report import RuleEvent
from tier1_sync.sync.rule_state import RuleState, as_date
from tier1_sync.sync.state import OrgState

AUTOMATION = "Automation"


def _account_flags(
    account_id: str,
    account: dict[str, Any],
    history: dict[dt.date, int],
    line: Timeline | None,
    rule_state: RuleState,
    settings: RuleSettings,
    today: dt.date,
) -> tuple[list[Flag], set[str]]:
    """The Tier 1 rules for one account: the flags that hold, and the codes that were run."""
    holding: list[Flag] = []
    codes = {"ENGAGEMENT_GAP", "SPONSOR_CONTACT_GAP", "STALE_REVIEW", "OVERDUE_COMMITMENT"}
    if history:
        codes.add("HEALTH_DROP")
        drop = health_drop(account_id, history, settings.health_drop)
        if drop:
            holding.append(drop)
    line = line or Timeline()
    gap = engagement_gap(
        account_id,
        line.last_ae_touch,
        line.last_customer_contact,
        today,
        settings.engagement_gap,
    )
    if gap:
        holding.append(gap)
    people = rule_state.stakeholders.get(account_id, [])
    holding += sponsor_contact_gaps(people, today, settings.sponsor_contact_gap)
    holding += champion_changes(people, today, settings.champion_change)
    reviews = {
        "AE": as_date(account.get("AE_Review_Done_On__c")),
        "CSM": as_date(account.get("CSM_Review_Done_On__c")),
    }
    holding += stale_reviews(account_id, reviews, today, settings.stale_review)
    holding += overdue_commitments(
        rule_state.open_items.get(account_id, []), today, settings.overdue_commitment
    )
    return holding, codes


def plan_flags(
    plan: SyncPlan,
    accounts: dict[str, dict[str, Any]],
    tier1: set[str],
    timelines: dict[str, Timeline],
    rule_state: RuleState,
    data: SourceData,
    match: MatchResult,
    state: OrgState,
    settings: RuleSettings,
    now: dt.datetime,
    *,
    health_cut: int | None,
) -> list[RuleEvent]:
    """Flags for Tier 1 accounts; renewal risk (and override requests) for every account.

    `accounts`: the chunk's Accounts, with the values this run plans for them (health,
    tiering); `health_cut`: the bottom share of health scores over every Account.
    """
    today = now.date()
    events: list[RuleEvent] = []
    history = score_history(data, state, match)
    holding: list[Flag] = []
    evaluated: set[tuple[str, str]] = set()
    for account_id in sorted(tier1 & set(accounts)):
        flags, codes = _account_flags(
            account_id,
            accounts[account_id],
            history.get(account_id, {}),
            timelines.get(account_id),
            rule_state,
            settings,
            today,
        )
        holding += flags
        evaluated |= {(account_id, code) for code in codes}
    for account_id, account in sorted(accounts.items()):
        evaluated.add((account_id, "RENEWAL_RISK"))
        score = account.get("Health_Score__c")
        risk = renewal_risk(
            account_id,
            as_date(account.get("Renewal_Date__c")),
            None if score is None else int(score),
            health_cut,
            today,
            settings.renewal_risk,
        )
        if risk is None:
            continue
        holding.append(risk)
        status = account.get("Risk_Override_Status__c")
        if wants_override(account_id in tier1, risk, status):
            plan_record(
                plan,
                "Account",
                "Id",
                account_id,
                {"Risk_Override_Status__c": "Requested"},
                account,
                parent_id=account_id,
                label=str(account.get("Name") or ""),
                touch=stamp(now),
            )
            events.append(_event("override requested", accounts, account_id, None, risk.title))
    existing = [
        ExistingFlag(
            key=str(r["Flag_Key__c"]),
            account_id=str(r["Account__c"]),
            title=str(r.get("Name") or ""),
            cleared_on=as_date(r.get("Condition_Cleared_On__c")),
        )
        for r in rule_state.flags.values()
    ]
    changes = reconcile_flags(holding, evaluated, existing)
    if changes.ongoing:
        plan.object("Risk_Flag__c", "Flag_Key__c").unchanged += changes.ongoing
    for flag in changes.raise_:
        plan_record(
            plan,
            "Risk_Flag__c",
            "Flag_Key__c",
            flag.key,
            {
                "Flag_Key__c": flag.key,
                "Name": flag.title,
                "Category__c": flag.category,
                "Panel__c": flag.panel,
                "Raised_By_Team__c": AUTOMATION,
                "Raised_On__c": today,
                "Detail__c": flag.detail,
            },
            None,
            parent_id=flag.account_id,
            label=flag.title,
            create_only={"Account__c": flag.account_id},
        )
        events.append(_event("flag raised", accounts, flag.account_id, flag.key, flag.title))
    for kind, found, cleared in (
        ("flag cleared", changes.clear, today),
        ("flag condition back", changes.reopen, None),
    ):
        for old in found:
            record = rule_state.flags[old.key.lower()]
            plan_record(
                plan,
                "Risk_Flag__c",
                "Flag_Key__c",
                old.key,
                {"Condition_Cleared_On__c": cleared},
                record,
                parent_id=old.account_id,
                label=old.title,
            )
            events.append(_event(kind, accounts, old.account_id, old.key, old.title))
    return events


def _known(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _event(
    kind: Any, accounts: dict[str, dict[str, Any]], account_id: str, key: str | None, detail: str
) -> RuleEvent:
    name = str(accounts.get(account_id, {}).get("Name") or "")
    return RuleEvent(kind=kind, account_id=account_id, account=name, key=key, detail=detail)


def usage_history(
    data: SourceData, state: OrgState, match: MatchResult
) -> dict[tuple[str, str], tuple[str, dict[dt.date, Usage]]]:
    """(Account Id, module lower case) -> (module, {as_of: usage}): the org's, then the input's."""
    found: dict[tuple[str, str], tuple[str, dict[dt.date, Usage]]] = {}
    rows: list[tuple[str, str, dt.date, int | None, int | None]] = []
    for snapshot in state.usage_snapshots.values():
        as_of = as_date(snapshot.get("As_Of__c"))
        if as_of is None or not snapshot.get("Module__c"):
            continue
        seats, users = snapshot.get("Licensed_Seats__c"), snapshot.get("Active_Users__c")
        rows.append(
            (
                str(snapshot["Account__c"]),
                str(snapshot["Module__c"]),
                as_of,
                None if seats is None else int(seats),
                None if users is None else int(users),
            )
        )
    for record in data.usage:
        account_id = match.account_ids.get(record.account_key)
        if account_id is not None:
            rows.append(
                (
                    account_id,
                    record.module,
                    record.as_of,
                    record.licensed_seats,
                    record.active_users,
                )
            )
    for account_id, module, as_of, seats, users in rows:
        _, points = found.setdefault((account_id, module.lower()), (module, {}))
        points[as_of] = Usage(seats=seats, active_users=users)
    return found


def plan_signals(
    plan: SyncPlan,
    accounts: dict[str, dict[str, Any]],
    tier1: set[str],
    rule_state: RuleState,
    data: SourceData,
    match: MatchResult,
    state: OrgState,
    settings: RuleSettings,
) -> list[RuleEvent]:
    """Seats Added, Usage Growth and New Module Adoption for Tier 1 accounts, each once."""
    candidates: list[ExpansionSignal] = []
    for (account_id, _), (module, points) in sorted(usage_history(data, state, match).items()):
        if account_id not in tier1 or account_id not in accounts:
            continue
        found = growth_signals(account_id, module, points, settings.expansion)
        latest = max(points)
        adoption = new_module_adoption(
            account_id,
            module,
            latest,
            points[latest],
            accounts[account_id].get("Committed_Modules__c"),
            settings.expansion,
        )
        candidates += found + ([adoption] if adoption else [])
    existing = [
        ExistingSignal(key=str(r["Signal_Key__c"]), detected_on=as_date(r.get("Detected_On__c")))
        for r in rule_state.signals.values()
    ]
    fresh = new_signals(candidates, existing, settings.expansion.window_days)
    if len(candidates) > len(fresh):
        plan.object("Expansion_Signal__c", "Signal_Key__c").unchanged += len(candidates) - len(
            fresh
        )
    events = []
    for signal in fresh:
        plan_record(
            plan,
            "Expansion_Signal__c",
            "Signal_Key__c",
            signal.key,
            _known(
                {
                    "Signal_Key__c": signal.key,
                    "Name": signal.title,
                    "Signal_Type__c": signal.signal_type,
                    "Module__c": signal.module,
                    "Seats_Added__c": signal.seats_added,
                    "Usage_Growth_Pct__c": signal.growth_pct,
                    "Detected_On__c": signal.detected_on,
                    "Raised_By_Team__c": AUTOMATION,
                }
            ),
            None,
            parent_id=signal.account_id,
            label=signal.title,
            create_only={"Account__c": signal.account_id},
        )
        events.append(
            _event("signal raised", accounts, signal.account_id, signal.key, signal.title)
        )
    return events
