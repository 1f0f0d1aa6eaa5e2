"""datasets/portfolio.recipe.yml: it generates the portfolio it promises, with only fields and
picklist values that exist (force-app for ours, the standard objects' describe for the rest)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, cast

import pytest

from tier1_sync.localorg.server import RunningOrg
from tier1_sync.metadata.source import SourceProject
from tier1_sync.model.ownership import Ownership

snowfakery = pytest.importorskip(
    "snowfakery", reason="install the extra: pip install tier1-sync[cci]"
)
pytestmark = pytest.mark.cci

RECIPE = "datasets/portfolio.recipe.yml"
# The one Integration-owned field the portfolio sets: a CS export finds accounts by it.
MATCH_KEY = "Account.CS_Platform_Account_Id__c"
HUMAN_ROLES = {"AE", "CSM", "CS_Lead", "RevOps"}
STANDARD_OBJECTS = ("Account", "Contact", "Opportunity", "Task")
Row = dict[str, Any]


@pytest.fixture(scope="module")
def rows(project_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Row]:
    out = tmp_path_factory.mktemp("portfolio") / "portfolio.json"
    snowfakery.generate_data(project_dir / RECIPE, output_format="json", output_file=out)
    generated: list[Row] = json.loads(out.read_text())
    return generated


@pytest.fixture(scope="module")
def tables(rows: list[Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row["_table"]].append(row)
    return grouped


def _written(row: Row) -> dict[str, Any]:
    """The fields a row sets (Snowfakery's bookkeeping and empty values left out)."""
    return {k: v for k, v in row.items() if k not in {"_table", "id"} and v not in (None, "")}


def _per_account(table: list[Row], field: str) -> Counter[int]:
    return Counter(row[field] for row in table)


def test_generates_a_portfolio_of_50_accounts_with_their_people_deals_and_activity(
    tables: dict[str, list[Row]],
) -> None:
    accounts = tables["Account"]
    assert len(accounts) == 50
    ids = {a["id"] for a in accounts}
    contacts = _per_account(tables["Contact"], "AccountId")
    stakeholders = _per_account(tables["Stakeholder__c"], "Account__c")
    opportunities = _per_account(tables["Opportunity"], "AccountId")
    open_items = _per_account(tables["Open_Item__c"], "Account__c")
    activities = _per_account(tables["Task"], "WhatId")
    for counts in (contacts, stakeholders, opportunities, open_items, activities):
        assert set(counts) == ids, "every account has some of each"
    assert all(3 <= n <= 7 for n in contacts.values())
    assert stakeholders == contacts, "every contact is on the champion map"
    assert all(2 <= n <= 3 for n in opportunities.values())
    assert all(1 <= n <= 4 for n in open_items.values())
    assert all(3 <= n <= 10 for n in activities.values())


def test_the_top_fifth_of_accounts_carries_most_of_the_revenue(
    tables: dict[str, list[Row]],
) -> None:
    arr = sorted((a["ARR__c"] for a in tables["Account"]), reverse=True)
    assert sum(arr[:10]) > 0.6 * sum(arr)
    assert Counter(a["Segment__c"] for a in tables["Account"]).keys() == {
        "Enterprise",
        "Mid-Market",
        "SMB",
    }
    for account in tables["Account"]:
        big = account["ARR__c"] >= 250_000
        assert (account["Segment__c"] == "Enterprise") == big


def test_a_few_accounts_are_strategic_and_two_ask_for_a_risk_override(
    tables: dict[str, list[Row]],
) -> None:
    accounts = tables["Account"]
    strategic = [a for a in accounts if a["Strategic_Designation__c"]]
    assert 3 <= len(strategic) <= 8
    requested = [a for a in accounts if a["Risk_Override_Status__c"] == "Requested"]
    assert len(requested) == 2
    assert all(a["Risk_Override_Reason__c"] for a in requested)


def test_contracts_end_within_18_months_and_activity_is_from_the_last_60_days(
    tables: dict[str, list[Row]],
) -> None:
    today = dt.date.today()
    horizon = today + dt.timedelta(days=548)
    for account in tables["Account"]:
        end = dt.date.fromisoformat(account["Contract_End_Date__c"])
        renewal = dt.date.fromisoformat(account["Renewal_Date__c"])
        assert today < end < renewal <= horizon
        assert renewal - end == dt.timedelta(days=1)
    for task in tables["Task"]:
        assert today - dt.timedelta(days=60) <= dt.date.fromisoformat(task["ActivityDate"]) <= today
    for item in tables["Open_Item__c"]:
        opened = dt.date.fromisoformat(item["Opened_On__c"])
        assert opened < today
        assert dt.date.fromisoformat(item["Due_On__c"]) > opened
        assert (item["Closed_On__c"] is not None) == (item["Status__c"] == "Done")
        team = "AE" if item["Item_Type__c"] == "AE Commitment" else "CSM"
        assert item["Owner_Team__c"] == team


def test_match_keys_are_unique_and_look_like_the_cs_platform_s(
    tables: dict[str, list[Row]],
) -> None:
    keys = [a["CS_Platform_Account_Id__c"] for a in tables["Account"]]
    assert len(set(keys)) == len(keys)
    assert all(re.fullmatch(r"CS-\d{6}", key) for key in keys)


def test_every_account_has_one_current_champion_and_sponsor_among_its_own_contacts(
    tables: dict[str, list[Row]],
) -> None:
    contact_account = {c["id"]: c["AccountId"] for c in tables["Contact"]}
    current: Counter[tuple[int, str]] = Counter()
    for person in tables["Stakeholder__c"]:
        assert contact_account[person["Contact__c"]] == person["Account__c"]
        if person["Is_Current__c"]:
            current[(person["Account__c"], person["Role__c"])] += 1
        else:
            assert person["Role__c"] == "Champion"
            assert person["Replaced_On__c"], "FORMER_CHAMPION_NEEDS_REPLACED_ON"
    for account in tables["Account"]:
        assert current[(account["id"], "Champion")] == 1
        assert current[(account["id"], "Executive Sponsor")] == 1
    for task in tables["Task"]:
        assert contact_account[task["WhoId"]] == task["WhatId"]


def _describe(local_org: RunningOrg, name: str) -> dict[str, Any]:
    return cast(dict[str, Any], local_org.client().restful(f"sobjects/{name}/describe"))


def _problems_with_custom(
    source: SourceProject, table: str, name: str, values: list[Any]
) -> list[str]:
    obj = source.objects.get(table)
    if obj is not None and name == "Name" and obj.name_field_type == "Text":
        return []
    field = source.field(f"{table}.{name}")
    if field is None:
        return [f"{table}.{name} is not in force-app"]
    if field.is_computed:
        return [f"{table}.{name} is computed"]
    problems = []
    if field.type in {"Picklist", "MultiselectPicklist"}:
        allowed = set(field.value_names)
        for value in values:
            picked = value.split(";") if field.type == "MultiselectPicklist" else [value]
            problems += [
                f"{table}.{name}: {p!r} is not a value" for p in picked if p not in allowed
            ]
    if field.length is not None:
        problems += [f"{table}.{name}: too long" for v in values if len(str(v)) > field.length]
    return problems


def _problems_with_standard(
    describe: dict[str, Any], table: str, name: str, values: list[Any]
) -> list[str]:
    fields = {f["name"]: f for f in describe["fields"]}
    field = fields.get(name)
    if field is None:
        return [f"{table}.{name} is not a standard field"]
    if not field["createable"]:
        return [f"{table}.{name} is not createable"]
    problems = []
    if field["type"] == "picklist":
        allowed = {p["value"] for p in field["picklistValues"]}
        problems += [f"{table}.{name}: {v!r} is not a value" for v in values if v not in allowed]
    if field["type"] in {"string", "email", "phone"}:
        problems += [f"{table}.{name}: too long" for v in values if len(str(v)) > field["length"]]
    return problems


def test_every_field_and_picklist_value_exists(
    tables: dict[str, list[Row]], source: SourceProject, local_org: RunningOrg
) -> None:
    describes = {name: _describe(local_org, name) for name in STANDARD_OBJECTS}
    problems: list[str] = []
    for table, table_rows in tables.items():
        values: dict[str, list[Any]] = defaultdict(list)
        for row in table_rows:
            for name, value in _written(row).items():
                values[name].append(value)
        for name, written in sorted(values.items()):
            if table in describes and not name.endswith("__c"):
                problems += _problems_with_standard(describes[table], table, name, written)
            else:
                problems += _problems_with_custom(source, table, name, written)
    assert problems == []
    assert set(tables) == {*STANDARD_OBJECTS, "Stakeholder__c", "Open_Item__c"}


def test_every_required_field_is_set(
    tables: dict[str, list[Row]], source: SourceProject, local_org: RunningOrg
) -> None:
    for table, table_rows in tables.items():
        if table in STANDARD_OBJECTS:
            describe = _describe(local_org, table)
            required = {
                f["name"]
                for f in describe["fields"]
                if f["createable"] and not f["nillable"] and not f["defaultedOnCreate"]
            }
        else:
            obj = source.objects[table]
            required = {f.name for f in obj.fields.values() if f.is_master_detail or f.required}
            if obj.name_field_type == "Text":
                required.add("Name")
        for row in table_rows:
            assert required <= _written(row).keys(), (table, required - _written(row).keys())


def test_no_field_the_sync_owns_is_written(
    tables: dict[str, list[Row]], ownership: Ownership
) -> None:
    written = {
        f"{table}.{name}"
        for table, table_rows in tables.items()
        for row in table_rows
        for name in _written(row)
        if name.endswith("__c")
    }
    assert MATCH_KEY in written
    sync_only = {
        name for name in written if not HUMAN_ROLES.intersection(ownership.owners_of(name))
    }
    assert sync_only == {MATCH_KEY}
