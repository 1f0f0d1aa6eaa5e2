"""What every `tier1 doctor` check shares: its result model, the fix commands, and the guard
that turns a refused call into this check's failure instead of the whole command's."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import requests
from pydantic import BaseModel, Field
from simple_salesforce.exceptions import SalesforceError

SHOWN_ITEMS = 5


class Check(BaseModel):
    name: str
    ok: bool
    detail: str
    fix: str | None = Field(default=None, description="the command (or step) that fixes it")
    warning: bool = Field(default=False, description="passed, with something worth a look")
    items: list[str] = Field(
        default_factory=list, description="every problem, where the detail shortens the list"
    )


@dataclass(frozen=True)
class Fixes:
    """The commands a failed check points to, for one org."""

    org: str

    @property
    def deploy(self) -> str:
        return f"tier1 deploy --org {shlex.quote(self.org)}"

    def assign(self, user: str, role: str) -> str:
        return f"tier1 assign --org {shlex.quote(self.org)} --user {user} --role {role}"

    def sync(self, source: str) -> str:
        name = source.lower() if not source.startswith("<") else source
        command = f"tier1 sync --org {shlex.quote(self.org)} --source {name}"
        return f"{command} --path <export folder>" if name == "file" else command


def listing(items: Iterable[str], limit: int = SHOWN_ITEMS) -> str:
    """`a, b, c and 4 more`."""
    values = list(items)
    shown = ", ".join(values[:limit])
    return f"{shown} and {len(values) - limit} more" if len(values) > limit else shown


def salesforce_problem(exc: SalesforceError) -> tuple[str, str]:
    """(errorCode, message) of a refused call, without the URL or anything else it carried."""
    content: Any = exc.content
    first = content[0] if isinstance(content, list) and content else content
    if isinstance(first, dict):
        return str(first.get("errorCode") or exc.status), str(first.get("message") or "")
    return str(exc.status), type(exc).__name__


def guarded(name: str, fix: str | None, run: Callable[[], Check]) -> Check:
    """Run one check; a refused call or a network error fails this check only."""
    try:
        return run()
    except SalesforceError as exc:
        code, message = salesforce_problem(exc)
        detail = f"the org refused a call: {code}: {message}"
    except requests.RequestException as exc:
        detail = f"could not reach the org: {type(exc).__name__}"
    return Check(name=name, ok=False, detail=detail, fix=fix)
