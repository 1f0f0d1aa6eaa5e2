"""The permission sets implement the ownership table (SPEC §2, §3.1, §3.3)."""

from __future__ import annotations

import pytest

from tier1_sync.metadata.source import SourceProject
from tier1_sync.model.ownership import ROLES, Ownership, Role, permission_set_name

HUMAN_ROLES: tuple[Role, ...] = ("RevOps", "AE", "CSM")


def _custom_fields(source: SourceProject) -> list[str]:
    return sorted(f.full_name for f in source.all_fields())


def test_ownership_table_covers_exactly_the_fields_in_force_app(
    source: SourceProject, ownership: Ownership
) -> None:
    assert sorted(ownership.owners) == _custom_fields(source)


def test_ownership_table_gives_every_custom_object_a_panel(
    source: SourceProject, ownership: Ownership
) -> None:
    custom = sorted(name for name, obj in source.objects.items() if obj.is_custom)
    assert sorted(ownership.panels) == custom


def test_every_role_has_a_documented_permission_set(source: SourceProject) -> None:
    for role in ROLES:
        perm_set = source.permission_sets.get(permission_set_name(role))
        assert perm_set is not None, f"missing permission set {permission_set_name(role)}"
        assert perm_set.label
        assert len(perm_set.description) > 40, f"{perm_set.name} needs a real description"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_edits_exactly_the_fields_it_owns(
    role: Role, source: SourceProject, ownership: Ownership
) -> None:
    perm_set = source.permission_sets[permission_set_name(role)]
    owned = {
        name
        for name in ownership.fields_owned_by(role)
        if not (field := source.field(name)) or not field.is_master_detail
    }
    editable = perm_set.editable_fields()
    assert editable - owned == set(), f"{perm_set.name} edits fields it does not own"
    assert owned - editable == set(), f"{perm_set.name} cannot edit fields it owns"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_creates_exactly_the_children_it_owns(
    role: Role, source: SourceProject, ownership: Ownership
) -> None:
    """Master-detail fields take no field-level security: object create rights stand for them."""
    perm_set = source.permission_sets[permission_set_name(role)]
    for field in source.all_fields():
        if not field.is_master_detail:
            continue
        may_create = perm_set.objects.get(field.object)
        assert (may_create is not None and may_create.create) == (
            role in ownership.owners_of(field.full_name)
        ), f"{perm_set.name} create on {field.object}"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_the_whole_model(role: Role, source: SourceProject) -> None:
    perm_set = source.permission_sets[permission_set_name(role)]
    for name, obj in source.objects.items():
        assert perm_set.objects[name].read, f"{perm_set.name} cannot read {name}"
        for field in obj.fields.values():
            if field.is_master_detail:
                continue
            perm = perm_set.fields.get(field.full_name)
            assert perm is not None, f"{perm_set.name} has no access to {field.full_name}"
            assert perm.readable, f"{perm_set.name} cannot read {field.full_name}"
    for tab in source.tabs:
        assert perm_set.tabs.get(tab) == "Visible", f"{perm_set.name} hides tab {tab}"
    assert perm_set.applications.get("Tier1") is True


@pytest.mark.parametrize("role", ROLES)
def test_edit_rights_on_an_object_follow_the_fields(
    role: Role, source: SourceProject, ownership: Ownership
) -> None:
    perm_set = source.permission_sets[permission_set_name(role)]
    for name, obj in source.objects.items():
        edits_a_field = any(
            role in ownership.owners_of(f.full_name)
            for f in obj.fields.values()
            if not f.is_master_detail
        )
        assert perm_set.objects[name].edit == edits_a_field, f"{perm_set.name} edit {name}"


def test_computed_and_master_detail_fields_are_never_editable(source: SourceProject) -> None:
    for perm_set in source.permission_sets.values():
        for field in source.all_fields():
            perm = perm_set.fields.get(field.full_name)
            if field.is_master_detail:
                assert perm is None, f"{perm_set.name} sets FLS on master-detail {field.full_name}"
            elif field.is_computed:
                assert perm is not None
                assert not perm.editable, f"{perm_set.name} edits {field.full_name}"


def test_integration_never_edits_revops_ae_or_csm_fields(
    source: SourceProject, ownership: Ownership
) -> None:
    integration = source.permission_sets["Tier1_Integration"]
    for name in integration.editable_fields():
        owners = ownership.owners_of(name)
        assert "Integration" in owners, f"Tier1_Integration edits {name}, owned by {owners}"
    human_only = {
        name
        for name, owners in ownership.owners.items()
        if "Integration" not in owners and set(owners) & set(HUMAN_ROLES)
    }
    assert human_only, "the model has fields only people write"
    assert integration.editable_fields() & human_only == set()
    # Panel 2 and the other sync-owned Account fields: nobody but the integration writes them.
    for perm_set in source.permission_sets.values():
        if perm_set.name != "Tier1_Integration":
            assert not {f for f in perm_set.editable_fields() if f.startswith("Account.Health_")}


def test_no_permission_set_grants_view_all_or_modify_all(source: SourceProject) -> None:
    for perm_set in source.permission_sets.values():
        for name, perm in perm_set.objects.items():
            assert not perm.view_all, f"{perm_set.name} View All on {name}"
            assert not perm.modify_all, f"{perm_set.name} Modify All on {name}"
            assert not perm.delete, f"{perm_set.name} may delete {name}: production data is sacred"
        for permission in (
            "ModifyAllData",
            "ViewAllData",
            "ModifyMetadata",
            "CustomizeApplication",
        ):
            assert not perm_set.user_permissions.get(permission), f"{perm_set.name} {permission}"


def test_only_the_integration_user_has_api_access(source: SourceProject) -> None:
    enabled = [
        p.name for p in source.permission_sets.values() if p.user_permissions.get("ApiEnabled")
    ]
    assert enabled == ["Tier1_Integration"]


def test_permission_sets_name_only_existing_fields_and_objects(source: SourceProject) -> None:
    for perm_set in source.permission_sets.values():
        for name in perm_set.fields:
            assert source.field(name) is not None, f"{perm_set.name} names unknown field {name}"
        for name in perm_set.objects:
            assert name in source.objects or name in {"Contact", "Opportunity"}, name
