"""Each risk-flag rule of SPEC §4 at its boundaries: plain values in, flags out."""

from __future__ import annotations

import datetime as dt

import pytest

from tier1_sync.rules.flag_rules import (
    OpenItem,
    Stakeholder,
    bottom_cut,
    champion_changes,
    engagement_gap,
    health_drop,
    overdue_commitments,
    renewal_risk,
    sponsor_contact_gaps,
    stale_reviews,
    wants_override,
)
from tier1_sync.rules.settings import RuleSettings

TODAY = dt.date(2026, 12, 1)
RULES = RuleSettings()


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


@pytest.mark.parametrize(
    ("history", "raised"),
    [
        ({ago(14): 82, TODAY: 61}, True),  # the spec's example: 21 points
        ({ago(14): 75, TODAY: 60}, True),  # exactly 15
        ({ago(14): 74, TODAY: 60}, False),  # 14
        ({ago(14): 60, TODAY: 80}, False),  # a rise
        ({ago(18): 82, TODAY: 61}, True),  # the earlier snapshot may be a few days older
        ({ago(22): 82, TODAY: 61}, False),  # ... up to a week: no baseline
        ({ago(10): 82, TODAY: 61}, False),  # only 10 days apart: not the 14-day rule
        ({TODAY: 61}, False),
        ({}, False),
    ],
)
def test_health_drop(history: dict[dt.date, int], raised: bool) -> None:
    flag = health_drop("001A", history, RULES.health_drop)
    assert (flag is not None) is raised
    if flag:
        assert flag.key == f"HEALTH_DROP|001A|{TODAY}"
        assert flag.category == "Health Drop"
        assert flag.panel == "Health Score"


def test_health_drop_title_reads_like_the_spec() -> None:
    flag = health_drop("001A", {ago(14): 82, TODAY: 61}, RULES.health_drop)
    assert flag is not None
    assert flag.title == "Health Drop: 82 → 61"
    assert "fell 21 points, from 82 on 2026-11-17 to 61 on 2026-12-01" in flag.detail


@pytest.mark.parametrize(
    ("ae", "customer", "key_date"),
    [
        (ago(30), ago(30), None),  # an AE touch exactly 30 days ago still counts
        (ago(31), ago(15), "2026-12-01"),  # both lapsed today
        (ago(31), ago(14), None),  # the customer reached out 14 days ago
        (ago(45), ago(20), "2026-11-26"),  # the gap began when the later of the two lapsed
        (None, ago(20), "2026-11-26"),
        (None, None, "never"),
        (ago(5), None, None),
    ],
)
def test_engagement_gap(ae: dt.date | None, customer: dt.date | None, key_date: str | None) -> None:
    flag = engagement_gap("001A", ae, customer, TODAY, RULES.engagement_gap)
    if key_date is None:
        assert flag is None
    else:
        assert flag is not None
        assert flag.key == f"ENGAGEMENT_GAP|001A|{key_date}"


@pytest.mark.parametrize(
    ("role", "current", "last", "raised"),
    [
        ("Executive Sponsor", True, ago(45), False),
        ("Executive Sponsor", True, ago(46), True),
        ("Champion", True, ago(46), True),
        ("Executive Sponsor", True, None, True),
        ("Executive Sponsor", False, ago(90), False),  # no longer current
        ("Influencer", True, ago(90), False),
    ],
)
def test_sponsor_contact_gap(role: str, current: bool, last: dt.date | None, raised: bool) -> None:
    person = Stakeholder(
        id="a05X", account_id="001A", name="Dana", role=role, current=current, last_contact=last
    )
    flags = sponsor_contact_gaps([person], TODAY, RULES.sponsor_contact_gap)
    assert bool(flags) is raised
    if flags and last:
        assert flags[0].key == f"SPONSOR_CONTACT_GAP|001A|a05X|{last + dt.timedelta(days=46)}"


