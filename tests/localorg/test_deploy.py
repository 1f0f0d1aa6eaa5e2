"""force-app deployed to the local org through the Metadata API, then used as Salesforce would be.

Everything goes over real HTTPS: simple-salesforce's `deploy` / `checkDeployStatus` (SOAP),
then REST records and SOQL against the schema the deploy created.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from tests.localorg.deploy_helpers import messages, status_xml
from tests.localorg.helpers import create, deploy, error_body, query, rest, update
from tier1_sync.localorg.server import RunningOrg
from tier1_sync.metadata.source import SourceProject


def _describe(sf: Salesforce, sobject: str) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in rest(sf, f"sobjects/{sobject}/describe")["fields"]}


def _account_with_flag(sf: Salesforce, **flag: Any) -> tuple[str, str]:
    account = create(sf, "Account", {"Name": "Acme"})
    flag_id = create(sf, "Risk_Flag__c", {"Name": "Champion left", "Account__c": account, **flag})
    return account, flag_id


def _fails_with(code: str, call: Any, *args: Any) -> dict[str, Any]:
    with pytest.raises(SalesforceMalformedRequest) as failure:
        call(*args)
    body = error_body(failure.value)
    assert body["errorCode"] == code, body
    return body


def test_deploy_reports_every_component_like_salesforce(
    local_org: RunningOrg, force_app_zip: Path, source: SourceProject
) -> None:
    result = deploy(local_org.client(), force_app_zip)
    assert result["states"][-1] == "Succeeded"
    assert set(result["states"]) <= {"Pending", "InProgress", "Succeeded"}
    detail = result["deployment_detail"]
    assert detail["failed_count"] == "0"
    assert detail["deployed_count"] == detail["total_count"]

    raw = status_xml(local_org, result["asyncId"])
    successes = {
        (m["componentType"], m["fullName"]): m for m in messages(raw, "componentSuccesses")
    }
    field = successes[("CustomField", "Account.Health_Score__c")]
    assert field["fileName"] == "objects/Account.object"
    assert (field["created"], field["changed"], field["success"]) == ("true", "false", "true")
    assert successes[("CustomObject", "Risk_Flag__c")]["fileName"] == "objects/Risk_Flag__c.object"
    assert ("CustomObject", "Account") not in successes  # extended, not deployed as an object
    assert successes[("", "package.xml")]["fileName"] == "package.xml"
    expected_fields = {("CustomField", f.full_name) for f in source.all_fields()}
    assert expected_fields <= set(successes)
    named: list[tuple[str, list[str]]] = [
        ("PermissionSet", list(source.permission_sets)),
        ("Layout", list(source.layouts)),
        ("FlexiPage", list(source.flexipages)),
        ("CustomApplication", list(source.applications)),
        ("CustomTab", source.tabs),
    ]
    for kind, names in named:
        assert {(kind, name) for name in names} <= set(successes)
    assert raw.findtext("{*}status") == "Succeeded"
    assert raw.findtext("{*}done") == "true"


def test_deployed_fields_describe_with_their_types(deployed_org: RunningOrg) -> None:
    fields = _describe(deployed_org.client(), "Risk_Flag__c")
    key = fields["Flag_Key__c"]
    assert (key["type"], key["externalId"], key["unique"], key["length"]) == (
        "string",
        True,
        True,
        255,
    )
    status = fields["Status__c"]
    assert status["type"] == "picklist"
    assert status["restrictedPicklist"] is True
    assert [v["value"] for v in status["picklistValues"]] == ["Open", "Acknowledged", "Resolved"]
    account = fields["Account__c"]
    assert (account["type"], account["referenceTo"], account["cascadeDelete"]) == (
        "reference",
        ["Account"],
        True,
    )
    assert fields["Detail__c"]["type"] == "textarea"
    account_fields = _describe(deployed_org.client(), "Account")
    assert account_fields["Open_Risk_Flags__c"]["calculated"] is True
    assert account_fields["Health_Score__c"]["type"] == "double"
    assert account_fields["CS_Platform_Account_Id__c"]["externalId"] is True


def test_child_records_and_the_roll_up_counts_unresolved_flags(deployed_org: RunningOrg) -> None:
    sf = deployed_org.client()
    account, _ = _account_with_flag(sf, Status__c="Open", Flag_Key__c="k1")
    create(sf, "Risk_Flag__c", {"Name": "Gap", "Account__c": account, "Flag_Key__c": "k2"})
    create(
        sf,
        "Risk_Flag__c",
        {
            "Name": "Old news",
            "Account__c": account,
            "Status__c": "Resolved",
            "AE_Acknowledged_On__c": "2026-01-05",
            "CSM_Acknowledged_On__c": "2026-01-06",
            "Resolution__c": "Renewed",
        },
    )
    rows = query(
        sf,
        f"SELECT Open_Risk_Flags__c, (SELECT Id FROM Risk_Flags__r) FROM Account "
        f"WHERE Id = '{account}'",
    )["records"]
    assert rows[0]["Open_Risk_Flags__c"] == 2
    assert rows[0]["Risk_Flags__r"]["totalSize"] == 3


def test_validation_rule_fires_with_its_message(
    deployed_org: RunningOrg, source: SourceProject
) -> None:
    sf = deployed_org.client()
    _, flag = _account_with_flag(sf)
    rule = source.objects["Risk_Flag__c"].validation_rules["ACKNOWLEDGEMENT_NEEDS_BOTH_TEAMS"]
    body = _fails_with(
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        update,
        sf,
        "Risk_Flag__c",
        flag,
        {"Status__c": "Acknowledged", "AE_Acknowledged_On__c": "2026-01-05"},
    )
    assert body["message"] == rule.error_message
    update(
        sf,
        "Risk_Flag__c",
        flag,
        {
            "Status__c": "Acknowledged",
            "CSM_Acknowledged_On__c": "2026-01-06",
            "AE_Acknowledged_On__c": "2026-01-05",
        },
    )


def test_restricted_picklist_and_unique_key_are_enforced(deployed_org: RunningOrg) -> None:
    sf = deployed_org.client()
    account, _ = _account_with_flag(sf, Flag_Key__c="acme|health-drop")
    body = _fails_with(
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        create,
        sf,
        "Risk_Flag__c",
        {"Name": "x", "Account__c": account, "Category__c": "Gut Feeling"},
    )
    assert "Gut Feeling" in body["message"]
    body = _fails_with(
        "DUPLICATE_VALUE",
        create,
        sf,
        "Risk_Flag__c",
        {"Name": "again", "Account__c": account, "Flag_Key__c": "ACME|health-drop"},
    )
    assert body["fields"] == ["Flag_Key__c"]


def test_permission_set_gives_an_ae_exactly_the_ae_fields(deployed_org: RunningOrg) -> None:
    sf = deployed_org.client()
    profile = query(sf, "SELECT Id FROM Profile WHERE Name = 'Standard User'")["records"][0]
    user = create(
        sf,
        "User",
        {
            "Username": "ae@tier1.local",
            "LastName": "Exec",
            "Email": "ae@tier1.local",
            "Alias": "ae",
            "TimeZoneSidKey": "GMT",
            "LocaleSidKey": "en_US",
            "EmailEncodingKey": "UTF-8",
            "LanguageLocaleKey": "en_US",
            "ProfileId": profile["Id"],
        },
    )
    perm_set = query(sf, "SELECT Id FROM PermissionSet WHERE Name = 'Tier1_AE'")["records"][0]
    create(sf, "PermissionSetAssignment", {"AssigneeId": user, "PermissionSetId": perm_set["Id"]})
    account = create(sf, "Account", {"Name": "Acme"})
    ae = deployed_org.client(deployed_org.org.token_for(user))

    body = _fails_with(
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        update,
        ae,
        "Account",
        account,
        {"Health_Score__c": 40},
    )
    assert body["message"].startswith(
        "Unable to create/update fields: Health_Score__c. Please check the security settings"
    )
    update(ae, "Account", account, {"AE_Review_Done_On__c": "2026-03-02"})
    row = query(sf, f"SELECT AE_Review_Done_On__c FROM Account WHERE Id = '{account}'")
    assert row["records"][0]["AE_Review_Done_On__c"] == "2026-03-02"


def test_check_only_validates_and_changes_nothing(
    local_org: RunningOrg, force_app_zip: Path
) -> None:
    sf = local_org.client()
    result = deploy(sf, force_app_zip, check_only=True)
    assert result["state"] == "Succeeded"
    assert status_xml(local_org, result["asyncId"]).findtext("{*}checkOnly") == "true"
    with pytest.raises(SalesforceResourceNotFound):
        rest(sf, "sobjects/Risk_Flag__c/describe")
    assert "Health_Score__c" not in _describe(sf, "Account")
    assert query(sf, "SELECT Id FROM PermissionSet WHERE Name = 'Tier1_AE'")["totalSize"] == 0


def test_redeploy_is_idempotent_and_keeps_data(
    deployed_org: RunningOrg, force_app_zip: Path
) -> None:
    sf = deployed_org.client()
    account, flag = _account_with_flag(sf, Flag_Key__c="k1")
    prefix = rest(sf, "sobjects/Risk_Flag__c/describe")["keyPrefix"]

    result = deploy(sf, force_app_zip)

    assert result["state"] == "Succeeded"
    successes = messages(status_xml(deployed_org, result["asyncId"]), "componentSuccesses")
    changed = [
        m["fullName"]
        for m in successes
        if m["fullName"] != "package.xml" and "true" in (m["created"], m["changed"])
    ]
    assert changed == []
    assert rest(sf, "sobjects/Risk_Flag__c/describe")["keyPrefix"] == prefix == flag[:3]
    rows = query(sf, f"SELECT Open_Risk_Flags__c FROM Account WHERE Id = '{account}'")
    assert rows["records"][0]["Open_Risk_Flags__c"] == 1
    assert query(sf, "SELECT Id FROM PermissionSet WHERE Name = 'Tier1_AE'")["totalSize"] == 1


def test_formula_field_is_computed_on_read(deployed_org: RunningOrg) -> None:
    sf = deployed_org.client()
    account = create(sf, "Account", {"Name": "Acme"})
    today = deployed_org.org.store.clock.today()
    opened = (today - dt.timedelta(days=10)).isoformat()
    closed = (today - dt.timedelta(days=4)).isoformat()
    open_item = create(
        sf,
        "Open_Item__c",
        {
            "Name": "Send the SOC 2 report",
            "Account__c": account,
            "Opened_On__c": opened,
            "Status__c": "Open",
        },
    )
    done_item = create(
        sf,
        "Open_Item__c",
        {
            "Name": "Kick-off",
            "Account__c": account,
            "Opened_On__c": opened,
            "Closed_On__c": closed,
            "Status__c": "Done",
        },
    )
    rows = query(sf, "SELECT Id, Days_Open__c FROM Open_Item__c")["records"]
    days = {r["Id"]: r["Days_Open__c"] for r in rows}
    assert days == {open_item: 10, done_item: 6}
    counted = query(sf, "SELECT Open_Items__c FROM Account")["records"][0]
    assert counted["Open_Items__c"] == 1


def test_collections_delete_by_ids(deployed_org: RunningOrg) -> None:
    sf = deployed_org.client()
    account = create(sf, "Account", {"Name": "Acme"})
    flag = create(
        sf, "Risk_Flag__c", {"Name": "Gap", "Account__c": account, "Category__c": "Engagement Gap"}
    )
    results = rest(
        sf, f"composite/sobjects?ids={flag},001000000000000AAA&allOrNone=false", "DELETE"
    )
    assert results[0] == {"id": flag, "success": True, "errors": []}
    assert results[1]["success"] is False
    assert query(sf, "SELECT COUNT() FROM Risk_Flag__c")["totalSize"] == 0
