"""The Metadata API of the local org: deploy and checkDeployStatus, over SOAP and REST.

SOAP (`POST /services/Soap/m/{version}[/...]`) is what simple-salesforce's `deploy` /
`checkDeployStatus` and the Salesforce CLI's default deploy send: the session id travels in
`<SessionHeader>`, the operation is the Body's first element, whatever the URL's tail.
REST (`POST /services/data/vXX.X/metadata/deployRequest`, multipart with the zip and
`entity_content`; `GET .../deployRequest/{id}?includeDetails=true`) is the CLI's opt-in path.
Errors come back as Salesforce sends them: SOAP faults (HTTP 500) and REST error lists.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tier1_sync.localorg.deploy_result import DeployOptions, DeployResult
from tier1_sync.localorg.deploy_service import DeployService
from tier1_sync.localorg.errors import SalesforceError
from tier1_sync.localorg.org import LocalOrg
from tier1_sync.localorg.rest import bearer, sf_json
from tier1_sync.localorg.store import UserContext
from tier1_sync.metadata.schema import MD_NS

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
_OPTION_NAMES = {
    "checkOnly": "check_only",
    "ignoreWarnings": "ignore_warnings",
    "rollbackOnError": "rollback_on_error",
    "singlePackage": "single_package",
    "purgeOnDelete": "purge_on_delete",
}
_NO_ACCESS = (
    "INSUFFICIENT_ACCESS: use of the Metadata API requires a user with the ModifyAllData or "
    "ModifyMetadata permissions"
)


class SoapFault(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def xml_element(tag: str, value: Any) -> str:
    """One element (or a repeated element for a list) in the metadata namespace (the default)."""
    if isinstance(value, list):
        return "".join(xml_element(tag, item) for item in value)
    if isinstance(value, dict):
        inner = "".join(xml_element(k, v) for k, v in value.items())
    elif isinstance(value, bool):
        inner = "true" if value else "false"
    else:
        inner = escape(str(value))
    return f"<{tag}>{inner}</{tag}>"


def soap_response(body: str, status: int = 200) -> Response:
    envelope = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns="{MD_NS}">'
        f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    )
    return Response(envelope, status_code=status, media_type="text/xml;charset=UTF-8")


def soap_fault(fault: SoapFault) -> Response:
    body = (
        f'<soapenv:Fault xmlns:sf="{MD_NS}"><faultcode>{escape(fault.code)}</faultcode>'
        f"<faultstring>{escape(fault.message)}</faultstring></soapenv:Fault>"
    )
    return soap_response(body, 500)


def _flag(text: str | None) -> bool | None:
    if text is None:
        return None
    return text.strip().lower() == "true"


def _options(values: dict[str, Any]) -> DeployOptions:
    """DeployOptions from SOAP elements or REST JSON (same names). The local org always rolls
    back on error: a deploy is all or nothing, and its result says so."""
    options = DeployOptions()
    for name, attribute in _OPTION_NAMES.items():
        value = values.get(name)
        flag = _flag(value) if isinstance(value, str) else value
        if isinstance(flag, bool):
            setattr(options, attribute, flag)
    options.rollback_on_error = True
    test_level = values.get("testLevel")
    options.test_level = test_level.strip() if isinstance(test_level, str) else None
    return options


class MetadataApi:
    def __init__(self, org: LocalOrg) -> None:
        self.org = org
        self.deploys = DeployService(org.store)

    def routes(self) -> list[Route]:
        rest = "/services/data/v{version}/metadata/deployRequest"
        return [
            Route("/services/Soap/m/{version}", self.soap, methods=["POST"]),
            Route("/services/Soap/m/{version}/{tail:path}", self.soap, methods=["POST"]),
            Route(rest, self.rest_deploy, methods=["POST"]),
            Route(rest + "/{deploy_id}", self.rest_status, methods=["GET"]),
        ]

    # --- SOAP ------------------------------------------------------------------------------

    async def soap(self, request: Request) -> Response:
        try:
            return await self._soap(request)
        except SoapFault as fault:
            return soap_fault(fault)

    async def _soap(self, request: Request) -> Response:
        try:
            envelope = etree.fromstring(await request.body(), _PARSER)
        except etree.XMLSyntaxError as exc:
            raise SoapFault("soapenv:Client", f"Unable to parse the request: {exc.msg}") from None
        session = envelope.findtext(
            f"{{{SOAP_NS}}}Header/{{{MD_NS}}}SessionHeader/{{{MD_NS}}}sessionId"
        )
        body = envelope.find(f"{{{SOAP_NS}}}Body")
        operation = (
            next((c for c in body if isinstance(c.tag, str)), None) if body is not None else None
        )
        if operation is None:
            raise SoapFault("soapenv:Client", "The request has no operation in its Body")
        ctx = self._soap_context(session)
        self._admin(ctx)
        name = etree.QName(operation)
        if name.namespace == MD_NS and name.localname == "deploy":
            return self._soap_deploy(operation, ctx)
        if name.namespace == MD_NS and name.localname == "checkDeployStatus":
            return self._soap_status(operation)
        raise SoapFault(
            "soapenv:Client",
            f"No operation available for request {{{name.namespace}}}{name.localname}, "
            "please check the WSDL for the service.",
        )

    def _soap_context(self, session: str | None) -> UserContext:
        try:
            return self.org.context((session or "").strip())
        except SalesforceError:
            raise SoapFault(
                "sf:INVALID_SESSION_ID",
                "INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session",
            ) from None

    def _admin(self, ctx: UserContext) -> None:
        if not ctx.is_admin:
            raise SoapFault("sf:INSUFFICIENT_ACCESS", _NO_ACCESS)

    def _soap_deploy(self, operation: etree._Element, ctx: UserContext) -> Response:
        encoded = operation.findtext(f"{{{MD_NS}}}ZipFile") or ""
        try:
            data = base64.b64decode(encoded)
        except (binascii.Error, ValueError):
            raise SoapFault("soapenv:Client", "Unable to decode ZipFile: not base64") from None
        options_el = operation.find(f"{{{MD_NS}}}DeployOptions")
        values = {
            etree.QName(c).localname: (c.text or "")
            for c in (options_el if options_el is not None else [])
            if isinstance(c.tag, str)
        }
        result = self.deploys.start(data, _options(values), ctx.user_id)
        return soap_response(
            xml_element(
                "deployResponse", {"result": {"done": False, "id": result.id, "state": "Queued"}}
            )
        )

    def _soap_status(self, operation: etree._Element) -> Response:
        deploy_id = (operation.findtext(f"{{{MD_NS}}}asyncProcessId") or "").strip()
        details = _flag(operation.findtext(f"{{{MD_NS}}}includeDetails")) or False
        result = self.deploys.status(deploy_id)
        if result is None:
            raise SoapFault("sf:INVALID_ID_FIELD", f"INVALID_ID_FIELD: Invalid Id: {deploy_id}")
        fields = result.as_fields(include_details=details)
        return soap_response(xml_element("checkDeployStatusResponse", {"result": fields}))

    # --- REST ------------------------------------------------------------------------------

    def _rest_admin(self, request: Request) -> UserContext:
        ctx = self.org.context(bearer(request))
        if not ctx.is_admin:
            raise SalesforceError(403, "INSUFFICIENT_ACCESS", _NO_ACCESS.split(": ", 1)[1])
        return ctx

    def _rest_body(self, request: Request, result: DeployResult, details: bool) -> dict[str, Any]:
        version = request.path_params["version"]
        return {
            "id": result.id,
            "validatedDeployRequestId": None,
            "url": f"/services/data/v{version}/metadata/deployRequest/{result.id}",
            "deployOptions": result.options.as_fields(),
            "deployResult": result.as_fields(include_details=details),
        }

    async def rest_deploy(self, request: Request) -> Response:
        ctx = self._rest_admin(request)
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise SalesforceError(
                415, "UNSUPPORTED_MEDIA_TYPE", "deployRequest takes multipart/form-data"
            )
        async with request.form() as form:
            upload = form.get("file")
            entity = form.get("entity_content")
            data = await upload.read() if isinstance(upload, UploadFile) else None
            text = await entity.read() if isinstance(entity, UploadFile) else entity
        if data is None:
            raise SalesforceError(400, "INVALID_MULTIPART_REQUEST", "The zip file part is missing")
        try:
            settings = json.loads(text or "{}")
        except json.JSONDecodeError as exc:
            raise SalesforceError(400, "JSON_PARSER_ERROR", f"entity_content: {exc}") from None
        values = settings.get("deployOptions") if isinstance(settings, dict) else None
        result = self.deploys.start(data, _options(values or {}), ctx.user_id)
        return sf_json(self._rest_body(request, result, details=True), 201)

    async def rest_status(self, request: Request) -> Response:
        self._rest_admin(request)
        result = self.deploys.status(request.path_params["deploy_id"])
        if result is None:
            raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
        details = request.query_params.get("includeDetails", "").lower() == "true"
        return sf_json(self._rest_body(request, result, details))
