"""Metadata API answers have the element structure of recorded Salesforce responses (10a to 10d in
the team's shared `salesforce-samples`): same elements, in the same order."""

from __future__ import annotations

import base64
import time
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from tests.localorg.deploy_helpers import NS, WIDGET_XML, soap, status_xml
from tier1_sync.localorg.deploy_result import DeployResult
from tier1_sync.localorg.metadata_api import soap_response, xml_element
from tier1_sync.localorg.server import RunningOrg

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "salesforce-samples"


def _sample(name: str) -> etree._Element:
    matches = sorted(SAMPLES.glob(f"{name}*"))
    if not matches:
        pytest.skip(f"recorded samples not found in {SAMPLES}")
    return etree.parse(str(matches[0])).getroot()


def _tags(element: etree._Element | None) -> list[str]:
    """Child element names, a run of repeated elements counted once."""
    assert element is not None
    names: list[str] = []
    for child in element:
        name = etree.QName(child).localname
        if not names or names[-1] != name:
            names.append(name)
    return names


def _result(envelope: etree._Element, response: str) -> etree._Element:
    found = envelope.find(f"soapenv:Body/m:{response}/m:result", NS)
    assert found is not None
    return found


def _deploy_raw(org: RunningOrg, data: bytes) -> etree._Element:
    encoded = base64.b64encode(data).decode()
    answer = soap(
        org,
        f"<met:deploy><met:ZipFile>{encoded}</met:ZipFile><met:DeployOptions>"
        "<met:rollbackOnError>true</met:rollbackOnError><met:singlePackage>true"
        "</met:singlePackage></met:DeployOptions></met:deploy>",
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/xml")
    return etree.fromstring(answer.content)


def _finished(org: RunningOrg, deploy_id: str) -> etree._Element:
    deadline = time.monotonic() + 30
    while (result := status_xml(org, deploy_id)).findtext("m:done", namespaces=NS) != "true":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return result


def test_deploy_response(local_org: RunningOrg, force_app_zip: Path) -> None:
    ours = _result(_deploy_raw(local_org, force_app_zip.read_bytes()), "deployResponse")
    theirs = _result(_sample("10a_"), "deployResponse")
    assert _tags(ours) == _tags(theirs)
    assert ours.findtext("m:id", namespaces=NS, default="").startswith("0Af")


def test_succeeded_status(local_org: RunningOrg, tmp_path: Path) -> None:
    path = tmp_path / "widget.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("shape/objects/Widget__c.object", WIDGET_XML)
        archive.writestr(
            "shape/package.xml",
            '<Package xmlns="http://soap.sforce.com/2006/04/metadata"><types>'
            "<members>Widget__c</members><name>CustomObject</name></types>"
            "<version>63.0</version></Package>",
        )
    started = _result(_deploy_raw(local_org, path.read_bytes()), "deployResponse")
    ours = _finished(local_org, started.findtext("m:id", namespaces=NS, default=""))
    theirs = _result(_sample("10c_"), "checkDeployStatusResponse")
    assert _tags(ours) == _tags(theirs)
    assert _tags(ours.find("m:details", NS)) == _tags(theirs.find("m:details", NS))
    success = ours.find("m:details/m:componentSuccesses", NS)
    assert _tags(success) == _tags(theirs.find("m:details/m:componentSuccesses", NS))
    files = {name.text for name in ours.iterfind(".//m:fileName", NS)}
    assert files == {"shape/package.xml", "shape/objects/Widget__c.object"}


def test_failed_status(local_org: RunningOrg, tmp_path: Path) -> None:
    path = tmp_path / "no-manifest.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("objects/Widget__c.object", WIDGET_XML)
    started = _result(_deploy_raw(local_org, path.read_bytes()), "deployResponse")
    ours = _finished(local_org, started.findtext("m:id", namespaces=NS, default=""))
    theirs = _result(_sample("10b_"), "checkDeployStatusResponse")
    assert _tags(ours) == _tags(theirs)
    failure = ours.find("m:details/m:componentFailures", NS)
    assert _tags(failure) == _tags(theirs.find("m:details/m:componentFailures", NS))
    assert failure is not None
    assert failure.findtext("m:problem", namespaces=NS) == "No package.xml found"


def test_in_progress_status() -> None:
    """The worker's InProgress state, rendered as checkDeployStatus sends it."""
    result = DeployResult(
        id="0Af5g0000000001AAA",
        status="InProgress",
        created_by="0055g0000000003",
        created_by_name="Local Admin",
        created_date="2026-01-05T10:00:00.000Z",
        start_date="2026-01-05T10:00:00.000Z",
        last_modified_date="2026-01-05T10:00:01.000Z",
        components_total=3,
    )
    body = xml_element("checkDeployStatusResponse", {"result": result.as_fields(True)})
    ours = _result(etree.fromstring(bytes(soap_response(body).body)), "checkDeployStatusResponse")
    theirs = _result(_sample("10d_"), "checkDeployStatusResponse")
    assert _tags(ours) == _tags(theirs)
    assert _tags(ours.find("m:details", NS)) == _tags(theirs.find("m:details", NS))
