"""The standard objects every local org starts with, with Salesforce's field flags.

Modelled on real describe results: the CRM objects a dataset uses (Account, Contact,
Opportunity, Task, Event), users and their access (User, Profile, PermissionSet and its
assignments, field and object permissions) and the Organization.
"""

from __future__ import annotations

from tier1_sync.localorg.schema import (
    FieldDef,
    SObjectDef,
    new_field,
    new_sobject,
    picklist_field,
    required,
)

_TIME_ZONES = ["America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Paris", "GMT"]
_LOCALES = ["en_US", "en_GB", "fr_FR", "de_DE"]
_ENCODINGS = ["UTF-8", "ISO-8859-1"]
_LANGUAGES = ["en_US", "fr", "de"]
ACTIVITY_TYPES = [
    "Call",
    "Email",
    "Meeting",
    "Other",
    "Inbound Call",
    "Inbound Email",
    "Customer Meeting Request",
]


# How a parent reaches its standard children: (child object, field) -> relationship name.
_STANDARD_CHILDREN = {
    ("Account", "ParentId"): "ChildAccounts",
    ("Contact", "AccountId"): "Contacts",
    ("Opportunity", "AccountId"): "Opportunities",
    ("Task", "WhatId"): "Tasks",
    ("Task", "WhoId"): "Tasks",
    ("Event", "WhatId"): "Events",
    ("Event", "WhoId"): "Events",
    ("PermissionSetAssignment", "AssigneeId"): "PermissionSetAssignments",
    ("PermissionSetAssignment", "PermissionSetId"): "Assignments",
    ("FieldPermissions", "ParentId"): "FieldPerms",
    ("ObjectPermissions", "ParentId"): "ObjectPerms",
}


