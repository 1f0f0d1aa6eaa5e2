"""FieldPermissions and ObjectPermissions: what the deployed permission sets grant, over SOQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest
from simple_salesforce.format import format_soql

from tests.localorg.helpers import create, error_body, query, rest
from tier1_sync.localorg.org import LocalOrg
from tier1_sync.localorg.server import RunningOrg
from tier1_sync.metadata.source import (
    FieldPermission,
    ObjectPermission,
    PermissionSet,
    SourceProject,
)

INTEGRATION_FIELDS = (
    "SELECT Field, SobjectType, PermissionsRead, PermissionsEdit FROM FieldPermissions "
    "WHERE Parent.Name = 'Tier1_Integration'"
)


def _edits(sf: Salesforce, perm_set: str = "Tier1_Integration") -> set[str]:
    soql = format_soql(
        "SELECT Field FROM FieldPermissions WHERE Parent.Name = {} AND PermissionsEdit = true",
        perm_set,
    )
    return {r["Field"] for r in query(sf, soql)["records"]}


def test_field_permissions_are_the_deployed_sets(
    deployed_org: RunningOrg, source: SourceProject
) -> None:
    sf = deployed_org.client()
    integration = source.permission_sets["Tier1_Integration"]
    records = query(sf, INTEGRATION_FIELDS)["records"]
    assert {r["Field"] for r in records} == set(integration.fields)
    assert all(r["PermissionsRead"] is True for r in records)
    assert all(r["SobjectType"] == r["Field"].split(".")[0] for r in records)
    assert _edits(sf) == integration.editable_fields()
    assert "Account.ARR__c" not in _edits(sf)
    assert "Account.ARR__c" in _edits(sf, "Tier1_RevOps")


def test_object_permissions_are_the_deployed_sets(
    deployed_org: RunningOrg, source: SourceProject
) -> None:
    records = query(
        deployed_org.client(),
        "SELECT SobjectType, PermissionsCreate, PermissionsEdit, PermissionsDelete, "
        "PermissionsModifyAllRecords, Parent.Name FROM ObjectPermissions "
        "WHERE Parent.Name = 'Tier1_Integration' ORDER BY SobjectType",
    )["records"]
    expected = source.permission_sets["Tier1_Integration"].objects
    assert [r["SobjectType"] for r in records] == sorted(expected)
    creates = {r["SobjectType"] for r in records if r["PermissionsCreate"]}
    assert creates == {name for name, perm in expected.items() if perm.create}
    assert "Sync_Run__c" in creates
    assert not any(r["PermissionsDelete"] or r["PermissionsModifyAllRecords"] for r in records)
    assert {r["Parent"]["Name"] for r in records} == {"Tier1_Integration"}


def test_a_permission_set_reaches_its_rows_through_child_relationships(
    deployed_org: RunningOrg,
) -> None:
    record = query(
        deployed_org.client(),
        "SELECT Name, (SELECT Field FROM FieldPerms WHERE PermissionsEdit = true), "
        "(SELECT SobjectType FROM ObjectPerms) FROM PermissionSet WHERE Name = 'Tier1_CS_Lead'",
    )["records"][0]
    edited = {r["Field"] for r in record["FieldPerms"]["records"]}
    assert "Account.Risk_Override_Approved_By__c" in edited
    assert "Account" in {r["SobjectType"] for r in record["ObjectPerms"]["records"]}


def test_a_redeployed_set_replaces_its_rows(deployed_org: RunningOrg) -> None:
    sf = deployed_org.client()
    before = query(sf, INTEGRATION_FIELDS)["totalSize"]
    store = deployed_org.org.store
    perm_set = PermissionSet.model_validate(store.kv_get("permissionset", "Tier1_Integration"))
    perm_set.fields["Account.ARR__c"] = FieldPermission(readable=True, editable=True)
    perm_set.fields["Account.Segment__c"] = FieldPermission(readable=False, editable=False)
    with store.transaction():
        store.save_permission_set(perm_set)
    assert "Account.ARR__c" in _edits(sf)
    records = query(sf, INTEGRATION_FIELDS)["records"]
    assert len(records) == before - 1, "no duplicates; a field granted nothing has no row"
    assert "Account.Segment__c" not in {r["Field"] for r in records}


def test_permission_rows_are_read_only(deployed_org: RunningOrg) -> None:
    sf = deployed_org.client()
    described = rest(sf, "sobjects/FieldPermissions/describe")
    assert described["createable"] is False
    assert {f["name"] for f in described["fields"]} >= {"ParentId", "Field", "PermissionsEdit"}
    parent = query(sf, "SELECT Id FROM PermissionSet WHERE Name = 'Tier1_AE'")["records"][0]
    with pytest.raises(SalesforceMalformedRequest) as refused:
        create(
            sf,
            "FieldPermissions",
            {"ParentId": parent["Id"], "SobjectType": "Account", "Field": "Account.ARR__c"},
        )
    assert error_body(refused.value)["errorCode"] == "INVALID_TYPE_FOR_OPERATION"


def test_a_data_folder_from_before_gets_its_rows(tmp_path: Path) -> None:
    org = LocalOrg(tmp_path)
    perm_set = PermissionSet(
        name="Tier1_Test",
        label="Test",
        fields={"Account.Name": FieldPermission(readable=True, editable=True)},
        objects={"Account": ObjectPermission(read=True, edit=True)},
    )
    with org.store.transaction():
        org.store.save_permission_set(perm_set)
        org.store.db.execute('DELETE FROM "FieldPermissions"')  # as an older org left it
        org.store.db.execute('DELETE FROM "ObjectPermissions"')
    org.store.db.close()

    reopened = LocalOrg(tmp_path)
    rows = reopened.queries.query(
        "SELECT Field, PermissionsEdit FROM FieldPermissions WHERE Parent.Name = 'Tier1_Test'"
    )["records"]
    assert [(r["Field"], r["PermissionsEdit"]) for r in rows] == [("Account.Name", True)]
    objects = reopened.queries.query("SELECT SobjectType FROM ObjectPermissions")["records"]
    assert [r["SobjectType"] for r in objects] == ["Account"]
