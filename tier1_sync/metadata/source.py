"""Read the SFDX source tree (force-app) into typed models.

Everything the CLI says about the data model — the data dictionary, deploy preflight,
the local org's schema — reads it from here, so the XML files stay the one source of truth.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree
from pydantic import BaseModel, Field

from tier1_sync.metadata.schema import MD_NS

_NS = {"m": MD_NS}

# Standard Account fields and list-view columns our metadata may reference without defining.
STANDARD_FIELDS: dict[str, frozenset[str]] = {
    "Account": frozenset(
        {"Name", "OwnerId", "ParentId", "Type", "Industry", "Website", "Phone", "Description"}
    ),
}
STANDARD_LIST_VIEW_COLUMNS = frozenset(
    {"ACCOUNT.NAME", "CORE.USERS.ALIAS", "ACCOUNT.LAST_ACTIVITY", "NAME", "CREATED_DATE"}
)


class PicklistValue(BaseModel):
    name: str
    label: str
    default: bool = False


class SummarySpec(BaseModel):
    operation: str
    foreign_key: str  # e.g. Risk_Flag__c.Account__c
    filters: list[tuple[str, str, str]] = Field(default_factory=list)  # field, operation, value

    @property
    def child_object(self) -> str:
        return self.foreign_key.split(".", 1)[0]


class CustomField(BaseModel):
    object: str
    name: str
    label: str
    type: str
    description: str = ""
    help_text: str = ""
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    visible_lines: int | None = None
    required: bool = False
    external_id: bool = False
    unique: bool = False
    default_value: str | None = None
    reference_to: str | None = None
    relationship_name: str | None = None
    delete_constraint: str | None = None
    restricted: bool = False
    values: list[PicklistValue] = Field(default_factory=list)
    formula: str | None = None
    formula_blanks: str | None = None
    summary: SummarySpec | None = None
    path: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.object}.{self.name}"

    @property
    def is_computed(self) -> bool:
        """Formula and roll-up fields: read-only for everyone."""
        return self.formula is not None or self.type == "Summary"

    @property
    def is_master_detail(self) -> bool:
        return self.type == "MasterDetail"

    @property
    def value_names(self) -> list[str]:
        return [v.name for v in self.values]

    def type_label(self) -> str:
        """The type as an admin writes it: Text(80), Number(3,0), Lookup(User), ..."""
        if self.formula is not None:
            return f"Formula ({self.type})"
        if self.summary is not None:
            return f"Roll-up {self.summary.operation.upper()}({self.summary.child_object})"
        sized = {"Text": "Text", "LongTextArea": "Long Text"}
        if self.type in sized:
            return f"{sized[self.type]}({self.length})"
        if self.type in {"Number", "Currency", "Percent"}:
            return f"{self.type}({self.precision},{self.scale})"
        if self.type in {"Lookup", "MasterDetail"}:
            kind = "Master-Detail" if self.is_master_detail else "Lookup"
            return f"{kind}({self.reference_to})"
        if self.type == "MultiselectPicklist":
            return "Multi-select: " + "; ".join(self.value_names)
        if self.type == "Picklist":
            return "Picklist: " + ", ".join(self.value_names)
        return self.type


class ValidationRule(BaseModel):
    object: str
    name: str
    active: bool
    formula: str
    error_message: str
    error_display_field: str | None = None
    description: str = ""


class ListViewFilter(BaseModel):
    field: str
    operation: str
    value: str = ""


class ListView(BaseModel):
    object: str
    name: str
    label: str
    filter_scope: str
    columns: list[str] = Field(default_factory=list)
    filters: list[ListViewFilter] = Field(default_factory=list)
    boolean_filter: str | None = None


class CustomObject(BaseModel):
    name: str
    label: str = ""
    plural_label: str = ""
    description: str = ""
    is_custom: bool = True
    name_field_type: str | None = None
    name_field_format: str | None = None
    sharing_model: str | None = None
    fields: dict[str, CustomField] = Field(default_factory=dict)
    validation_rules: dict[str, ValidationRule] = Field(default_factory=dict)
    list_views: dict[str, ListView] = Field(default_factory=dict)


class ObjectPermission(BaseModel):
    read: bool = False
    create: bool = False
    edit: bool = False
    delete: bool = False
    view_all: bool = False
    modify_all: bool = False


class FieldPermission(BaseModel):
    readable: bool = False
    editable: bool = False


class PermissionSet(BaseModel):
    name: str
    label: str
    description: str = ""
    fields: dict[str, FieldPermission] = Field(default_factory=dict)
    objects: dict[str, ObjectPermission] = Field(default_factory=dict)
    user_permissions: dict[str, bool] = Field(default_factory=dict)
    tabs: dict[str, str] = Field(default_factory=dict)
    applications: dict[str, bool] = Field(default_factory=dict)

    def editable_fields(self) -> set[str]:
        return {name for name, perm in self.fields.items() if perm.editable}


class LayoutItem(BaseModel):
    field: str
    behavior: str


class LayoutSection(BaseModel):
    label: str
    items: list[LayoutItem] = Field(default_factory=list)


class RelatedList(BaseModel):
    related_list: str
    fields: list[str] = Field(default_factory=list)


class Layout(BaseModel):
    name: str
    object: str
    sections: list[LayoutSection] = Field(default_factory=list)
    related_lists: list[RelatedList] = Field(default_factory=list)


class FlexiPage(BaseModel):
    name: str
    label: str
    type: str
    sobject_type: str | None = None
    components: list[str] = Field(default_factory=list)
    field_sections: list[tuple[str, list[str]]] = Field(default_factory=list)
    related_lists: list[str] = Field(default_factory=list)


class Application(BaseModel):
    name: str
    label: str
    tabs: list[str] = Field(default_factory=list)
    overrides: list[tuple[str, str, str]] = Field(default_factory=list)  # action, content, object


class SourceProject(BaseModel):
    """Everything under force-app/main/default, typed."""

    root: str
    objects: dict[str, CustomObject] = Field(default_factory=dict)
    permission_sets: dict[str, PermissionSet] = Field(default_factory=dict)
    layouts: dict[str, Layout] = Field(default_factory=dict)
    flexipages: dict[str, FlexiPage] = Field(default_factory=dict)
    tabs: list[str] = Field(default_factory=list)
    applications: dict[str, Application] = Field(default_factory=dict)

    def field(self, full_name: str) -> CustomField | None:
        object_name, _, field_name = full_name.partition(".")
        obj = self.objects.get(object_name)
        return None if obj is None else obj.fields.get(field_name)

    def all_fields(self) -> list[CustomField]:
        return [f for obj in self.objects.values() for f in obj.fields.values()]

    def field_exists(self, object_name: str, field_name: str) -> bool:
        if field_name in STANDARD_FIELDS.get(object_name, frozenset()):
            return True
        obj = self.objects.get(object_name)
        if obj is None:
            return False
        return field_name in obj.fields or (field_name == "Name" and obj.is_custom)


def load_source(source_dir: Path) -> SourceProject:
    """Read a `force-app/main/default` folder."""
    project = SourceProject(root=str(source_dir))
    objects_dir = source_dir / "objects"
    for object_dir in sorted(p for p in objects_dir.iterdir() if p.is_dir()):
        project.objects[object_dir.name] = _read_object(object_dir, source_dir)
    for path in sorted((source_dir / "permissionsets").glob("*.permissionset-meta.xml")):
        perm_set = read_permission_set(_stem(path, ".permissionset-meta.xml"), _parse(path))
        project.permission_sets[perm_set.name] = perm_set
    for path in sorted((source_dir / "layouts").glob("*.layout-meta.xml")):
        layout = _read_layout(path)
        project.layouts[layout.name] = layout
    for path in sorted((source_dir / "flexipages").glob("*.flexipage-meta.xml")):
        page = _read_flexipage(path)
        project.flexipages[page.name] = page
    project.tabs = sorted(
        _stem(p, ".tab-meta.xml") for p in (source_dir / "tabs").glob("*.tab-meta.xml")
    )
    for path in sorted((source_dir / "applications").glob("*.app-meta.xml")):
        app = _read_application(path)
        project.applications[app.name] = app
    return project


# --- helpers ---------------------------------------------------------------------------


def _parse(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


def _stem(path: Path, suffix: str) -> str:
    return path.name[: -len(suffix)]


def _text(el: etree._Element, path: str, default: str = "") -> str:
    found = el.find(path, _NS)
    if found is None or found.text is None:
        return default
    return found.text.strip()


def _opt(el: etree._Element, path: str) -> str | None:
    value = _text(el, path)
    return value or None


def _int(el: etree._Element, path: str) -> int | None:
    value = _text(el, path)
    return int(value) if value else None


def _bool(el: etree._Element, path: str) -> bool:
    return _text(el, path).lower() == "true"


def _all_text(el: etree._Element, path: str) -> list[str]:
    return [(node.text or "").strip() for node in el.findall(path, _NS)]


def _read_object(object_dir: Path, source_dir: Path) -> CustomObject:
    name = object_dir.name
    meta = object_dir / f"{name}.object-meta.xml"
    obj = CustomObject(name=name, is_custom=name.endswith("__c"))
    if meta.exists():
        root = _parse(meta)
        obj.label = _text(root, "m:label")
        obj.plural_label = _text(root, "m:pluralLabel")
        obj.description = _text(root, "m:description")
        obj.name_field_type = _opt(root, "m:nameField/m:type")
        obj.name_field_format = _opt(root, "m:nameField/m:displayFormat")
        obj.sharing_model = _opt(root, "m:sharingModel")
    for path in sorted((object_dir / "fields").glob("*.field-meta.xml")):
        field = read_field(name, _parse(path), _stem(path, ".field-meta.xml"))
        field.path = str(path.relative_to(source_dir))
        obj.fields[field.name] = field
    for path in sorted((object_dir / "validationRules").glob("*.validationRule-meta.xml")):
        rule = read_validation_rule(name, _parse(path), _stem(path, ".validationRule-meta.xml"))
        obj.validation_rules[rule.name] = rule
    for path in sorted((object_dir / "listViews").glob("*.listView-meta.xml")):
        view = read_list_view(name, _parse(path), _stem(path, ".listView-meta.xml"))
        obj.list_views[view.name] = view
    return obj


def read_object_element(name: str, root: etree._Element) -> CustomObject:
    """A Metadata API `objects/X.object` file: the object with its fields etc. inside."""
    obj = CustomObject(
        name=name,
        is_custom=name.endswith("__c"),
        label=_text(root, "m:label"),
        plural_label=_text(root, "m:pluralLabel"),
        description=_text(root, "m:description"),
        name_field_type=_opt(root, "m:nameField/m:type"),
        name_field_format=_opt(root, "m:nameField/m:displayFormat"),
        sharing_model=_opt(root, "m:sharingModel"),
    )
    for el in root.findall("m:fields", _NS):
        field = read_field(name, el)
        obj.fields[field.name] = field
    for el in root.findall("m:validationRules", _NS):
        rule = read_validation_rule(name, el)
        obj.validation_rules[rule.name] = rule
    for el in root.findall("m:listViews", _NS):
        view = read_list_view(name, el)
        obj.list_views[view.name] = view
    return obj


def read_validation_rule(object_name: str, root: etree._Element, name: str = "") -> ValidationRule:
    return ValidationRule(
        object=object_name,
        name=_text(root, "m:fullName") or name,
        active=_bool(root, "m:active"),
        formula=_text(root, "m:errorConditionFormula"),
        error_message=_text(root, "m:errorMessage"),
        error_display_field=_opt(root, "m:errorDisplayField"),
        description=_text(root, "m:description"),
    )


def read_list_view(object_name: str, root: etree._Element, name: str = "") -> ListView:
    return ListView(
        object=object_name,
        name=_text(root, "m:fullName") or name,
        label=_text(root, "m:label"),
        filter_scope=_text(root, "m:filterScope"),
        columns=_all_text(root, "m:columns"),
        filters=[
            ListViewFilter(
                field=_text(f, "m:field"),
                operation=_text(f, "m:operation"),
                value=_text(f, "m:value"),
            )
            for f in root.findall("m:filters", _NS)
        ],
        boolean_filter=_opt(root, "m:booleanFilter"),
    )


def read_field(object_name: str, root: etree._Element, name: str = "") -> CustomField:
    """A <CustomField> (source format) or a <fields> element of an .object file."""
    summary = None
    if root.find("m:summaryForeignKey", _NS) is not None:
        summary = SummarySpec(
            operation=_text(root, "m:summaryOperation"),
            foreign_key=_text(root, "m:summaryForeignKey"),
            filters=[
                (_text(f, "m:field"), _text(f, "m:operation"), _text(f, "m:value"))
                for f in root.findall("m:summaryFilterItems", _NS)
            ],
        )
    values = [
        PicklistValue(
            name=_text(v, "m:fullName"),
            label=_text(v, "m:label") or _text(v, "m:fullName"),
            default=_bool(v, "m:default"),
        )
        for v in root.findall("m:valueSet/m:valueSetDefinition/m:value", _NS)
    ]
    return CustomField(
        object=object_name,
        name=_text(root, "m:fullName") or name,
        label=_text(root, "m:label"),
        type=_text(root, "m:type"),
        description=_text(root, "m:description"),
        help_text=_text(root, "m:inlineHelpText"),
        length=_int(root, "m:length"),
        precision=_int(root, "m:precision"),
        scale=_int(root, "m:scale"),
        visible_lines=_int(root, "m:visibleLines"),
        required=_bool(root, "m:required"),
        external_id=_bool(root, "m:externalId"),
        unique=_bool(root, "m:unique"),
        default_value=_opt(root, "m:defaultValue"),
        reference_to=_opt(root, "m:referenceTo"),
        relationship_name=_opt(root, "m:relationshipName"),
        delete_constraint=_opt(root, "m:deleteConstraint"),
        restricted=_bool(root, "m:valueSet/m:restricted"),
        values=values,
        formula=_opt(root, "m:formula"),
        formula_blanks=_opt(root, "m:formulaTreatBlanksAs"),
        summary=summary,
    )


def read_permission_set(name: str, root: etree._Element) -> PermissionSet:
    perm_set = PermissionSet(
        name=name,
        label=_text(root, "m:label"),
        description=_text(root, "m:description"),
    )
    for fp in root.findall("m:fieldPermissions", _NS):
        perm_set.fields[_text(fp, "m:field")] = FieldPermission(
            readable=_bool(fp, "m:readable"), editable=_bool(fp, "m:editable")
        )
    for op in root.findall("m:objectPermissions", _NS):
        perm_set.objects[_text(op, "m:object")] = ObjectPermission(
            read=_bool(op, "m:allowRead"),
            create=_bool(op, "m:allowCreate"),
            edit=_bool(op, "m:allowEdit"),
            delete=_bool(op, "m:allowDelete"),
            view_all=_bool(op, "m:viewAllRecords"),
            modify_all=_bool(op, "m:modifyAllRecords"),
        )
    for up in root.findall("m:userPermissions", _NS):
        perm_set.user_permissions[_text(up, "m:name")] = _bool(up, "m:enabled")
    for tab in root.findall("m:tabSettings", _NS):
        perm_set.tabs[_text(tab, "m:tab")] = _text(tab, "m:visibility")
    for app in root.findall("m:applicationVisibilities", _NS):
        perm_set.applications[_text(app, "m:application")] = _bool(app, "m:visible")
    return perm_set


def _read_layout(path: Path) -> Layout:
    root = _parse(path)
    name = _stem(path, ".layout-meta.xml")
    layout = Layout(name=name, object=name.split("-", 1)[0])
    for section in root.findall("m:layoutSections", _NS):
        layout.sections.append(
            LayoutSection(
                label=_text(section, "m:label"),
                items=[
                    LayoutItem(field=_text(item, "m:field"), behavior=_text(item, "m:behavior"))
                    for item in section.findall("m:layoutColumns/m:layoutItems", _NS)
                    if item.find("m:field", _NS) is not None
                ],
            )
        )
    for related in root.findall("m:relatedLists", _NS):
        layout.related_lists.append(
            RelatedList(
                related_list=_text(related, "m:relatedList"),
                fields=_all_text(related, "m:fields"),
            )
        )
    return layout


def _read_flexipage(path: Path) -> FlexiPage:
    root = _parse(path)
    page = FlexiPage(
        name=_stem(path, ".flexipage-meta.xml"),
        label=_text(root, "m:masterLabel"),
        type=_text(root, "m:type"),
        sobject_type=_opt(root, "m:sobjectType"),
    )
    facets: dict[str, etree._Element] = {
        _text(region, "m:name"): region for region in root.findall("m:flexiPageRegions", _NS)
    }
    for component in root.iterfind(".//m:componentInstance", _NS):
        component_name = _text(component, "m:componentName")
        page.components.append(component_name)
        properties = {
            _text(p, "m:name"): _text(p, "m:value")
            for p in component.findall("m:componentInstanceProperties", _NS)
        }
        if component_name == "flexipage:fieldSection":
            fields = _facet_fields(facets, properties.get("columns", ""), set())
            page.field_sections.append((properties.get("label", ""), fields))
        elif component_name == "force:relatedListSingleContainer":
            page.related_lists.append(properties.get("relatedListApiName", ""))
    return page


def _facet_fields(facets: dict[str, etree._Element], facet_name: str, seen: set[str]) -> list[str]:
    """Fields placed in a facet, following nested column facets (`body`, `columns`)."""
    region = facets.get(facet_name)
    if region is None or facet_name in seen:
        return []
    seen.add(facet_name)
    fields: list[str] = []
    for item in region.findall("m:itemInstances", _NS):
        field_item = _opt(item, "m:fieldInstance/m:fieldItem")
        if field_item is not None:
            fields.append(field_item.removeprefix("Record."))
            continue
        for prop in item.findall("m:componentInstance/m:componentInstanceProperties", _NS):
            fields.extend(_facet_fields(facets, _text(prop, "m:value"), seen))
    return fields


def _read_application(path: Path) -> Application:
    root = _parse(path)
    return Application(
        name=_stem(path, ".app-meta.xml"),
        label=_text(root, "m:label"),
        tabs=_all_text(root, "m:tabs"),
        overrides=[
            (
                _text(o, "m:actionName"),
                _text(o, "m:content"),
                _text(o, "m:pageOrSobjectType"),
            )
            for o in root.findall("m:actionOverrides", _NS)
        ],
    )