def standard_objects() -> list[SObjectDef]:
    """The standard objects a CRM dataset uses, with Salesforce's field flags."""
    name = new_field(
        "Name",
        "string",
        "Full Name",
        createable=False,
        updateable=False,
        length=121,
        calculated=True,
        name_field=True,
    )
    user = new_sobject(
        "User",
        "005",
        "Users",
        [
            required(new_field("Username", "string", length=80, unique=True, id_lookup=True)),
            new_field("FirstName", "string", "First Name", length=40),
            required(new_field("LastName", "string", "Last Name", length=80)),
            name,
            required(new_field("Email", "email", length=128)),
            required(new_field("Alias", "string", length=8)),
            new_field("Title", "string", length=80),
            new_field("Department", "string", length=80),
            new_field("IsActive", "boolean", "Active", default_value=True),
            required(
                picklist_field("TimeZoneSidKey", _TIME_ZONES, "Time Zone", restricted_picklist=True)
            ),
            required(picklist_field("LocaleSidKey", _LOCALES, "Locale", restricted_picklist=True)),
            required(
                picklist_field(
                    "EmailEncodingKey", _ENCODINGS, "Email Encoding", restricted_picklist=True
                )
            ),
            required(
                picklist_field(
                    "LanguageLocaleKey", _LANGUAGES, "Language", restricted_picklist=True
                )
            ),
            required(
                new_field(
                    "ProfileId",
                    "reference",
                    "Profile ID",
                    reference_to=["Profile"],
                    relationship_name="Profile",
                )
            ),
        ],
        owner=False,
        deletable=False,
    )
    profile = new_sobject(
        "Profile",
        "00e",
        "Profiles",
        [
            required(new_field("Name", "string", "Name", name_field=True)),
            new_field("PermissionsModifyAllData", "boolean", "Modify All Data"),
            new_field("PermissionsApiEnabled", "boolean", "API Enabled"),
        ],
        owner=False,
        createable=False,
        updateable=False,
        deletable=False,
    )
    permission_set = new_sobject(
        "PermissionSet",
        "0PS",
        "Permission Sets",
        [
            required(new_field("Name", "string", "Name", length=80, id_lookup=True)),
            required(new_field("Label", "string", "Label", length=80, name_field=True)),
            new_field("Description", "string", length=255),
            new_field(
                "IsOwnedByProfile",
                "boolean",
                "Is Owned By Profile",
                createable=False,
                updateable=False,
            ),
        ],
        owner=False,
        createable=False,
        updateable=False,
        deletable=False,
    )
    assignment = new_sobject(
        "PermissionSetAssignment",
        "0Pa",
        "Permission Set Assignments",
        [
            required(
                new_field(
                    "AssigneeId",
                    "reference",
                    "Assignee ID",
                    reference_to=["User"],
                    relationship_name="Assignee",
                    updateable=False,
                )
            ),
            required(
                new_field(
                    "PermissionSetId",
                    "reference",
                    "Permission Set ID",
                    reference_to=["PermissionSet"],
                    relationship_name="PermissionSet",
                    updateable=False,
                )
            ),
        ],
        owner=False,
        updateable=False,
    )
    account = new_sobject(
        "Account",
        "001",
        "Accounts",
        [
            required(new_field("Name", "string", "Account Name", name_field=True)),
            new_field("AccountNumber", "string", "Account Number", length=40),
            picklist_field(
                "Type",
                ["Prospect", "Customer - Direct", "Customer - Channel", "Partner", "Other"],
                "Account Type",
            ),
            picklist_field(
                "Industry",
                [
                    "Technology",
                    "Finance",
                    "Healthcare",
                    "Manufacturing",
                    "Retail",
                    "Media",
                    "Education",
                    "Other",
                ],
            ),
            new_field("Website", "url", length=255),
            new_field("Phone", "phone", "Account Phone", length=40),
            new_field("Description", "textarea", "Account Description"),
            new_field("AnnualRevenue", "currency", "Annual Revenue", precision=18, scale=0),
            new_field("NumberOfEmployees", "int", "Employees", digits=8),
            new_field("BillingCity", "string", "Billing City", length=40),
            new_field("BillingCountry", "string", "Billing Country", length=80),
            new_field(
                "ParentId",
                "reference",
                "Parent Account ID",
                reference_to=["Account"],
                relationship_name="Parent",
            ),
        ],
    )
    contact = new_sobject(
        "Contact",
        "003",
        "Contacts",
        [
            new_field(
                "AccountId",
                "reference",
                "Account ID",
                reference_to=["Account"],
                relationship_name="Account",
            ),
            new_field("FirstName", "string", "First Name", length=40),
            required(new_field("LastName", "string", "Last Name", length=80)),
            name.model_copy(update={"label": "Full Name"}),
            new_field("Email", "email", length=80),
            new_field("Title", "string", length=128),
            new_field("Phone", "phone", "Business Phone", length=40),
            new_field("Description", "textarea", "Contact Description"),
        ],
    )
    opportunity = new_sobject(
        "Opportunity",
        "006",
        "Opportunities",
        [
            new_field(
                "AccountId",
                "reference",
                "Account ID",
                reference_to=["Account"],
                relationship_name="Account",
            ),
            required(new_field("Name", "string", "Name", length=120, name_field=True)),
            required(
                picklist_field(
                    "StageName",
                    [
                        "Prospecting",
                        "Qualification",
                        "Proposal",
                        "Negotiation",
                        "Closed Won",
                        "Closed Lost",
                    ],
                    "Stage",
                    restricted_picklist=True,
                )
            ),
            required(new_field("CloseDate", "date", "Close Date")),
            new_field("Amount", "currency"),
            new_field("Probability", "percent", "Probability (%)", precision=3, scale=0),
            picklist_field(
                "Type",
                ["New Business", "Existing Business - Upgrade", "Existing Business - Replacement"],
                "Opportunity Type",
            ),
            new_field("Description", "textarea"),
        ],
    )
    activity_common = [
        new_field("Subject", "string", length=255),
        new_field("ActivityDate", "date", "Due Date Only"),
        new_field(
            "WhatId",
            "reference",
            "Related To ID",
            reference_to=["Account", "Opportunity"],
            relationship_name="What",
        ),
        new_field(
            "WhoId", "reference", "Name ID", reference_to=["Contact"], relationship_name="Who"
        ),
        picklist_field("Type", ACTIVITY_TYPES),
        new_field("Description", "textarea"),
    ]
    task = new_sobject(
        "Task",
        "00T",
        "Tasks",
        [
            *activity_common,
            picklist_field(
                "Status",
                ["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"],
                nillable=False,
                default_value="Not Started",
                defaulted_on_create=True,
                restricted_picklist=True,
            ),
            picklist_field(
                "Priority",
                ["High", "Normal", "Low"],
                nillable=False,
                default_value="Normal",
                defaulted_on_create=True,
                restricted_picklist=True,
            ),
            new_field(
                "IsClosed",
                "boolean",
                "Closed",
                createable=False,
                updateable=False,
                calculated=True,
                formula='ISPICKVAL(Status, "Completed")',
            ),
        ],
    )
    event = new_sobject(
        "Event",
        "00U",
        "Events",
        [
            *activity_common,
            required(new_field("ActivityDateTime", "datetime", "Due Date Time")),
            required(new_field("DurationInMinutes", "int", "Duration")),
        ],
    )
    organization = new_sobject(
        "Organization",
        "00D",
        "Organizations",
        [
            new_field("Name", "string", "Name", length=80, name_field=True),
            new_field("InstanceName", "string", "Instance Name", length=5),
            new_field("IsSandbox", "boolean", "Is Sandbox"),
            new_field("TrialExpirationDate", "datetime", "Trial Expiration Date"),
            new_field("NamespacePrefix", "string", "Namespace Prefix", length=15),
            new_field(
                "OrganizationType",
                "picklist",
                "Edition",
                picklist_values=["Developer Edition", "Enterprise Edition"],
            ),
        ],
        owner=False,
        createable=False,
        updateable=False,
        deletable=False,
    )
    for field in organization.fields.values():
        field.createable = field.updateable = False
    objects = [
        user,
        profile,
        permission_set,
        assignment,
        account,
        contact,
        opportunity,
        task,
        event,
        organization,
        *permission_objects(),
    ]
    for obj in objects:
        for field in obj.fields.values():
            field.child_relationship_name = _STANDARD_CHILDREN.get((obj.name, field.name))
    return objects


