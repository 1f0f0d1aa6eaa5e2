"""Finding the project folder: the one holding sfdx-project.json and force-app."""

from __future__ import annotations

import json
from pathlib import Path

from tier1_sync.errors import ConfigError

MARKER = "sfdx-project.json"


def find_project_dir(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` (default: cwd) with sfdx-project.json.

    Falls back to the source checkout this package runs from (an editable install).
    """
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / MARKER).is_file():
            return candidate
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / MARKER).is_file():
        return checkout
    raise ConfigError(
        f"No {MARKER} found in {here} or any folder above it.",
        hint="Run tier1 from the project folder, or pass --project-dir.",
    )


def source_dir(project_dir: Path) -> Path:
    path = project_dir / "force-app" / "main" / "default"
    if not path.is_dir():
        raise ConfigError(f"{path} does not exist.", hint="Is this a tier1-sync project folder?")
    return path


def source_api_version(project_dir: Path) -> str:
    """sfdx-project.json's sourceApiVersion: the API version force-app is written for."""
    path = project_dir / MARKER
    try:
        version = json.loads(path.read_text(encoding="utf-8")).get("sourceApiVersion")
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}") from None
    if not isinstance(version, str) or not version:
        raise ConfigError(
            f"{path} has no sourceApiVersion.", hint='Add "sourceApiVersion": "63.0".'
        )
    return version
