"""Expansion signals at their boundaries, and each signal raised once."""

from __future__ import annotations

import datetime as dt

import pytest

from tier1_sync.rules.settings import ExpansionSettings
from tier1_sync.rules.signals import (
    ExistingSignal,
    Usage,
    growth_signals,
    new_module_adoption,
    new_signals,
)

TODAY = dt.date(2026, 12, 1)
SETTINGS = ExpansionSettings()


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


@pytest.mark.parametrize(
    ("before", "now", "kinds"),
    [
        (Usage(seats=200, active_users=100), Usage(seats=210, active_users=100), ["Seats Added"]),
        (Usage(seats=200, active_users=100), Usage(seats=209, active_users=100), []),  # +9, 4.5%
        (Usage(seats=50, active_users=10), Usage(seats=55, active_users=10), ["Seats Added"]),
        (Usage(seats=50, active_users=10), Usage(seats=54, active_users=10), []),  # 8%
        (Usage(seats=0, active_users=0), Usage(seats=5, active_users=4), []),  # +5 from none
        (Usage(seats=100, active_users=100), Usage(seats=100, active_users=120), ["Usage Growth"]),
        (Usage(seats=100, active_users=100), Usage(seats=100, active_users=119), []),
        (
            Usage(seats=200, active_users=120),
            Usage(seats=215, active_users=150),
            ["Seats Added", "Usage Growth"],
        ),
    ],
)
def test_growth_over_30_days(before: Usage, now: Usage, kinds: list[str]) -> None:
    found = growth_signals("A", "Analytics", {ago(30): before, TODAY: now}, SETTINGS)
    assert [s.signal_type for s in found] == kinds


def test_growth_is_measured_from_the_oldest_snapshot_in_the_window() -> None:
    history = {
        ago(31): Usage(seats=100),  # outside the window
        ago(20): Usage(seats=190),
        ago(10): Usage(seats=195),
        TODAY: Usage(seats=205),
    }
    [seats] = growth_signals("A", "Core", history, SETTINGS)
    assert (seats.seats_added, seats.key) == (15, f"SEATS_ADDED|A|Core|{TODAY}")
    assert growth_signals("A", "Core", {TODAY: Usage(seats=205)}, SETTINGS) == []


@pytest.mark.parametrize(
    ("committed", "module", "users", "raised"),
    [
        ("Core;Analytics", "Workflow Automation", 12, True),
        ("Core;Analytics", "analytics", 12, False),  # names compare without case
        ("Core; Workflow Automation ", "Workflow Automation", 12, False),
        ("Core;Analytics", "Workflow Automation", 0, False),
        (None, "Workflow Automation", 12, False),  # nothing committed on record: no telling
    ],
)
def test_new_module_adoption(committed: str | None, module: str, users: int, raised: bool) -> None:
    signal = new_module_adoption(
        "A", module, TODAY, Usage(seats=0, active_users=users), committed, SETTINGS
    )
    assert (signal is not None) is raised
    if signal:
        assert signal.key == f"NEW_MODULE|A|{module}"
        assert signal.title == f"New Module Adoption: {module} ({users} users)"


def test_a_signal_is_raised_once() -> None:
    history = {ago(14): Usage(seats=200), TODAY: Usage(seats=215)}
    [today] = growth_signals("A", "Core", history, SETTINGS)
    assert new_signals([today], [], 30) == [today]
    assert (
        new_signals([today], [ExistingSignal(key=today.key.upper(), detected_on=TODAY)], 30) == []
    )
    # Tomorrow's snapshot shows the same growth: the same series within the window.
    tomorrow = today.model_copy(update={"key": f"SEATS_ADDED|A|Core|{TODAY + dt.timedelta(1)}"})
    tomorrow.detected_on = TODAY + dt.timedelta(days=1)
    assert new_signals([tomorrow], [ExistingSignal(key=today.key, detected_on=TODAY)], 30) == []
    later = today.model_copy(update={"detected_on": TODAY + dt.timedelta(days=31)})
    later.key = f"SEATS_ADDED|A|Core|{later.detected_on}"
    assert new_signals([later], [ExistingSignal(key=today.key, detected_on=TODAY)], 30) == [later]
