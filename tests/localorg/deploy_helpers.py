"""Building small Metadata API packages and reading deploy results raw, for deploy tests."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests
from lxml import etree

from tier1_sync.localorg.server import RunningOrg
from tier1_sync.metadata.schema import MD_NS
from tier1_sync.salesforce.convert import MetadataPackage, package_xml

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
NS = {"m": MD_NS, "soapenv": SOAP_NS}


def object_xml(inner: str) -> str:
    declaration = '<?xml version="1.0" encoding="UTF-8"?>'
    return f'{declaration}<CustomObject xmlns="{MD_NS}">{inner}</CustomObject>'


def text_field(name: str, extra: str = "", type_: str = "Text", length: int | None = 80) -> str:
    size = f"<length>{length}</length>" if length is not None else ""
    return (
        f"<fields><fullName>{name}</fullName><label>{name}</label>{size}"
        f"<type>{type_}</type>{extra}</fields>"
    )


# A custom object with one field and a rule the local org cannot evaluate (REGEX).
WIDGET_XML = object_xml(
    "<label>Widget</label><pluralLabel>Widgets</pluralLabel>"
    "<nameField><label>Widget Name</label><type>Text</type></nameField>"
    "<deploymentStatus>Deployed</deploymentStatus><sharingModel>ReadWrite</sharingModel>"
    + text_field("Code__c")
    + "<validationRules><fullName>CODE_LOOKS_RIGHT</fullName><active>true</active>"
    '<errorConditionFormula>NOT(REGEX(Code__c, "[A-Z]{3}"))</errorConditionFormula>'
    "<errorMessage>Codes are three capitals.</errorMessage></validationRules>"
)


def write_zip(
    path: Path, files: Mapping[str, str | bytes], members: dict[str, set[str]], folder: str = ""
) -> Path:
    """A package of `files` (text or bytes) with a package.xml listing `members`, at the root
    of the zip or under `folder/`."""
    data = {p: v.encode() if isinstance(v, str) else v for p, v in files.items()}
    data["package.xml"] = package_xml(members, "63.0")
    prefix = f"{folder}/" if folder else ""
    placed = {prefix + p: v for p, v in data.items()}
    path.write_bytes(MetadataPackage("63.0", placed, members).zip_bytes())
    return path


def session(org: RunningOrg) -> requests.Session:
    http = requests.Session()
    http.trust_env = False
    http.verify = str(org.cert)
    return http


def soap(org: RunningOrg, operation: str, token: str | None = None) -> requests.Response:
    """POST one Metadata API SOAP operation, the session id in the SOAP header."""
    envelope = (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns:met="{MD_NS}"><soapenv:Header>'
        f"<met:SessionHeader><met:sessionId>{token or org.token}</met:sessionId>"
        f"</met:SessionHeader></soapenv:Header><soapenv:Body>{operation}</soapenv:Body>"
        "</soapenv:Envelope>"
    )
    return session(org).post(
        f"{org.url}/services/Soap/m/63.0",
        data=envelope.encode(),
        headers={"Content-Type": "text/xml", "SOAPAction": '""'},
        timeout=30,
    )


def status_xml(org: RunningOrg, deploy_id: str) -> etree._Element:
    """checkDeployStatus with details, as the Salesforce CLI asks for it: the `<result>`."""
    response = soap(
        org,
        f"<met:checkDeployStatus><met:asyncProcessId>{deploy_id}</met:asyncProcessId>"
        "<met:includeDetails>true</met:includeDetails></met:checkDeployStatus>",
    )
    assert response.status_code == 200, response.text
    result = etree.fromstring(response.content).find(
        "soapenv:Body/m:checkDeployStatusResponse/m:result", NS
    )
    assert result is not None
    return result


def messages(result: etree._Element, kind: str) -> list[dict[str, Any]]:
    """componentSuccesses or componentFailures as dicts of their child elements' text."""
    return [
        {etree.QName(child).localname: child.text or "" for child in message}
        for message in result.findall(f"m:details/m:{kind}", NS)
    ]
