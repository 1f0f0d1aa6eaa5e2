"""Read the field tables of SPEC §3 (the contract) so tests can hold force-app to them.

The SPEC lives in the team's shared folder beside the checkout (`../shared/SPEC.md`), or
wherever TIER1_SPEC points.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from tier1_sync.metadata.source import CustomField
from tier1_sync.model.ownership import Role

_FIELD = re.compile(r"`(\w+__c)`")
_SIZED = re.compile(r"^(Text|Number|Percent|Currency)\((\d+)(?:,(\d+))?\)")


@dataclass(frozen=True)
class SpecField:
    object: str
    name: str
    spec: str  # the type cell / the words that follow the name
    written_by: str = ""


def find_spec(project_dir: Path) -> Path | None:
    candidates = [os.environ.get("TIER1_SPEC", ""), str(project_dir.parent / "shared" / "SPEC.md")]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


def account_fields(spec_text: str) -> list[SpecField]:
    """The rows of the §3.1 table: API name, type, panel, written by."""
    rows = []
    for line in spec_text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and (match := _FIELD.fullmatch(cells[0])):
            rows.append(SpecField("Account", match.group(1), cells[1], cells[3]))
    return rows


def custom_object_fields(spec_text: str) -> dict[str, list[SpecField]]:
    """Fields named in the §3.2 bullets, each with the words right after its name."""
    section = spec_text.split("### 3.2", 1)[1].split("### 3.3", 1)[0]
    objects: dict[str, list[SpecField]] = {}
    for line in section.splitlines():
        match = re.match(r"- `(\w+__c)`", line)
        if not match:
            continue
        name = match.group(1)
        body = line[match.end() :].split(":", 1)[1]
        mentions = list(_FIELD.finditer(body))
        fields = []
        for i, mention in enumerate(mentions):
            end = mentions[i + 1].start() if i + 1 < len(mentions) else len(body)
            fields.append(
                SpecField(name, mention.group(1), _first_clause(body[mention.end() : end]))
            )
        objects[name] = fields
    return objects


def _first_clause(text: str) -> str:
    """The spec right after a field name: a (...) group, or the words up to a top-level comma."""
    text = text.strip()
    depth, out = 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch in ",." and depth == 0:
            break
        out.append(ch)
        if depth == 0 and out[0] == "(" and ch == ")":
            break
    return "".join(out).strip()


def _split_top(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    return [*parts, current.strip()]


def type_problems(field: CustomField, spec: str) -> list[str]:
    """What about `field` contradicts the SPEC's words for it (empty when it conforms)."""
    text = spec.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    if not text:
        return []
    parts = _split_top(text)
    head = parts[0]
    problems: list[str] = []

    def expect(what: str, actual: object, wanted: object) -> None:
        if actual != wanted:
            problems.append(f"{field.full_name}: {what} is {actual!r}, SPEC says {wanted!r}")

    if any("External ID" in p for p in parts):
        expect("externalId", field.external_id, True)
    if any(p.startswith("Unique") or ", Unique" in p for p in parts):
        expect("unique", field.unique, True)
    if head.startswith("Picklist:"):
        expect("type", field.type, "Picklist")
        expect("values", field.value_names, [v.strip() for v in head[9:].split(",")] + parts[1:])
        expect("restricted", field.restricted, True)
    elif head.startswith("Multi-select:"):
        expect("type", field.type, "MultiselectPicklist")
        expect("values", field.value_names, [v.strip() for v in head[13:].split(";")])
        expect("restricted", field.restricted, True)
    elif sized := _SIZED.match(head):
        kind, size, scale = sized.groups()
        expect("type", field.type, kind)
        if kind == "Text":
            expect("length", field.length, int(size))
        else:
            expect("precision", field.precision, int(size))
            expect("scale", field.scale, int(scale or 0))
    elif lookup := re.match(r"Lookup\((\w+)\)", head):
        expect("type", field.type, "Lookup")
        expect("referenceTo", field.reference_to, lookup.group(1))
    elif rollup := re.match(r"Roll-up COUNT of (\w+)", head):
        expect("type", field.type, "Summary")
        expect(
            "roll-up",
            (field.summary.operation, field.summary.child_object) if field.summary else None,
            ("count", rollup.group(1)),
        )
    elif head.startswith("Long Text"):
        expect("type", field.type, "LongTextArea")
    elif head.startswith("DateTime"):
        expect("type", field.type, "DateTime")
    elif re.match(r"Date\b", head):
        expect("type", field.type, "Date")
    elif head.startswith("Checkbox"):
        expect("type", field.type, "Checkbox")
        if "default true" in head:
            expect("default", field.default_value, "true")
    elif head in {"Percent", "Number"}:
        expect("type", field.type, head)
    elif head == "formula":
        expect("formula", field.formula is not None, True)
    elif len(parts) > 1 and "External ID" not in head:
        expect("type", field.type, "Picklist")
        expect("values", field.value_names, parts)
        expect("restricted", field.restricted, True)
    return problems


def expected_owners(written_by: str) -> tuple[set[Role], bool]:
    """Roles a 'Written by' cell names, and whether it says the field is co-owned."""
    cell = written_by.lower()
    roles: set[Role] = set()
    if "revops" in cell:
        roles.add("RevOps")
    if "integration" in cell or "the sync" in cell:
        roles.add("Integration")
    if "csm" in cell:
        roles.add("CSM")
    if "cs lead" in cell:
        roles.add("CS_Lead")
    if re.search(r"\bae\b", cell):
        roles.add("AE")
    return roles, "co-owned" in cell
