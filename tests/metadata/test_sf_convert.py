"""force-app converts cleanly with the real Salesforce CLI."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from tests.sfcli import sf_convert
from tier1_sync.metadata.schema import MD_NS
from tier1_sync.metadata.source import SourceProject


def test_sf_project_convert_source(
    project_dir: Path, source: SourceProject, tmp_path: Path
) -> None:
    out = tmp_path / "mdapi"
    sf_convert(project_dir, out)
    package = etree.parse(str(out / "package.xml")).getroot()
    ns = {"m": MD_NS}
    members = {
        t.findtext("m:name", namespaces=ns): {m.text for m in t.findall("m:members", ns)}
        for t in package.findall("m:types", ns)
    }
    assert package.findtext("m:version", namespaces=ns) == "63.0"
    assert members["CustomField"] == {f.full_name for f in source.all_fields()}
    assert members["PermissionSet"] == set(source.permission_sets)
    assert members["FlexiPage"] == {"Tier1_Account_Record_Page"}
    assert members["CustomApplication"] == {"Tier1"}
    custom_objects = {name for name, obj in source.objects.items() if obj.is_custom}
    assert custom_objects <= members["CustomObject"]
    assert (out / "objects" / "Risk_Flag__c.object").is_file()
