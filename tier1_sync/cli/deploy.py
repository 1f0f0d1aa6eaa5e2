"""`tier1 deploy` and `tier1 assign`: put the dashboard's metadata in an org, give users roles."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import BaseModel
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from tier1_sync.cli.options import ConfigOption, JsonOption, OrgOption, ProjectDirOption
from tier1_sync.cli.output import console, err_console, print_json
from tier1_sync.config import load_settings
from tier1_sync.project import find_project_dir
from tier1_sync.salesforce.assign import PERMISSION_SETS, RoleName, assign_permission_set
from tier1_sync.salesforce.connection import connect
from tier1_sync.salesforce.deploy import DeployResult, failure_table
from tier1_sync.salesforce.deploy import deploy as run_deploy


def deploy(
    org: OrgOption,
    check_only: Annotated[
        bool, typer.Option("--check-only", help="Validate the deploy without saving anything.")
    ] = False,
    as_json: JsonOption = False,
    project_dir: ProjectDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Deploy force-app (fields, objects, rules, permission sets, layouts, pages, app)."""
    folder = project_dir or find_project_dir()
    connection = connect(org, load_settings(config, folder))
    if as_json:
        result = run_deploy(connection, folder, check_only=check_only)
    else:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            console=err_console,
            transient=True,
        ) as progress:
            task = progress.add_task(f"Deploying to {org}", total=None)

            def show(state: str, done: int, total: int) -> None:
                progress.update(
                    task,
                    description=f"Deploying to {org}: {state}",
                    completed=done,
                    total=total or None,
                )

            result = run_deploy(connection, folder, check_only=check_only, on_progress=show)
    _report(result, as_json)
    if not result.success:
        raise typer.Exit(1)


def _report(result: DeployResult, as_json: bool) -> None:
    if as_json:
        print_json(result)
        return
    verb = "Validated" if result.check_only else "Deployed"
    if result.success:
        console.print(
            f"[green]{verb}[/] {result.components_deployed} components to "
            f"{result.org} in {result.seconds:.1f}s (deploy {result.deploy_id})."
        )
        return
    failure = failure_table(result)
    if failure is None:
        return
    table = Table(title=failure.title)
    for column in failure.columns:
        table.add_column(column)
    for row in failure.rows:
        table.add_row(*row)
    err_console.print(table)
    if failure.hint:
        err_console.print(failure.hint)


class AssignResult(BaseModel):
    org: str
    username: str
    permission_set: str
    created: bool


def assign(
    org: OrgOption,
    user: Annotated[str, typer.Option("--user", help="The Salesforce username to assign.")],
    role: Annotated[RoleName, typer.Option("--role", help="The Tier 1 role to give the user.")],
    as_json: JsonOption = False,
    project_dir: ProjectDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Assign a user the permission set of a Tier 1 role (AE, CSM, CS lead, RevOps, sync)."""
    folder = project_dir or find_project_dir()
    connection = connect(org, load_settings(config, folder))
    permission_set = PERMISSION_SETS[role]
    created = assign_permission_set(connection.sf, user, permission_set)
    result = AssignResult(org=org, username=user, permission_set=permission_set, created=created)
    if as_json:
        print_json(result)
    elif created:
        console.print(f"Assigned {permission_set} to {user} in {org}.")
    else:
        console.print(f"{user} already has {permission_set} in {org}.")
