"""Deploys that fail, warn or go another way: broken files, missing members, type changes,
roll-up order, rules the local org cannot evaluate, SOAP faults, REST deployRequest, restarts."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceResourceNotFound

from tests.localorg.deploy_helpers import (
    WIDGET_XML,
    messages,
    object_xml,
    session,
    soap,
    status_xml,
    text_field,
    write_zip,
)
from tests.localorg.helpers import create, deploy, query, rest
from tier1_sync.localorg.deploy_result import DeployResult
from tier1_sync.localorg.deploy_service import DeployService
from tier1_sync.localorg.server import RunningOrg, connect, start_in_thread
from tier1_sync.localorg.store import Store

WIDGET_MEMBERS = {
    "CustomObject": {"Widget__c"},
    "CustomField": {"Widget__c.Code__c"},
    "ValidationRule": {"Widget__c.CODE_LOOKS_RIGHT"},
}


def _zip_entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rewrite(source: Path, target: Path, entry: str, old: bytes, new: bytes) -> Path:
    entries = _zip_entries(source)
    assert old in entries[entry]
    entries[entry] = entries[entry].replace(old, new, 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    target.write_bytes(buffer.getvalue())
    return target


def _failures(org: RunningOrg, result: dict[str, Any]) -> list[dict[str, Any]]:
    assert result["state"] == "Failed", result
    return messages(status_xml(org, result["asyncId"]), "componentFailures")


def _nothing_deployed(sf: Salesforce) -> None:
    with pytest.raises(SalesforceResourceNotFound):
        rest(sf, "sobjects/Risk_Flag__c/describe")
    fields = {f["name"] for f in rest(sf, "sobjects/Account/describe")["fields"]}
    assert "Health_Score__c" not in fields
    assert query(sf, "SELECT Id FROM PermissionSet")["totalSize"] == 0


def test_a_broken_field_fails_the_deploy_and_nothing_is_applied(
    local_org: RunningOrg, force_app_zip: Path, tmp_path: Path
) -> None:
    broken = _rewrite(
        force_app_zip,
        tmp_path / "broken.zip",
        "objects/Risk_Flag__c.object",
        b"<type>Date</type>",
        b"<type>Numbr</type>",
    )
    sf = local_org.client()
    result = deploy(sf, broken)
    failures = _failures(local_org, result)
    [failure] = [f for f in failures if f["fileName"] == "objects/Risk_Flag__c.object"]
    # What depends on the broken object fails with it, as on Salesforce.
    assert all("Risk_Flag__c" in f["problem"] for f in failures if f is not failure)
    assert failure["fileName"] == "objects/Risk_Flag__c.object"
    assert (failure["componentType"], failure["fullName"]) == (
        "CustomField",
        "Risk_Flag__c.Action_Due_On__c",
    )
    assert "Numbr" in failure["problem"]
    assert failure["problemType"] == "Error"
    assert int(failure["lineNumber"]) > 1
    assert result["deployment_detail"]["errors"][0]["file"] == "objects/Risk_Flag__c.object"
    _nothing_deployed(sf)


def test_a_member_without_its_file_fails(local_org: RunningOrg, tmp_path: Path) -> None:
    members = {**WIDGET_MEMBERS, "CustomField": {"Widget__c.Code__c", "Widget__c.Size__c"}}
    package = write_zip(tmp_path / "p.zip", {"objects/Widget__c.object": WIDGET_XML}, members)
    [failure] = _failures(local_org, deploy(local_org.client(), package))
    assert failure["fullName"] == "Widget__c.Size__c"
    assert failure["problem"] == (
        "An object 'Widget__c.Size__c' of type CustomField was named in package.xml, "
        "but was not found in zipped directory"
    )
    with pytest.raises(SalesforceResourceNotFound):
        rest(local_org.client(), "sobjects/Widget__c/describe")


def test_no_package_xml_fails_as_salesforce_says(local_org: RunningOrg, tmp_path: Path) -> None:
    path = tmp_path / "empty.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("objects/Widget__c.object", WIDGET_XML)
    [failure] = _failures(local_org, deploy(local_org.client(), path))
    assert (failure["fullName"], failure["problem"]) == ("package.xml", "No package.xml found")


def test_an_incompatible_type_change_is_refused(deployed_org: RunningOrg, tmp_path: Path) -> None:
    account = object_xml(
        text_field("Health_Score__c", "<defaultValue>false</defaultValue>", "Checkbox", None)
    )
    package = write_zip(
        tmp_path / "p.zip",
        {"objects/Account.object": account},
        {"CustomField": {"Account.Health_Score__c"}},
    )
    sf = deployed_org.client()
    [failure] = _failures(deployed_org, deploy(sf, package))
    assert failure["problem"].startswith(
        "Cannot change the type of Account.Health_Score__c from Number to Checkbox"
    )
    fields = {f["name"]: f for f in rest(sf, "sobjects/Account/describe")["fields"]}
    assert fields["Health_Score__c"]["type"] == "double"


def test_a_roll_up_needs_its_child_object_in_the_deploy_or_before(
    local_org: RunningOrg, force_app_zip: Path, tmp_path: Path
) -> None:
    entries = _zip_entries(force_app_zip)
    account = entries["objects/Account.object"].decode()
    start = account.index("<fields>\n        <fullName>Open_Risk_Flags__c")
    roll_up = account[start : account.index("</fields>", start) + len("</fields>")]
    files: dict[str, str | bytes] = {"objects/Account.object": object_xml(roll_up)}
    members = {"CustomField": {"Account.Open_Risk_Flags__c"}}
    sf = local_org.client()

    [failure] = _failures(local_org, deploy(sf, write_zip(tmp_path / "a.zip", files, members)))
    assert "Risk_Flag__c" in failure["problem"]

    child = {"objects/Risk_Flag__c.object": entries["objects/Risk_Flag__c.object"]}
    first = deploy(sf, write_zip(tmp_path / "b.zip", child, {"CustomObject": {"Risk_Flag__c"}}))
    assert first["state"] == "Succeeded"
    assert deploy(sf, write_zip(tmp_path / "c.zip", files, members))["state"] == "Succeeded"
    account_id = create(sf, "Account", {"Name": "Acme"})
    create(sf, "Risk_Flag__c", {"Name": "x", "Account__c": account_id})
    rows = query(sf, f"SELECT Open_Risk_Flags__c FROM Account WHERE Id = '{account_id}'")
    assert rows["records"][0]["Open_Risk_Flags__c"] == 1


def test_a_rule_the_local_org_cannot_evaluate_deploys_with_a_warning(
    local_org: RunningOrg, tmp_path: Path
) -> None:
    files: dict[str, str | bytes] = {"objects/Widget__c.object": WIDGET_XML}
    package = write_zip(tmp_path / "p.zip", files, WIDGET_MEMBERS, folder="mdapi")
    sf = local_org.client()
    result = deploy(sf, package)
    assert result["state"] == "Succeeded"
    successes = messages(status_xml(local_org, result["asyncId"]), "componentSuccesses")
    rule = next(m for m in successes if m["fullName"] == "Widget__c.CODE_LOOKS_RIGHT")
    assert rule["problemType"] == "Warning"
    assert rule["problem"].startswith("Not enforced by the local org")
    assert rule["fileName"] == "mdapi/objects/Widget__c.object"
    assert create(sf, "Widget__c", {"Name": "w", "Code__c": "lowercase"})


def test_soap_faults_for_bad_sessions_users_and_operations(
    deployed_org: RunningOrg, force_app_zip: Path
) -> None:
    stranger = connect(deployed_org.url, "00D000000000001AAA!not.a.token", deployed_org.cert)
    with pytest.raises(SalesforceGeneralError) as failure:
        stranger.deploy(str(force_app_zip), sandbox=False)
    assert failure.value.status == 500
    assert "<faultcode>sf:INVALID_SESSION_ID</faultcode>" in str(failure.value.content)

    sf = deployed_org.client()
    profile = query(sf, "SELECT Id FROM Profile WHERE Name = 'Standard User'")["records"][0]
    user = create(
        sf,
        "User",
        {
            "Username": "csm@tier1.local",
            "LastName": "Csm",
            "Email": "csm@tier1.local",
            "Alias": "csm",
            "TimeZoneSidKey": "GMT",
            "LocaleSidKey": "en_US",
            "EmailEncodingKey": "UTF-8",
            "LanguageLocaleKey": "en_US",
            "ProfileId": profile["Id"],
        },
    )
    response = soap(deployed_org, "<met:deploy/>", deployed_org.org.token_for(user))
    assert response.status_code == 500
    assert "<faultcode>sf:INSUFFICIENT_ACCESS</faultcode>" in response.text

    response = soap(deployed_org, "<met:retrieve/>")
    assert "<faultcode>soapenv:Client</faultcode>" in response.text
    response = soap(
        deployed_org,
        "<met:checkDeployStatus><met:asyncProcessId>0Af000000000000AAA</met:asyncProcessId>"
        "</met:checkDeployStatus>",
    )
    assert "<faultcode>sf:INVALID_ID_FIELD</faultcode>" in response.text


def test_rest_deploy_request_as_the_cli_sends_it(
    local_org: RunningOrg, force_app_zip: Path
) -> None:
    http = session(local_org)
    http.headers["Authorization"] = f"Bearer {local_org.token}"
    base = f"{local_org.url}/services/data/v63.0/metadata/deployRequest"
    options = {
        "deployOptions": {"rollbackOnError": True, "checkOnly": False, "singlePackage": True}
    }
    parts: dict[str, tuple[str | None, bytes, str]] = {
        "file": ("package.xml", force_app_zip.read_bytes(), "application/zip"),
        "entity_content": (None, json.dumps(options).encode(), "application/json"),
    }
    created = http.post(base, files=parts, timeout=30)
    assert created.status_code == 201, created.text
    deploy_id = created.json()["id"]
    assert deploy_id.startswith("0Af")
    deadline = time.monotonic() + 60
    while True:
        body = http.get(f"{base}/{deploy_id}", params={"includeDetails": "true"}, timeout=30).json()
        if body["deployResult"]["done"] or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    result = body["deployResult"]
    assert (result["status"], result["success"], result["id"]) == ("Succeeded", True, deploy_id)
    successes = {
        (m["componentType"], m["fullName"]): m for m in result["details"]["componentSuccesses"]
    }
    assert (
        successes[("CustomField", "Account.Health_Score__c")]["fileName"]
        == "objects/Account.object"
    )
    assert result["details"]["componentFailures"] == []
    brief = http.get(f"{base}/{deploy_id}", timeout=30).json()["deployResult"]
    assert "componentSuccesses" not in brief["details"]
    assert http.get(f"{base}/0Af000000000000AAA", timeout=30).status_code == 404
    assert "Risk_Flag__c" in {o["name"] for o in rest(local_org.client(), "sobjects")["sobjects"]}


def test_a_restarted_org_still_answers_for_its_deploys(
    tmp_path: Path, tls_dir: Path, force_app_zip: Path
) -> None:
    first = start_in_thread(tmp_path / "org", tls_dir)
    try:
        result = deploy(first.client(), force_app_zip)
    finally:
        first.stop()
    assert result["state"] == "Succeeded"
    again = start_in_thread(tmp_path / "org", tls_dir)
    try:
        sf = again.client()
        assert sf.checkDeployStatus(result["asyncId"])["state"] == "Succeeded"
        assert rest(sf, "sobjects/Risk_Flag__c/describe")["custom"] is True
        assert query(sf, "SELECT Id FROM PermissionSet WHERE Name = 'Tier1_AE'")["totalSize"] == 1
    finally:
        again.stop()


def test_uniqueness_follows_redeploys_and_a_failed_apply_rolls_back(
    local_org: RunningOrg, tmp_path: Path
) -> None:
    def widget(unique: bool) -> Path:
        extra = "<unique>true</unique>" if unique else ""
        text = WIDGET_XML.replace(text_field("Code__c"), text_field("Code__c", extra))
        members = {"CustomObject": {"Widget__c"}}
        return write_zip(tmp_path / f"{unique}.zip", {"objects/Widget__c.object": text}, members)

    sf = local_org.client()
    assert deploy(sf, widget(unique=True))["state"] == "Succeeded"
    assert deploy(sf, widget(unique=False))["state"] == "Succeeded"
    create(sf, "Widget__c", {"Name": "a", "Code__c": "ABC"})
    create(sf, "Widget__c", {"Name": "b", "Code__c": "ABC"})

    [failure] = _failures(local_org, deploy(sf, widget(unique=True)))

    assert (failure["componentType"], failure["fullName"]) == ("CustomObject", "Widget__c")
    assert "UNIQUE" in failure["problem"]
    fields = {f["name"]: f for f in rest(sf, "sobjects/Widget__c/describe")["fields"]}
    assert fields["Code__c"]["unique"] is False
    create(sf, "Widget__c", {"Name": "c", "Code__c": "ABC"})


def test_a_deploy_cut_short_by_a_restart_reports_failed(tmp_path: Path) -> None:
    store = Store(tmp_path / "org.sqlite3")
    cut_short = DeployResult(
        id=store.ids.new("0Af"),
        status="InProgress",
        created_by="005",
        created_by_name="Local Admin",
        created_date="2026-01-05T10:00:00.000Z",
        last_modified_date="2026-01-05T10:00:00.000Z",
    )
    store.kv_put("deploy", cut_short.id, cut_short.model_dump(mode="json"))

    result = DeployService(Store(tmp_path / "org.sqlite3")).status(cut_short.id[:15])

    assert result is not None
    assert (result.status, result.done, result.success) == ("Failed", True, False)
    assert result.error_message == "The local org stopped before this deploy finished."
