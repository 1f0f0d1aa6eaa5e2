"""FieldPermissions and ObjectPermissions rows: what a deployed permission set grants, as
Salesforce exposes it to SOQL (`SELECT Field, PermissionsEdit FROM FieldPermissions WHERE
Parent.Name = 'Tier1_Integration'`).

A deploy replaces a permission set's rows; as on Salesforce, a field or object the set grants
nothing on has no row, and edit implies read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from tier1_sync.metadata.source import PermissionSet

FIELD_PERMISSIONS = "FieldPermissions"
OBJECT_PERMISSIONS = "ObjectPermissions"
FIELD_PERMISSIONS_PREFIX = "01k"
OBJECT_PERMISSIONS_PREFIX = "110"


def _insert(db: sqlite3.Connection, table: str, values: dict[str, Any]) -> None:
    columns = ", ".join(f'"{name}"' for name in values)
    marks = ", ".join("?" for _ in values)
    db.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', list(values.values()))


def has_rows(db: sqlite3.Connection, parent_id: str) -> bool:
    for table in (FIELD_PERMISSIONS, OBJECT_PERMISSIONS):
        if db.execute(
            f'SELECT 1 FROM "{table}" WHERE ParentId = ? LIMIT 1', (parent_id,)
        ).fetchone():
            return True
    return False


def write_permission_rows(
    db: sqlite3.Connection,
    perm_set: PermissionSet,
    parent_id: str,
    new_id: Callable[[str], str],
    system: dict[str, Any],
) -> None:
    """Replace the rows of one permission set. `system`: CreatedDate, CreatedById, ..."""
    for table in (FIELD_PERMISSIONS, OBJECT_PERMISSIONS):
        db.execute(f'DELETE FROM "{table}" WHERE ParentId = ?', (parent_id,))
    for name, field in sorted(perm_set.fields.items()):
        if not (field.readable or field.editable):
            continue
        _insert(
            db,
            FIELD_PERMISSIONS,
            {
                "Id": new_id(FIELD_PERMISSIONS_PREFIX),
                "ParentId": parent_id,
                "SobjectType": name.partition(".")[0],
                "Field": name,
                "PermissionsRead": 1,
                "PermissionsEdit": int(field.editable),
                **system,
            },
        )
    for name, obj in sorted(perm_set.objects.items()):
        grants = {
            "PermissionsCreate": obj.create,
            "PermissionsRead": obj.read or obj.create or obj.edit or obj.delete,
            "PermissionsEdit": obj.edit,
            "PermissionsDelete": obj.delete,
            "PermissionsViewAllRecords": obj.view_all or obj.modify_all,
            "PermissionsModifyAllRecords": obj.modify_all,
        }
        if not any(grants.values()):
            continue
        _insert(
            db,
            OBJECT_PERMISSIONS,
            {
                "Id": new_id(OBJECT_PERMISSIONS_PREFIX),
                "ParentId": parent_id,
                "SobjectType": name,
                **{key: int(value) for key, value in grants.items()},
                **system,
            },
        )
