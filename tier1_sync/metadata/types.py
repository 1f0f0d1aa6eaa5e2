"""The Metadata API types this project deploys, and where each lives in source and in a package.

Both sides use these tables: the source → Metadata API converter (`tier1_sync.salesforce.convert`)
and the local org's deploy (`tier1_sync.localorg.deploy`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FolderType:
    """A type stored one component per file: `<folder>/<name>.<suffix>` in a package."""

    type_name: str
    folder: str
    suffix: str  # the package file extension; source files add `-meta.xml`


@dataclass(frozen=True)
class ChildType:
    """A component that lives inside `objects/X.object` (as `<element>`) in a package, and in
    its own file `objects/X/<element>/<name>.<suffix>-meta.xml` in source format."""

    type_name: str
    element: str
    suffix: str


# A custom field's metadata type -> the type the REST describe call reports for it.
DESCRIBE_TYPES = {
    "Text": "string",
    "TextArea": "textarea",
    "LongTextArea": "textarea",
    "Html": "textarea",
    "Checkbox": "boolean",
    "Number": "double",
    "Currency": "currency",
    "Percent": "percent",
    "Date": "date",
    "DateTime": "datetime",
    "Picklist": "picklist",
    "MultiselectPicklist": "multipicklist",
    "Lookup": "reference",
    "MasterDetail": "reference",
    "Email": "email",
    "Phone": "phone",
    "Url": "url",
    "Summary": "double",
    "AutoNumber": "string",
}

CUSTOM_OBJECT = "CustomObject"
OBJECTS_FOLDER = "objects"
OBJECT_SUFFIX = "object"

FOLDER_TYPES: tuple[FolderType, ...] = (
    FolderType("CustomApplication", "applications", "app"),
    FolderType("FlexiPage", "flexipages", "flexipage"),
    FolderType("Layout", "layouts", "layout"),
    FolderType("PermissionSet", "permissionsets", "permissionset"),
    FolderType("CustomTab", "tabs", "tab"),
)
CHILD_TYPES: tuple[ChildType, ...] = (
    ChildType("CustomField", "fields", "field"),
    ChildType("ListView", "listViews", "listView"),
    ChildType("ValidationRule", "validationRules", "validationRule"),
    ChildType("CompactLayout", "compactLayouts", "compactLayout"),
    ChildType("WebLink", "webLinks", "webLink"),
    ChildType("RecordType", "recordTypes", "recordType"),
    ChildType("FieldSet", "fieldSets", "fieldSet"),
    ChildType("BusinessProcess", "businessProcesses", "businessProcess"),
    ChildType("SharingReason", "sharingReasons", "sharingReason"),
)
FOLDER_BY_NAME = {t.folder: t for t in FOLDER_TYPES}
FOLDER_BY_TYPE = {t.type_name: t for t in FOLDER_TYPES}
CHILD_BY_ELEMENT = {t.element: t for t in CHILD_TYPES}
CHILD_BY_TYPE = {t.type_name: t for t in CHILD_TYPES}
CHILD_BY_FOLDER = CHILD_BY_ELEMENT  # in source format the child folder is named like the element


def package_path(type_name: str, full_name: str) -> str:
    """Where a component lives in a Metadata API package (`objects/Account.object` for
    `CustomField Account.Ext_Id__c`, as Salesforce reports it in deploy results)."""
    if type_name == CUSTOM_OBJECT or type_name in CHILD_BY_TYPE:
        object_name = full_name.split(".", 1)[0]
        return f"{OBJECTS_FOLDER}/{object_name}.{OBJECT_SUFFIX}"
    folder = FOLDER_BY_TYPE[type_name]
    return f"{folder.folder}/{full_name}.{folder.suffix}"
