"""Deploying a Metadata API package to the local org: plan every component, check it, apply.

A deploy is all or nothing (rollbackOnError): every component is planned and checked first,
against the org's schema plus what the package itself brings, and the org changes only when
nothing failed and the deploy is not checkOnly. Objects become `SObjectDef`s (new custom
objects get a key prefix, redeployed ones keep theirs; fields and rules the package does not
mention stay, as on Salesforce); permission sets drive field-level security; layouts, pages,
tabs, apps and list views are kept as XML. Every deployed component's XML is kept too, which
is how a redeploy knows what is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from tier1_sync.localorg.deploy_package import Component, Package, PackageFile
from tier1_sync.localorg.errors import SalesforceError
from tier1_sync.localorg.schema import FieldDef, SObjectDef, custom_object_def, field_from_metadata
from tier1_sync.localorg.store import Store
from tier1_sync.metadata.schema import MD_NS
from tier1_sync.metadata.source import CustomField, CustomObject, PermissionSet, read_object_element
from tier1_sync.metadata.types import CHILD_BY_ELEMENT, CUSTOM_OBJECT

METADATA_KIND = "metadata"  # _kv kind holding each deployed component's XML, "Type:FullName"


@dataclass
class Outcome:
    """What deploying one component would do, or why it cannot."""

    component: Component
    created: bool = False
    changed: bool = False
    error: str | None = None
    warning: str | None = None
    text: str = ""


@dataclass
class Plan:
    objects: dict[str, SObjectDef] = field(default_factory=dict)  # keyed by lower-case name
    new_objects: set[str] = field(default_factory=set)
    deployed_fields: dict[str, list[str]] = field(default_factory=dict)  # object → its fields
    deployed_rules: dict[str, list[str]] = field(default_factory=dict)
    permission_sets: list[tuple[Component, PermissionSet]] = field(default_factory=list)
    outcomes: dict[tuple[str, str], Outcome] = field(default_factory=dict)

    def outcome(self, type_name: str, full_name: str) -> Outcome:
        return self.outcomes[(type_name, full_name)]

    def fail(self, type_name: str, full_name: str, problem: str) -> None:
        found = self.outcome(type_name, full_name)
        found.error = found.error or problem

    def warn(self, type_name: str, full_name: str, problem: str) -> None:
        found = self.outcome(type_name, full_name)
        found.warning = f"{found.warning} {problem}" if found.warning else problem


def component_key(component: Component) -> str:
    return f"{component.type_name}:{component.full_name}"


class Planner:
    """Turns a read package into a Plan, without touching the org."""

    def __init__(self, store: Store, package: Package) -> None:
        self.store = store
        self.package = package
        self.plan = Plan()

    def find(self, name: str) -> SObjectDef | None:
        """An object as it will be after the deploy."""
        return self.plan.objects.get(name.lower()) or self.store.schema.find(name)

    def run(self) -> Plan:
        groups: dict[str, tuple[PackageFile, list[Component]]] = {}
        for component in self.package.components:
            outcome = Outcome(component, text=_component_text(component))
            self.plan.outcomes[(component.type_name, component.full_name)] = outcome
            previous = self.store.kv_get(METADATA_KIND, component_key(component))
            outcome.created = previous is None
            outcome.changed = previous is not None and previous != outcome.text
            if component.file.type_name == CUSTOM_OBJECT:
                groups.setdefault(component.file.name, (component.file, []))[1].append(component)
        for name in sorted(groups, key=lambda n: (not n.endswith("__c"), n)):
            self._object(*groups[name])
        return self.plan

    # --- objects ---------------------------------------------------------------------------

    def _object(self, file: PackageFile, components: list[Component]) -> None:
        name = file.name
        listed = any(c.type_name == CUSTOM_OBJECT for c in components)
        existing = self.store.schema.find(name)
        model = read_object_element(name, _selected_root(file, components, listed))
        if listed:
            self.plan.outcome(CUSTOM_OBJECT, name).created = existing is None
        problem = _object_problem(name, existing, listed)
        if problem is not None:
            for component in components:
                self.plan.fail(component.type_name, component.full_name, problem)
            return
        good: dict[str, CustomField] = {}
        for field_name, custom_field in model.fields.items():
            error = self._field_problem(existing, custom_field)
            if error is None:
                good[field_name] = custom_field
            else:
                self.plan.fail("CustomField", custom_field.full_name, error)
        if listed and name.endswith("__c"):
            prefix = existing.key_prefix if existing else ""
            new = custom_object_def(model.model_copy(update={"fields": good}), prefix)
            for key, kept in (existing.fields if existing else {}).items():
                new.fields.setdefault(key, kept)
        else:
            assert existing is not None
            new = existing.model_copy(deep=True)
            for custom_field in good.values():
                if custom_field.name.endswith("__c"):
                    new.add(field_from_metadata(custom_field))
        self._merge_rules(new, existing, model)
        for custom_field in good.values():
            old = existing.field(custom_field.name) if existing else None
            change = _incompatible(old, new.require_field(custom_field.name), custom_field)
            if change is not None:
                self.plan.fail("CustomField", custom_field.full_name, change)
        self.plan.objects[name.lower()] = new
        if existing is None:
            self.plan.new_objects.add(name.lower())
        self.plan.deployed_fields[name] = list(good)
        self.plan.deployed_rules[name] = [r.name for r in model.validation_rules.values()]

    def _field_problem(self, existing: SObjectDef | None, custom_field: CustomField) -> str | None:
        if not custom_field.name.endswith("__c"):
            if existing is None or existing.field(custom_field.name) is None:
                return "Could not resolve standard field's name."
            return None
        try:
            field_from_metadata(custom_field)
        except SalesforceError as exc:
            return exc.message
        return None

    def _merge_rules(
        self, new: SObjectDef, existing: SObjectDef | None, model: CustomObject
    ) -> None:
        """Rules in the package replace those of the same name; the others stay."""
        previous = existing.validation_rules if existing else []
        kept = [r for r in previous if r[0] not in model.validation_rules]
        new.validation_rules = kept + [
            (r.name, r.formula, r.error_message, r.error_display_field)
            for r in model.validation_rules.values()
            if r.active
        ]


def _selected_root(file: PackageFile, components: list[Component], listed: bool) -> etree._Element:
    """The .object file cut down to what package.xml names (the object itself or some children)."""
    assert file.root is not None
    root = etree.Element(f"{{{MD_NS}}}{CUSTOM_OBJECT}")
    chosen = {(c.type_name, c.full_name) for c in components}
    for child in file.root:
        child_type = CHILD_BY_ELEMENT.get(etree.QName(child).localname)
        if child_type is None:
            keep = listed
        else:
            name = (child.findtext(f"{{{MD_NS}}}fullName") or "").strip()
            keep = (child_type.type_name, f"{file.name}.{name}") in chosen
        if keep:
            root.append(_copy(child))
    return root


def _copy(element: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(element))


def _component_text(component: Component) -> str:
    if component.element is not None:
        return etree.tostring(component.element, encoding="unicode")
    root = component.file.root
    if component.type_name == CUSTOM_OBJECT and root is not None:
        return "".join(
            etree.tostring(c, encoding="unicode")
            for c in root
            if etree.QName(c).localname not in CHILD_BY_ELEMENT
        )
    return component.file.data.decode("utf-8", errors="replace")


def _object_problem(name: str, existing: SObjectDef | None, listed: bool) -> str | None:
    if name.endswith("__c"):
        if existing is None and not listed:
            return (
                f"Entity '{name}' not found: deploy the CustomObject {name} in this package "
                "or before."
            )
        return None
    if "__" in name:
        return f"The local org does not support the object {name}."
    if existing is None:
        return f"The local org has no standard object {name}."
    return None


_TYPE_NAMES = {
    "string": "Text",
    "textarea": "Long Text Area",
    "boolean": "Checkbox",
    "double": "Number",
    "currency": "Currency",
    "percent": "Percent",
    "date": "Date",
    "datetime": "Date/Time",
    "picklist": "Picklist",
    "multipicklist": "Picklist (Multi-Select)",
    "reference": "Lookup",
    "email": "Email",
    "phone": "Phone",
    "url": "URL",
}


def _incompatible(old: FieldDef | None, new: FieldDef, metadata: CustomField) -> str | None:
    """Why the org cannot turn the deployed field `old` into `new`, keeping its data."""
    if old is None or not old.custom:
        return None
    old_computed = old.formula is not None or old.summary is not None
    new_computed = new.formula is not None or new.summary is not None
    if old_computed != new_computed or old.sql_affinity != new.sql_affinity:
        before = "Roll-Up Summary" if old.summary else _TYPE_NAMES.get(old.type, old.type)
        if old.formula is not None:
            before = f"Formula ({before})"
        return (
            f"Cannot change the type of {metadata.full_name} from {before} to {metadata.type}: "
            "the local org cannot convert the values it holds."
        )
    if [r.lower() for r in old.reference_to] != [r.lower() for r in new.reference_to]:
        return "Cannot change which object a relationship field references"
    return None
