"""The data dictionary is read from the metadata, and docs/data-model.md is kept current."""

from __future__ import annotations

from pathlib import Path

import pytest

from tier1_sync.metadata.source import SourceProject, load_source
from tier1_sync.model.dictionary import PANEL_NAMES, build_dictionary
from tier1_sync.model.ownership import Ownership, parse_ownership
from tier1_sync.model.render import to_markdown


def test_sections_are_the_eight_panels_then_the_rest(
    source: SourceProject, ownership: Ownership
) -> None:
    dictionary = build_dictionary(source, ownership)
    titles = [s.title for s in dictionary.sections]
    assert titles[:8] == list(PANEL_NAMES)
    assert "Sync audit" in titles
    placed = [(r.object, r.field) for s in dictionary.sections for r in s.rows]
    assert len(placed) == len(set(placed)), "a field is listed twice"
    assert len(placed) == len(source.all_fields()), "a field is missing from the dictionary"


def test_child_objects_land_in_their_panels(source: SourceProject, ownership: Ownership) -> None:
    dictionary = build_dictionary(source, ownership)
    risk = dictionary.section("Risk Flags")
    assert risk is not None
    assert {r.object for r in risk.rows} == {"Account", "Risk_Flag__c"}
    flag_key = next(r for r in risk.rows if r.field == "Flag_Key__c")
    assert flag_key.owners == ["Integration"]
    assert flag_key.editors == ["Integration"]


def test_editors_come_from_the_permission_sets(
    source_dir: Path, ownership: Ownership, tmp_path: Path
) -> None:
    """Change a permission set and the dictionary follows it (it is not a copy of the table)."""
    project = load_source(source_dir)
    project.permission_sets["Tier1_AE"].fields["Account.ARR__c"].editable = True
    row = next(
        r
        for s in build_dictionary(project, ownership).sections
        for r in s.rows
        if r.field == "ARR__c"
    )
    assert row.owners == ["RevOps"]
    assert row.editors == ["AE", "RevOps"]


def test_roll_ups_are_read_only_for_everyone(source: SourceProject, ownership: Ownership) -> None:
    rows = [r for s in build_dictionary(source, ownership).sections for r in s.rows]
    open_flags = next(r for r in rows if r.field == "Open_Risk_Flags__c")
    assert open_flags.editors == []
    assert open_flags.type == "Roll-up COUNT(Risk_Flag__c)"


def test_ownership_file_parses_roles_strictly() -> None:
    parsed = parse_ownership('[panels]\nRisk_Flag__c = 8\n[Account]\nARR__c = ["RevOps"]\n')
    assert parsed.owners == {"Account.ARR__c": ("RevOps",)}
    with pytest.raises(ValueError, match="Sales"):
        parse_ownership('[Account]\nARR__c = ["Sales"]\n')


def test_docs_data_model_is_current(
    project_dir: Path, source: SourceProject, ownership: Ownership
) -> None:
    committed = (project_dir / "docs" / "data-model.md").read_text(encoding="utf-8")
    generated = to_markdown(build_dictionary(source, ownership))
    assert committed == generated, (
        "docs/data-model.md is out of date: run `tier1 model --format md > docs/data-model.md`"
    )
