"""Automated risk flags: the flag a rule raises, its deterministic key, and reconciliation.

A key is `<CODE>|<account id>[|<subject>]|<episode>`: the series (everything but the episode)
names the condition (this account's health, this stakeholder's contact gap, this commitment),
the episode names one occurrence of it (the as-of date of the drop, the day the gap began).
While a series has a flag whose condition has not cleared, no second flag is raised for it,
so a condition that lasts for days raises one flag; once it clears and comes back, a new one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

Category = Literal[
    "Health Drop",
    "Engagement Gap",
    "Sponsor Contact Gap",
    "Champion Change",
    "Renewal Risk",
    "Stale Review",
    "Overdue Commitment",
]
Panel = Literal[
    "Account Identity",
    "Health Score",
    "Contract Status",
    "Engagement Timeline",
    "Open Items",
    "Champion Map",
    "Expansion Signals",
    "Risk Flags",
]
# Key code -> (category, the panel it is about, parts of the key that name the series).
CODES: dict[str, tuple[Category, Panel, int]] = {
    "HEALTH_DROP": ("Health Drop", "Health Score", 2),
    "ENGAGEMENT_GAP": ("Engagement Gap", "Engagement Timeline", 2),
    "SPONSOR_CONTACT_GAP": ("Sponsor Contact Gap", "Champion Map", 3),
    "CHAMPION_CHANGE": ("Champion Change", "Champion Map", 3),
    "RENEWAL_RISK": ("Renewal Risk", "Contract Status", 3),
    "STALE_REVIEW": ("Stale Review", "Risk Flags", 3),
    "OVERDUE_COMMITMENT": ("Overdue Commitment", "Open Items", 3),
}
# Events, not conditions: a replaced champion stays replaced, so nothing clears.
NEVER_CLEARED = frozenset({"CHAMPION_CHANGE"})
TITLE_LENGTH = 80  # Risk_Flag__c.Name is Text(80)


class Flag(BaseModel):
    """A flag a rule raises (its condition holds today)."""

    key: str
    account_id: str
    title: str
    detail: str

    @property
    def code(self) -> str:
        return self.key.split("|", 1)[0]

    @property
    def category(self) -> Category:
        return CODES[self.code][0]

    @property
    def panel(self) -> Panel:
        return CODES[self.code][1]

    @property
    def series(self) -> str:
        return series_of(self.key) or self.key


class ExistingFlag(BaseModel):
    """An automated flag the org holds (Flag_Key__c set)."""

    key: str
    account_id: str
    title: str = ""
    cleared_on: dt.date | None = None


class FlagChanges(BaseModel):
    """What reconciliation decided: new flags, cleared ones, ones whose condition is back."""

    raise_: list[Flag] = Field(default_factory=list)
    clear: list[ExistingFlag] = Field(default_factory=list)
    reopen: list[ExistingFlag] = Field(default_factory=list)
    ongoing: int = 0


def flag_key(code: str, account_id: str, *parts: object) -> str:
    """`CODE|account|...`, every part as text (dates as YYYY-MM-DD), "|" kept out of parts."""
    values = [str(p).replace("|", "/") for p in parts]
    return "|".join([code, account_id, *values])


def title(text: str) -> str:
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "…"


def code_of(key: str) -> str:
    return key.split("|", 1)[0]


def series_of(key: str) -> str | None:
    """The key without its episode, or None when the key is not one the sync makes."""
    code = code_of(key)
    if code not in CODES:
        return None
    parts = key.split("|")
    size = CODES[code][2]
    if len(parts) < size:
        return None
    return "|".join(parts[:size]).lower()


def reconcile_flags(
    holding: Iterable[Flag],
    evaluated: set[tuple[str, str]],
    existing: Iterable[ExistingFlag],
) -> FlagChanges:
    """SPEC §4: "Automated flags and signals carry a deterministic key, so a re-run never
    duplicates them; a flag whose condition clears gets `Condition_Cleared_On__c` and stays
    for both teams to acknowledge."

    `holding`: the flags whose condition holds today; `evaluated`: the (account id, code)
    pairs the rules looked at this run (a flag is cleared only where its rule ran);
    `existing`: the automated flags in the org. Nothing here touches a flag's status: the
    flag stays for both teams whatever its condition does.
    """
    changes = FlagChanges()
    known = list(existing)
    by_key = {e.key.lower(): e for e in known}
    uncleared = {series_of(e.key) for e in known if e.cleared_on is None} - {None}
    holding_series: set[str] = set()
    for flag in holding:
        series = flag.series
        holding_series.add(series)
        same = by_key.get(flag.key.lower())
        if same is not None:
            if same.cleared_on is not None and series not in uncleared:
                changes.reopen.append(same)
                uncleared.add(series)
            else:
                changes.ongoing += 1
        elif series in uncleared:
            changes.ongoing += 1  # the same condition, still on: its flag is already there
        else:
            changes.raise_.append(flag)
            uncleared.add(series)
    for flag_ in known:
        its_series = series_of(flag_.key)
        code = code_of(flag_.key)
        if flag_.cleared_on is not None or its_series is None or code in NEVER_CLEARED:
            continue
        if (flag_.account_id, code) in evaluated and its_series not in holding_series:
            changes.clear.append(flag_)
    return changes
