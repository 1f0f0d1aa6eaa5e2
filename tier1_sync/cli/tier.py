"""`tier1 tier`: compute Tier 1 designation, show who enters and leaves and why, apply it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from tier1_sync.cli.options import ConfigOption, JsonOption, OrgOption, ProjectDirOption
from tier1_sync.cli.output import console, print_json
from tier1_sync.config import load_settings
from tier1_sync.project import find_project_dir
from tier1_sync.rules.tiering import TierChange
from tier1_sync.salesforce.client import OrgClient
from tier1_sync.salesforce.connection import connect
from tier1_sync.sync.tier import TierReport, run_tiering


def tier(
    org: OrgOption,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List who would enter and leave Tier 1, and why.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Apply even when Tier 1 would be above the cap.")
    ] = False,
    as_json: JsonOption = False,
    project_dir: ProjectDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Designate Tier 1: top ARR share, strategic designations, approved risk overrides."""
    folder = project_dir or find_project_dir()
    settings = load_settings(config, folder)
    connection = connect(org, settings)
    client = OrgClient(connection.sf, budget_share=settings.sync.api_budget_share)
    result = run_tiering(
        client, connection.name, settings.rules, settings.sync, dry_run=dry_run, force=force
    )
    if as_json:
        print_json(result)
    else:
        render(result)
    raise typer.Exit(result.exit_code)


def render(result: TierReport) -> None:
    summary = result.tiering
    colour = {"Succeeded": "green", "Dry Run": "cyan", "Partial": "yellow"}.get(
        result.status, "red"
    )
    console.print(f"[bold {colour}]{result.status}[/]: Tier 1 designation on {result.org}")
    if summary is not None:
        cut = f"{summary.arr_cut:,.0f}" if summary.arr_cut is not None else "—"
        console.print(
            f"Tier 1: {summary.tier1} of {summary.accounts} accounts with ARR "
            f"({summary.share_pct}%) · ARR cut {cut} · warning above {summary.warn_pct:g}% · "
            f"cap {summary.cap_pct:g}%",
            highlight=False,
        )
        verb = "would " if result.dry_run or not summary.applied else ""
        _changes(f"Accounts that {verb}enter Tier 1", summary.entering, with_criteria=True)
        _changes(f"Accounts that {verb}leave Tier 1", summary.leaving, with_criteria=False)
        expired = [c for c in summary.changes if c.change == "override expired"]
        _changes("Risk overrides past their expiry date (set to Expired)", expired, False)
        if not summary.changes:
            console.print("No account enters or leaves Tier 1.")
    written = sum(o.created + o.updated for o in result.objects.values())
    if not result.dry_run:
        console.print(f"Accounts written: {written} · failed: {len(result.failures)}")
    for failure in result.failures:
        console.print(f"  {failure.label or failure.key}: {failure.error_code} {failure.message}")
    for note in result.notes:
        style = "yellow" if "warning" in note or "cap" in note else "dim"
        console.print(f"[{style}]{note}[/]", highlight=False)


def _changes(title: str, changes: list[TierChange], with_criteria: bool) -> None:
    if not changes:
        return
    table = Table(title=f"{title} ({len(changes)})")
    table.add_column("Account")
    if with_criteria:
        table.add_column("Criteria")
    table.add_column("Why")
    for change in changes:
        row = [change.name or change.account_id]
        if with_criteria:
            row.append("; ".join(change.criteria))
        table.add_row(*row, change.why)
    console.print(table)
