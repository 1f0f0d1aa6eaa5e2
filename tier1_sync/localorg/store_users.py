"""Users and permissions in the store: the seeded profiles, admin user and organization,
session tokens, permission sets (with their FieldPermissions/ObjectPermissions rows) and the
`UserContext` every write is checked against."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tier1_sync.localorg.ids import ORG_ID
from tier1_sync.localorg.permission_rows import has_rows, write_permission_rows
from tier1_sync.localorg.store_tables import TableStore
from tier1_sync.localorg.values import format_datetime
from tier1_sync.metadata.source import PermissionSet

ADMIN_USERNAME = "admin@tier1.local"
ADMIN_PROFILE = "System Administrator"
STANDARD_PROFILE = "Standard User"


@dataclass
class UserContext:
    user_id: str
    is_admin: bool
    editable: set[str] = field(default_factory=set)  # lower-case "object.field"
    creatable_objects: set[str] = field(default_factory=set)  # lower-case
    editable_objects: set[str] = field(default_factory=set)
    governed_objects: set[str] = field(default_factory=set)  # objects our permission sets cover


def _system_fields(now: str, user_id: str) -> dict[str, Any]:
    """The audit fields of a row the org writes itself, as written by `user_id` at `now`."""
    return {
        "CreatedDate": now,
        "LastModifiedDate": now,
        "SystemModstamp": now,
        "CreatedById": user_id,
        "LastModifiedById": user_id,
        "IsDeleted": 0,
    }


class UserStore(TableStore):
    """The store's users, sessions and permission sets."""

    # --- seed ------------------------------------------------------------------------------

    def _seed(self) -> None:
        if self.db.execute('SELECT 1 FROM "Profile" LIMIT 1').fetchone():
            return
        now = format_datetime(self.clock.now())
        admin_profile = self.ids.new("00e")
        standard_profile = self.ids.new("00e")
        admin_id = self.ids.new("005")
        system = _system_fields(now, admin_id)
        self._insert_row(
            "Profile",
            {
                "Id": admin_profile,
                "Name": ADMIN_PROFILE,
                "PermissionsModifyAllData": 1,
                "PermissionsApiEnabled": 1,
                **system,
            },
        )
        self._insert_row(
            "Profile",
            {
                "Id": standard_profile,
                "Name": STANDARD_PROFILE,
                "PermissionsModifyAllData": 0,
                "PermissionsApiEnabled": 1,
                **system,
            },
        )
        self._insert_row(
            "User",
            {
                "Id": admin_id,
                "Username": ADMIN_USERNAME,
                "LastName": "Admin",
                "FirstName": "Local",
                "Name": "Local Admin",
                "Email": ADMIN_USERNAME,
                "Alias": "ladmin",
                "IsActive": 1,
                "TimeZoneSidKey": "GMT",
                "LocaleSidKey": "en_US",
                "EmailEncodingKey": "UTF-8",
                "LanguageLocaleKey": "en_US",
                "ProfileId": admin_profile,
                **system,
            },
        )
        self._insert_row(
            "Organization",
            {
                "Id": ORG_ID,
                "Name": "Tier 1 Local Org",
                "InstanceName": "LOCAL",
                "IsSandbox": 0,
                "TrialExpirationDate": None,
                "NamespacePrefix": None,
                "OrganizationType": "Developer Edition",
                **system,
            },
        )
        self._save_id_counter()

    # --- users, tokens, permission sets -----------------------------------------------------

    def admin_user_id(self) -> str:
        row = self.db.execute('SELECT Id FROM "User" WHERE Username = ?', (ADMIN_USERNAME,))
        return str(row.fetchone()[0])

    def issue_token(self, user_id: str, token: str) -> str:
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO _tokens VALUES (?, ?)", (token, user_id))
        return token

    def user_for_token(self, token: str) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT user_id FROM _tokens WHERE token = ?", (token,))
            found = row.fetchone()
        return None if found is None else str(found[0])

    def save_permission_set(self, perm_set: PermissionSet) -> None:
        with self.lock:
            self.kv_put("permissionset", perm_set.name, perm_set.model_dump())
            existing = self.db.execute(
                'SELECT Id FROM "PermissionSet" WHERE Name = ?', (perm_set.name,)
            ).fetchone()
            now = format_datetime(self.clock.now())
            admin = self.admin_user_id()
            if existing:
                set_id = str(existing[0])
                self.db.execute(
                    'UPDATE "PermissionSet" SET Label = ?, Description = ?, LastModifiedDate = ? '
                    "WHERE Id = ?",
                    (perm_set.label, perm_set.description[:255], now, set_id),
                )
            else:
                set_id = self.ids.new("0PS")
                self._insert_row(
                    "PermissionSet",
                    {
                        "Id": set_id,
                        "Name": perm_set.name,
                        "Label": perm_set.label,
                        "Description": perm_set.description[:255],
                        "IsOwnedByProfile": 0,
                        **_system_fields(now, admin),
                    },
                )
            self._write_permission_rows(perm_set, set_id)

    def _write_permission_rows(self, perm_set: PermissionSet, set_id: str) -> None:
        now = format_datetime(self.clock.now())
        admin = self.admin_user_id()
        system = _system_fields(now, admin)
        write_permission_rows(self.db, perm_set, set_id, self.ids.new, system)

    def _backfill_permission_rows(self) -> None:
        """Data folders from before FieldPermissions/ObjectPermissions existed get their rows."""
        written = False
        for data in self.kv_all("permissionset").values():
            perm_set = PermissionSet.model_validate(data)
            row = self.db.execute(
                'SELECT Id FROM "PermissionSet" WHERE Name = ?', (perm_set.name,)
            ).fetchone()
            if row and not has_rows(self.db, str(row[0])):
                self._write_permission_rows(perm_set, str(row[0]))
                written = True
        if written:
            self._save_id_counter()

    def user_context(self, user_id: str) -> UserContext:
        with self.lock:
            row = self.db.execute(
                'SELECT p.PermissionsModifyAllData FROM "User" u JOIN "Profile" p '
                "ON p.Id = u.ProfileId WHERE u.Id = ?",
                (user_id,),
            ).fetchone()
            names = [
                r[0]
                for r in self.db.execute(
                    'SELECT ps.Name FROM "PermissionSetAssignment" a JOIN "PermissionSet" ps '
                    "ON ps.Id = a.PermissionSetId WHERE a.AssigneeId = ?",
                    (user_id,),
                )
            ]
        context = UserContext(user_id=user_id, is_admin=bool(row and row[0]))
        for data in self.kv_all("permissionset").values():
            perm_set = PermissionSet.model_validate(data)
            context.governed_objects |= {name.lower() for name in perm_set.objects}
            if perm_set.name not in names:
                continue
            context.editable |= {name.lower() for name in perm_set.editable_fields()}
            for name, perm in perm_set.objects.items():
                if perm.create:
                    context.creatable_objects.add(name.lower())
                if perm.edit:
                    context.editable_objects.add(name.lower())
        return context
