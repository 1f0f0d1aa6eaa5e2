"""`tier1 doctor` checks of what is deployed and who may do what: the data model, the
permission sets and their assignments, and the integration user's exact write access."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from simple_salesforce.format import format_soql

from tier1_sync.metadata.source import ObjectPermission, SourceProject
from tier1_sync.model.ownership import ROLES, Role, load_ownership, permission_set_name
from tier1_sync.salesforce.connection import Connection
from tier1_sync.salesforce.deploy import SchemaDiff, compare_schema
from tier1_sync.salesforce.doctor_checks import Check, Fixes, listing

DATA_MODEL = "Data model"
PERMISSION_SETS = "Permission sets"
INTEGRATION_ACCESS = "Integration access"
INTEGRATION_SET = permission_set_name("Integration")
OBJECT_RIGHTS = ("create", "edit", "delete", "modify_all")
_OBJECT_COLUMNS = {
    "create": "PermissionsCreate",
    "edit": "PermissionsEdit",
    "delete": "PermissionsDelete",
    "modify_all": "PermissionsModifyAllRecords",
}


def _records(connection: Connection, soql: str, *values: Any) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = connection.sf.query_all(format_soql(soql, *values))["records"]
    return records


def cli_role(role: Role) -> str:
    """The `tier1 assign --role` value of a role: CS_Lead → cs-lead."""
    return role.lower().replace("_", "-")


# --- data model ---------------------------------------------------------------------------


def check_data_model(connection: Connection, source: SourceProject, fixes: Fixes) -> Check:
    return judge_data_model(compare_schema(connection, source), source, fixes)


def judge_data_model(diff: SchemaDiff, source: SourceProject, fixes: Fixes) -> Check:
    if diff.matches:
        detail = (
            f"{len(source.objects)} objects and {len(source.all_fields())} fields as in force-app"
        )
        return Check(name=DATA_MODEL, ok=True, detail=detail)
    parts: list[str] = []
    if diff.missing_objects:
        parts.append(f"missing objects: {listing(diff.missing_objects)}")
    if diff.missing_fields:
        parts.append(f"missing fields: {listing(diff.missing_fields)}")
    if diff.conflicts:
        parts.append(f"of another type in the org: {listing(c.field for c in diff.conflicts)}")
    items = [
        *(f"missing object {name}" for name in diff.missing_objects),
        *(f"missing field {name}" for name in diff.missing_fields),
        *(
            f"{c.field} is {c.in_org} in the org, {c.in_force_app} in force-app"
            for c in diff.conflicts
        ),
    ]
    fix = fixes.deploy
    if diff.conflicts:
        fix = f"Rename or retire the org's fields of another type, then {fixes.deploy}"
    return Check(name=DATA_MODEL, ok=False, detail="; ".join(parts), fix=fix, items=items)


# --- permission sets and assignments ------------------------------------------------------


def check_permission_sets(
    connection: Connection, integration_user: str | None, fixes: Fixes
) -> Check:
    names = [permission_set_name(role) for role in ROLES]
    found = {
        r["Name"]
        for r in _records(connection, "SELECT Name FROM PermissionSet WHERE Name IN {}", names)
    }
    holders: dict[str, set[str]] = {name: set() for name in names}
    for record in _records(
        connection,
        "SELECT Assignee.Username, PermissionSet.Name FROM PermissionSetAssignment "
        "WHERE PermissionSet.Name IN {} AND Assignee.IsActive = true",
        names,
    ):
        holders[record["PermissionSet"]["Name"]].add(record["Assignee"]["Username"])
    user_active: bool | None = None
    if integration_user:
        users = _records(
            connection, "SELECT IsActive FROM User WHERE Username = {}", integration_user
        )
        user_active = bool(users[0]["IsActive"]) if users else None
    return judge_permission_sets(found, holders, integration_user, user_active, fixes)


def judge_permission_sets(
    found: set[str],
    holders: dict[str, set[str]],
    integration_user: str | None,
    user_active: bool | None,
    fixes: Fixes,
) -> Check:
    """`user_active` is None when the integration user is not in the org."""
    missing = [
        permission_set_name(role) for role in ROLES if permission_set_name(role) not in found
    ]
    if missing:
        return Check(
            name=PERMISSION_SETS,
            ok=False,
            detail=f"not in the org: {listing(missing)}",
            fix=fixes.deploy,
            items=missing,
        )
    setting = f'Set integration_user = "<username>" under [orgs.{fixes.org}] in tier1.toml'
    if integration_user is None:
        return Check(
            name=PERMISSION_SETS,
            ok=False,
            detail="no integration user: the login did not say who it is",
            fix=setting,
        )
    if user_active is None:
        return Check(
            name=PERMISSION_SETS,
            ok=False,
            detail=f"the integration user {integration_user} is not in the org",
            fix=setting,
        )
    if not user_active:
        return Check(
            name=PERMISSION_SETS,
            ok=False,
            detail=f"the integration user {integration_user} is inactive",
            fix=f"Reactivate {integration_user} (Setup > Users), or {setting[0].lower()}"
            f"{setting[1:]}",
        )
    if integration_user not in holders.get(INTEGRATION_SET, set()):
        return Check(
            name=PERMISSION_SETS,
            ok=False,
            detail=f"the integration user {integration_user} does not have {INTEGRATION_SET}",
            fix=fixes.assign(integration_user, cli_role("Integration")),
        )
    return _assignment_warnings(holders, integration_user, fixes)


def _assignment_warnings(
    holders: dict[str, set[str]], integration_user: str, fixes: Fixes
) -> Check:
    humans = [role for role in ROLES if role != "Integration"]
    nobody = [role for role in humans if not holders.get(permission_set_name(role))]
    extra = [
        permission_set_name(role)
        for role in humans
        if integration_user in holders.get(permission_set_name(role), set())
    ]
    parts = [f"all 5 in the org; {integration_user} has {INTEGRATION_SET}"]
    items: list[str] = []
    if nobody:
        unheld = [permission_set_name(role) for role in nobody]
        parts.append(f"nobody holds {listing(unheld)} yet")
        items += [f"nobody holds {name}" for name in unheld]
    if extra:
        parts.append(
            f"the integration user also holds {listing(extra)}, so the sync could write "
            "fields it does not own"
        )
        items += [f"{integration_user} holds {name}" for name in extra]
    fix = fixes.assign("<username>", cli_role(nobody[0])) if nobody else None
    return Check(
        name=PERMISSION_SETS,
        ok=True,
        warning=bool(items),
        detail="; ".join(parts),
        fix=fix,
        items=items,
    )


# --- the integration user's write access ------------------------------------------------


def expected_integration_fields(source: SourceProject) -> set[str]:
    """Fields the ownership table gives the sync, less those that take no field security."""
    owned = load_ownership().fields_owned_by("Integration")
    return {
        name
        for name in owned
        if (field := source.field(name)) is None
        or not (field.is_master_detail or field.is_computed)
    }


def check_integration_access(connection: Connection, source: SourceProject, fixes: Fixes) -> Check:
    if not _records(connection, "SELECT Id FROM PermissionSet WHERE Name = {}", INTEGRATION_SET):
        return Check(
            name=INTEGRATION_ACCESS,
            ok=False,
            detail=f"{INTEGRATION_SET} is not in the org",
            fix=fixes.deploy,
        )
    edits = {
        r["Field"]
        for r in _records(
            connection,
            "SELECT Field FROM FieldPermissions WHERE Parent.Name = {} AND PermissionsEdit = true",
            INTEGRATION_SET,
        )
    }
    rights = {
        r["SobjectType"]: {right: bool(r[column]) for right, column in _OBJECT_COLUMNS.items()}
        for r in _records(
            connection,
            "SELECT SobjectType, PermissionsCreate, PermissionsEdit, PermissionsDelete, "
            "PermissionsModifyAllRecords FROM ObjectPermissions WHERE Parent.Name = {}",
            INTEGRATION_SET,
        )
    }
    perm_set = source.permission_sets.get(INTEGRATION_SET)
    expected_objects = perm_set.objects if perm_set else {}
    return judge_integration_access(
        edits, rights, expected_integration_fields(source), expected_objects, fixes
    )


def _object_differences(
    rights: dict[str, dict[str, bool]], expected: dict[str, ObjectPermission]
) -> list[str]:
    problems: list[str] = []
    for name in sorted({*rights, *expected}):
        want = expected.get(name, ObjectPermission())
        have = rights.get(name, {})
        for right in OBJECT_RIGHTS:
            wanted, granted = bool(getattr(want, right)), have.get(right, False)
            if wanted and not granted:
                problems.append(f"cannot {right.replace('_', ' ')} {name}")
            elif granted and not wanted:
                problems.append(
                    f"may {right.replace('_', ' ')} {name}, which force-app does not grant"
                )
    return problems


def judge_integration_access(
    edits: Iterable[str],
    rights: dict[str, dict[str, bool]],
    expected_fields: set[str],
    expected_objects: dict[str, ObjectPermission],
    fixes: Fixes,
) -> Check:
    edited = set(edits)
    extra, missing = sorted(edited - expected_fields), sorted(expected_fields - edited)
    objects = _object_differences(rights, expected_objects)
    if not (extra or missing or objects):
        creates = sorted(name for name, perm in expected_objects.items() if perm.create)
        detail = (
            f"{INTEGRATION_SET} edits exactly its {len(expected_fields)} fields"
            f" and creates {listing(creates)}"
        )
        return Check(name=INTEGRATION_ACCESS, ok=True, detail=detail)
    parts: list[str] = []
    if extra:
        parts.append(f"edits fields it does not own: {listing(extra)}")
    if missing:
        parts.append(f"cannot edit its fields: {listing(missing)}")
    if objects:
        parts.append(f"object rights differ: {listing(objects, 3)}")
    items = [
        *(f"edits {name}, which it does not own" for name in extra),
        *(f"cannot edit {name}" for name in missing),
        *objects,
    ]
    return Check(
        name=INTEGRATION_ACCESS,
        ok=False,
        detail=f"{INTEGRATION_SET} " + "; ".join(parts),
        fix=fixes.deploy,
        items=items,
    )
