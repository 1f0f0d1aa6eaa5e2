"""The `tier1` command line. One module per command; errors become messages here."""

from __future__ import annotations

from typing import Annotated

import typer

from tier1_sync import __version__
from tier1_sync.cli import deploy as deploy_command
from tier1_sync.cli import doctor as doctor_command
from tier1_sync.cli import local_org as local_org_command
from tier1_sync.cli import model as model_command
from tier1_sync.cli import sync as sync_command
from tier1_sync.cli import tier as tier_command
from tier1_sync.cli.output import err_console
from tier1_sync.errors import Tier1Error

app = typer.Typer(
    name="tier1",
    help="Deploy the Tier 1 account dashboard to Salesforce and keep it fed from the CS platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tier1 {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks for errors.", envvar="TIER1_DEBUG")
    ] = False,
) -> None:
    _state["debug"] = debug


app.command("model")(model_command.model)
app.command("deploy")(deploy_command.deploy)
app.command("assign")(deploy_command.assign)
app.command("doctor")(doctor_command.doctor)
app.command("sync")(sync_command.sync)
app.command("tier")(tier_command.tier)
app.add_typer(local_org_command.app, name="local-org")


def main() -> None:
    """Entry point: run the app, turning our errors into one clear message and an exit code.

    Typer (click) reports usage errors itself, with exit code 2.
    """
    try:
        app()
    except Tier1Error as exc:
        if _state["debug"]:
            raise
        kind = "Configuration error" if exc.exit_code == 2 else "Failed"
        err_console.print(f"[bold red]{kind}:[/] {exc.message}", highlight=False)
        if exc.hint:
            err_console.print(f"[dim]Hint: {exc.hint}[/]", highlight=False)
        raise SystemExit(exc.exit_code) from None
