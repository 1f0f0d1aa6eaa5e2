"""Expansion signals (panel 7) from usage snapshots: seats added, usage growth, new modules.

Keys: `SEATS_ADDED|<account>|<module>|<as-of>`, `USAGE_GROWTH|...` likewise, and
`NEW_MODULE|<account>|<module>` (a module is adopted once). Growth measured over a 30-day
window stays visible for 30 days, so a signal of a kind for a module is raised at most once
per window: the next days' snapshots show the same growth and raise nothing new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Literal

from pydantic import BaseModel

from tier1_sync.rules.flags import title
from tier1_sync.rules.settings import ExpansionSettings

SignalType = Literal["Seats Added", "Usage Growth", "New Module Adoption"]
CODES: dict[SignalType, str] = {
    "Seats Added": "SEATS_ADDED",
    "Usage Growth": "USAGE_GROWTH",
    "New Module Adoption": "NEW_MODULE",
}


class Usage(BaseModel):
    """One module's seats and active users on one day."""

    seats: int | None = None
    active_users: int | None = None


class Signal(BaseModel):
    key: str
    account_id: str
    signal_type: SignalType
    module: str
    title: str
    detected_on: dt.date
    seats_added: int | None = None
    growth_pct: float | None = None

    @property
    def series(self) -> str:
        return series_of(self.key)


class ExistingSignal(BaseModel):
    key: str
    detected_on: dt.date | None = None


def signal_key(signal_type: SignalType, account_id: str, module: str, as_of: dt.date) -> str:
    base = f"{CODES[signal_type]}|{account_id}|{module.replace('|', '/')}"
    return base if signal_type == "New Module Adoption" else f"{base}|{as_of.isoformat()}"


def series_of(key: str) -> str:
    return "|".join(key.split("|")[:3]).lower()


def committed(modules: str | None) -> set[str]:
    """`Committed_Modules__c` ("Core;Analytics") as lower-case names."""
    return {m.strip().lower() for m in (modules or "").split(";") if m.strip()}


def _window_start(
    history: Mapping[dt.date, Usage], as_of: dt.date, days: int
) -> tuple[dt.date, Usage] | None:
    """The oldest snapshot in the `days` before `as_of`: growth is measured from it."""
    earlier = [d for d in history if as_of - dt.timedelta(days=days) <= d < as_of]
    if not earlier:
        return None
    start = min(earlier)
    return start, history[start]


def growth_signals(
    account_id: str,
    module: str,
    history: Mapping[dt.date, Usage],
    settings: ExpansionSettings,
) -> list[Signal]:
    """SPEC §4: "Expansion: seats up ≥ 10 or ≥ 10% in 30 days → Seats Added; active users up
    ≥ 20% in 30 days → Usage Growth."

    `history`: one module's snapshots by as-of date; measured from the oldest snapshot in
    the 30 days before the latest one to the latest one.
    """
    if not history:
        return []
    as_of = max(history)
    now = history[as_of]
    start = _window_start(history, as_of, settings.window_days)
    if start is None:
        return []
    _, before = start
    signals = []
    if now.seats is not None and before.seats is not None and now.seats > before.seats:
        added = now.seats - before.seats
        pct = 100.0 * added / before.seats if before.seats else None
        if added >= settings.seats_added or (pct is not None and pct >= settings.seats_added_pct):
            signals.append(
                Signal(
                    key=signal_key("Seats Added", account_id, module, as_of),
                    account_id=account_id,
                    signal_type="Seats Added",
                    module=module,
                    title=title(f"Seats Added: {module} {before.seats} → {now.seats}"),
                    detected_on=as_of,
                    seats_added=added,
                    growth_pct=None if pct is None else round(pct, 1),
                )
            )
    if now.active_users is not None and before.active_users:
        growth = 100.0 * (now.active_users - before.active_users) / before.active_users
        if growth >= settings.usage_growth_pct:
            signals.append(
                Signal(
                    key=signal_key("Usage Growth", account_id, module, as_of),
                    account_id=account_id,
                    signal_type="Usage Growth",
                    module=module,
                    title=title(
                        f"Usage Growth: {module} {before.active_users} → {now.active_users} users"
                    ),
                    detected_on=as_of,
                    growth_pct=round(growth, 1),
                )
            )
    return signals


def new_module_adoption(
    account_id: str,
    module: str,
    as_of: dt.date,
    usage: Usage,
    committed_modules: str | None,
    settings: ExpansionSettings,
) -> Signal | None:
    """SPEC §4: "active users in a module not listed in `Committed_Modules__c` → New Module
    Adoption."

    Not raised when the account has no `Committed_Modules__c` at all: without the contract's
    modules there is no telling what is new.
    """
    sold = committed(committed_modules)
    users = usage.active_users or 0
    if not sold or module.strip().lower() in sold or users < settings.new_module_min_users:
        return None
    return Signal(
        key=signal_key("New Module Adoption", account_id, module, as_of),
        account_id=account_id,
        signal_type="New Module Adoption",
        module=module,
        title=title(f"New Module Adoption: {module} ({users} users)"),
        detected_on=as_of,
    )


def new_signals(
    candidates: Iterable[Signal], existing: Iterable[ExistingSignal], window_days: int
) -> list[Signal]:
    """SPEC §4: "Automated flags and signals carry a deterministic key, so a re-run never
    duplicates them."

    A candidate is new unless its key exists, or a signal of the same series (kind, account,
    module) was detected within `window_days` before it (the same growth, seen again).
    """
    known = list(existing)
    keys = {e.key.lower() for e in known}
    latest: dict[str, dt.date] = {}
    for signal_ in known:
        if signal_.detected_on is not None:
            series = series_of(signal_.key)
            latest[series] = max(latest.get(series, signal_.detected_on), signal_.detected_on)
    fresh = []
    for signal in candidates:
        if signal.key.lower() in keys:
            continue
        seen = latest.get(signal.series)
        if seen is not None and signal.detected_on - seen <= dt.timedelta(days=window_days):
            continue
        fresh.append(signal)
        keys.add(signal.key.lower())
        latest[signal.series] = signal.detected_on
    return fresh
