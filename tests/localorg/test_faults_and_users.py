"""Fault injection (503s, dropped connections, row locks, latency) and users with tokens."""

from __future__ import annotations

import time

import pytest
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest
from simple_salesforce.format import format_soql

from tests.localorg.helpers import collection, create, error_body, query, rest
from tier1_sync.localorg.server import RunningOrg, connect


def _admin(local_org: RunningOrg, path: str, body: dict[str, object]) -> requests.Response:
    return requests.post(
        f"{local_org.url}/__local/{path}",
        json=body,
        timeout=5,
        headers={"Authorization": f"Bearer {local_org.token}"},
        verify=str(local_org.cert),
    )


def test_dropped_connection_is_a_connection_error(local_org: RunningOrg, sf: Salesforce) -> None:
    local_org.org.faults.fail_next("/query", 1, kind="drop")
    with pytest.raises(requests.exceptions.RequestException):
        query(sf, "SELECT Id FROM Account")
    assert query(sf, "SELECT Id FROM Account")["done"] is True


def test_locked_rows_fail_alone_in_a_collection(local_org: RunningOrg, sf: Salesforce) -> None:
    local_org.org.faults.lock_rows(["Locked Co"])
    results = collection(
        sf,
        "POST",
        {
            "records": [
                {"attributes": {"type": "Account"}, "Name": name} for name in ("Free", "Locked Co")
            ]
        },
    )
    assert results[0]["success"] is True
    assert results[1]["errors"][0]["statusCode"] == "UNABLE_TO_LOCK_ROW"
    local_org.org.faults.clear()
    assert create(sf, "Account", {"Name": "Locked Co"})


def test_admin_endpoint_injects_faults_and_latency(local_org: RunningOrg, sf: Salesforce) -> None:
    assert _admin(local_org, "faults", {"path_contains": "/limits", "count": 1}).ok
    with pytest.raises(Exception, match="SERVER_UNAVAILABLE"):
        rest(sf, "limits")
    assert _admin(local_org, "faults", {"latency_seconds": 0.2}).ok
    started = time.monotonic()
    rest(sf, "limits")
    assert time.monotonic() - started >= 0.2
    stranger = requests.post(
        f"{local_org.url}/__local/faults", json={}, timeout=5, verify=str(local_org.cert)
    )
    assert stranger.status_code == 401


def test_admin_endpoint_sets_usage_near_the_daily_limit(
    local_org: RunningOrg, sf: Salesforce
) -> None:
    assert _admin(local_org, "limits", {"used": 99, "allocation": 100}).ok
    rest(sf, "limits")
    assert sf.api_usage["api-usage"].used == 100
    with pytest.raises(Exception, match="REQUEST_LIMIT_EXCEEDED"):
        rest(sf, "limits")


def test_creating_a_user_needs_salesforces_required_fields(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as failure:
        create(sf, "User", {"LastName": "Ng"})
    missing = set(error_body(failure.value)["fields"])
    assert missing == {
        "Username",
        "Email",
        "Alias",
        "TimeZoneSidKey",
        "LocaleSidKey",
        "EmailEncodingKey",
        "ProfileId",
        "LanguageLocaleKey",
    }


def test_tokens_belong_to_users(local_org: RunningOrg, sf: Salesforce) -> None:
    profile = query(sf, "SELECT Id FROM Profile WHERE Name = 'Standard User'")["records"][0]["Id"]
    user_id = create(
        sf,
        "User",
        {
            "Username": "ae@tier1.local",
            "LastName": "Exec",
            "FirstName": "Account",
            "Email": "ae@tier1.local",
            "Alias": "ae",
            "TimeZoneSidKey": "GMT",
            "LocaleSidKey": "en_US",
            "EmailEncodingKey": "UTF-8",
            "LanguageLocaleKey": "en_US",
            "ProfileId": profile,
        },
    )
    as_ae = connect(local_org.url, local_org.org.token_for(user_id), local_org.cert)
    account = create(as_ae, "Account", {"Name": "Owned by the AE"})
    soql = format_soql("SELECT Owner.Username, CreatedBy.Name FROM Account WHERE Id = {}", account)
    owner = query(sf, soql)
    record = owner["records"][0]
    assert record["Owner"]["Username"] == "ae@tier1.local"
    assert record["CreatedBy"]["Name"] == "Account Exec"
