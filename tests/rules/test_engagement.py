"""The engagement timeline from activities and the CS platform's dates."""

from __future__ import annotations

import datetime as dt

from tier1_sync.rules.engagement import ActivityDates, EngagementInput, timeline

TODAY = dt.date(2026, 12, 1)


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def test_touches_by_owner_and_the_later_of_salesforce_and_the_platform() -> None:
    line = timeline(
        EngagementInput(
            ae_owner="AE",
            csm_owner="CSM",
            activities=ActivityDates(
                last_by_owner={"AE": days(-5), "CSM": days(-9), "SOMEONE": days(-1)},
                next_by_owner={"AE": days(3), "SOMEONE": days(1)},
                last_customer=days(-8),
            ),
            platform_last_csm=days(-2),
            platform_last_customer=days(-10),
        ),
        TODAY,
    )
    assert line.last_ae_touch == days(-5)  # someone else's activity is not the AE's touch
    assert line.last_csm_touch == days(-2)  # the platform's date is later
    assert line.last_customer_contact == days(-8)  # the activity is later
    assert line.next_ae_touch == days(3)
    assert line.next_csm_touch is None  # nothing planned: leave what people set


def test_no_owner_means_no_touch() -> None:
    line = timeline(
        EngagementInput(activities=ActivityDates(last_by_owner={"AE": days(-1)})), TODAY
    )
    assert (line.last_ae_touch, line.last_csm_touch) == (None, None)


def test_next_touch_keeps_an_earlier_date_a_person_set_and_drops_a_past_one() -> None:
    planned = ActivityDates(next_by_owner={"AE": days(10), "CSM": days(10)})
    kept = timeline(
        EngagementInput(
            ae_owner="AE", csm_owner="CSM", activities=planned, current_next_ae=days(4)
        ),
        TODAY,
    )
    assert kept.next_ae_touch == days(4)
    replaced = timeline(
        EngagementInput(
            ae_owner="AE",
            csm_owner="CSM",
            activities=planned,
            current_next_ae=days(-3),
            platform_next_csm=days(6),
        ),
        TODAY,
    )
    assert replaced.next_ae_touch == days(10)
    assert replaced.next_csm_touch == days(6)  # the platform's plan comes first
