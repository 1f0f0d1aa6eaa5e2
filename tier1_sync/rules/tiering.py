"""Tier 1 designation: who is in, who is out, and why (a pure function of the accounts)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

from pydantic import BaseModel, Field
from pydantic.dataclasses import dataclass

from tier1_sync.rules.settings import TieringSettings

Criterion = Literal["ARR Threshold", "Strategic", "Risk Override"]
CRITERIA_ORDER: tuple[Criterion, ...] = ("ARR Threshold", "Strategic", "Risk Override")


# TierAccount and Designation are made once per Account (100,000 in a big org): slotted
# pydantic dataclasses, a fraction of a BaseModel's size, validated the same. Construct them
# with keywords (kw_only); TierOutcome keeps the Designations it is given as they are.


@dataclass(slots=True, kw_only=True)
class TierAccount:
    """What tiering needs to know about one Account."""

    id: str
    name: str = ""
    arr: float | None = None
    strategic: list[str] = Field(default_factory=list)
    override_status: str | None = None
    override_expires_on: dt.date | None = None
    tier1: bool = False
    criteria: list[str] = Field(default_factory=list)
    tier1_since: dt.date | None = None


@dataclass(slots=True, kw_only=True)
class Designation:
    """One account's designation after this run, compared with what the org holds."""

    account_id: str
    name: str = ""
    tier1: bool
    criteria: list[Criterion] = Field(default_factory=list)
    since: dt.date | None = None
    was_tier1: bool = False
    override_expired: bool = False  # the approved override lapsed: status becomes Expired
    why: str = ""  # for people: why it is (or is no longer) Tier 1

    @property
    def change(self) -> Literal["enters", "leaves", "stays", "out"]:
        if self.tier1 and not self.was_tier1:
            return "enters"
        if self.was_tier1 and not self.tier1:
            return "leaves"
        return "stays" if self.tier1 else "out"


class TierOutcome(BaseModel):
    accounts: int  # accounts with ARR: the book of business the shares are taken of
    tier1: int
    share_pct: float
    arr_cut: float | None = None  # the lowest ARR that is in the top share
    warn_pct: float
    cap_pct: float
    designations: list[Designation] = Field(default_factory=list)

    @property
    def above_warning(self) -> bool:
        return self.share_pct > self.warn_pct

    @property
    def above_cap(self) -> bool:
        return self.share_pct > self.cap_pct

    def changed(self) -> list[Designation]:
        return [d for d in self.designations if d.change in {"enters", "leaves"}]


def arr_cut(arrs: list[float], top_pct: float) -> float | None:
    """The ARR of the last account inside the top share; every account with at least it is in.

    The top share of n accounts is floor(n * pct / 100) accounts, at least one: with ties at
    the cut, every account whose ARR equals the cut is in too.
    """
    ranked = sorted((a for a in arrs if a > 0), reverse=True)
    if not ranked:
        return None
    size = max(1, math.floor(len(ranked) * top_pct / 100 + 1e-9))
    return ranked[size - 1]


def override_active(account: TierAccount, today: dt.date) -> bool:
    """Approved and not expired: Risk_Override_Expires_On__c is the last day it counts."""
    if account.override_status != "Approved":
        return False
    return account.override_expires_on is None or account.override_expires_on >= today


def override_lapsed(account: TierAccount, today: dt.date) -> bool:
    return (
        account.override_status == "Approved"
        and account.override_expires_on is not None
        and account.override_expires_on < today
    )


def designate(
    accounts: list[TierAccount], settings: TieringSettings, today: dt.date
) -> TierOutcome:
    """SPEC §4: "Tier 1 designation: top 20% of accounts by `ARR__c` (ties included), plus any
    with a `Strategic_Designation__c`, plus approved, unexpired risk overrides. Warn when Tier 1
    exceeds 20% of accounts; refuse to apply above the cap of 25% unless forced. Accounts that
    drop out lose `Tier1__c` but keep their history."

    The share is of accounts with ARR (prospects and partners without ARR are not ranked).
    Applying (or refusing) is the caller's: this only decides.
    """
    ranked = [a.arr for a in accounts if a.arr is not None and a.arr > 0]
    cut = arr_cut(ranked, settings.top_arr_pct)
    designations = [_designation(a, cut, settings, today) for a in accounts]
    tier1 = sum(1 for d in designations if d.tier1)
    share = 100.0 * tier1 / len(ranked) if ranked else (100.0 if tier1 else 0.0)
    return TierOutcome(
        accounts=len(ranked),
        tier1=tier1,
        share_pct=round(share, 1),
        arr_cut=cut,
        warn_pct=settings.warn_pct,
        cap_pct=settings.cap_pct,
        designations=designations,
    )


