"""Read what the org holds for a chunk of accounts: paged SOQL, one query per 300 ids."""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterable
from typing import Any

from pydantic import BaseModel, Field
from simple_salesforce.format import format_soql

from tier1_sync.salesforce.client import OrgClient
from tier1_sync.sync.match import chunks

# The Account fields the sync reads (and, of these, writes only the Integration-owned ones).
# Panel 2 (health): what the health step writes and --verify-only compares.
PANEL_2_FIELDS = (
    "Health_Score__c",
    "Health_Band__c",
    "Health_Score_As_Of__c",
    "Health_Change_14d__c",
    "Health_Drivers__c",
    "Health_Source__c",
)
ACCOUNT_FIELDS = (
    "Id",
    "Name",
    "CS_Platform_Account_Id__c",
    *PANEL_2_FIELDS,
    "Last_CSM_Touch__c",
    "Last_Customer_Contact__c",
    "Next_CSM_Touch__c",
    "Tier1_Last_Synced__c",
)
HEALTH_SNAPSHOT_FIELDS = (
    "Id",
    "Snapshot_Key__c",
    "Account__c",
    "As_Of__c",
    "Score__c",
    "Band__c",
    "Usage_Score__c",
    "Engagement_Score__c",
    "Support_Score__c",
    "Sentiment_Score__c",
    "Source__c",
)
USAGE_SNAPSHOT_FIELDS = (
    "Id",
    "Snapshot_Key__c",
    "Account__c",
    "As_Of__c",
    "Module__c",
    "Licensed_Seats__c",
    "Active_Users__c",
    "Source__c",
)
HISTORY_DAYS = 45  # snapshots this far before the oldest input date: 14-day and 30-day rules


class OrgState(BaseModel):
    accounts: dict[str, dict[str, Any]] = Field(default_factory=dict)  # by Account Id
    health_snapshots: dict[str, dict[str, Any]] = Field(default_factory=dict)  # by key (lower)
    usage_snapshots: dict[str, dict[str, Any]] = Field(default_factory=dict)  # by key (lower)


def _select(fields: tuple[str, ...]) -> str:
    return ", ".join(fields)


def read_state(
    client: OrgClient,
    account_ids: Iterable[str],
    since: dt.date | None,
    *,
    fields: tuple[str, ...] = ACCOUNT_FIELDS,
    history_for: Container[str] | None = None,
) -> OrgState:
    """The Accounts (with `fields`) and, for those in `history_for` (all if None), their
    health and usage snapshots from HISTORY_DAYS before `since` (none if `since` is None)."""
    state = OrgState()
    ids = sorted(set(account_ids))
    for chunk in chunks(ids):
        soql = format_soql("SELECT {:literal} FROM Account WHERE Id IN {}", _select(fields), chunk)
        for record in client.query(soql):
            state.accounts[str(record["Id"])] = record
    if since is None:
        return state
    with_history = [i for i in ids if history_for is None or i in history_for]
    for chunk in chunks(with_history):
        for sobject, snapshot_fields, target in (
            ("Health_Snapshot__c", HEALTH_SNAPSHOT_FIELDS, state.health_snapshots),
            ("Usage_Snapshot__c", USAGE_SNAPSHOT_FIELDS, state.usage_snapshots),
        ):
            soql = format_soql(
                "SELECT {:literal} FROM {:literal} WHERE Account__c IN {} AND As_Of__c >= {}",
                _select(snapshot_fields),
                sobject,
                chunk,
                since - dt.timedelta(days=HISTORY_DAYS),
            )
            for record in client.query(soql):
                target[str(record["Snapshot_Key__c"]).lower()] = record
    return state
