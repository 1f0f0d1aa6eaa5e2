"""Tier 1 designation: the top ARR share with ties, strategic accounts, risk overrides, the cap."""

from __future__ import annotations

import datetime as dt

import pytest

from tier1_sync.rules.settings import TieringSettings
from tier1_sync.rules.tiering import (
    TierAccount,
    arr_cut,
    criteria_value,
    designate,
    summarize,
)

TODAY = dt.date(2026, 12, 1)
DEFAULTS = TieringSettings()


def accounts(*arrs: float, **extra: TierAccount) -> list[TierAccount]:
    found = [TierAccount(id=f"A{n:02d}", name=f"A{n:02d}", arr=a) for n, a in enumerate(arrs)]
    return found + list(extra.values())


@pytest.mark.parametrize(
    ("arrs", "cut", "tier1"),
    [
        ([100, 90, 80, 70, 60, 50, 40, 30, 20, 10], 90, 2),  # 20% of 10 is 2
        ([100, 80, 80, 70, 60, 50, 40, 30, 20, 10], 80, 3),  # a tie at the cut is in
        ([100, 90, 90, 90, 60, 50, 40, 30, 20, 10], 90, 4),
        ([100] * 10, 100, 10),  # all tied: all in (and far above the cap)
        ([100, 90, 80], 100, 1),  # 20% of 3 is 0.6: at least the largest
        ([], None, 0),
        ([0, 0, 50], 50, 1),  # no ARR is not ranked
    ],
)
def test_top_share_by_arr_with_ties(arrs: list[float], cut: float | None, tier1: int) -> None:
    assert arr_cut(arrs, 20) == cut
    outcome = designate(accounts(*arrs), DEFAULTS, TODAY)
    assert outcome.tier1 == tier1
    assert all(d.criteria == ["ARR Threshold"] for d in outcome.designations if d.tier1)


@pytest.mark.parametrize(
    ("status", "expires", "tier1", "expired"),
    [
        ("Approved", TODAY, True, False),  # the last day it counts
        ("Approved", TODAY - dt.timedelta(days=1), False, True),
        ("Approved", TODAY + dt.timedelta(days=30), True, False),
        ("Approved", None, True, False),
        ("Requested", TODAY + dt.timedelta(days=30), False, False),
        ("Rejected", TODAY + dt.timedelta(days=30), False, False),
        ("Expired", TODAY - dt.timedelta(days=30), False, False),
    ],
)
def test_risk_overrides_count_while_approved_and_unexpired(
    status: str, expires: dt.date | None, tier1: bool, expired: bool
) -> None:
    risky = TierAccount(
        id="R", name="Risky", arr=5, override_status=status, override_expires_on=expires
    )
    outcome = designate(accounts(*range(100, 0, -10), risky=risky), DEFAULTS, TODAY)
    [designation] = [d for d in outcome.designations if d.account_id == "R"]
    assert designation.tier1 is tier1
    assert designation.override_expired is expired
    assert ("Risk Override" in designation.criteria) is tier1


def test_strategic_accounts_are_in_whatever_their_arr() -> None:
    small = TierAccount(id="S", name="Small", arr=1, strategic=["ABM Campaign"])
    outcome = designate(accounts(*range(100, 0, -10), small=small), DEFAULTS, TODAY)
    [designation] = [d for d in outcome.designations if d.account_id == "S"]
    assert designation.criteria == ["Strategic"]
    assert designation.why == "strategic: ABM Campaign"


def test_since_is_kept_while_in_and_after_leaving() -> None:
    since = dt.date(2026, 1, 15)
    staying = TierAccount(id="K", name="Keep", arr=1000, tier1=True, tier1_since=since)
    leaving = TierAccount(id="L", name="Leave", arr=1, tier1=True, tier1_since=since)
    entering = TierAccount(id="E", name="Enter", arr=900)
    others = accounts(*([10] * 8))
    outcome = designate([staying, leaving, entering, *others], DEFAULTS, TODAY)
    by_id = {d.account_id: d for d in outcome.designations}
    assert (by_id["K"].since, by_id["K"].change) == (since, "stays")
    assert (by_id["L"].since, by_id["L"].change, by_id["L"].tier1) == (since, "leaves", False)
    assert "below the top-20% cut of 900" in by_id["L"].why
    assert (by_id["E"].since, by_id["E"].change) == (TODAY, "enters")


@pytest.mark.parametrize(
    ("extra_strategic", "share", "warning", "refused"),
    [
        (0, 20.0, False, False),  # exactly 20%: no warning
        (1, 30.0, True, True),
        (2, 40.0, True, True),
    ],
)
def test_warning_above_20_and_refusal_above_the_cap(
    extra_strategic: int, share: float, warning: bool, refused: bool
) -> None:
    strategic = {
        f"s{n}": TierAccount(id=f"S{n}", strategic=["Priority Vertical"])  # a prospect
        for n in range(extra_strategic)
    }
    outcome = designate(accounts(*range(100, 0, -10), **strategic), DEFAULTS, TODAY)
    assert outcome.share_pct == share
    summary = summarize(outcome)
    assert (summary.warning is not None, summary.refused is not None) == (warning, refused)
    assert summary.applied is not refused
    forced = summarize(outcome, force=True)
    assert forced.applied
    assert forced.forced is refused


def test_between_warning_and_cap_applies_with_a_warning() -> None:
    twenty = accounts(*range(200, 0, -10))  # 20 accounts: top 4
    extra = TierAccount(id="S", arr=1, strategic=["Reference Program"])
    summary = summarize(designate([*twenty, extra], DEFAULTS, TODAY))
    assert summary.share_pct == pytest.approx(23.8)
    assert summary.applied
    assert summary.warning == "Tier 1 is 5 of 21 accounts (23.8%), above the 20% warning level."


def test_criteria_are_written_in_picklist_order() -> None:
    assert criteria_value(["Risk Override", "ARR Threshold"]) == "ARR Threshold;Risk Override"
    assert criteria_value([]) is None


def test_the_outcome_serialises_with_its_designations() -> None:
    since = dt.date(2026, 1, 5)
    outcome = designate(
        [TierAccount(id="K", name="Keep", arr=1000, tier1=True, tier1_since=since)],
        DEFAULTS,
        TODAY,
    )
    [designation] = outcome.model_dump(mode="json")["designations"]
    assert designation["since"] == "2026-01-05"
    assert (designation["account_id"], designation["criteria"]) == ("K", ["ARR Threshold"])
    assert outcome.designations[0].change == "stays"
