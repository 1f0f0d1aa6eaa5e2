"""CumulusCI is an optional extra: every tier1_sync module but tier1_sync.cumulusci imports
without it (and without Snowfakery), so `pip install tier1-sync` alone gives a working tool."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import tier1_sync

PACKAGE_DIR = Path(tier1_sync.__file__).parent

# Runs in a fresh interpreter: an import hook refuses cumulusci and snowfakery, as if absent.
BLOCKED_IMPORT = """
import importlib, sys

class Absent:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {"cumulusci", "snowfakery"}:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Absent())
failed = []
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except ImportError as exc:
        failed.append(f"{name}: {exc}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def _modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def _import_without_cumulusci(*modules: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCKED_IMPORT, *modules],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=PACKAGE_DIR.parent,
    )


def test_every_module_but_the_cumulusci_tasks_imports_without_cumulusci() -> None:
    modules = [
        name
        for name in _modules()
        if name != "tier1_sync.__main__"  # runs the CLI
        and not name.startswith("tier1_sync.cumulusci.")
    ]
    assert {"tier1_sync.cli", "tier1_sync.salesforce.connection", "tier1_sync.cumulusci"} <= set(
        modules
    )
    result = _import_without_cumulusci(*modules)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_cumulusci_tasks_do_need_cumulusci() -> None:
    """The block works: the one module that needs CumulusCI fails to import under it."""
    result = _import_without_cumulusci("tier1_sync.cumulusci.tasks")
    assert result.returncode == 1
    assert "No module named 'cumulusci" in result.stdout


def test_nothing_outside_tier1_sync_cumulusci_imports_it() -> None:
    importers = [
        str(path.relative_to(PACKAGE_DIR.parent))
        for path in PACKAGE_DIR.rglob("*.py")
        if "cumulusci" not in path.relative_to(PACKAGE_DIR).parts
        and "tier1_sync.cumulusci" in path.read_text(encoding="utf-8")
    ]
    assert importers == []
