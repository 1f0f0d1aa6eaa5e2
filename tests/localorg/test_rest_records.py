"""Records, collections and errors over real HTTPS with simple-salesforce."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)

from tests.localorg.helpers import (
    collection,
    create,
    delete,
    error_body,
    get,
    query,
    rest,
    update,
)
from tier1_sync.localorg.server import RunningOrg, connect
from tier1_sync.metadata.source import CustomField


def _accounts(names: list[str]) -> dict[str, object]:
    return {"records": [{"attributes": {"type": "Account"}, "Name": n} for n in names]}


def test_every_call_needs_a_valid_token(local_org: RunningOrg) -> None:
    stranger = connect(local_org.url, "00D000000000001AAA!not.a.token", local_org.cert)
    with pytest.raises(SalesforceExpiredSession) as failure:
        query(stranger, "SELECT Id FROM Account")
    assert error_body(failure.value)["errorCode"] == "INVALID_SESSION_ID"


def test_plain_http_client_must_trust_the_certificate(local_org: RunningOrg) -> None:
    session = requests.Session()
    session.trust_env = False
    with pytest.raises(requests.exceptions.SSLError):
        session.get(f"{local_org.url}/services/data", timeout=5)
    trusted = session.get(f"{local_org.url}/services/data", verify=str(local_org.cert), timeout=5)
    assert trusted.status_code == 200


def test_create_read_update_delete(sf: Salesforce) -> None:
    record_id = create(sf, "Account", {"Name": "Acme", "Industry": "Technology"})
    assert len(record_id) == 18
    assert get(sf, "Account", record_id)["Name"] == "Acme"
    assert get(sf, "Account", record_id[:15])["Id"] == record_id
    update(sf, "Account", record_id, {"Name": "Acme Corp"})
    assert get(sf, "Account", record_id)["Name"] == "Acme Corp"
    delete(sf, "Account", record_id)
    with pytest.raises(SalesforceResourceNotFound):
        get(sf, "Account", record_id)


@pytest.mark.parametrize(
    ("record", "code"),
    [
        ({"Nme": "x"}, "INVALID_FIELD"),
        ({"Industry": "Technology"}, "REQUIRED_FIELD_MISSING"),
        ({"Name": "x" * 256}, "STRING_TOO_LONG"),
        ({"Name": "x", "Id": "001000000000001AAA"}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ({"Name": "x", "ParentId": "0035g0000000001AAA"}, "FIELD_INTEGRITY_EXCEPTION"),
        ({"Name": "x", "ParentId": "0015g0000000999AAA"}, "INVALID_CROSS_REFERENCE_KEY"),
        ({"Name": "x", "ParentId": "nonsense"}, "MALFORMED_ID"),
        ({"Name": "x", "NumberOfEmployees": 1234567890}, "NUMBER_OUTSIDE_VALID_RANGE"),
    ],
)
def test_create_errors_come_back_like_salesforce(
    sf: Salesforce, record: dict[str, object], code: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as failure:
        create(sf, "Account", record)
    body = error_body(failure.value)
    assert body["errorCode"] == code
    assert body["message"]


def test_collections_create_keeps_input_order_and_partial_success(sf: Salesforce) -> None:
    body = _accounts(["One", "Two", "Three"])
    del body["records"][1]["Name"]  # type: ignore[index]
    results = collection(sf, "POST", {"allOrNone": False, **body})
    assert [r["success"] for r in results] == [True, False, True]
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert query(sf, "SELECT COUNT() FROM Account")["totalSize"] == 2


def test_collections_all_or_none_rolls_everything_back(sf: Salesforce) -> None:
    body = _accounts(["One", "x" * 300])
    results = collection(sf, "POST", {"allOrNone": True, **body})
    assert [r["success"] for r in results] == [False, False]
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "STRING_TOO_LONG"
    assert query(sf, "SELECT COUNT() FROM Account")["totalSize"] == 0


def test_collections_refuse_more_than_200_records(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as failure:
        collection(sf, "POST", _accounts([f"A{i}" for i in range(201)]))
    assert error_body(failure.value)["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_limit_header_counts_calls_and_limit_stops_them(
    local_org: RunningOrg, sf: Salesforce
) -> None:
    query(sf, "SELECT Id FROM Account")
    usage = sf.api_usage["api-usage"]
    assert usage.used >= 1
    assert usage.total == 100_000
    local_org.org.set_api_usage(100_000)
    with pytest.raises(Exception, match="REQUEST_LIMIT_EXCEEDED"):
        query(sf, "SELECT Id FROM Account")


def test_injected_503_then_recovery(local_org: RunningOrg, sf: Salesforce) -> None:
    local_org.org.faults.fail_next("/query", 2)
    for _ in range(2):
        with pytest.raises(Exception, match="SERVER_UNAVAILABLE"):
            query(sf, "SELECT Id FROM Account")
    assert query(sf, "SELECT Id FROM Account")["done"] is True


def test_query_pages_with_next_records_url(sf: Salesforce) -> None:
    for start in range(0, 2500, 200):
        collection(sf, "POST", _accounts([f"A{i:05d}" for i in range(start, start + 200)]))
    first = query(sf, "SELECT Id, Name FROM Account ORDER BY Name")
    assert first["totalSize"] == 2600
    assert len(first["records"]) == 2000
    assert first["done"] is False
    rest = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert rest["done"] is True
    names = [r["Name"] for r in first["records"] + rest["records"]]
    assert names == sorted(names)
    assert len(set(names)) == 2600


def test_upsert_by_external_id_creates_updates_and_answers_300_on_several(
    local_org: RunningOrg, sf: Salesforce
) -> None:
    local_org.org.add_field(
        CustomField(
            object="Account",
            name="Legacy_Key__c",
            label="Legacy Key",
            type="Text",
            length=40,
            external_id=True,
        )
    )
    created = rest(sf, "sobjects/Account/Legacy_Key__c/K-1", "PATCH", json={"Name": "One"})
    assert created["created"] is True
    updated = rest(sf, "sobjects/Account/Legacy_Key__c/K-1", "PATCH", json={"Name": "Uno"})
    assert (updated["created"], updated["id"]) == (False, created["id"])
    create(sf, "Account", {"Name": "Two", "Legacy_Key__c": "K-2"})
    create(sf, "Account", {"Name": "Deux", "Legacy_Key__c": "k-2"})
    with pytest.raises(SalesforceMoreThanOneRecord) as several:
        rest(sf, "sobjects/Account/Legacy_Key__c/K-2", "PATCH", json={"Name": "Both"})
    assert len(several.value.content) == 2  # the URLs of the matching records
    names = {r["Name"] for r in query(sf, "SELECT Name FROM Account")["records"]}
    assert names == {"Uno", "Two", "Deux"}


def test_upsert_with_id_as_the_key_updates_the_record(sf: Salesforce) -> None:
    record_id = create(sf, "Account", {"Name": "Before"})
    answer = rest(sf, f"sobjects/Account/Id/{record_id}", "PATCH", json={"Name": "After"})
    assert (answer["created"], answer["id"]) == (False, record_id)
    assert get(sf, "Account", record_id)["Name"] == "After"