def _designation(
    account: TierAccount, cut: float | None, settings: TieringSettings, today: dt.date
) -> Designation:
    criteria: list[Criterion] = []
    reasons: list[str] = []
    if account.arr is not None and cut is not None and account.arr > 0 and account.arr >= cut:
        criteria.append("ARR Threshold")
        reasons.append(f"ARR {account.arr:,.0f} in the top {settings.top_arr_pct:g}%")
    if account.strategic:
        criteria.append("Strategic")
        reasons.append(f"strategic: {', '.join(account.strategic)}")
    if override_active(account, today):
        criteria.append("Risk Override")
        until = account.override_expires_on
        reasons.append("approved risk override" + (f" until {until}" if until else ""))
    lapsed = override_lapsed(account, today)
    tier1 = bool(criteria)
    since: dt.date | None
    if tier1:
        since = account.tier1_since if account.tier1 and account.tier1_since else today
        why = "; ".join(reasons)
    else:
        since = account.tier1_since  # history stays
        why = _why_not(account, cut, settings, lapsed)
    return Designation(
        account_id=account.id,
        name=account.name,
        tier1=tier1,
        criteria=criteria,
        since=since,
        was_tier1=account.tier1,
        override_expired=lapsed,
        why=why,
    )


def _why_not(
    account: TierAccount, cut: float | None, settings: TieringSettings, lapsed: bool
) -> str:
    if account.arr is None or account.arr <= 0:
        arr = "no ARR"
    elif cut is None:
        arr = f"ARR {account.arr:,.0f}"
    else:
        arr = f"ARR {account.arr:,.0f} below the top-{settings.top_arr_pct:g}% cut of {cut:,.0f}"
    override = (
        f"risk override expired on {account.override_expires_on}"
        if lapsed
        else "no approved risk override"
    )
    return f"{arr}; no strategic designation; {override}"


def criteria_value(criteria: list[Criterion]) -> str | None:
    """The multi-select value, in picklist order ("ARR Threshold;Strategic")."""
    ordered = [c for c in CRITERIA_ORDER if c in criteria]
    return ";".join(ordered) or None


class TierChange(BaseModel):
    account_id: str
    name: str = ""
    change: Literal["enters", "leaves", "override expired"]
    criteria: list[Criterion] = Field(default_factory=list)
    why: str = ""


class TierSummary(BaseModel):
    """What a run did (or would do) to Tier 1, for the report and `tier1 tier`."""

    accounts: int
    tier1: int
    share_pct: float
    arr_cut: float | None = None
    warn_pct: float
    cap_pct: float
    applied: bool
    forced: bool = False
    warning: str | None = None
    refused: str | None = None
    changes: list[TierChange] = Field(default_factory=list)

    @property
    def entering(self) -> list[TierChange]:
        return [c for c in self.changes if c.change == "enters"]

    @property
    def leaving(self) -> list[TierChange]:
        return [c for c in self.changes if c.change == "leaves"]


def summarize(outcome: TierOutcome, *, force: bool = False) -> TierSummary:
    """Warn above the warning share; refuse above the cap unless forced (SPEC §4)."""
    refuse = outcome.above_cap and not force
    share = (
        f"Tier 1 {'would be' if refuse else 'is'} {outcome.tier1} of {outcome.accounts} "
        f"accounts ({outcome.share_pct}%)"
    )
    warning = refused = None
    if outcome.above_warning:
        warning = f"{share}, above the {outcome.warn_pct:g}% warning level."
    if refuse:
        refused = (
            f"{share}, above the {outcome.cap_pct:g}% cap: designation changes were not "
            "applied. Review the strategic designations and risk overrides, or apply anyway "
            "with `tier1 tier --force`."
        )
    changes = [
        TierChange(
            account_id=d.account_id,
            name=d.name,
            change="enters" if d.change == "enters" else "leaves",
            criteria=d.criteria,
            why=d.why,
        )
        for d in sorted(outcome.changed(), key=lambda d: (d.change, d.name.lower()))
    ]
    changes += [
        TierChange(
            account_id=d.account_id,
            name=d.name,
            change="override expired",
            why="the approved risk override is past its expiry date: status set to Expired",
        )
        for d in sorted(outcome.designations, key=lambda d: d.name.lower())
        if d.override_expired
    ]
    return TierSummary(
        accounts=outcome.accounts,
        tier1=outcome.tier1,
        share_pct=outcome.share_pct,
        arr_cut=outcome.arr_cut,
        warn_pct=outcome.warn_pct,
        cap_pct=outcome.cap_pct,
        applied=refused is None,
        forced=force and outcome.above_cap,
        warning=warning,
        refused=refused,
        changes=changes,
    )
