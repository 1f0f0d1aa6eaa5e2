"""Tier 1 roles and their permission sets; assignment by username and permission set name."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from simple_salesforce.api import Salesforce
from simple_salesforce.format import format_soql

from tier1_sync.errors import ConfigError


class RoleName(StrEnum):
    ae = "ae"
    csm = "csm"
    cs_lead = "cs-lead"
    revops = "revops"
    integration = "integration"


PERMISSION_SETS = {
    RoleName.ae: "Tier1_AE",
    RoleName.csm: "Tier1_CSM",
    RoleName.cs_lead: "Tier1_CS_Lead",
    RoleName.revops: "Tier1_RevOps",
    RoleName.integration: "Tier1_Integration",
}


def _one_id(sf: Salesforce, soql: str, missing: str, hint: str) -> str:
    records: list[dict[str, Any]] = sf.query(soql)["records"]
    if not records:
        raise ConfigError(missing, hint=hint)
    return str(records[0]["Id"])


def assign_permission_set(sf: Salesforce, username: str, permission_set: str) -> bool:
    """Assign; False when the user already had it. ConfigError for an unknown user or set."""
    user_id = _one_id(
        sf,
        format_soql("SELECT Id FROM User WHERE Username = {}", username),
        f"No user with username {username} in this org.",
        "Check the username (not the email).",
    )
    set_id = _one_id(
        sf,
        format_soql("SELECT Id FROM PermissionSet WHERE Name = {}", permission_set),
        f"The permission set {permission_set} is not in this org.",
        "Run tier1 deploy first.",
    )
    existing = sf.query(
        format_soql(
            "SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = {} AND PermissionSetId = {}",
            user_id,
            set_id,
        )
    )
    if existing["totalSize"]:
        return False
    sf.restful(
        "sobjects/PermissionSetAssignment",
        method="POST",
        json={"AssigneeId": user_id, "PermissionSetId": set_id},
    )
    return True
