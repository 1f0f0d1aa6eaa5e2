"""Reconciling the flags that hold with those the org has: no duplicates, cleared, reopened."""

from __future__ import annotations

import datetime as dt

from tier1_sync.rules.flags import ExistingFlag, Flag, reconcile_flags, series_of, title

TODAY = dt.date(2026, 12, 1)


def holding(key: str) -> Flag:
    return Flag(key=key, account_id=key.split("|")[1], title="t", detail="d")


def existing(key: str, cleared: dt.date | None = None) -> ExistingFlag:
    return ExistingFlag(key=key, account_id=key.split("|")[1], cleared_on=cleared)


ALL = {("A", code) for code in ("HEALTH_DROP", "SPONSOR_CONTACT_GAP", "CHAMPION_CHANGE")}


def test_series_names_the_condition_and_the_episode_is_left_out() -> None:
    assert series_of("HEALTH_DROP|A|2026-12-01") == "health_drop|a"
    assert series_of("SPONSOR_CONTACT_GAP|A|a05X|never") == "sponsor_contact_gap|a|a05x"
    assert series_of("SOMETHING_ELSE|A|x") is None
    assert len(title("x" * 200)) == 80


def test_a_new_condition_raises_a_flag() -> None:
    changes = reconcile_flags([holding("HEALTH_DROP|A|2026-12-01")], ALL, [])
    assert [f.key for f in changes.raise_] == ["HEALTH_DROP|A|2026-12-01"]


def test_the_same_key_again_raises_nothing() -> None:
    key = "HEALTH_DROP|A|2026-12-01"
    changes = reconcile_flags([holding(key)], ALL, [existing(key.lower())])
    assert (changes.raise_, changes.ongoing) == ([], 1)


def test_a_lasting_condition_keeps_its_first_flag() -> None:
    """Daily snapshots show the same drop for days: one flag, not one per day."""
    changes = reconcile_flags(
        [holding("HEALTH_DROP|A|2026-12-02")], ALL, [existing("HEALTH_DROP|A|2026-12-01")]
    )
    assert (changes.raise_, changes.clear, changes.ongoing) == ([], [], 1)


def test_a_cleared_condition_is_marked_once_and_a_new_episode_is_a_new_flag() -> None:
    old = existing("HEALTH_DROP|A|2026-11-01")
    changes = reconcile_flags([], ALL, [old])
    assert changes.clear == [old]
    done = existing("HEALTH_DROP|A|2026-11-01", cleared=TODAY)
    assert reconcile_flags([], ALL, [done]).clear == []
    again = reconcile_flags([holding("HEALTH_DROP|A|2026-12-01")], ALL, [done])
    assert [f.key for f in again.raise_] == ["HEALTH_DROP|A|2026-12-01"]


def test_a_condition_back_under_the_same_key_is_reopened() -> None:
    done = existing("SPONSOR_CONTACT_GAP|A|s1|2026-11-01", cleared=TODAY)
    changes = reconcile_flags([holding("SPONSOR_CONTACT_GAP|A|s1|2026-11-01")], ALL, [done])
    assert (changes.raise_, changes.reopen) == ([], [done])


def test_only_flags_whose_rule_ran_are_cleared() -> None:
    """An account that left Tier 1 is no longer evaluated: its flags are left as they are."""
    old = existing("HEALTH_DROP|B|2026-11-01")
    assert reconcile_flags([], ALL, [old]).clear == []


def test_a_champion_change_is_an_event_and_never_clears() -> None:
    old = existing("CHAMPION_CHANGE|A|s1|2026-11-01")
    assert reconcile_flags([], ALL, [old]).clear == []


def test_two_champion_changes_are_two_flags() -> None:
    first = existing("CHAMPION_CHANGE|A|s1|2026-11-01")
    changes = reconcile_flags(
        [holding("CHAMPION_CHANGE|A|s1|2026-11-01"), holding("CHAMPION_CHANGE|A|s2|2026-11-30")],
        ALL,
        [first],
    )
    assert [f.key for f in changes.raise_] == ["CHAMPION_CHANGE|A|s2|2026-11-30"]
