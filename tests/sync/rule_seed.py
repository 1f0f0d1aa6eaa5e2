"""A small portfolio for the rule tests: the spec's stories, seeded through the REST API.

Today is 2026-12-01. With `top_arr_pct = 10` over 20 accounts with ARR, Tier 1 is Acme and
Globex (ARR), Initech (strategic) and Stark (a risk override that lapses today); Hooli's
override lapsed yesterday, so it leaves Tier 1; Umbrella renews in 30 days with the worst
health of all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from simple_salesforce.api import Salesforce

from tests.localorg.helpers import collection, create, query
from tier1_sync.sources.base import HealthRecord, SourceData, UsageRecord

TODAY = dt.date(2026, 12, 1)
NOW = dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.UTC)


def ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


def ahead(days: int) -> str:
    return (TODAY + dt.timedelta(days=days)).isoformat()


@dataclass
class Portfolio:
    users: dict[str, str] = field(default_factory=dict)  # "ae", "csm", "lead" -> User Id
    accounts: dict[str, str] = field(default_factory=dict)  # name -> Account Id
    contacts: dict[str, str] = field(default_factory=dict)  # label -> Contact Id
    stakeholders: dict[str, str] = field(default_factory=dict)  # label -> Stakeholder__c Id


def _user(sf: Salesforce, alias: str, last_name: str) -> str:
    profile = query(sf, "SELECT Id FROM Profile WHERE Name = 'Standard User'")["records"][0]["Id"]
    return create(
        sf,
        "User",
        {
            "Username": f"{alias}@tier1.local",
            "LastName": last_name,
            "Email": f"{alias}@tier1.local",
            "Alias": alias,
            "TimeZoneSidKey": "GMT",
            "LocaleSidKey": "en_US",
            "EmailEncodingKey": "UTF-8",
            "LanguageLocaleKey": "en_US",
            "ProfileId": profile,
        },
    )


def _accounts(sf: Salesforce, p: Portfolio) -> None:
    ae, csm, lead = p.users["ae"], p.users["csm"], p.users["lead"]
    owners = {"AE_Owner__c": ae, "CSM_Owner__c": csm}
    fresh = {"AE_Review_Done_On__c": ago(2), "CSM_Review_Done_On__c": ago(3)}
    rows: dict[str, dict[str, Any]] = {
        "Acme": {
            "ARR__c": 1_000_000,
            "Committed_Modules__c": "Core;Analytics",
            **owners,
            **fresh,
        },
        "Globex": {"ARR__c": 800_000, **owners, **fresh},
        "Initech": {
            "ARR__c": 100_000,
            "Strategic_Designation__c": "Reference Program",
            "AE_Review_Done_On__c": ago(8),
            "CSM_Review_Done_On__c": ago(7),
            **owners,
        },
        "Umbrella": {"ARR__c": 50_000, "Renewal_Date__c": ahead(30)},
        "Hooli": {
            "ARR__c": 90_000,
            "Tier1__c": True,
            "Tier1_Criteria__c": "Risk Override",
            "Tier1_Since__c": "2026-06-01",
            "Risk_Override_Status__c": "Approved",
            "Risk_Override_Approved_By__c": lead,
            "Risk_Override_Expires_On__c": ago(1),
        },
        "Stark": {
            "ARR__c": 60_000,
            "Risk_Override_Status__c": "Approved",
            "Risk_Override_Approved_By__c": lead,
            "Risk_Override_Expires_On__c": TODAY.isoformat(),
            **owners,
            **fresh,
        },
    }
    for n in range(14):
        rows[f"Filler {n:02d}"] = {"ARR__c": 10_000 + 10_000 * n}
    records = [
        {"attributes": {"type": "Account"}, "Name": name, "CS_Platform_Account_Id__c": f"CS-{name}"}
        | values
        for name, values in rows.items()
    ]
    answers = collection(sf, "POST", {"records": records})
    assert all(a["success"] for a in answers), answers
    p.accounts = {name: str(a["id"]) for name, a in zip(rows, answers, strict=True)}


def _people(sf: Salesforce, p: Portfolio) -> None:
    for label, account, role, last_contact in (
        ("acme sponsor", "Acme", "Executive Sponsor", ago(50)),
        ("acme champion", "Acme", "Champion", ago(5)),
        ("globex sponsor", "Globex", "Executive Sponsor", ago(60)),
        ("globex champion", "Globex", "Champion", ago(4)),
    ):
        contact = create(
            sf, "Contact", {"LastName": label.title(), "AccountId": p.accounts[account]}
        )
        p.contacts[label] = contact
        p.stakeholders[label] = create(
            sf,
            "Stakeholder__c",
            {
                "Account__c": p.accounts[account],
                "Contact__c": contact,
                "Role__c": role,
                "Is_Current__c": True,
                "Last_Contact_On__c": last_contact,
            },
        )
    for name, opened, due in (
        ("Send the SSO plan", ago(20), ago(1)),
        ("Pricing", ago(42), ahead(9)),
    ):
        create(
            sf,
            "Open_Item__c",
            {
                "Name": name,
                "Account__c": p.accounts["Initech"],
                "Item_Type__c": "AE Commitment",
                "Owner_Team__c": "AE",
                "Status__c": "Open",
                "Opened_On__c": opened,
                "Due_On__c": due,
            },
        )


def _activities(sf: Salesforce, p: Portfolio) -> None:
    ae, csm = p.users["ae"], p.users["csm"]
    acme, globex, stark = p.accounts["Acme"], p.accounts["Globex"], p.accounts["Stark"]
    tasks = [
        (acme, ae, ago(10), "Completed", "Call", None),
        (globex, ae, ago(5), "Completed", "Call", None),
        (globex, ae, ago(20), "Completed", "Email", None),
        (globex, csm, ago(2), "Not Started", "Call", None),  # not done: not a touch
        (globex, ae, ahead(7), "Not Started", "Call", None),
        (globex, csm, ago(4), "Completed", "Inbound Call", None),
        (globex, ae, ago(10), "Completed", "Call", p.contacts["globex sponsor"]),
        (stark, csm, ago(3), "Completed", "Inbound Email", None),
    ]
    for what, owner, date, status, kind, who in tasks:
        fields = {
            "WhatId": what,
            "OwnerId": owner,
            "Subject": kind,
            "ActivityDate": date,
            "Status": status,
            "Type": kind,
        }
        create(sf, "Task", fields | ({"WhoId": who} if who else {}))
    for owner, when in ((csm, ago(3)), (ae, ahead(3))):
        create(
            sf,
            "Event",
            {
                "WhatId": globex,
                "OwnerId": owner,
                "Subject": "Meeting",
                "ActivityDateTime": f"{when}T10:00:00.000Z",
                "DurationInMinutes": 30,
                "Type": "Meeting",
            },
        )


def seed(sf: Salesforce) -> Portfolio:
    p = Portfolio()
    p.users = {
        "ae": _user(sf, "ae", "Account Exec"),
        "csm": _user(sf, "csm", "Success Manager"),
        "lead": _user(sf, "lead", "CS Lead"),
    }
    _accounts(sf, p)
    _people(sf, p)
    _activities(sf, p)
    return p


def export() -> SourceData:
    """The CS platform's side: two health snapshots 14 days apart, and Acme's usage."""
    scores = {
        "Acme": (82, 61),
        "Globex": (80, 78),
        "Initech": (72, 70),
        "Umbrella": (25, 20),
        "Hooli": (66, 65),
        "Stark": (76, 75),
    }
    health = []
    for name, (before, now) in scores.items():
        health.append(
            HealthRecord(
                account_key=f"CS-{name}", as_of=TODAY - dt.timedelta(14), health_score=before
            )
        )
        health.append(HealthRecord(account_key=f"CS-{name}", as_of=TODAY, health_score=now))
    latest = {r.account_key: r for r in health if r.as_of == TODAY}
    latest["CS-Globex"].last_csm_touch = TODAY - dt.timedelta(7)
    latest["CS-Globex"].last_customer_contact = TODAY - dt.timedelta(6)
    latest["CS-Globex"].next_csm_touch = TODAY + dt.timedelta(10)
    latest["CS-Initech"].last_customer_contact = TODAY - dt.timedelta(20)
    usage = [
        UsageRecord(
            account_key="CS-Acme", as_of=day, module=module, licensed_seats=s, active_users=u
        )
        for day, module, s, u in (
            (TODAY - dt.timedelta(14), "Analytics", 200, 120),
            (TODAY, "Analytics", 215, 150),
            (TODAY - dt.timedelta(14), "Core", 500, 300),
            (TODAY, "Core", 500, 300),
            (TODAY, "Workflow Automation", 0, 12),
        )
    ]
    return SourceData(source="File", health=health, usage=usage, rows_read=len(health) + len(usage))
