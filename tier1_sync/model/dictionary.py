"""The data dictionary: every field of the model, by panel, with who owns and who can edit it.

Read from the metadata files (fields, the Account layout's panel sections, permission sets)
and from ownership.toml; nothing here restates the model.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from tier1_sync.metadata.source import CustomField, SourceProject
from tier1_sync.model.ownership import ROLES, Ownership, Role, permission_set_name

PANEL_NAMES: tuple[str, ...] = (
    "Account Identity",
    "Health Score",
    "Contract Status",
    "Engagement Timeline",
    "Open Items",
    "Champion Map",
    "Expansion Signals",
    "Risk Flags",
)
ACCOUNT_LAYOUT = "Account-Tier 1 Account Layout"
AUDIT_PANEL = 0


class DictionaryRow(BaseModel):
    object: str
    field: str
    label: str
    type: str
    owners: list[str]
    editors: list[str]
    help_text: str


class DictionarySection(BaseModel):
    number: int | None = Field(description="Panel number 1-8; 0 for the sync audit; None otherwise")
    title: str
    rows: list[DictionaryRow] = Field(default_factory=list)


class DataDictionary(BaseModel):
    sections: list[DictionarySection]

    def section(self, title: str) -> DictionarySection | None:
        return next((s for s in self.sections if s.title == title), None)


def editors_of(project: SourceProject, field: CustomField) -> list[Role]:
    """Roles whose permission set lets them write this field."""
    if field.is_computed:
        return []
    roles: list[Role] = []
    for role in ROLES:
        perm_set = project.permission_sets.get(permission_set_name(role))
        if perm_set is None:
            continue
        if field.is_master_detail:
            # Master-detail fields take no field-level security: creating the child sets them.
            allowed = perm_set.objects.get(field.object)
            if allowed is not None and allowed.create:
                roles.append(role)
        elif (perm := perm_set.fields.get(field.full_name)) is not None and perm.editable:
            roles.append(role)
    return roles


def _row(project: SourceProject, ownership: Ownership, field: CustomField) -> DictionaryRow:
    owners = list(ownership.owners_of(field.full_name))
    return DictionaryRow(
        object=field.object,
        field=field.name,
        label=field.label,
        type=field.type_label(),
        owners=owners if owners or not field.is_computed else ["(computed)"],
        editors=list(editors_of(project, field)),
        help_text=field.help_text,
    )


def build_dictionary(project: SourceProject, ownership: Ownership) -> DataDictionary:
    sections = [DictionarySection(number=i, title=t) for i, t in enumerate(PANEL_NAMES, 1)]
    by_title = {s.title: s for s in sections}
    placed: set[str] = set()
    layout = project.layouts.get(ACCOUNT_LAYOUT)
    account = project.objects.get("Account")
    if layout is not None and account is not None:
        for layout_section in layout.sections:
            target = by_title.get(layout_section.label)
            if target is None:
                target = DictionarySection(number=None, title=layout_section.label)
                by_title[target.title] = target
                sections.append(target)
            for item in layout_section.items:
                field = account.fields.get(item.field)
                if field is not None and field.full_name not in placed:
                    target.rows.append(_row(project, ownership, field))
                    placed.add(field.full_name)
    if account is not None:
        unplaced = [f for f in account.fields.values() if f.full_name not in placed]
        if unplaced:
            rest = DictionarySection(number=None, title="Account fields not on the layout")
            rest.rows = [_row(project, ownership, f) for f in unplaced]
            sections.append(rest)
    audit = DictionarySection(number=AUDIT_PANEL, title="Sync audit")
    for obj in project.objects.values():
        if not obj.is_custom:
            continue
        panel = ownership.panels.get(obj.name)
        if panel is None or panel == AUDIT_PANEL or panel > len(PANEL_NAMES):
            target = audit
        else:
            target = sections[panel - 1]
        target.rows.extend(_row(project, ownership, f) for f in obj.fields.values())
    if audit.rows:
        sections.append(audit)
    return DataDictionary(sections=sections)
