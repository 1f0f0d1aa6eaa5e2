"""The local org's schema: sObjects and fields as Salesforce describes them.

Standard objects start from a baseline modelled on real describe results (`baseline.py`);
custom objects and fields come only from what is deployed (`custom_object_def`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, Field

from tier1_sync.localorg.errors import SalesforceError
from tier1_sync.metadata.source import CustomField, CustomObject, SummarySpec
from tier1_sync.metadata.types import DESCRIBE_TYPES

_SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "int": "xsd:int",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
}
NUMERIC_TYPES = frozenset({"double", "currency", "percent", "int"})
# Describe keys the local org has no use for, with the values a plain org reports.
_FIELD_DESCRIBE_DEFAULTS: dict[str, Any] = {
    "aiPredictionField": False,
    "compoundFieldName": None,
    "controllerName": None,
    "defaultValueFormula": None,
    "dependentPicklist": False,
    "deprecatedAndHidden": False,
    "displayLocationInDecimal": False,
    "encrypted": False,
    "extraTypeInfo": None,
    "filteredLookupInfo": None,
    "formulaTreatNullNumberAsZero": False,
    "highScaleNumber": False,
    "htmlFormatted": False,
    "mask": None,
    "maskType": None,
    "namePointing": False,
    "queryByDistance": False,
    "referenceTargetField": None,
    "relationshipOrder": None,
    "restrictedDelete": False,
    "searchPrefilterable": False,
}


class FieldDef(BaseModel):
    name: str
    label: str
    type: str  # describe type: id, string, textarea, boolean, double, date, reference, ...
    length: int = 0
    precision: int = 0
    scale: int = 0
    digits: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    calculated: bool = False
    custom: bool = False
    external_id: bool = False
    unique: bool = False
    case_sensitive: bool = False
    id_lookup: bool = False
    name_field: bool = False
    auto_number: str | None = None  # display format, e.g. "HS-{000000}"
    default_value: Any = None
    defaulted_on_create: bool = False
    reference_to: list[str] = Field(default_factory=list)
    relationship_name: str | None = None
    child_relationship_name: str | None = None  # how the parent reaches these records
    cascade_delete: bool = False
    picklist_values: list[str] = Field(default_factory=list)
    restricted_picklist: bool = False
    formula: str | None = None
    summary: SummarySpec | None = None
    help_text: str | None = None

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def is_master_detail(self) -> bool:
        return self.cascade_delete

    @property
    def sql_affinity(self) -> str:
        if self.type in {"boolean", "int"}:
            return "INTEGER"
        if self.is_numeric:
            return "REAL"
        return "TEXT"

    def describe(self) -> dict[str, Any]:
        """This field as the REST describe call returns it."""
        text_like = self.type in {"string", "textarea", "picklist", "multipicklist", "email"}
        return {
            "aggregatable": self.type not in {"textarea", "multipicklist"},
            "autoNumber": self.auto_number is not None,
            "byteLength": self.length * 3 if text_like or self.type in {"id", "reference"} else 0,
            "calculated": self.calculated,
            "calculatedFormula": self.formula,
            "cascadeDelete": self.cascade_delete,
            "caseSensitive": self.case_sensitive,
            "createable": self.createable,
            "custom": self.custom,
            "defaultValue": self.default_value,
            "defaultedOnCreate": self.defaulted_on_create,
            "digits": self.digits,
            "externalId": self.external_id,
            "filterable": self.type != "textarea",
            "groupable": self.type not in {"textarea", "double", "currency", "percent"},
            "idLookup": self.id_lookup,
            "inlineHelpText": self.help_text,
            "label": self.label,
            "length": self.length,
            "name": self.name,
            "nameField": self.name_field,
            "nillable": self.nillable,
            "picklistValues": [
                {"active": True, "defaultValue": v == self.default_value, "label": v, "value": v}
                for v in self.picklist_values
            ],
            "precision": self.precision,
            "referenceTo": self.reference_to,
            "relationshipName": self.relationship_name,
            "restrictedPicklist": self.restricted_picklist,
            "scale": self.scale,
            "soapType": _SOAP_TYPES.get(self.type, "xsd:string"),
            "sortable": self.type not in {"textarea", "multipicklist"},
            "type": self.type,
            "unique": self.unique,
            "updateable": self.updateable,
            **_FIELD_DESCRIBE_DEFAULTS,
            "permissionable": self.custom and self.nillable and not self.calculated,
            "polymorphicForeignKey": len(self.reference_to) > 1,
            "writeRequiresMasterRead": self.cascade_delete,
        }


class SObjectDef(BaseModel):
    name: str
    label: str
    label_plural: str
    key_prefix: str
    custom: bool = False
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    fields: dict[str, FieldDef] = Field(default_factory=dict)  # keyed by lower-case name
    validation_rules: list[tuple[str, str, str, str | None]] = Field(default_factory=list)

    def field(self, name: str) -> FieldDef | None:
        return self.fields.get(name.lower())

    def require_field(self, name: str) -> FieldDef:
        found = self.field(name)
        if found is None:
            raise SalesforceError(
                400,
                "INVALID_FIELD",
                f"No such column '{name}' on sobject of type {self.name}",
            )
        return found

    def add(self, field: FieldDef) -> None:
        self.fields[field.name.lower()] = field

    def name_field(self) -> FieldDef | None:
        return next((f for f in self.fields.values() if f.name_field), None)

    def external_id_fields(self) -> list[FieldDef]:
        return [f for f in self.fields.values() if f.external_id or f.id_lookup]


def new_field(name: str, type_: str, label: str | None = None, **kw: Any) -> FieldDef:
    """A field with the sizes and flags Salesforce gives its type unless `kw` says otherwise."""
    defaults: dict[str, Any] = {}
    if type_ in {"string", "picklist", "email", "phone", "url"}:
        defaults["length"] = 255
    if type_ == "textarea":
        defaults["length"] = 32000
    if type_ in {"id", "reference"}:
        defaults["length"] = 18
    if type_ == "boolean":
        defaults.update(nillable=False, default_value=False, defaulted_on_create=True)
    if type_ in {"double", "currency", "percent"}:
        defaults.update(precision=18, scale=2)
    if type_ == "int":
        defaults.update(digits=9)
    defaults.update(kw)
    return FieldDef(name=name, label=label or name, type=type_, **defaults)


def system_fields(with_owner: bool) -> list[FieldDef]:
    fields = [
        new_field(
            "Id",
            "id",
            "Record ID",
            nillable=False,
            createable=False,
            updateable=False,
            id_lookup=True,
            defaulted_on_create=True,
        ),
        new_field("IsDeleted", "boolean", "Deleted", createable=False, updateable=False),
        new_field(
            "CreatedDate",
            "datetime",
            "Created Date",
            nillable=False,
            createable=False,
            updateable=False,
            defaulted_on_create=True,
        ),
        new_field(
            "CreatedById",
            "reference",
            "Created By ID",
            nillable=False,
            createable=False,
            updateable=False,
            reference_to=["User"],
            relationship_name="CreatedBy",
            defaulted_on_create=True,
        ),
        new_field(
            "LastModifiedDate",
            "datetime",
            "Last Modified Date",
            nillable=False,
            createable=False,
            updateable=False,
            defaulted_on_create=True,
        ),
        new_field(
            "LastModifiedById",
            "reference",
            "Last Modified By ID",
            nillable=False,
            createable=False,
            updateable=False,
            reference_to=["User"],
            relationship_name="LastModifiedBy",
            defaulted_on_create=True,
        ),
        new_field(
            "SystemModstamp",
            "datetime",
            "System Modstamp",
            nillable=False,
            createable=False,
            updateable=False,
            defaulted_on_create=True,
        ),
    ]
    if with_owner:
        fields.append(
            new_field(
                "OwnerId",
                "reference",
                "Owner ID",
                nillable=False,
                reference_to=["User"],
                relationship_name="Owner",
                defaulted_on_create=True,
            )
        )
    return fields


def picklist_field(name: str, values: list[str], label: str | None = None, **kw: Any) -> FieldDef:
    return new_field(name, "picklist", label, picklist_values=values, length=255, **kw)


def required(field: FieldDef) -> FieldDef:
    field.nillable = False
    return field


def new_sobject(
    name: str, prefix: str, plural: str, fields: list[FieldDef], *, owner: bool = True, **kw: Any
) -> SObjectDef:
    """An sObject with the system fields (and OwnerId unless `owner` is off) plus `fields`."""
    obj = SObjectDef(name=name, label=name, label_plural=plural, key_prefix=prefix, **kw)
    for field in [*system_fields(owner), *fields]:
        obj.add(field)
    return obj


def field_from_metadata(field: CustomField) -> FieldDef:
    """A deployed CustomField as the org describes it."""
    describe_type = DESCRIBE_TYPES.get(field.type)
    if describe_type is None:
        raise SalesforceError(400, "INVALID_TYPE", f"Field type {field.type} is not supported")
    computed = field.formula is not None or field.summary is not None
    kw: dict[str, Any] = {
        "custom": True,
        "help_text": field.help_text or None,
        "external_id": field.external_id,
        "unique": field.unique,
        "formula": field.formula,
        "summary": field.summary,
        "calculated": computed,
        "createable": not computed,
        "updateable": not computed,
    }
    if field.length is not None:
        kw["length"] = field.length
    elif describe_type == "textarea":
        kw["length"] = 255 if field.type == "TextArea" else 32768
    if field.precision is not None:
        kw.update(precision=field.precision, scale=field.scale or 0)
    if field.summary is not None:
        kw.update(precision=18, scale=0)
    if describe_type in {"picklist", "multipicklist"}:
        kw.update(
            picklist_values=field.value_names,
            restricted_picklist=field.restricted,
            length=4099 if describe_type == "multipicklist" else 255,
        )
        default = next((v.name for v in field.values if v.default), None)
        if default is not None:
            kw.update(default_value=default, defaulted_on_create=True)
    if describe_type == "reference":
        kw.update(
            reference_to=[field.reference_to or ""],
            length=18,
            relationship_name=f"{field.name[:-3]}__r",
            child_relationship_name=f"{field.relationship_name}__r"
            if field.relationship_name
            else None,
        )
        if field.is_master_detail:
            kw.update(nillable=False, cascade_delete=True, updateable=False)
    if describe_type == "boolean":
        kw.update(
            nillable=False,
            default_value=(field.default_value or "false") == "true",
            defaulted_on_create=True,
        )
    return new_field(field.name, describe_type, field.label, **kw)


def custom_object_def(obj: CustomObject, key_prefix: str) -> SObjectDef:
    has_master = any(f.is_master_detail for f in obj.fields.values())
    sobject = new_sobject(
        obj.name, key_prefix, obj.plural_label or obj.name, [], owner=not has_master, custom=True
    )
    sobject.label = obj.label or obj.name
    auto = obj.name_field_type == "AutoNumber"
    sobject.add(
        new_field(
            "Name",
            "string",
            f"{sobject.label} Name",
            length=80,
            name_field=True,
            nillable=auto,
            createable=not auto,
            updateable=not auto,
            auto_number=obj.name_field_format if auto else None,
            defaulted_on_create=auto,
        )
    )
    for field in obj.fields.values():
        sobject.add(field_from_metadata(field))
    sobject.validation_rules = [
        (rule.name, rule.formula, rule.error_message, rule.error_display_field)
        for rule in obj.validation_rules.values()
        if rule.active
    ]
    return sobject


class OrgSchema:
    """Every sObject the org knows, looked up case-insensitively."""

    def __init__(self, baseline: Iterable[SObjectDef] = ()) -> None:
        self._objects: dict[str, SObjectDef] = {}
        self._lock = threading.RLock()
        for obj in baseline:
            self.put(obj)

    def put(self, obj: SObjectDef) -> None:
        with self._lock:
            self._objects[obj.name.lower()] = obj

    def remove(self, name: str) -> None:
        """Forget an object (a deploy that failed half-way puts the schema back)."""
        with self._lock:
            self._objects.pop(name.lower(), None)

    def find(self, name: str) -> SObjectDef | None:
        return self._objects.get(name.lower())

    def get(self, name: str) -> SObjectDef:
        found = self.find(name)
        if found is None:
            raise SalesforceError(
                404, "NOT_FOUND", f"The requested resource does not exist: sObject type '{name}'"
            )
        return found

    def all(self) -> list[SObjectDef]:
        return sorted(self._objects.values(), key=lambda o: o.name)

    def used_prefixes(self) -> set[str]:
        return {o.key_prefix for o in self._objects.values()}

    def object_for_id(self, record_id: str) -> SObjectDef | None:
        prefix = record_id[:3]
        return next((o for o in self._objects.values() if o.key_prefix == prefix), None)

    def child_relationships(self, parent: str) -> list[tuple[SObjectDef, FieldDef]]:
        """(child object, reference field) pairs for every child relationship of `parent`."""
        return [
            (obj, field)
            for obj in self.all()
            for field in obj.fields.values()
            if field.type == "reference"
            and parent.lower() in {r.lower() for r in field.reference_to}
            and field.child_relationship_name is not None
        ]