def _permissions_parent() -> FieldDef:
    return required(
        new_field(
            "ParentId",
            "reference",
            "Parent ID",
            reference_to=["PermissionSet"],
            relationship_name="Parent",
        )
    )


def permission_objects() -> list[SObjectDef]:
    """FieldPermissions and ObjectPermissions: what each permission set grants, one row per
    field or object (rows only where something is granted). Read-only here: the org writes
    them when a permission set is deployed."""
    field_permissions = new_sobject(
        "FieldPermissions",
        "01k",
        "Field Permissions",
        [
            _permissions_parent(),
            required(new_field("SobjectType", "picklist", "Sobject Type Name", length=40)),
            required(new_field("Field", "string", "Field Name", length=255)),
            new_field("PermissionsEdit", "boolean", "Edit Field"),
            new_field("PermissionsRead", "boolean", "Read Field"),
        ],
        owner=False,
    )
    object_permissions = new_sobject(
        "ObjectPermissions",
        "110",
        "Object Permissions",
        [
            _permissions_parent(),
            required(new_field("SobjectType", "picklist", "Sobject Type Name", length=40)),
            new_field("PermissionsCreate", "boolean", "Create Records"),
            new_field("PermissionsRead", "boolean", "Read Records"),
            new_field("PermissionsEdit", "boolean", "Edit Records"),
            new_field("PermissionsDelete", "boolean", "Delete Records"),
            new_field("PermissionsViewAllRecords", "boolean", "View All Records"),
            new_field("PermissionsModifyAllRecords", "boolean", "Modify All Records"),
        ],
        owner=False,
    )
    objects = [field_permissions, object_permissions]
    for obj in objects:
        obj.label = obj.label_plural
        obj.createable = obj.updateable = obj.deletable = False
        for field in obj.fields.values():
            field.createable = field.updateable = False
    return objects
