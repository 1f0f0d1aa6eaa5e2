"""The whole scheduled job: source → match → read → plan → (dry run | verify | write) → report.

The plan: health and usage from the source, then the rules (tiering → engagement timeline →
flags and signals, tier1_sync/sync/rule_steps.py). --verify-only compares Panel 2 only.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tier1_sync.model.ownership import load_ownership
from tier1_sync.rules.settings import RuleSettings
from tier1_sync.salesforce.client import ApiLimitReached, OrgClient
from tier1_sync.sources.base import SourceData
from tier1_sync.sync.apply import apply_plan
from tier1_sync.sync.health import plan_health, plan_usage
from tier1_sync.sync.match import match_accounts
from tier1_sync.sync.plan import SyncPlan, guard_owned
from tier1_sync.sync.report import (
    RunReport,
    planned_objects,
    sample_changes,
    sync_run_record,
)
from tier1_sync.sync.rule_steps import plan_rules
from tier1_sync.sync.settings import SyncSettings
from tier1_sync.sync.state import OrgState, read_state

PANEL_2_FIELDS = (
    "Health_Score__c",
    "Health_Band__c",
    "Health_Score_As_Of__c",
    "Health_Change_14d__c",
    "Health_Drivers__c",
    "Health_Source__c",
)
DRY_RUN_NOTE = (
    "Dry run: nothing was written. Server-side validation (validation rules, "
    "triggers, duplicate rules) cannot be checked without writing."
)

# A step that adds rule-driven writes to the plan (engagement, tiering, flags, signals).
PlanStep = Callable[[SyncPlan, SourceData, OrgState, dt.datetime], None]


@dataclass
class SyncJob:
    client: OrgClient
    org: str
    settings: SyncSettings
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    extra_steps: list[PlanStep] = field(default_factory=list)
    # SPEC §4 rules after the health step (None: health and usage only).
    rules: RuleSettings | None = field(default_factory=RuleSettings)

    def run(
        self, data: SourceData, *, dry_run: bool = False, verify_only: bool = False
    ) -> RunReport:
        started = time.monotonic()
        report = RunReport(
            run_key=f"{data.source}-{self.now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}",
            org=self.org,
            source=data.source,
            status="Succeeded",
            dry_run=dry_run,
            verify_only=verify_only,
            started_at=self.now,
            rows_read=data.rows_read,
            rejected=data.rejected,
            max_reject_pct=self.settings.max_reject_pct,
            source_api_calls=data.api_calls,
        )
        report.reject_pct = round(data.reject_pct(), 2)
        report.notes.extend(data.warnings)
        try:
            self._run(data, report, dry_run=dry_run, verify_only=verify_only)
        except ApiLimitReached as exc:  # while reading: nothing was written yet
            report.status, report.stopped = "Failed", exc.message
            report.notes.append(exc.message)
        finally:
            report.finished_at = dt.datetime.now(dt.UTC)
            report.duration_seconds = round(time.monotonic() - started, 2)
            report.api_calls = self.client.calls
            usage = self.client.api_usage()
            report.api_usage = f"{usage[0]}/{usage[1]}" if usage else None
        if not (dry_run or verify_only):
            self._record_run(report)
        return report

    def _run(
        self, data: SourceData, report: RunReport, *, dry_run: bool, verify_only: bool
    ) -> None:
        if report.reject_pct > self.settings.max_reject_pct:
            report.status = "Failed"
            report.notes.append(
                f"{data.rejected_rows()} of {data.rows_read} input rows were rejected "
                f"({report.reject_pct}% > max_reject_pct {self.settings.max_reject_pct}%): "
                "nothing was written. Fix the rows listed under 'rejected' and re-run."
            )
            return
        platform_ids = {r.account_key: r.salesforce_account_id for r in data.health}
        for usage in data.usage:
            platform_ids.setdefault(usage.account_key, None)
        match = match_accounts(self.client, platform_ids)
        report.accounts_matched = len(match.account_ids)
        report.unmatched, report.ambiguous = match.unmatched, match.ambiguous
        dates = [r.as_of for r in data.health] + [u.as_of for u in data.usage]
        state = read_state(
            self.client, list(match.account_ids.values()), min(dates) if dates else None
        )
        plan = SyncPlan()
        plan_health(plan, data, match, state, self.settings, self.now)
        plan_usage(plan, data, match, state)
        if self.rules is not None and not verify_only:
            outcome = plan_rules(self.client, plan, data, match, state, self.rules, self.now)
            report.tiering, report.rule_events = outcome.tiering, outcome.events
            report.notes.extend(outcome.notes)
        for step in self.extra_steps:
            step(plan, data, state, self.now)
        guard_owned(plan, load_ownership())
        if verify_only:
            report.drift = [
                c
                for c in sample_changes(plan, per_object=10_000)
                if c.sobject == "Account" and c.field in PANEL_2_FIELDS
            ]
            report.status = "Drift" if report.drift else "In Sync"
            report.objects = planned_objects(plan)
            return
        if dry_run:
            report.status = "Dry Run"
            report.objects = planned_objects(plan)
            report.sample_changes = sample_changes(plan)
            report.notes.append(DRY_RUN_NOTE)
            return
        result = apply_plan(self.client, plan, self.settings)
        report.objects, report.failures, report.stopped = (
            result.objects,
            result.failures,
            result.stopped,
        )
        if result.stopped:
            report.status = "Failed"
            report.notes.append(result.stopped)
        elif result.failures or data.rejected or match.unmatched or match.ambiguous:
            report.status = "Partial"

    def _record_run(self, report: RunReport) -> None:
        """The run's own Sync_Run__c (upserted by its key, so a retry cannot duplicate it)."""
        try:
            self.client.upsert_one(
                "Sync_Run__c", "Run_Key__c", report.run_key, sync_run_record(report)
            )
            report.api_calls = self.client.calls
        except ApiLimitReached as exc:
            report.notes.append(f"Sync_Run__c not written: {exc.message}")
