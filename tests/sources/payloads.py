"""CS platform payloads shaped like the documented APIs (reference §3.5 and §5.6), made up."""

from __future__ import annotations

from typing import Any

from tier1_sync.salesforce.ids import checksum_suffix

TOKEN = "sk_live_T0pSecretValue42"  # a made-up token the tests look for everywhere


def account_id(n: int) -> str:
    """A valid 18-character Account id."""
    id15 = f"0015g00000Ab{n:03d}"
    return id15 + checksum_suffix(id15)


def vitally_account(n: int, **changes: Any) -> dict[str, Any]:
    account: dict[str, Any] = {
        "id": f"7f3c1e2a-9b4d-4c8e-a1f0-{n:012d}",
        "externalId": account_id(n),
        "name": f"Northwind Traders {n}",
        "organizationId": None,
        "createdAt": "2023-01-10T09:00:00.000Z",
        "updatedAt": "2026-11-30T14:11:08.512Z",
        "healthScore": 7.4,
        "mrr": 10000,
        "usersCount": 84,
        "firstSeenTimestamp": "2023-01-12T08:30:00.000Z",
        "lastSeenTimestamp": "2026-11-30T13:55:41.000Z",
        "lastInboundMessageTimestamp": "2026-11-28T16:02:11.000Z",
        "lastOutboundMessageTimestamp": "2026-11-29T10:45:00.000Z",
        "nextRenewalDate": "2027-03-31T00:00:00.000Z",
        "churnedAt": None,
        "npsScore": 40,
        "csmId": "a1b2c3d4-0000-4000-8000-000000000001",
        "segments": [{"id": "seg_1", "name": "Enterprise"}],
        "traits": {"seats_purchased": 100, "active_users_30d": 61, "vitally.custom.tier": "Tier 1"},
    }
    account.update(changes)
    return account


def vitally_page(accounts: list[dict[str, Any]], next_cursor: str | None) -> dict[str, Any]:
    return {"results": accounts, "next": next_cursor}


def planhat_company(n: int, **changes: Any) -> dict[str, Any]:
    company: dict[str, Any] = {
        "_id": f"65a1f0c2e4b0a1b2c3d4{n:04d}",
        "name": f"Northwind Traders {n}",
        "externalId": f"cust-{10000 + n}",
        "sourceId": account_id(n),
        "status": "customer",
        "phase": "Adoption",
        "owner": "5f9e8d7c6b5a493827161514",
        "h": 7,
        "hProfile": "60aa11bb22cc33dd44ee55ff",
        "hDiff": 1,
        "hDiffDate": "2026-11-28T00:00:00.000Z",
        "csmScore": 4,
        "mrr": 10000,
        "arr": 120000,
        "renewalDaysFromNow": 302,
        "customerFrom": "2023-01-10T00:00:00.000Z",
        "lastActive": "2026-11-30T13:55:41.000Z",
        "lastTouch": "2026-11-27T10:45:00.000Z",
        "lastTouchType": "email",
        "nextTouchDate": "2026-12-09T00:00:00.000Z",
        "domains": ",northwind.example,",
        "usage": {"activeusers30d": 61, "logins7d": 212},
        "custom": {"Seats Purchased": 100},
        "createdAt": "2023-01-10T09:00:00.000Z",
        "updatedAt": "2026-11-30T14:11:08.512Z",
    }
    company.update(changes)
    return company
