"""Finding the project folder: the one holding sfdx-project.json and force-app."""

from __future__ import annotations

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
