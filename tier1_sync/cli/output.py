"""Rendering helpers: commands compute a pydantic result, these print it."""

from __future__ import annotations

import sys

from pydantic import BaseModel
from rich.console import Console

console = Console()
err_console = Console(stderr=True)


def print_json(result: BaseModel) -> None:
    sys.stdout.write(result.model_dump_json(indent=2) + "\n")