def test_each_replaced_champion_is_its_own_flag() -> None:
    people = [
        Stakeholder(
            id="s1", account_id="A", name="Ann", role="Champion", current=False, replaced_on=ago(40)
        ),
        Stakeholder(
            id="s2", account_id="A", name="Bo", role="Champion", current=False, replaced_on=ago(2)
        ),
        Stakeholder(id="s3", account_id="A", name="Cy", role="Champion", current=True),
        Stakeholder(
            id="s4", account_id="A", name="Old", role="Champion", current=False, replaced_on=ago(91)
        ),  # older than the 90-day look-back
        Stakeholder(
            id="s5",
            account_id="A",
            name="Ex",
            role="Executive Sponsor",
            current=False,
            replaced_on=ago(2),
        ),
    ]
    flags = champion_changes(people, TODAY, RULES.champion_change)
    assert [f.key for f in flags] == [
        f"CHAMPION_CHANGE|A|s1|{ago(40)}",
        f"CHAMPION_CHANGE|A|s2|{ago(2)}",
    ]
    assert flags[1].detail.endswith("Current champion: Cy.")


@pytest.mark.parametrize(
    ("scores", "cut"),
    [
        (list(range(1, 101)), 10),  # bottom 10% of 100: the 10 lowest
        ([50, 20, 20, 80, 90, 70, 60, 65, 75, 85], 20),  # 1 of 10, tied: both in
        ([40, 60], 40),  # fewer than 10: the lowest
        ([], None),
    ],
)
def test_bottom_decile(scores: list[int], cut: int | None) -> None:
    assert bottom_cut(scores, 10) == cut


@pytest.mark.parametrize(
    ("days", "score", "raised"),
    [
        (60, 20, True),
        (61, 20, False),
        (0, 20, True),  # renews today
        (-1, 20, False),  # renewed yesterday
        (30, 21, False),  # not in the bottom decile
    ],
)
def test_renewal_risk(days: int, score: int, raised: bool) -> None:
    renewal = TODAY + dt.timedelta(days=days)
    flag = renewal_risk("A", renewal, score, 20, TODAY, RULES.renewal_risk)
    assert (flag is not None) is raised
    if flag:
        assert flag.key == f"RENEWAL_RISK|A|{renewal}"


@pytest.mark.parametrize(
    ("tier1", "status", "requested"),
    [
        (False, None, True),
        (False, "Expired", True),
        (False, "Requested", False),
        (False, "Rejected", False),  # a CS lead said no: not asked again
        (False, "Approved", False),
        (True, None, False),
    ],
)
def test_override_request_outside_tier1(tier1: bool, status: str | None, requested: bool) -> None:
    risk = renewal_risk("A", TODAY, 5, 20, TODAY, RULES.renewal_risk)
    assert wants_override(tier1, risk, status) is requested
    assert wants_override(tier1, None, status) is False


@pytest.mark.parametrize(
    ("ae", "csm", "teams"),
    [
        (ago(7), ago(7), []),
        (ago(8), ago(7), ["AE"]),
        (ago(8), None, ["AE", "CSM"]),
    ],
)
def test_stale_review(ae: dt.date | None, csm: dt.date | None, teams: list[str]) -> None:
    flags = stale_reviews("A", {"AE": ae, "CSM": csm}, TODAY, RULES.stale_review)
    assert [f.key.split("|")[2] for f in flags] == teams


@pytest.mark.parametrize(
    ("item_type", "status", "opened", "due", "key_date"),
    [
        ("AE Commitment", "Open", ago(10), TODAY, None),  # due today: not yet overdue
        ("AE Commitment", "Open", ago(10), ago(1), TODAY),
        ("AE Commitment", "Open", ago(42), None, None),  # open exactly 42 days
        ("AE Commitment", "Open", ago(43), None, TODAY),
        ("AE Commitment", "Open", ago(60), ago(30), ago(29)),  # the earlier of the two
        ("AE Commitment", "Done", ago(60), ago(30), None),
        ("CSM Task", "Open", ago(60), ago(30), None),
    ],
)
def test_overdue_commitment(
    item_type: str, status: str, opened: dt.date, due: dt.date | None, key_date: dt.date | None
) -> None:
    item = OpenItem(
        id="a03X",
        account_id="A",
        name="Send the SSO plan",
        item_type=item_type,
        status=status,
        opened_on=opened,
        due_on=due,
    )
    flags = overdue_commitments([item], TODAY, RULES.overdue_commitment)
    assert [f.key for f in flags] == ([f"OVERDUE_COMMITMENT|A|a03X|{key_date}"] if key_date else [])
