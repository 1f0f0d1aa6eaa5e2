"""The Python source → Metadata API converter: unit tests, and the same output as the real CLI."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from tests.sfcli import sf_convert
from tier1_sync.metadata.schema import MD_NS, MetadataSchema
from tier1_sync.metadata.source import SourceProject
from tier1_sync.salesforce.convert import ConvertError, MetadataPackage, convert_source

NS = {"m": MD_NS}
Canonical = tuple[str, str, tuple["Canonical", ...]]


@pytest.fixture(scope="module")
def package(project_dir: Path) -> MetadataPackage:
    return convert_source(project_dir / "force-app")


def _root(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(remove_blank_text=True))


def _canonical(data: bytes, schema: MetadataSchema) -> Canonical:
    """The XML modulo whitespace and element order (children sorted into schema order;
    repeated elements keep their order, which carries meaning in picklists)."""
    root = _root(data)
    schema.normalise(root, etree.QName(root).localname)

    def walk(el: etree._Element) -> Canonical:
        return (etree.QName(el).localname, (el.text or "").strip(), tuple(walk(c) for c in el))

    return walk(root)


def _members(data: bytes) -> dict[str, list[str]]:
    root = _root(data)
    return {
        t.findtext("m:name", namespaces=NS) or "": [
            m.text or "" for m in t.findall("m:members", NS)
        ]
        for t in root.findall("m:types", NS)
    }


def test_same_package_as_the_salesforce_cli(
    project_dir: Path, package: MetadataPackage, schema: MetadataSchema, tmp_path: Path
) -> None:
    out = tmp_path / "cli"
    sf_convert(project_dir, out)
    cli_files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert set(package.files) == cli_files
    for name in sorted(cli_files):
        expected = _canonical((out / name).read_bytes(), schema)
        assert _canonical(package.files[name], schema) == expected, name
    assert package.files["package.xml"] == (out / "package.xml").read_bytes()


def test_package_xml_lists_members_per_type(
    package: MetadataPackage, source: SourceProject
) -> None:
    members = _members(package.files["package.xml"])
    custom_objects = sorted(n for n, o in source.objects.items() if o.is_custom)
    assert members["CustomObject"] == custom_objects  # Account is extended, not listed
    assert set(members["CustomField"]) == {f.full_name for f in source.all_fields()}
    assert "Account.Tier1_Accounts" in members["ListView"]
    assert "Risk_Flag__c.ACKNOWLEDGEMENT_NEEDS_BOTH_TEAMS" in members["ValidationRule"]
    assert members["PermissionSet"] == sorted(source.permission_sets)
    assert "Account-Tier 1 Account Layout" in members["Layout"]
    assert members["FlexiPage"] == ["Tier1_Account_Record_Page"]
    assert members["CustomTab"] == sorted(source.tabs)
    assert members["CustomApplication"] == ["Tier1"]
    assert list(members) == sorted(members)
    assert _root(package.files["package.xml"]).findtext("m:version", namespaces=NS) == "63.0"


def test_files_lose_their_meta_suffix_and_keep_their_bytes(
    package: MetadataPackage, source_dir: Path
) -> None:
    source = source_dir / "permissionsets" / "Tier1_AE.permissionset-meta.xml"
    assert package.files["permissionsets/Tier1_AE.permissionset"] == source.read_bytes()
    for name in [
        "layouts/Account-Tier 1 Account Layout.layout",
        "flexipages/Tier1_Account_Record_Page.flexipage",
        "tabs/Risk_Flag__c.tab",
        "applications/Tier1.app",
    ]:
        assert name in package.files
    assert not any(name.endswith("-meta.xml") for name in package.files)


def test_objects_are_merged_in_schema_order(
    package: MetadataPackage, schema: MetadataSchema, source: SourceProject
) -> None:
    order = schema.child_order("CustomObject")
    risk_flag = _root(package.files["objects/Risk_Flag__c.object"])
    positions = [order[etree.QName(c).localname].index for c in risk_flag]
    assert positions == sorted(positions)
    assert risk_flag.findtext("m:label", namespaces=NS) == "Risk Flag"
    field_names = [
        f.findtext("m:fullName", namespaces=NS) for f in risk_flag.findall("m:fields", NS)
    ]
    assert field_names == sorted(source.objects["Risk_Flag__c"].fields, key=str.lower)
    first_field = risk_flag.find("m:fields", NS)
    assert first_field is not None
    assert etree.QName(first_field[0]).localname == "fullName"

    account = _root(package.files["objects/Account.object"])
    assert {etree.QName(c).localname for c in account} == {
        "fields",
        "listViews",
        "validationRules",
    }


def test_the_zip_holds_the_files_at_its_root_and_is_reproducible(
    package: MetadataPackage, project_dir: Path
) -> None:
    data = package.zip_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == sorted(package.files)
        assert archive.read("package.xml") == package.files["package.xml"]
    assert convert_source(project_dir / "force-app").zip_bytes() == data


def _project(tmp_path: Path, version: str = "62.0") -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "sfdx-project.json").write_text(json.dumps({"sourceApiVersion": version}))
    (tmp_path / ".forceignore").write_text("# noise\n**/profiles/**\n")
    return tmp_path / "force-app" / "main" / "default"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n{text}\n')


def test_a_small_project_with_compact_layouts_and_ignored_files(tmp_path: Path) -> None:
    default = _project(tmp_path)
    widget = default / "objects" / "Widget__c"
    _write(
        widget / "Widget__c.object-meta.xml",
        f'<CustomObject xmlns="{MD_NS}"><sharingModel>ReadWrite</sharingModel>'
        "<label>Widget</label></CustomObject>",
    )
    for name in ["Zeta__c", "alpha__c"]:
        _write(
            widget / "fields" / f"{name}.field-meta.xml",
            f'<CustomField xmlns="{MD_NS}"><label>{name}</label><type>Date</type></CustomField>',
        )
    _write(
        widget / "compactLayouts" / "Widget_Compact.compactLayout-meta.xml",
        f'<CompactLayout xmlns="{MD_NS}"><fields>Name</fields><label>W</label></CompactLayout>',
    )
    _write(default / "profiles" / "Admin.profile-meta.xml", f'<Profile xmlns="{MD_NS}"/>')

    package = convert_source(tmp_path / "force-app")

    assert sorted(package.files) == ["objects/Widget__c.object", "package.xml"]
    assert _members(package.files["package.xml"]) == {
        "CompactLayout": ["Widget__c.Widget_Compact"],
        "CustomField": ["Widget__c.Zeta__c", "Widget__c.alpha__c"],
        "CustomObject": ["Widget__c"],
    }
    assert b"<version>62.0</version>" in package.files["package.xml"]
    root = _root(package.files["objects/Widget__c.object"])
    assert [etree.QName(c).localname for c in root] == [
        "compactLayouts",
        "fields",
        "fields",
        "label",
        "sharingModel",
    ]
    names = [f.findtext("m:fullName", namespaces=NS) for f in root.findall("m:fields", NS)]
    assert names == ["alpha__c", "Zeta__c"]


def test_unsupported_metadata_and_missing_version_are_refused(tmp_path: Path) -> None:
    default = _project(tmp_path / "project")
    _write(default / "classes" / "Tier1Job.cls-meta.xml", f'<ApexClass xmlns="{MD_NS}"/>')
    with pytest.raises(ConvertError, match="does not know this kind of metadata"):
        convert_source(tmp_path / "project" / "force-app")

    bare = tmp_path / "bare"
    _write(bare / "tabs" / "Widget__c.tab-meta.xml", f'<CustomTab xmlns="{MD_NS}"/>')
    with pytest.raises(ConvertError, match="sourceApiVersion"):
        convert_source(bare)
    assert "tabs/Widget__c.tab" in convert_source(bare, api_version="63.0").files


def test_a_field_file_with_the_wrong_root_is_refused(tmp_path: Path) -> None:
    default = _project(tmp_path)
    _write(
        default / "objects" / "Account" / "fields" / "X__c.field-meta.xml",
        f'<ListView xmlns="{MD_NS}"/>',
    )
    with pytest.raises(ConvertError, match="expected a <CustomField>"):
        convert_source(tmp_path / "force-app")
