"""`tier1 local-org start|stop|status`: the embedded Salesforce stand-in on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel

from tier1_sync.cli.options import JsonOption
from tier1_sync.cli.output import console, print_json
from tier1_sync.localorg import control
from tier1_sync.localorg.control import LocalOrgStatus

app = typer.Typer(
    help="Run the local org: a Salesforce stand-in on 127.0.0.1 (HTTPS), no account needed.",
    no_args_is_help=True,
)

StateFileOption = Annotated[
    Path | None,
    typer.Option(
        "--state-file",
        help="Where the running org is published (default: ~/.local/state/tier1-sync/).",
        envvar="TIER1_LOCAL_ORG_STATE",
        hidden=True,
    ),
]


def _show(result: LocalOrgStatus, as_json: bool) -> None:
    if as_json:
        print_json(result)
        return
    if not result.running:
        console.print(result.message)
        return
    console.print(f"Local org {result.message}: [bold]{result.instance_url}[/]")
    console.print(f"  user        {result.username}")
    console.print(f"  certificate {result.cert}")
    console.print(f"  data        {result.data_dir}")
    console.print("  [dim]access token: tier1 local-org status --json[/]")


@app.command()
def start(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 0,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Folder for the org's data; a new, empty one gives a fresh org."),
    ] = None,
    as_json: JsonOption = False,
    state_file: StateFileOption = None,
) -> None:
    """Start the local org in the background (does nothing if one is running)."""
    _show(control.start(port, data_dir, state_file), as_json)


@app.command()
def status(as_json: JsonOption = False, state_file: StateFileOption = None) -> None:
    """Show the running local org: URL, certificate, data dir (exit 1 if none is running)."""
    result = control.status(state_file)
    _show(result, as_json)
    if not result.running:
        raise typer.Exit(1)


@app.command()
def stop(as_json: JsonOption = False, state_file: StateFileOption = None) -> None:
    """Stop the running local org (its data stays in its data dir)."""
    _show(control.stop(state_file), as_json)


class SeedResult(BaseModel):
    org: str
    created: dict[str, int]


@app.command()
def seed(
    recipe: Annotated[
        Path, typer.Option(help="The Snowfakery recipe to generate the portfolio from.")
    ] = Path("datasets/portfolio.recipe.yml"),
    accounts: Annotated[int, typer.Option(min=1, max=10_000, help="How many accounts.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Load a sample Tier 1 portfolio (accounts, contacts, champions, activity) into the
    running local org. Needs the cci extra (Snowfakery)."""
    from tier1_sync.config import Settings
    from tier1_sync.localorg.seed import generate, load
    from tier1_sync.salesforce.client import OrgClient
    from tier1_sync.salesforce.connection import connect

    rows = generate(recipe, accounts)
    connection = connect("local", Settings())
    created = load(OrgClient(connection.sf), rows)
    result = SeedResult(org="local", created=dict(created))
    if as_json:
        print_json(result)
    else:
        summary = ", ".join(f"{count} {name}" for name, count in created.items())
        console.print(f"Loaded the sample portfolio into the local org: {summary}.")
