"""`tier1 sync`: the scheduled job, CS platform → Salesforce, with --dry-run and --verify-only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tier1_sync.cli.options import ConfigOption, JsonOption, OrgOption, ProjectDirOption
from tier1_sync.cli.output import console, print_json
from tier1_sync.config import load_settings
from tier1_sync.project import find_project_dir
from tier1_sync.salesforce.connection import connect
from tier1_sync.sync.report import RunReport, write_report
from tier1_sync.sync.run import run_sync

SHOWN_ROWS = 10


def sync(
    org: OrgOption,
    source: Annotated[str, typer.Option(help="file, vitally, planhat (or a plugged-in source).")],
    path: Annotated[
        Path | None, typer.Option(help="For --source file: the folder with health.csv.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show exactly what would change; write nothing.")
    ] = False,
    verify_only: Annotated[
        bool,
        typer.Option(
            "--verify-only", help="Compare Panel 2 with the CS platform; exit 1 on drift."
        ),
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option(help="Write the JSON run report here (and failed_rows.csv beside it)."),
    ] = None,
    as_json: JsonOption = False,
    project_dir: ProjectDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Run the sync: read the CS platform, match accounts, write only the changes, report."""
    folder = project_dir or find_project_dir()
    settings = load_settings(config, folder)
    connection = connect(org, settings)
    result = run_sync(
        connection, settings, source, path=path, dry_run=dry_run, verify_only=verify_only
    )
    failed_rows = write_report(result, report) if report else None
    if as_json:
        print_json(result)
    else:
        render(result, report, failed_rows)
    raise typer.Exit(result.exit_code)


def render(result: RunReport, report: Path | None, failed_rows: Path | None) -> None:
    colour = {"Succeeded": "green", "In Sync": "green", "Partial": "yellow", "Dry Run": "cyan"}.get(
        result.status, "red"
    )
    console.print(
        f"[bold {colour}]{result.status}[/]: {result.source} → {result.org} in "
        f"{result.duration_seconds:.1f}s · {result.rows_read} rows read · "
        f"{result.accounts_matched} accounts matched · {result.api_calls} API calls"
        + (f" (org usage {result.api_usage})" if result.api_usage else "")
    )
    if result.objects:
        planned = result.dry_run or result.verify_only
        created, updated = ("Would create", "Would update") if planned else ("Created", "Updated")
        table = Table(title="Changes by object" + (" (planned)" if planned else ""))
        for column in ("Object", created, updated, "Unchanged", "Failed", "Not attempted"):
            table.add_column(column, justify="left" if column == "Object" else "right")
        for item in result.objects.values():
            table.add_row(
                item.sobject,
                str(item.created),
                str(item.updated),
                str(item.unchanged),
                str(item.failed),
                str(item.not_attempted),
            )
        console.print(table)
    changes = result.drift or result.sample_changes
    if changes:
        table = Table(
            title="Drift: the org differs from the CS platform"
            if result.drift
            else "Sample of field changes"
        )
        for column in ("Object", "Record", "Field", "Old", "New"):
            table.add_column(column)
        for change in changes[: SHOWN_ROWS * 3]:
            table.add_row(
                change.sobject,
                change.label or change.key,
                change.field,
                _show(change.old),
                _show(change.new),
            )
        console.print(table)
    _rules(result)
    _rows(
        f"Rejected input rows ({len(result.rejected)})",
        [f"{r.file}:{r.line or '-'} {r.field or ''}: {r.reason}" for r in result.rejected],
    )
    _rows(
        f"Unmatched accounts ({len(result.unmatched) + len(result.ambiguous)})",
        [f"{u.account_key}: {u.reason}" for u in result.unmatched + result.ambiguous],
    )
    _rows(
        f"Failed writes ({len(result.failures)})",
        [f"{f.sobject} {f.label or f.key}: {f.error_code} {f.message}" for f in result.failures],
    )
    for note in result.notes:
        console.print(f"[dim]{note}[/]")
    if report:
        console.print(
            f"Report: {report}" + (f" · failed rows: {failed_rows}" if failed_rows else "")
        )


def _rules(result: RunReport) -> None:
    """Tier 1 in one line, then what the rules raised, cleared and requested."""
    tiering = result.tiering
    if tiering is not None:
        moves = f"{len(tiering.entering)} entering, {len(tiering.leaving)} leaving"
        console.print(
            f"Tier 1: {tiering.tier1} of {tiering.accounts} accounts ({tiering.share_pct}%) · "
            + (moves if tiering.applied else f"not applied ({moves} refused)"),
            highlight=False,
        )
    planned = " (planned, not written)" if result.dry_run else ""
    _rows(
        f"Flags, signals and override requests ({len(result.rule_events)}){planned}",
        [f"{e.kind}: {e.account or e.account_id} · {e.detail}" for e in result.rule_events],
    )


def _show(value: object) -> str:
    return "—" if value is None else str(value)


def _rows(title: str, lines: list[str]) -> None:
    if not lines:
        return
    console.print(f"[bold]{title}[/]")
    for line in lines[:SHOWN_ROWS]:
        console.print(f"  {line}", highlight=False)
    if len(lines) > SHOWN_ROWS:
        console.print(f"  … and {len(lines) - SHOWN_ROWS} more (see the report)")
