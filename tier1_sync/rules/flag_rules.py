"""The risk-flag rules of SPEC §4, one pure function each: data in, flags whose condition holds out.

Day counts: "not in 30 days" means the last touch is more than 30 days before today (a touch
exactly 30 days ago still counts); "older than 7 days" likewise. A missing date (never
touched, never reviewed, never contacted) means the condition holds, with episode "never".
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

from pydantic import BaseModel

from tier1_sync.rules.flags import Flag, flag_key, title
from tier1_sync.rules.settings import (
    ChampionChangeSettings,
    EngagementGapSettings,
    HealthDropSettings,
    OverdueCommitmentSettings,
    RenewalRiskSettings,
    SponsorGapSettings,
    StaleReviewSettings,
)

BASELINE_WINDOW_DAYS = 7  # the earlier snapshot may be up to a week older than asked


class Stakeholder(BaseModel):
    id: str
    account_id: str
    name: str = ""
    role: str
    current: bool = True
    last_contact: dt.date | None = None  # Last_Contact_On__c or the latest activity with them
    replaced_on: dt.date | None = None
    contact_id: str | None = None


class OpenItem(BaseModel):
    id: str
    account_id: str
    name: str = ""
    item_type: str
    status: str
    opened_on: dt.date | None = None
    due_on: dt.date | None = None


def _days(since: dt.date | None, today: dt.date) -> int | None:
    return None if since is None else (today - since).days


def _gap_start(last: dt.date | None, days: int) -> dt.date | None:
    return None if last is None else last + dt.timedelta(days=days + 1)


def baseline(
    history: Mapping[dt.date, int], as_of: dt.date, days: int
) -> tuple[dt.date, int] | None:
    """The newest snapshot from `days` before `as_of`, up to a week older than that."""
    target = as_of - dt.timedelta(days=days)
    earlier = [
        d for d in history if target - dt.timedelta(days=BASELINE_WINDOW_DAYS) <= d <= target
    ]
    if not earlier:
        return None
    found = max(earlier)
    return found, history[found]


def health_drop(
    account_id: str, history: Mapping[dt.date, int], settings: HealthDropSettings
) -> Flag | None:
    """SPEC §4: "Health drop: score fell ≥ 15 points versus the snapshot 14 days earlier
    (e.g. 82 → 61) → `Risk_Flag__c` Health Drop."

    `history`: the account's health score by as-of date. Key: the as-of date of the drop.
    """
    if not history:
        return None
    as_of = max(history)
    score = history[as_of]
    earlier = baseline(history, as_of, settings.days)
    if earlier is None or earlier[1] - score < settings.points:
        return None
    then, before = earlier
    return Flag(
        key=flag_key("HEALTH_DROP", account_id, as_of.isoformat()),
        account_id=account_id,
        title=title(f"Health Drop: {before} → {score}"),
        detail=(
            f"Health fell {before - score} points, from {before} on {then} to {score} on "
            f"{as_of} (the rule: a fall of {settings.points} or more versus "
            f"{settings.days} days earlier)."
        ),
    )


def engagement_gap(
    account_id: str,
    last_ae_touch: dt.date | None,
    last_customer_contact: dt.date | None,
    today: dt.date,
    settings: EngagementGapSettings,
) -> Flag | None:
    """SPEC §4: "Engagement gap: no AE touch in 30 days **and** no customer-initiated contact
    in 14 days → Engagement Gap."

    Key: the day the gap began (the later of the two lapses), "never" with neither date.
    """
    ae_days = _days(last_ae_touch, today)
    customer_days = _days(last_customer_contact, today)
    if ae_days is not None and ae_days <= settings.ae_days:
        return None
    if customer_days is not None and customer_days <= settings.customer_days:
        return None
    starts = [
        d
        for d in (
            _gap_start(last_ae_touch, settings.ae_days),
            _gap_start(last_customer_contact, settings.customer_days),
        )
        if d is not None
    ]
    episode = max(starts).isoformat() if starts else "never"
    ae = "no AE touch on record" if ae_days is None else f"no AE touch for {ae_days} days"
    customer = (
        "no customer-initiated contact on record"
        if customer_days is None
        else f"no customer-initiated contact for {customer_days} days"
    )
    short = [
        "AE never" if ae_days is None else f"AE {ae_days} days",
        "customer never" if customer_days is None else f"customer {customer_days} days",
    ]
    return Flag(
        key=flag_key("ENGAGEMENT_GAP", account_id, episode),
        account_id=account_id,
        title=title(f"Engagement Gap: {', '.join(short)}"),
        detail=(
            f"{ae[0].upper()}{ae[1:]} (last: {last_ae_touch or 'none'}) and {customer} "
            f"(last: {last_customer_contact or 'none'}). The rule: no AE touch in "
            f"{settings.ae_days} days and no customer-initiated contact in "
            f"{settings.customer_days} days."
        ),
    )


def sponsor_contact_gaps(
    stakeholders: list[Stakeholder], today: dt.date, settings: SponsorGapSettings
) -> list[Flag]:
    """SPEC §4: "Sponsor contact gap: current Executive Sponsor (or Champion) not contacted in
    45 days → Sponsor Contact Gap."

    One flag per stakeholder; key: the stakeholder and the day the gap began.
    """
    flags = []
    for person in stakeholders:
        if not person.current or person.role not in settings.roles:
            continue
        days = _days(person.last_contact, today)
        if days is not None and days <= settings.days:
            continue
        start = _gap_start(person.last_contact, settings.days)
        since = "never contacted" if days is None else f"{days} days"
        who = person.name or person.id
        flags.append(
            Flag(
                key=flag_key(
                    "SPONSOR_CONTACT_GAP",
                    person.account_id,
                    person.id,
                    start.isoformat() if start else "never",
                ),
                account_id=person.account_id,
                title=title(f"Sponsor Contact Gap: {who} ({person.role}), {since}"),
                detail=(
                    f"{who}, the current {person.role}, was last contacted "
                    f"{'never' if person.last_contact is None else f'on {person.last_contact}'}"
                    f" (the rule: contact within {settings.days} days)."
                ),
            )
        )
    return flags


def champion_changes(
    stakeholders: list[Stakeholder], today: dt.date, settings: ChampionChangeSettings
) -> list[Flag]:
    """SPEC §4: "Champion change: a Champion was replaced (a non-current Champion with
    `Replaced_On__c`) → Champion Change; a second change raises it again."

    One flag per replaced champion (key: the stakeholder and its Replaced_On__c), for changes
    at most `within_days` old, so that years-old history does not flood a new Tier 1 account.
    """
    current = [p.name or p.id for p in stakeholders if p.current and p.role == "Champion"]
    flags = []
    for person in stakeholders:
        if person.current or person.role != "Champion" or person.replaced_on is None:
            continue
        age = (today - person.replaced_on).days
        if age > settings.within_days:
            continue
        who = person.name or person.id
        now = f"Current champion: {', '.join(current)}." if current else "No current champion."
        flags.append(
            Flag(
                key=flag_key(
                    "CHAMPION_CHANGE", person.account_id, person.id, person.replaced_on.isoformat()
                ),
                account_id=person.account_id,
                title=title(f"Champion Change: {who} replaced on {person.replaced_on}"),
                detail=f"{who} stopped being the champion on {person.replaced_on}. {now}",
            )
        )
    return flags


def bottom_cut(scores: list[int], bottom_pct: float) -> int | None:
    """The health score at the top of the bottom share; scores at or below it are in it.

    The bottom share of n scores is floor(n * pct / 100) scores, at least one (ties included).
    """
    ranked = sorted(scores)
    if not ranked:
        return None
    size = max(1, math.floor(len(ranked) * bottom_pct / 100 + 1e-9))
    return ranked[size - 1]


def renewal_risk(
    account_id: str,
    renewal_date: dt.date | None,
    health_score: int | None,
    health_cut: int | None,
    today: dt.date,
    settings: RenewalRiskSettings,
) -> Flag | None:
    """SPEC §4: "Renewal risk: renewal within 60 days and health in the bottom decile →
    Renewal Risk, and a risk-override request if the account is not Tier 1."

    `health_cut`: `bottom_cut` over every account with a health score. Key: the renewal date.
    """
    if renewal_date is None or health_score is None or health_cut is None:
        return None
    days = (renewal_date - today).days
    if not 0 <= days <= settings.within_days or health_score > health_cut:
        return None
    return Flag(
        key=flag_key("RENEWAL_RISK", account_id, renewal_date.isoformat()),
        account_id=account_id,
        title=title(f"Renewal Risk: renews {renewal_date}, health {health_score}"),
        detail=(
            f"Renews in {days} days ({renewal_date}) with health {health_score}, in the bottom "
            f"{settings.bottom_pct:g}% of accounts (at or below {health_cut})."
        ),
    )


def wants_override(tier1: bool, risk: Flag | None, override_status: str | None) -> bool:
    """Propose a risk override (status Requested) for a renewal risk outside Tier 1.

    Never over a decision: only when no override is pending, approved or rejected.
    """
    return risk is not None and not tier1 and override_status in {None, "", "Expired"}


def stale_reviews(
    account_id: str,
    reviews: Mapping[str, dt.date | None],
    today: dt.date,
    settings: StaleReviewSettings,
) -> list[Flag]:
    """SPEC §4: "Stale review: `AE_Review_Done_On__c` or `CSM_Review_Done_On__c` older than
    7 days on a Tier 1 account → Stale Review."

    `reviews`: team ("AE", "CSM") -> its last review date. One flag per team; key: the team
    and the review date it went stale after ("never" without one).
    """
    flags = []
    for team, done in reviews.items():
        days = _days(done, today)
        if days is not None and days <= settings.days:
            continue
        state = f"no {team} review yet" if done is None else f"{team} review {days} days old"
        flags.append(
            Flag(
                key=flag_key(
                    "STALE_REVIEW", account_id, team, done.isoformat() if done else "never"
                ),
                account_id=account_id,
                title=title(f"Stale Review: {state}"),
                detail=(
                    f"The {team}'s last weekly review was "
                    f"{'never recorded' if done is None else f'on {done}'}; Tier 1 accounts "
                    f"are reviewed at least every {settings.days} days."
                ),
            )
        )
    return flags


def overdue_commitments(
    items: list[OpenItem], today: dt.date, settings: OverdueCommitmentSettings
) -> list[Flag]:
    """SPEC §4: "Overdue commitment: open AE Commitment past its due date, or open more than
    42 days → Overdue Commitment."

    One flag per item; key: the item and the day it became overdue.
    """
    flags = []
    for item in items:
        if item.item_type != "AE Commitment" or item.status != "Open":
            continue
        reasons, starts = [], []
        if item.due_on is not None and item.due_on < today:
            reasons.append(f"due on {item.due_on}")
            starts.append(item.due_on + dt.timedelta(days=1))
        age = _days(item.opened_on, today)
        if item.opened_on is not None and age is not None and age > settings.max_open_days:
            reasons.append(f"open for {age} days")
            starts.append(item.opened_on + dt.timedelta(days=settings.max_open_days + 1))
        if not reasons:
            continue
        flags.append(
            Flag(
                key=flag_key("OVERDUE_COMMITMENT", item.account_id, item.id, min(starts)),
                account_id=item.account_id,
                title=title(f"Overdue Commitment: {item.name or item.id}"),
                detail=(
                    f"The AE commitment '{item.name or item.id}' is still open: "
                    f"{' and '.join(reasons)} (the rule: past its due date, or open more "
                    f"than {settings.max_open_days} days)."
                ),
            )
        )
    return flags
