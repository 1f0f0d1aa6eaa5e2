"""Every metadata file validates against the Metadata API schema simple-salesforce ships."""

from __future__ import annotations

from pathlib import Path

import pytest

from tier1_sync.metadata.schema import MetadataSchema, check_tree_files

FIELD = b"""<?xml version="1.0" encoding="UTF-8"?>
<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">
    <fullName>Health_Score__c</fullName>
    <description>Written by the sync.</description>
    <label>Health Score</label>
    <precision>3</precision>
    <scale>0</scale>
    <type>Number</type>
</CustomField>
"""


def test_schema_is_api_63(schema: MetadataSchema) -> None:
    assert schema.api_version == "63.0"


def test_every_file_under_force_app_is_valid(source_dir: Path) -> None:
    files = list(source_dir.rglob("*-meta.xml"))
    assert len(files) > 100, "force-app should hold the whole model"
    problems = check_tree_files(source_dir)
    assert not problems, "\n".join(str(p) for p in problems)


def test_a_valid_field_passes(schema: MetadataSchema) -> None:
    assert schema.check_bytes(FIELD, "f.xml") == []


def test_element_order_does_not_matter(schema: MetadataSchema) -> None:
    lines = FIELD.decode().splitlines()
    shuffled = [*lines[:2], *reversed(lines[2:-1]), lines[-1]]
    assert schema.check_bytes("\n".join(shuffled).encode(), "f.xml") == []


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (FIELD.replace(b"<type>Number", b"<type>Numbr"), "'Numbr' is not an element of the set"),
        (
            FIELD.replace(b"<label>Health Score</label>", b"<lable>Health Score</lable>"),
            "'lable': This element is not expected",
        ),
        (FIELD.replace(b"<precision>3", b"<precision>three"), "'three' is not a valid value"),
        (
            FIELD.replace(b"<scale>0</scale>", b"<externalId>yes</externalId><scale>0</scale>"),
            "'yes' is not a valid value",
        ),
        (FIELD.replace(b"CustomField", b"CustomFeld"), "is not a Metadata API type"),
        (FIELD.replace(b"</label>", b""), "not well-formed XML"),
    ],
)
def test_a_broken_file_fails_with_file_line_and_reason(
    schema: MetadataSchema, broken: bytes, expected: str
) -> None:
    problems = schema.check_bytes(broken, "objects/Account/fields/Health_Score__c.field-meta.xml")
    assert problems, "the broken file passed validation"
    assert expected in problems[0].message
    assert problems[0].path.endswith("Health_Score__c.field-meta.xml")
    assert problems[0].line >= 1


def test_a_broken_file_in_the_tree_is_reported(tmp_path: Path, source_dir: Path) -> None:
    target = tmp_path / "default" / "objects" / "Account" / "fields"
    target.mkdir(parents=True)
    original = source_dir / "objects" / "Account" / "fields" / "ARR__c.field-meta.xml"
    broken = original.read_bytes().replace(b"<type>Currency</type>", b"<type>Curency</type>")
    (target / "ARR__c.field-meta.xml").write_bytes(broken)
    problems = check_tree_files(tmp_path / "default")
    assert [p.path for p in problems] == ["default/objects/Account/fields/ARR__c.field-meta.xml"]
    assert "Curency" in problems[0].message
