"""force-app matches the SPEC §3 tables, read from the SPEC itself (not a copy of it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.metadata.spec_tables import (
    account_fields,
    custom_object_fields,
    expected_owners,
    find_spec,
    type_problems,
)
from tier1_sync.metadata.source import CustomField, SourceProject
from tier1_sync.model.ownership import Ownership


@pytest.fixture(scope="module")
def spec_text(project_dir: Path) -> str:
    path = find_spec(project_dir)
    if path is None:
        pytest.skip("SPEC.md not found at ../shared/SPEC.md (set TIER1_SPEC to its path)")
    return path.read_text(encoding="utf-8")


def test_every_account_field_of_the_spec_exists_with_its_type(
    spec_text: str, source: SourceProject
) -> None:
    rows = account_fields(spec_text)
    assert len(rows) >= 35
    account = source.objects["Account"].fields
    missing = [row.name for row in rows if row.name not in account]
    assert not missing, f"Account fields in the SPEC but not in force-app: {missing}"
    assert sorted(account) == sorted(row.name for row in rows), "force-app has extra fields"
    problems = [p for row in rows for p in type_problems(account[row.name], row.spec)]
    assert not problems, "\n".join(problems)


def test_account_field_owners_match_the_spec(spec_text: str, ownership: Ownership) -> None:
    problems = []
    for row in account_fields(spec_text):
        wanted, co_owned = expected_owners(row.written_by)
        owners = set(ownership.owners_of(f"Account.{row.name}"))
        if (co_owned and not wanted <= owners) or (not co_owned and owners != wanted):
            problems.append(f"Account.{row.name}: owners {sorted(owners)}, SPEC: {row.written_by}")
    assert not problems, "\n".join(problems)


def test_every_custom_object_and_field_of_the_spec_exists(
    spec_text: str, source: SourceProject
) -> None:
    objects = custom_object_fields(spec_text)
    assert len(objects) == 7
    problems = []
    for object_name, fields in objects.items():
        obj = source.objects.get(object_name)
        if obj is None:
            problems.append(f"missing object {object_name}")
            continue
        for spec_field in fields:
            field: CustomField | None = obj.fields.get(spec_field.name)
            if field is None:
                problems.append(f"missing field {object_name}.{spec_field.name}")
            elif spec_field.name != "Account__c":
                problems.extend(type_problems(field, spec_field.spec))
    assert not problems, "\n".join(problems)


def test_a_wrong_type_is_caught(source: SourceProject) -> None:
    """The checker itself can fail: a Date field is not Text(80)."""
    field = source.objects["Account"].fields["Renewal_Date__c"]
    assert type_problems(field, "Text(80)")
    assert type_problems(field, "Date") == []
