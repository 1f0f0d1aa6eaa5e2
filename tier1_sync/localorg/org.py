"""The local org: store, query engine, API usage and tokens behind one object."""

from __future__ import annotations

import secrets
import threading
from pathlib import Path
from typing import Any

from tier1_sync.localorg.errors import SalesforceError
from tier1_sync.localorg.ids import ORG_ID
from tier1_sync.localorg.query import QueryEngine
from tier1_sync.localorg.schema import SObjectDef, field_from_metadata
from tier1_sync.localorg.store import Store, UserContext
from tier1_sync.metadata.source import CustomField

API_VERSIONS = ("59.0", "60.0", "61.0", "62.0", "63.0")
LATEST_API_VERSION = API_VERSIONS[-1]
_RELEASES = {
    "59.0": "Winter '24",
    "60.0": "Spring '24",
    "61.0": "Summer '24",
    "62.0": "Winter '25",
    "63.0": "Spring '25",
}
DEFAULT_DAILY_API_REQUESTS = 100_000


def new_access_token() -> str:
    """A token in the shape the Salesforce CLI insists on: `00D<org id>!<secret>`."""
    return f"{ORG_ID}!{secrets.token_urlsafe(40).replace('-', '.').replace('_', '.')}"


def unauthorized() -> SalesforceError:
    return SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid")


class LocalOrg:
    """Everything one running local org holds. Thread-safe."""

    def __init__(
        self, data_dir: Path | None = None, daily_api_requests: int = DEFAULT_DAILY_API_REQUESTS
    ) -> None:
        self.data_dir = data_dir
        if data_dir is not None:
            data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(data_dir / "org.sqlite3" if data_dir else None)
        self.queries = QueryEngine(self.store, LATEST_API_VERSION)
        self.daily_api_requests = daily_api_requests
        self.instance_url = ""
        self._usage_lock = threading.Lock()
        self.admin_token = self._admin_token()

    @property
    def faults(self) -> Any:
        return self.store.faults

    def _admin_token(self) -> str:
        saved = self.store.kv_get("org", "admin_token")
        if isinstance(saved, str) and self.store.user_for_token(saved):
            return saved
        token = self.store.issue_token(self.store.admin_user_id(), new_access_token())
        self.store.kv_put("org", "admin_token", token)
        return token

    def add_field(self, field: CustomField) -> None:
        """Add one custom field to an object without a Metadata API deploy (tests, benches)."""
        obj = self.store.schema.get(field.object).model_copy(deep=True)
        obj.add(field_from_metadata(field))
        self.store.deploy_object(obj)

    def token_for(self, user_id: str) -> str:
        """A new access token for a user (tests log in as AE, CSM, integration user, ...)."""
        return self.store.issue_token(user_id, new_access_token())

    def context(self, token: str | None) -> UserContext:
        if not token:
            raise unauthorized()
        user_id = self.store.user_for_token(token)
        if user_id is None:
            raise unauthorized()
        return self.store.user_context(user_id)

    # --- API usage ---------------------------------------------------------------------

    def _usage_key(self) -> str:
        return f"api-usage:{self.store.clock.today().isoformat()}"

    def api_usage(self) -> int:
        value = self.store.kv_get("usage", self._usage_key())
        return int(value or 0)

    def count_api_call(self) -> int:
        """Count one API call; 403 REQUEST_LIMIT_EXCEEDED once the daily allocation is used."""
        with self._usage_lock:
            used = self.api_usage()
            if used >= self.daily_api_requests:
                raise SalesforceError(
                    403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."
                )
            self.store.kv_put("usage", self._usage_key(), used + 1)
            return used + 1

    def set_api_usage(self, used: int, allocation: int | None = None) -> None:
        with self._usage_lock:
            self.store.kv_put("usage", self._usage_key(), used)
            if allocation is not None:
                self.daily_api_requests = allocation

    def limit_header(self) -> str:
        return f"api-usage={self.api_usage()}/{self.daily_api_requests}"

    # --- describe ------------------------------------------------------------------------

    def versions(self) -> list[dict[str, str]]:
        return [
            {"label": _RELEASES[v], "url": f"/services/data/v{v}", "version": v}
            for v in API_VERSIONS
        ]

    def sobject_summary(self, obj: SObjectDef, version: str) -> dict[str, Any]:
        base = f"/services/data/v{version}/sobjects/{obj.name}"
        return {
            "activateable": False,
            "associateEntityType": None,
            "associateParentEntity": None,
            "createable": obj.createable,
            "custom": obj.custom,
            "customSetting": False,
            "deepCloneable": False,
            "deletable": obj.deletable,
            "deprecatedAndHidden": False,
            "feedEnabled": False,
            "hasSubtypes": False,
            "isInterface": False,
            "isSubtype": False,
            "keyPrefix": obj.key_prefix,
            "label": obj.label,
            "labelPlural": obj.label_plural,
            "layoutable": True,
            "mergeable": obj.name in {"Account", "Contact"},
            "mruEnabled": True,
            "name": obj.name,
            "queryable": True,
            "replicateable": True,
            "retrieveable": True,
            "searchable": True,
            "triggerable": True,
            "undeletable": obj.deletable,
            "updateable": obj.updateable,
            "urls": {
                "rowTemplate": f"{base}/{{ID}}",
                "describe": f"{base}/describe",
                "sobject": base,
            },
        }

    def describe(self, obj: SObjectDef, version: str) -> dict[str, Any]:
        children: list[dict[str, Any]] = [
            {
                "cascadeDelete": field.cascade_delete,
                "childSObject": child.name,
                "deprecatedAndHidden": False,
                "field": field.name,
                "junctionIdListNames": [],
                "junctionReferenceTo": [],
                "relationshipName": field.child_relationship_name,
                "restrictedDelete": False,
            }
            for child, field in self.store.schema.child_relationships(obj.name)
        ]
        return {
            **self.sobject_summary(obj, version),
            "actionOverrides": [],
            "childRelationships": children,
            "compactLayoutable": True,
            "defaultImplementation": None,
            "extendedBy": None,
            "extendsInterfaces": None,
            "fields": [field.describe() for field in obj.fields.values()],
            "implementedBy": None,
            "implementsInterfaces": None,
            "listviewable": None,
            "lookupLayoutable": None,
            "namedLayoutInfos": [],
            "networkScopeFieldName": None,
            "recordTypeInfos": [],
            "searchLayoutable": True,
            "sobjectDescribeOption": "FULL",
            "supportedScopes": [{"label": "All accounts", "name": "everything"}],
        }
