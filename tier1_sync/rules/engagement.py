"""The engagement timeline (panel 4) of one account, from its activities and the CS platform."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class ActivityDates(BaseModel):
    """One account's Salesforce Tasks and Events, already aggregated by the reader."""

    last_by_owner: dict[str, dt.date] = Field(default_factory=dict)  # done, up to today
    next_by_owner: dict[str, dt.date] = Field(default_factory=dict)  # open, today or later
    last_customer: dt.date | None = None  # latest customer-initiated activity (any owner)


class EngagementInput(BaseModel):
    ae_owner: str | None = None  # AE_Owner__c
    csm_owner: str | None = None  # CSM_Owner__c
    activities: ActivityDates = Field(default_factory=ActivityDates)
    platform_last_csm: dt.date | None = None  # the CS platform's last_csm_touch
    platform_last_customer: dt.date | None = None  # the CS platform's last_customer_contact
    platform_next_csm: dt.date | None = None  # the CS platform's next_csm_touch
    current_next_ae: dt.date | None = None  # Next_AE_Touch__c as it stands (co-owned)
    current_next_csm: dt.date | None = None  # Next_CSM_Touch__c as it stands (co-owned)


class Timeline(BaseModel):
    last_ae_touch: dt.date | None = None
    last_csm_touch: dt.date | None = None
    last_customer_contact: dt.date | None = None
    next_ae_touch: dt.date | None = None  # None: leave the field as people set it
    next_csm_touch: dt.date | None = None  # None: leave the field as people set it


def _latest(*dates: dt.date | None) -> dt.date | None:
    known = [d for d in dates if d is not None]
    return max(known) if known else None


def _next(planned: list[dt.date | None], current: dt.date | None, today: dt.date) -> dt.date | None:
    """The earliest planned touch from today on; a person's future date counts too."""
    upcoming = [d for d in planned if d is not None and d >= today]
    if not upcoming:
        return None
    if current is not None and current >= today:
        upcoming.append(current)
    return min(upcoming)


def timeline(data: EngagementInput, today: dt.date) -> Timeline:
    """SPEC §2 panel 4: "last AE touch, last CSM touch, last customer-initiated contact, next
    AE / CSM touch" — "automatic from Salesforce activities and the CS platform; next touches
    co-owned".

    Last AE touch: activities owned by the account's AE. Last CSM touch: owned by the CSM, or
    the CS platform's date, whichever is later. Last customer contact: customer-initiated
    activity types, or the CS platform's date, whichever is later. Next touches: the earliest
    open activity from today on (for the CSM, or the CS platform's next touch); a date a
    person entered stays when it is earlier and still ahead, and nothing is blanked.
    """
    owned = data.activities
    last_ae = owned.last_by_owner.get(data.ae_owner) if data.ae_owner else None
    last_csm = owned.last_by_owner.get(data.csm_owner) if data.csm_owner else None
    next_ae = owned.next_by_owner.get(data.ae_owner) if data.ae_owner else None
    next_csm = owned.next_by_owner.get(data.csm_owner) if data.csm_owner else None
    return Timeline(
        last_ae_touch=last_ae,
        last_csm_touch=_latest(last_csm, data.platform_last_csm),
        last_customer_contact=_latest(owned.last_customer, data.platform_last_customer),
        next_ae_touch=_next([next_ae], data.current_next_ae, today),
        next_csm_touch=_next([next_csm, data.platform_next_csm], data.current_next_csm, today),
    )
