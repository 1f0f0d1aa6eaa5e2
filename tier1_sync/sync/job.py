"""The whole scheduled job: source → match → read → plan → (dry run | verify | write) → report.

The plan: health and usage from the source, then the rules (tiering → engagement timeline →
flags and signals, tier1_sync/sync/rule_steps.py). --verify-only compares Panel 2 only.
After one pass over every Account for what the rules need of all of them, accounts are read
and planned `chunk_accounts` at a time and each chunk's writes go to the run's spool on
disk (sync/spool.py); the writes are sent from there. Memory holds the input and one chunk.
"""

from __future__ import annotations

import datetime as dt
import secrets
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from tier1_sync.model.ownership import Ownership, load_ownership
from tier1_sync.rules.settings import RuleSettings
from tier1_sync.salesforce.client import ApiLimitReached, OrgClient
from tier1_sync.sources.base import HealthRecord, SourceData, UsageRecord
from tier1_sync.sync.apply import apply_plan
from tier1_sync.sync.health import latest_health, plan_health, plan_usage
from tier1_sync.sync.match import MatchResult, chunks, match_accounts
from tier1_sync.sync.plan import SyncPlan, guard_owned
from tier1_sync.sync.report import (
    RunReport,
    SampleChange,
    planned_objects,
    sample_changes,
    sync_run_record,
)
from tier1_sync.sync.rule_state import RULE_ACCOUNT_FIELDS
from tier1_sync.sync.rule_steps import RulesView, plan_chunk_rules, read_rules_view
from tier1_sync.sync.settings import SyncSettings
from tier1_sync.sync.spool import PlanSpool
from tier1_sync.sync.state import ACCOUNT_FIELDS, PANEL_2_FIELDS, read_state

DRY_RUN_NOTE = (
    "Dry run: nothing was written. Server-side validation (validation rules, "
    "triggers, duplicate rules) cannot be checked without writing."
)

# The Account fields a chunk is read with when the rules run: the health step's and the rules'.
CHUNK_ACCOUNT_FIELDS = tuple(dict.fromkeys(ACCOUNT_FIELDS + RULE_ACCOUNT_FIELDS))


@dataclass
class InputIndex:
    """The source's records by matched Account Id, so each chunk takes its own."""

    health: dict[str, list[HealthRecord]]
    usage: dict[str, list[UsageRecord]]
    since: dt.date | None  # the oldest input date
    account_ids: frozenset[str]  # the matched Accounts with input

    @classmethod
    def of(cls, data: SourceData, match: MatchResult) -> InputIndex:
        health: dict[str, list[HealthRecord]] = defaultdict(list)
        usage: dict[str, list[UsageRecord]] = defaultdict(list)
        for record in data.health:
            account_id = match.account_ids.get(record.account_key)
            if account_id is not None:
                health[account_id].append(record)
        for used in data.usage:
            account_id = match.account_ids.get(used.account_key)
            if account_id is not None:
                usage[account_id].append(used)
        dates = [r.as_of for r in data.health] + [u.as_of for u in data.usage]
        since = min(dates) if dates else None
        return cls(dict(health), dict(usage), since, frozenset(health) | frozenset(usage))

    def chunk(self, source: str, account_ids: list[str]) -> SourceData:
        """The records of these accounts, as the source's data (not validated again)."""
        return SourceData.model_construct(
            source=source,
            health=[r for i in account_ids for r in self.health.get(i, ())],
            usage=[u for i in account_ids for u in self.usage.get(i, ())],
        )


@dataclass
class SyncJob:
    client: OrgClient
    org: str
    settings: SyncSettings
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    # SPEC §4 rules after the health step (None: health and usage only).
    rules: RuleSettings | None = field(default_factory=RuleSettings)
    _ownership: Ownership = field(default_factory=load_ownership, init=False, repr=False)

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
        del platform_ids
        report.accounts_matched = len(match.account_ids)
        report.unmatched, report.ambiguous = match.unmatched, match.ambiguous
        inputs = InputIndex.of(data, match)
        view = None
        account_ids = sorted(inputs.account_ids)
        if self.rules is not None and not verify_only:
            view = read_rules_view(self.client, latest_health(data, match), self.rules, self.now)
            report.tiering = view.summary
            report.notes.extend(m for m in (view.summary.warning, view.summary.refused) if m)
            account_ids = sorted(inputs.account_ids.union(view.account_ids))
        watch = {"Account": PANEL_2_FIELDS} if verify_only else None
        with (
            tempfile.TemporaryDirectory(prefix="tier1-plan-") as folder,
            PlanSpool(Path(folder), watch=watch) as spool,
        ):
            for chunk in chunks(account_ids, self.settings.chunk_accounts):
                self._plan_chunk(spool, chunk, data.source, inputs, match, view, report)
            if verify_only:
                report.drift = [SampleChange(**c._asdict()) for c in spool.watched]
                report.status = "Drift" if report.drift else "In Sync"
                report.objects = planned_objects(spool)
                return
            if dry_run:
                report.status = "Dry Run"
                report.objects = planned_objects(spool)
                report.sample_changes = sample_changes(spool)
                report.notes.append(DRY_RUN_NOTE)
                return
            result = apply_plan(self.client, spool, self.settings)
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

    def _plan_chunk(
        self,
        spool: PlanSpool,
        chunk: list[str],
        source: str,
        inputs: InputIndex,
        match: MatchResult,
        view: RulesView | None,
        report: RunReport,
    ) -> None:
        """Read, plan and spool one chunk of accounts; the chunk's state is dropped after."""
        fields = ACCOUNT_FIELDS if view is None else CHUNK_ACCOUNT_FIELDS
        state = read_state(
            self.client, chunk, inputs.since, fields=fields, history_for=inputs.account_ids
        )
        data = inputs.chunk(source, chunk)
        plan = SyncPlan()
        plan_health(plan, data, match, state, self.settings, self.now)
        plan_usage(plan, data, match, state)
        if view is not None and self.rules is not None:
            report.rule_events += plan_chunk_rules(
                self.client, plan, view, state.accounts, data, match, state, self.rules, self.now
            )
        guard_owned(plan, self._ownership)
        spool.add(plan)

    def _record_run(self, report: RunReport) -> None:
        """The run's own Sync_Run__c (upserted by its key, so a retry cannot duplicate it)."""
        try:
            self.client.upsert_one(
                "Sync_Run__c", "Run_Key__c", report.run_key, sync_run_record(report)
            )
            report.api_calls = self.client.calls
        except ApiLimitReached as exc:
            report.notes.append(f"Sync_Run__c not written: {exc.message}")
