"""Layouts, the record page, list views, tabs and the app reference only what exists."""

from __future__ import annotations

from tier1_sync.metadata.source import STANDARD_LIST_VIEW_COLUMNS, SourceProject
from tier1_sync.model.dictionary import ACCOUNT_LAYOUT, PANEL_NAMES

CHILD_RELATIONSHIPS = {
    "Health_Snapshot__c": "Health_Snapshots",
    "Usage_Snapshot__c": "Usage_Snapshots",
    "Open_Item__c": "Open_Items",
    "Stakeholder__c": "Stakeholders",
    "Expansion_Signal__c": "Expansion_Signals",
    "Risk_Flag__c": "Risk_Flags",
}


def test_layouts_reference_existing_fields(source: SourceProject) -> None:
    for layout in source.layouts.values():
        assert layout.object in source.objects, f"{layout.name}: unknown object"
        for section in layout.sections:
            for item in section.items:
                assert source.field_exists(layout.object, item.field), (
                    f"{layout.name} / {section.label}: unknown field {item.field}"
                )
        for related in layout.related_lists:
            child, _, key = related.related_list.partition(".")
            field = source.field(related.related_list)
            assert field is not None, f"{layout.name}: unknown related list {related.related_list}"
            assert field.reference_to == layout.object, f"{layout.name}: {key} does not point here"
            for column in related.fields:
                assert column == "NAME" or source.field_exists(child, column), (
                    f"{layout.name}: related list {child} has unknown column {column}"
                )


def test_every_custom_object_has_a_layout_and_a_tab(source: SourceProject) -> None:
    custom = {name for name, obj in source.objects.items() if obj.is_custom}
    assert {layout.object for layout in source.layouts.values()} >= custom
    assert set(source.tabs) == custom


def test_account_layout_has_one_section_per_panel_in_order(source: SourceProject) -> None:
    layout = source.layouts[ACCOUNT_LAYOUT]
    labels = [section.label for section in layout.sections]
    assert labels[: len(PANEL_NAMES)] == list(PANEL_NAMES)
    related = {r.related_list.split(".")[0] for r in layout.related_lists}
    assert related >= set(CHILD_RELATIONSHIPS)


def test_account_layout_shows_every_account_field_and_panel_2_is_read_only(
    source: SourceProject,
) -> None:
    layout = source.layouts[ACCOUNT_LAYOUT]
    items = {item.field: item.behavior for s in layout.sections for item in s.items}
    assert set(source.objects["Account"].fields) <= set(items)
    health = next(s for s in layout.sections if s.label == "Health Score")
    assert health.items
    assert {item.behavior for item in health.items} == {"Readonly"}


def test_record_page_shows_the_eight_panels(source: SourceProject) -> None:
    page = source.flexipages["Tier1_Account_Record_Page"]
    assert page.type == "RecordPage"
    assert page.sobject_type == "Account"
    assert [label for label, _ in page.field_sections] == list(PANEL_NAMES)
    for label, fields in page.field_sections:
        assert fields, f"record page section {label} is empty"
        for field in fields:
            assert source.field_exists("Account", field), f"{label}: unknown field {field}"
    expected = {f"{name}__r" for name in CHILD_RELATIONSHIPS.values()}
    assert set(page.related_lists) >= expected


def test_child_objects_are_master_detail_to_account_with_plural_names(
    source: SourceProject,
) -> None:
    for child, relationship in CHILD_RELATIONSHIPS.items():
        field = source.objects[child].fields["Account__c"]
        assert field.is_master_detail
        assert field.reference_to == "Account"
        assert field.relationship_name == relationship
        assert source.objects[child].sharing_model == "ControlledByParent"


def test_list_views_reference_existing_fields(source: SourceProject) -> None:
    views = [view for obj in source.objects.values() for view in obj.list_views.values()]
    assert {v.name for v in source.objects["Account"].list_views.values()} == {
        "Tier1_Accounts",
        "Tier1_Escalations",
        "Tier1_Renewing_90_Days",
        "Tier1_Review_Overdue",
    }
    for view in views:
        for name in [*view.columns, *(f.field for f in view.filters)]:
            assert name in STANDARD_LIST_VIEW_COLUMNS or source.field_exists(view.object, name), (
                f"list view {view.object}.{view.name}: unknown field {name}"
            )


def test_escalations_view_filters_on_two_or_more_open_flags(source: SourceProject) -> None:
    view = source.objects["Account"].list_views["Tier1_Escalations"]
    filters = {(f.field, f.operation, f.value) for f in view.filters}
    assert ("Open_Risk_Flags__c", "greaterOrEqual", "2") in filters
    assert any(f.field == "Tier1__c" for f in view.filters)


def test_app_has_account_and_every_custom_tab_and_uses_the_record_page(
    source: SourceProject,
) -> None:
    app = source.applications["Tier1"]
    assert app.tabs[0] == "standard-Account"
    assert set(app.tabs[1:]) == set(source.tabs)
    assert ("View", "Tier1_Account_Record_Page", "Account") in app.overrides


def test_validation_rules_name_existing_fields(source: SourceProject) -> None:
    for obj in source.objects.values():
        for rule in obj.validation_rules.values():
            assert rule.name.isupper(), f"{rule.name} should be UPPER_SNAKE"
            assert rule.active
            assert rule.description
            assert rule.error_message
            if rule.error_display_field:
                assert source.field_exists(obj.name, rule.error_display_field)
