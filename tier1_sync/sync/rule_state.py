"""Read what the rules need: every Account for tiering, then, for the accounts in scope, their
activities (aggregate SOQL: one row per account and owner, not one query per account), champion
map, open AE commitments and the automated flags and signals already raised.

Activity dates: a Task counts once it is closed and its ActivityDate is today or earlier (an
open Task from today on is a planned touch); an Event counts by its ActivityDateTime (past:
a touch, future: a planned one). Activities are linked to the account through WhatId.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, Field
from simple_salesforce.format import format_soql

from tier1_sync.rules.engagement import ActivityDates
from tier1_sync.rules.flag_rules import OpenItem, Stakeholder
from tier1_sync.salesforce.client import OrgClient
from tier1_sync.sync.match import chunks

# What Tier 1 designation reads of every Account.
TIER_FIELDS = (
    "Id",
    "Name",
    "ARR__c",
    "Strategic_Designation__c",
    "Risk_Override_Status__c",
    "Risk_Override_Expires_On__c",
    "Tier1__c",
    "Tier1_Criteria__c",
    "Tier1_Since__c",
)
RULE_ACCOUNT_FIELDS = (
    *TIER_FIELDS,
    "Renewal_Date__c",
    "AE_Owner__c",
    "CSM_Owner__c",
    "AE_Review_Done_On__c",
    "CSM_Review_Done_On__c",
    "Committed_Modules__c",
    "Health_Score__c",
    "Last_AE_Touch__c",
    "Last_CSM_Touch__c",
    "Last_Customer_Contact__c",
    "Next_AE_Touch__c",
    "Next_CSM_Touch__c",
    "Tier1_Last_Synced__c",
)
FLAG_FIELDS = "Id, Name, Account__c, Flag_Key__c, Category__c, Condition_Cleared_On__c"
# Accounts per aggregate query: grouped by account and owner (AE and CSM only), the rows stay
# far below the 2,000 an aggregate query may return without paging.
AGGREGATE_CHUNK = 200


class RuleState(BaseModel):
    activities: dict[str, ActivityDates] = Field(default_factory=dict)  # by Account Id
    stakeholders: dict[str, list[Stakeholder]] = Field(default_factory=dict)
    open_items: dict[str, list[OpenItem]] = Field(default_factory=dict)
    flags: dict[str, dict[str, Any]] = Field(default_factory=dict)  # by Flag_Key__c, lower
    signals: dict[str, dict[str, Any]] = Field(default_factory=dict)  # by Signal_Key__c, lower


def as_date(value: Any) -> dt.date | None:
    """A Date or DateTime field (Salesforce sends DateTimes in UTC) as a date."""
    return None if not value else dt.date.fromisoformat(str(value)[:10])


def read_accounts(client: OrgClient) -> dict[str, dict[str, Any]]:
    """Every Account, with the fields Tier 1 designation reads and writes (paged)."""
    soql = format_soql("SELECT {:literal} FROM Account", ", ".join(TIER_FIELDS))
    return {str(r["Id"]): r for r in client.query(soql)}


def read_rule_state(
    client: OrgClient,
    accounts: dict[str, dict[str, Any]],
    now: dt.datetime,
    customer_types: list[str],
    stakeholder_roles: Iterable[str],
) -> RuleState:
    """What the rules need for `accounts` (the Tier 1 accounts of one chunk)."""
    state = RuleState()
    ids = sorted(accounts)
    roles = sorted({*stakeholder_roles, "Champion"})
    for chunk in chunks(ids, AGGREGATE_CHUNK):
        owners = sorted(
            {
                str(accounts[i][f])
                for i in chunk
                for f in ("AE_Owner__c", "CSM_Owner__c")
                if accounts[i].get(f)
            }
        )
        _read_activities(client, chunk, owners, now, customer_types, state)
        _read_people_and_items(client, chunk, roles, state)
        for record in client.query(
            format_soql(
                "SELECT {:literal} FROM Risk_Flag__c WHERE Account__c IN {} "
                "AND Flag_Key__c != null",
                FLAG_FIELDS,
                chunk,
            )
        ):
            state.flags[str(record["Flag_Key__c"]).lower()] = record
        for record in client.query(
            format_soql(
                "SELECT Id, Account__c, Signal_Key__c, Detected_On__c FROM Expansion_Signal__c "
                "WHERE Account__c IN {} AND Signal_Key__c != null",
                chunk,
            )
        ):
            state.signals[str(record["Signal_Key__c"]).lower()] = record
    _read_contact_touches(client, now, state)
    return state


def read_renewal_flags(client: OrgClient) -> dict[str, list[dict[str, Any]]]:
    """Every automated renewal-risk flag, by Account Id (the rule runs for every account)."""
    soql = format_soql(
        "SELECT {:literal} FROM Risk_Flag__c WHERE Category__c = 'Renewal Risk' "
        "AND Flag_Key__c != null",
        FLAG_FIELDS,
    )
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in client.query(soql):
        found[str(record["Account__c"])].append(record)
    return dict(found)


def _read_activities(
    client: OrgClient,
    chunk: list[str],
    owners: list[str],
    now: dt.datetime,
    customer_types: list[str],
    state: RuleState,
) -> None:
    today = now.date()
    last: dict[str, dict[str, dt.date]] = defaultdict(dict)
    upcoming: dict[str, dict[str, dt.date]] = defaultdict(dict)
    customer: dict[str, dt.date] = {}
    queries: list[tuple[str, dict[str, dict[str, dt.date]], bool]] = []
    if owners:
        queries = [
            (
                format_soql(
                    "SELECT WhatId, OwnerId, MAX(ActivityDate) latest FROM Task "
                    "WHERE WhatId IN {} AND OwnerId IN {} AND IsClosed = true "
                    "AND ActivityDate <= {} GROUP BY WhatId, OwnerId",
                    chunk,
                    owners,
                    today,
                ),
                last,
                True,
            ),
            (
                format_soql(
                    "SELECT WhatId, OwnerId, MAX(ActivityDateTime) latest FROM Event "
                    "WHERE WhatId IN {} AND OwnerId IN {} AND ActivityDateTime <= {} "
                    "GROUP BY WhatId, OwnerId",
                    chunk,
                    owners,
                    now,
                ),
                last,
                True,
            ),
            (
                format_soql(
                    "SELECT WhatId, OwnerId, MIN(ActivityDate) earliest FROM Task "
                    "WHERE WhatId IN {} AND OwnerId IN {} AND IsClosed = false "
                    "AND ActivityDate >= {} GROUP BY WhatId, OwnerId",
                    chunk,
                    owners,
                    today,
                ),
                upcoming,
                False,
            ),
            (
                format_soql(
                    "SELECT WhatId, OwnerId, MIN(ActivityDateTime) earliest FROM Event "
                    "WHERE WhatId IN {} AND OwnerId IN {} AND ActivityDateTime > {} "
                    "GROUP BY WhatId, OwnerId",
                    chunk,
                    owners,
                    now,
                ),
                upcoming,
                False,
            ),
        ]
    for soql, target, latest in queries:
        for row in client.query(soql):
            found = as_date(row.get("latest" if latest else "earliest"))
            if found is None:
                continue
            dates = target[str(row["WhatId"])]
            owner = str(row["OwnerId"])
            known = dates.get(owner)
            dates[owner] = found if known is None else (max if latest else min)(known, found)
    for soql in (
        format_soql(
            "SELECT WhatId, MAX(ActivityDate) latest FROM Task WHERE WhatId IN {} "
            "AND Type IN {} AND ActivityDate <= {} GROUP BY WhatId",
            chunk,
            customer_types,
            today,
        ),
        format_soql(
            "SELECT WhatId, MAX(ActivityDateTime) latest FROM Event WHERE WhatId IN {} "
            "AND Type IN {} AND ActivityDateTime <= {} GROUP BY WhatId",
            chunk,
            customer_types,
            now,
        ),
    ):
        for row in client.query(soql):
            found = as_date(row.get("latest"))
            if found is not None:
                account = str(row["WhatId"])
                customer[account] = max(customer.get(account, found), found)
    for account in chunk:
        state.activities[account] = ActivityDates(
            last_by_owner=last.get(account, {}),
            next_by_owner=upcoming.get(account, {}),
            last_customer=customer.get(account),
        )


def _read_people_and_items(
    client: OrgClient, chunk: list[str], roles: list[str], state: RuleState
) -> None:
    people = format_soql(
        "SELECT Id, Account__c, Contact__c, Contact__r.Name, Role__c, Is_Current__c, "
        "Last_Contact_On__c, Replaced_On__c FROM Stakeholder__c "
        "WHERE Account__c IN {} AND Role__c IN {}",
        chunk,
        roles,
    )
    for record in client.query(people):
        contact = record.get("Contact__r") or {}
        state.stakeholders.setdefault(str(record["Account__c"]), []).append(
            Stakeholder(
                id=str(record["Id"]),
                account_id=str(record["Account__c"]),
                name=str(contact.get("Name") or ""),
                role=str(record["Role__c"]),
                current=bool(record.get("Is_Current__c")),
                last_contact=as_date(record.get("Last_Contact_On__c")),
                replaced_on=as_date(record.get("Replaced_On__c")),
                contact_id=record.get("Contact__c"),
            )
        )
    items = format_soql(
        "SELECT Id, Name, Account__c, Item_Type__c, Status__c, Opened_On__c, Due_On__c "
        "FROM Open_Item__c WHERE Account__c IN {} AND Item_Type__c = 'AE Commitment' "
        "AND Status__c = 'Open'",
        chunk,
    )
    for record in client.query(items):
        state.open_items.setdefault(str(record["Account__c"]), []).append(
            OpenItem(
                id=str(record["Id"]),
                account_id=str(record["Account__c"]),
                name=str(record.get("Name") or ""),
                item_type=str(record["Item_Type__c"]),
                status=str(record["Status__c"]),
                opened_on=as_date(record.get("Opened_On__c")),
                due_on=as_date(record.get("Due_On__c")),
            )
        )


def _read_contact_touches(client: OrgClient, now: dt.datetime, state: RuleState) -> None:
    """A stakeholder's last contact: Last_Contact_On__c or their latest logged activity."""
    people = [p for group in state.stakeholders.values() for p in group if p.contact_id]
    contacts = sorted({str(p.contact_id) for p in people})
    latest: dict[str, dt.date] = {}
    for chunk in chunks(contacts):
        for soql in (
            format_soql(
                "SELECT WhoId, MAX(ActivityDate) latest FROM Task WHERE WhoId IN {} "
                "AND IsClosed = true AND ActivityDate <= {} GROUP BY WhoId",
                chunk,
                now.date(),
            ),
            format_soql(
                "SELECT WhoId, MAX(ActivityDateTime) latest FROM Event WHERE WhoId IN {} "
                "AND ActivityDateTime <= {} GROUP BY WhoId",
                chunk,
                now,
            ),
        ):
            for row in client.query(soql):
                found = as_date(row.get("latest"))
                if found is not None:
                    who = str(row["WhoId"])
                    latest[who] = max(latest.get(who, found), found)
    for person in people:
        touched = latest.get(str(person.contact_id))
        if touched is not None and (person.last_contact is None or touched > person.last_contact):
            person.last_contact = touched
