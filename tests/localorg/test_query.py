"""SOQL against the local org over HTTPS: what Salesforce returns, and refusals for the rest."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest
from simple_salesforce.format import format_soql

from tests.localorg.helpers import collection, create, error_body, query
from tier1_sync.localorg.server import RunningOrg
from tier1_sync.metadata.source import CustomField, PicklistValue


@pytest.fixture
def seeded(local_org: RunningOrg, sf: Salesforce) -> dict[str, str]:
    """Three accounts, contacts on two of them, tasks with dates around today."""
    local_org.org.add_field(
        CustomField(
            object="Account",
            name="Criteria__c",
            label="Criteria",
            type="MultiselectPicklist",
            restricted=True,
            values=[PicklistValue(name=v, label=v) for v in ("A", "B", "C")],
        )
    )
    ids = {
        "acme": create(
            sf,
            "Account",
            {
                "Name": "Acme",
                "Industry": "Technology",
                "AnnualRevenue": 500,
                "NumberOfEmployees": 50,
                "Criteria__c": "A;B",
            },
        ),
        "globex": create(
            sf,
            "Account",
            {"Name": "Globex", "Industry": "Finance", "AnnualRevenue": 900, "Criteria__c": "C"},
        ),
        "initech": create(sf, "Account", {"Name": "Initech_50%", "AnnualRevenue": 100}),
    }
    ids["wile"] = create(sf, "Contact", {"LastName": "Wile", "AccountId": ids["acme"]})
    ids["road"] = create(sf, "Contact", {"LastName": "Runner", "AccountId": ids["acme"]})
    ids["hank"] = create(sf, "Contact", {"LastName": "Scorpio", "AccountId": ids["globex"]})
    ids["orphan"] = create(sf, "Contact", {"LastName": "Orphan"})
    today = local_org.org.store.clock.today()
    for days, kind in ((0, "Call"), (-30, "Inbound Call"), (-31, "Email"), (5, "Meeting")):
        create(
            sf,
            "Task",
            {
                "Subject": f"{kind} {days}",
                "WhatId": ids["acme"],
                "Type": kind,
                "ActivityDate": (today + dt.timedelta(days=days)).isoformat(),
            },
        )
    return ids


def names(result: dict[str, Any], key: str = "Name") -> list[Any]:
    return [r[key] for r in result["records"]]


def soql_error(sf: Salesforce, soql: str) -> dict[str, Any]:
    with pytest.raises(SalesforceMalformedRequest) as failure:
        query(sf, soql)
    return error_body(failure.value)


def test_parent_paths_nest_and_are_null_without_a_parent(
    sf: Salesforce, seeded: dict[str, str]
) -> None:
    result = query(
        sf, "SELECT LastName, Account.Name, Account.Owner.Alias FROM Contact ORDER BY LastName"
    )
    by_name = {r["LastName"]: r for r in result["records"]}
    assert by_name["Wile"]["Account"]["Name"] == "Acme"
    assert by_name["Wile"]["Account"]["attributes"]["type"] == "Account"
    assert by_name["Wile"]["Account"]["Owner"]["Alias"] == "ladmin"
    assert by_name["Orphan"]["Account"] is None
    # connect() parses JSON into plain dicts, not simple-salesforce's default OrderedDicts
    assert type(result) is dict
    assert type(by_name["Wile"]) is dict
    assert type(by_name["Wile"]["Account"]["Owner"]) is dict


def test_child_subquery_per_parent_or_null(sf: Salesforce, seeded: dict[str, str]) -> None:
    result = query(
        sf,
        "SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName LIMIT 5) "
        "FROM Account ORDER BY Name",
    )
    by_name = {r["Name"]: r for r in result["records"]}
    acme = by_name["Acme"]["Contacts"]
    assert acme["totalSize"] == 2
    assert acme["done"] is True
    assert [c["LastName"] for c in acme["records"]] == ["Runner", "Wile"]
    assert by_name["Initech_50%"]["Contacts"] is None


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Name = 'acme'", ["Acme"]),  # case-insensitive like Salesforce
        ("Industry != 'Technology'", ["Globex", "Initech_50%"]),  # != keeps nulls
        ("Industry = null", ["Initech_50%"]),
        ("Industry != null", ["Acme", "Globex"]),
        ("AnnualRevenue > 400", ["Acme", "Globex"]),
        ("AnnualRevenue <= 500 AND AnnualRevenue >= 500", ["Acme"]),
        ("Industry IN ('Finance', 'technology')", ["Acme", "Globex"]),
        ("Industry NOT IN ('Finance')", ["Acme", "Initech_50%"]),
        ("Name LIKE 'g%'", ["Globex"]),
        ("Name LIKE '%\\_50\\%'", ["Initech_50%"]),
        ("Name LIKE 'A_me'", ["Acme"]),
        ("NOT (Name = 'Acme') AND AnnualRevenue > 50", ["Globex", "Initech_50%"]),
        ("Name = 'Acme' OR Name = 'Globex' AND AnnualRevenue > 1000", ["Acme"]),
        ("(Name = 'Acme' OR Name = 'Globex') AND AnnualRevenue > 600", ["Globex"]),
        ("Criteria__c INCLUDES ('B')", ["Acme"]),
        ("Criteria__c INCLUDES ('A;B', 'C')", ["Acme", "Globex"]),
        ("Criteria__c INCLUDES ('A;C')", []),
        ("Criteria__c EXCLUDES ('A')", ["Globex", "Initech_50%"]),
    ],
)
def test_where_operators(
    sf: Salesforce, seeded: dict[str, str], where: str, expected: list[str]
) -> None:
    assert names(query(sf, f"SELECT Name FROM Account WHERE {where} ORDER BY Name")) == expected


def test_format_soql_values_with_quotes_and_ids(sf: Salesforce, seeded: dict[str, str]) -> None:
    create(sf, "Account", {"Name": "O'Brien \\ Sons"})
    soql = format_soql("SELECT Name FROM Account WHERE Name = {}", "O'Brien \\ Sons")
    assert names(query(sf, soql)) == ["O'Brien \\ Sons"]
    soql = format_soql(
        "SELECT LastName FROM Contact WHERE AccountId IN {} ORDER BY LastName",
        [seeded["acme"][:15], seeded["globex"]],
    )
    assert names(query(sf, soql), "LastName") == ["Runner", "Scorpio", "Wile"]


@pytest.mark.parametrize(
    ("literal", "subjects"),
    [
        ("TODAY", ["Call 0"]),
        ("LAST_N_DAYS:30", ["Call 0", "Inbound Call -30"]),
        ("NEXT_N_DAYS:5", ["Meeting 5"]),
        ("YESTERDAY", []),
    ],
)
def test_relative_date_literals(
    sf: Salesforce, seeded: dict[str, str], literal: str, subjects: list[str]
) -> None:
    result = query(sf, f"SELECT Subject FROM Task WHERE ActivityDate = {literal} ORDER BY Subject")
    assert names(result, "Subject") == subjects


def test_date_literal_comparisons_and_datetimes(sf: Salesforce, seeded: dict[str, str]) -> None:
    older = query(sf, "SELECT Subject FROM Task WHERE ActivityDate < LAST_N_DAYS:30")
    assert names(older, "Subject") == ["Email -31"]
    created = query(sf, "SELECT COUNT() FROM Task WHERE CreatedDate = TODAY")
    assert created["totalSize"] == 4
    stamp = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert query(sf, f"SELECT COUNT() FROM Task WHERE CreatedDate < {stamp}")["totalSize"] == 4


def test_order_by_nulls_limit_offset(sf: Salesforce, seeded: dict[str, str]) -> None:
    base = "SELECT Name FROM Account ORDER BY Industry"
    assert names(query(sf, base)) == ["Initech_50%", "Globex", "Acme"]  # ASC: nulls first
    assert names(query(sf, base + " DESC")) == ["Acme", "Globex", "Initech_50%"]
    assert names(query(sf, base + " ASC NULLS LAST")) == ["Globex", "Acme", "Initech_50%"]
    paged = query(sf, "SELECT Name FROM Account ORDER BY Name LIMIT 1 OFFSET 1")
    assert names(paged) == ["Globex"]
    assert paged["totalSize"] == 1


def test_aggregates_with_group_by_and_aliases(sf: Salesforce, seeded: dict[str, str]) -> None:
    result = query(
        sf,
        "SELECT Type, COUNT(Id) n, MAX(ActivityDate), MIN(ActivityDate) first "
        "FROM Task WHERE Type != 'Meeting' GROUP BY Type ORDER BY Type",
    )
    rows = result["records"]
    assert [r["Type"] for r in rows] == ["Call", "Email", "Inbound Call"]
    assert rows[0]["attributes"] == {"type": "AggregateResult"}
    assert rows[0]["n"] == 1
    assert isinstance(rows[0]["expr0"], str)
    totals = query(
        sf, "SELECT SUM(AnnualRevenue) total, AVG(AnnualRevenue), COUNT(Industry) FROM Account"
    )["records"][0]
    assert totals["total"] == 1500.0
    assert totals["expr0"] == 500.0
    assert totals["expr1"] == 2
    assert query(sf, "SELECT COUNT() FROM Contact WHERE AccountId != null")["totalSize"] == 3


@pytest.mark.parametrize(
    ("soql", "code", "words"),
    [
        (
            "SELECT Name FROM Account GROUP BY Name HAVING COUNT(Id) > 1",
            "MALFORMED_QUERY",
            "HAVING",
        ),
        ("SELECT Idx FROM Account", "INVALID_FIELD", "No such column 'Idx'"),
        ("SELECT Id FROM Acount", "INVALID_TYPE", "sObject type 'Acount' is not supported"),
        (
            "SELECT Id FROM Task WHERE ActivityDate = '2024-01-01'",
            "INVALID_QUERY_FILTER_OPERATOR",
            "must be of type date",
        ),
        ("SELECT What.Name FROM Task", "MALFORMED_QUERY", "polymorphic"),
        ("SELECT Name, COUNT(Id) FROM Account", "MALFORMED_QUERY", "grouped or aggregated"),
        ("SELECT Id, (SELECT Id FROM Kids) FROM Account", "INVALID_TYPE", "Kids"),
        (
            "SELECT Id FROM Account WHERE Name INCLUDES ('x')",
            "INVALID_QUERY_FILTER_OPERATOR",
            "multi-select",
        ),
    ],
)
def test_unsupported_or_wrong_queries_are_refused(
    sf: Salesforce, seeded: dict[str, str], soql: str, code: str, words: str
) -> None:
    error = soql_error(sf, soql)
    assert error["errorCode"] == code
    assert words in error["message"]


def test_batch_size_header_sets_the_page_size(sf: Salesforce, seeded: dict[str, str]) -> None:
    collection(
        sf,
        "POST",
        {
            "records": [
                {"attributes": {"type": "Account"}, "Name": f"Bulk {i:03d}"} for i in range(200)
            ]
        },
    )
    sf.headers["Sforce-Query-Options"] = "batchSize=200"
    first = query(sf, "SELECT Name FROM Account ORDER BY Name")
    assert (first["totalSize"], len(first["records"]), first["done"]) == (203, 200, False)
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert len(second["records"]) == 3
