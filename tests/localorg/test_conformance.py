"""The local org's responses have the shapes of recorded Salesforce responses.

The samples are in the team's shared folder (`../shared/reference/salesforce-samples/`, see its
README for provenance). Shapes compare keys and value types, not values.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from tests.localorg.helpers import collection, create, error_body, get, query, rest
from tier1_sync.localorg.server import RunningOrg

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "salesforce-samples"


def sample(name: str) -> Any:
    matches = sorted(SAMPLES.glob(f"{name}*"))
    if not matches:
        pytest.skip(f"recorded samples not found in {SAMPLES}")
    return json.loads(matches[0].read_text())


def shape(value: Any) -> Any:
    """Keys and JSON types; lists by their first item; ints and floats are both 'number'."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def same_keys(ours: dict[str, Any], theirs: dict[str, Any], where: str) -> None:
    missing, extra = sorted(set(theirs) - set(ours)), sorted(set(ours) - set(theirs))
    assert (missing, extra) == ([], []), f"{where}: missing {missing}, extra {extra}"


def test_versions_list(local_org: RunningOrg) -> None:
    ours = requests.get(f"{local_org.url}/services/data", verify=str(local_org.cert), timeout=5)
    theirs = sample("01_versions")
    assert shape(ours.json())[0] == shape(theirs)[0]
    assert ours.json()[-1]["version"] == "63.0"


def test_global_describe(sf: Salesforce) -> None:
    ours, theirs = rest(sf, "sobjects"), sample("02_global_describe")
    same_keys(ours, theirs, "global describe")
    same_keys(ours["sobjects"][0], theirs["sobjects"][0], "global describe entry")
    assert {"Account", "Contact", "User", "Task"} <= {s["name"] for s in ours["sobjects"]}


def test_sobject_describe(sf: Salesforce) -> None:
    ours, theirs = rest(sf, "sobjects/Account/describe"), sample("03_account_describe")
    same_keys(ours, theirs, "describe")
    same_keys(ours["fields"][0], theirs["fields"][0], "describe field")
    same_keys(ours["childRelationships"][0], theirs["childRelationships"][0], "child relationship")
    ours_name = next(f for f in ours["fields"] if f["name"] == "Name")
    theirs_name = next(f for f in theirs["fields"] if f["name"] == "Name")
    # (The sample org has Person Accounts, where Account.Name is nillable; ours has not.)
    for key in ("type", "createable", "updateable", "nameField", "soapType", "length"):
        assert ours_name[key] == theirs_name[key], key


def test_query_shapes(sf: Salesforce) -> None:
    account = create(sf, "Account", {"Name": "Acme"})
    create(sf, "Contact", {"LastName": "Wile", "AccountId": account})
    create(sf, "Contact", {"LastName": "Orphan"})
    create(
        sf,
        "Opportunity",
        {
            "Name": "Big",
            "StageName": "Prospecting",
            "AccountId": account,
            "CloseDate": "2030-01-01",
            "Amount": 1300,
        },
    )
    done = query(sf, "SELECT Id, LastName, Account.Name FROM Contact")
    assert (
        shape(done)["records"][0]["attributes"] == shape(sample("04a"))["records"][0]["attributes"]
    )
    assert set(done) == set(sample("04a"))
    child = query(sf, "SELECT Name, (SELECT Id, Name, Amount FROM Opportunities) FROM Account")
    theirs_child = sample("04d")["records"][0]["OpportunityLineItems"]
    assert set(child["records"][0]["Opportunities"]) == set(theirs_child)
    assert child["records"][0]["Opportunities"]["records"][0]["Amount"] == 1300
    empty = query(sf, "SELECT Name, (SELECT Id FROM Contacts WHERE LastName = 'x') FROM Account")
    assert empty["records"][0]["Contacts"] is None  # as in sample 04e


def test_paged_query_shape(sf: Salesforce) -> None:
    collection(
        sf,
        "POST",
        {"records": [{"attributes": {"type": "Account"}, "Name": f"A{i}"} for i in range(200)]},
    )
    sf.headers["Sforce-Query-Options"] = "batchSize=200"
    collection(sf, "POST", {"records": [{"attributes": {"type": "Account"}, "Name": "Z"}]})
    first = query(sf, "SELECT Id, Name FROM Account")
    same_keys(first, sample("04b"), "first page")
    assert re.fullmatch(r"/services/data/v63\.0/query/01g\w+-200", first["nextRecordsUrl"])
    last = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    same_keys(last, sample("04c"), "last page")


def test_aggregate_shapes(sf: Salesforce) -> None:
    create(sf, "Account", {"Name": "Acme"})
    count_id = query(sf, "SELECT COUNT(Id) FROM Account")
    assert shape(count_id) == {**shape(sample("05a")), "totalSize": "number"}
    assert shape(query(sf, "SELECT COUNT() FROM Account")) == shape(sample("05b"))
    grouped = query(sf, "SELECT Name, MAX(AnnualRevenue) FROM Account GROUP BY Name")
    assert set(grouped["records"][0]) == set(sample("05c")["records"][0])


def test_collection_shapes(sf: Salesforce) -> None:
    created = collection(
        sf,
        "POST",
        {
            "records": [
                {"attributes": {"type": "Account"}, "Name": "A"},
                {"attributes": {"type": "Account"}},
            ]
        },
    )
    assert set(created[0]) == set(sample("06a")[0])
    assert set(created[1]) == set(sample("06d")[0])
    assert set(created[1]["errors"][0]) == set(sample("06d")[0]["errors"][0])
    updated = collection(
        sf,
        "PATCH",
        {"records": [{"attributes": {"type": "Account"}, "id": created[0]["id"], "Name": "B"}]},
    )
    assert set(updated[0]) == set(sample("06c")[0])
    assert get(sf, "Account", created[0]["id"])["Name"] == "B"
    upserted = collection(
        sf,
        "PATCH",
        {"records": [{"attributes": {"type": "Account"}, "Id": created[0]["id"], "Name": "C"}]},
        "Account/Id",
    )
    assert set(upserted[0]) == set(sample("06b")[0])
    assert upserted[0]["created"] is False


def test_error_shapes(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as malformed:
        query(sf, "SELECT FROM Account")
    assert set(error_body(malformed.value)) == set(sample("07a")[0])
    with pytest.raises(SalesforceMalformedRequest) as missing:
        create(sf, "Account", {})
    assert error_body(missing.value) == sample("07c")[0]
    with pytest.raises(SalesforceMalformedRequest) as email:
        create(sf, "Contact", {"LastName": "x", "Email": "not an email"})
    assert error_body(email.value) == sample("07d")[0]
    with pytest.raises(SalesforceResourceNotFound) as absent:
        get(sf, "Account", "001000000000000AAA")
    assert error_body(absent.value) == sample("07e")[0]


def test_limits_and_usage_header(local_org: RunningOrg, sf: Salesforce) -> None:
    limits = rest(sf, "limits")
    assert set(limits["DailyApiRequests"]) == set(sample("09a")["DailyApiRequests"])
    recorded = (SAMPLES / "09b_sforce_limit_info_header.txt").read_text().splitlines()[-1]
    pattern = r"Sforce-Limit-Info: api-usage=\d+/\d+"
    assert re.fullmatch(pattern, recorded)
    response = requests.get(
        f"{local_org.url}/services/data/v63.0/limits",
        headers={"Authorization": f"Bearer {local_org.token}"},
        verify=str(local_org.cert),
        timeout=5,
    )
    assert re.fullmatch(pattern, f"Sforce-Limit-Info: {response.headers['Sforce-Limit-Info']}")
