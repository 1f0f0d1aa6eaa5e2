"""Match CS platform accounts to Salesforce Accounts: never guessed by name.

First the Salesforce Account Id the platform holds (15 → 18 characters, checked to exist),
else `CS_Platform_Account_Id__c`. Accounts that match nothing, or whose two keys point at
different Accounts, or that share one Account with another CS account, are reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, Field
from simple_salesforce.format import format_soql

from tier1_sync.salesforce.client import OrgClient

IN_CHUNK = 300  # ids per IN (...) list: keeps each SOQL far below the 100,000-character limit


class Unmatched(BaseModel):
    account_key: str
    salesforce_account_id: str | None = None
    reason: str


class MatchResult(BaseModel):
    account_ids: dict[str, str] = Field(default_factory=dict)  # account_key -> Account Id
    linked_by: dict[str, str] = Field(default_factory=dict)  # account_key -> "id" | "key"
    current_keys: dict[str, str | None] = Field(default_factory=dict)  # Account Id -> CS key
    unmatched: list[Unmatched] = Field(default_factory=list)
    ambiguous: list[Unmatched] = Field(default_factory=list)


def chunks(items: list[str], size: int = IN_CHUNK) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _lookup(client: OrgClient, field: str, values: list[str]) -> dict[str, dict[str, Any]]:
    """Accounts whose `field` is in `values`, by that field's value (case as stored)."""
    found: dict[str, dict[str, Any]] = {}
    for chunk in chunks(sorted(set(values))):
        soql = format_soql(
            "SELECT Id, CS_Platform_Account_Id__c FROM Account WHERE {:literal} IN {}",
            field,
            chunk,
        )
        for record in client.query(soql):
            value = record[field]
            found[str(value).lower() if field != "Id" else str(value)] = record
    return found


def match_accounts(client: OrgClient, platform_ids: dict[str, str | None]) -> MatchResult:
    """`platform_ids`: CS account key -> the Salesforce Account Id the platform holds (or None)."""
    result = MatchResult()
    by_id = _lookup(client, "Id", [i for i in platform_ids.values() if i])
    by_key = _lookup(client, "CS_Platform_Account_Id__c", list(platform_ids))
    claimed: dict[str, list[str]] = {}
    for key, salesforce_id in sorted(platform_ids.items()):
        via_id = by_id.get(salesforce_id) if salesforce_id else None
        via_key = by_key.get(key.lower())
        if via_id and via_key and via_id["Id"] != via_key["Id"]:
            result.ambiguous.append(
                Unmatched(
                    account_key=key,
                    salesforce_account_id=salesforce_id,
                    reason=f"the platform's Salesforce id is {via_id['Id']}, but Account "
                    f"{via_key['Id']} has CS_Platform_Account_Id__c = {key}",
                )
            )
            continue
        record = via_id or via_key
        if record is None:
            detail = f"Salesforce id {salesforce_id} not found; " if salesforce_id else ""
            result.unmatched.append(
                Unmatched(
                    account_key=key,
                    salesforce_account_id=salesforce_id,
                    reason=f"{detail}no Account has CS_Platform_Account_Id__c = {key}",
                )
            )
            continue
        existing_key = record.get("CS_Platform_Account_Id__c")
        if via_id and existing_key and str(existing_key).lower() != key.lower():
            result.ambiguous.append(
                Unmatched(
                    account_key=key,
                    salesforce_account_id=salesforce_id,
                    reason=f"Account {record['Id']} is linked to CS account {existing_key}",
                )
            )
            continue
        result.account_ids[key] = str(record["Id"])
        result.linked_by[key] = "id" if via_id else "key"
        result.current_keys[str(record["Id"])] = existing_key
        claimed.setdefault(str(record["Id"]), []).append(key)
    for account_id, keys in claimed.items():
        if len(keys) > 1:
            for key in keys:
                del result.account_ids[key]
                result.ambiguous.append(
                    Unmatched(
                        account_key=key,
                        salesforce_account_id=platform_ids.get(key),
                        reason=f"CS accounts {', '.join(keys)} all point at Account {account_id}",
                    )
                )
    return result
