"""Option types shared by every command, defined once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print a machine-readable JSON result on stdout.")
]
ProjectDirOption = Annotated[
    Path | None,
    typer.Option(
        "--project-dir",
        help="Project folder (holds sfdx-project.json). Default: found from the current folder.",
        envvar="TIER1_PROJECT_DIR",
        file_okay=False,
    ),
]
OrgOption = Annotated[
    str,
    typer.Option(
        "--org",
        help="An org from tier1.toml [orgs.NAME], or 'local' for the embedded local org.",
        envvar="TIER1_ORG",
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Path to tier1.toml (default: the project folder's).",
        envvar="TIER1_CONFIG",
        dir_okay=False,
    ),
]
