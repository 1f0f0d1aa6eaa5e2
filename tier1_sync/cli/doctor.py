"""`tier1 doctor`: a pass/fail table of everything the dashboard and the sync need in an org."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from tier1_sync.cli.options import ConfigOption, JsonOption, OrgOption, ProjectDirOption
from tier1_sync.cli.output import console, print_json
from tier1_sync.config import load_settings
from tier1_sync.project import find_project_dir
from tier1_sync.salesforce.doctor import DoctorReport, Thresholds, run_doctor
from tier1_sync.salesforce.doctor_checks import Check


def doctor(
    org: OrgOption,
    max_sync_age: Annotated[
        float,
        typer.Option(
            "--max-sync-age", min=0, help="Hours after which the last sync run counts as stale."
        ),
    ] = 48,
    min_api_headroom: Annotated[
        float,
        typer.Option(
            "--min-api-headroom",
            min=0,
            max=100,
            help="Fail when less than this percentage of the daily API requests is left.",
        ),
    ] = 10,
    as_json: JsonOption = False,
    project_dir: ProjectDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Check an org: login, API version, data model, permission sets, the integration user's
    access, API headroom and the last sync run. Exit 1 when a check fails."""
    folder = project_dir or find_project_dir()
    thresholds = Thresholds(
        min_api_headroom=min_api_headroom / 100, max_sync_age=dt.timedelta(hours=max_sync_age)
    )
    report = run_doctor(org, load_settings(config, folder), folder, thresholds=thresholds)
    if as_json:
        print_json(report)
    else:
        _render(report)
    if not report.ok:
        raise typer.Exit(1)


def _result(check: Check) -> Text:
    if not check.ok:
        return Text("✗ fail", style="bold red")
    if check.warning:
        return Text("! warn", style="yellow")
    return Text("✓ pass", style="green")


def _render(report: DoctorReport) -> None:
    where = f" ({report.instance_url})" if report.instance_url else ""
    table = Table(title=f"tier1 doctor: {report.org}{where}", title_justify="left")
    table.add_column("Check", no_wrap=True)
    table.add_column("Result", no_wrap=True)
    table.add_column("Detail", ratio=3)
    table.add_column("Fix", ratio=2, overflow="fold")
    for check in report.checks:
        table.add_row(check.name, _result(check), check.detail, check.fix or "")
    console.print(table)
    failed = sum(not check.ok for check in report.checks)
    if failed:
        console.print(f"[bold red]{failed} of {len(report.checks)} checks failed.[/]")
    else:
        console.print(f"[green]All {len(report.checks)} checks passed.[/]")
