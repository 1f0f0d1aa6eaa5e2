"""`tier1 tier`: Tier 1 designation alone, through the sync's plan → apply path."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from tier1_sync.model.ownership import load_ownership
from tier1_sync.rules.settings import RuleSettings
from tier1_sync.rules.tiering import TierSummary
from tier1_sync.salesforce.client import ApiLimitReached, OrgClient
from tier1_sync.sync.apply import ObjectResult, WriteFailure, apply_plan
from tier1_sync.sync.plan import SyncPlan, guard_owned
from tier1_sync.sync.report import planned_objects
from tier1_sync.sync.rule_state import read_accounts
from tier1_sync.sync.rule_steps import plan_tiering
from tier1_sync.sync.settings import SyncSettings
from tier1_sync.sync.spool import PlanSpool

TierStatus = Literal["Succeeded", "Partial", "Failed", "Dry Run", "Refused"]


class TierReport(BaseModel):
    org: str
    status: TierStatus
    dry_run: bool = False
    tiering: TierSummary | None = None
    objects: dict[str, ObjectResult] = Field(default_factory=dict)
    failures: list[WriteFailure] = Field(default_factory=list)
    api_calls: int = 0
    notes: list[str] = Field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.status in {"Failed", "Refused"} else 0


def run_tiering(
    client: OrgClient,
    org: str,
    rules: RuleSettings,
    sync: SyncSettings,
    *,
    dry_run: bool = False,
    force: bool = False,
    now: dt.datetime | None = None,
) -> TierReport:
    """Designate Tier 1 over every Account; write the changes unless dry run or refused.

    Above the cap without `force` the designation is refused (exit 1): only lapsed risk
    overrides are set to Expired, as the nightly sync does.
    """
    now = now or dt.datetime.now(dt.UTC)
    report = TierReport(org=org, status="Dry Run" if dry_run else "Succeeded", dry_run=dry_run)
    try:
        accounts = read_accounts(client)
        plan = SyncPlan()
        summary = plan_tiering(plan, accounts, rules, now, force=force)
        guard_owned(plan, load_ownership())
        report.tiering = summary
        report.notes += [m for m in (summary.warning, summary.refused) if m]
        with tempfile.TemporaryDirectory(prefix="tier1-plan-") as tmp:
            spool = PlanSpool(Path(tmp))
            with spool:
                spool.add(plan)
            del plan, accounts
            if dry_run:
                report.objects = planned_objects(spool)
                report.notes.append("Dry run: nothing was written.")
                result = None
            else:
                result = apply_plan(client, spool, sync)
        if result is not None:
            report.objects, report.failures = result.objects, result.failures
            if result.stopped:
                report.status = "Failed"
                report.notes.append(result.stopped)
            elif result.failures:
                report.status = "Partial"
        if summary.refused and report.status != "Failed":
            report.status = "Refused"
    except ApiLimitReached as exc:
        report.status = "Failed"
        report.notes.append(exc.message)
    report.api_calls = client.calls
    return report
