"""The local org's ASGI app: routes, Salesforce-shaped errors, API limits and fault injection."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tier1_sync.localorg.bulk import BulkApi
from tier1_sync.localorg.errors import SalesforceError
from tier1_sync.localorg.metadata_api import MetadataApi
from tier1_sync.localorg.org import LocalOrg
from tier1_sync.localorg.rest import RestApi, bearer, error_response, json_body, sf_json

_COUNTED_PREFIXES = ("/services/data/v", "/services/Soap/", "/services/async/")


class OrgMiddleware:
    """Latency, injected 503s and dropped connections; API usage counting and its header."""

    def __init__(self, app: ASGIApp, org: LocalOrg) -> None:
        self.app = app
        self.org = org

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if "//" in path:  # clients that join "https://host/" + "/services/..." (the sf CLI)
            path = re.sub("/{2,}", "/", path)
            scope = {**scope, "path": path, "raw_path": path.encode()}
        faults = self.org.faults
        if path.startswith("/__local"):
            await self.app(scope, receive, send)
            return
        if faults.latency_seconds:
            await asyncio.sleep(faults.latency_seconds)
        kind = faults.take_http(path)
        if kind == "drop":
            # Promise a body, send part of it, end: the client sees the connection drop.
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", b"1000")],
                }
            )
            await send({"type": "http.response.body", "body": b"[", "more_body": False})
            return
        if kind == "unavailable":
            await _send_error(
                send,
                SalesforceError(
                    503, "SERVER_UNAVAILABLE", "Server temporarily unavailable. Please try again."
                ),
            )
            return
        counted = path.startswith(_COUNTED_PREFIXES)
        if counted:
            try:
                self.org.count_api_call()
            except SalesforceError as exc:
                await _send_error(send, exc, self.org.limit_header())
                return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start" and counted:
                headers = list(message.get("headers", []))
                headers.append((b"sforce-limit-info", self.org.limit_header().encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_header)


async def _send_error(send: Send, error: SalesforceError, limit: str | None = None) -> None:
    body = json.dumps(error.rest_body()).encode()
    headers = [
        (b"content-type", b"application/json;charset=UTF-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    if limit:
        headers.append((b"sforce-limit-info", limit.encode()))
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class AdminApi:
    """`/__local/...`: test controls (faults, clock, limits, users), admin token only."""

    def __init__(self, org: LocalOrg) -> None:
        self.org = org

    def routes(self) -> list[Route]:
        return [
            Route("/__local/faults", self.faults, methods=["POST", "DELETE"]),
            Route("/__local/clock", self.clock, methods=["POST"]),
            Route("/__local/limits", self.limits, methods=["POST"]),
            Route("/__local/token", self.token, methods=["POST"]),
        ]

    def _admin(self, request: Request) -> None:
        ctx = self.org.context(bearer(request))
        if not ctx.is_admin:
            raise SalesforceError(403, "INSUFFICIENT_ACCESS", "admin only")

    async def faults(self, request: Request) -> Response:
        self._admin(request)
        faults = self.org.faults
        if request.method == "DELETE":
            faults.clear()
            return sf_json({"cleared": True})
        body: dict[str, Any] = await json_body(request) or {}
        if "path_contains" in body:
            faults.fail_next(
                str(body["path_contains"]),
                int(body.get("count", 1)),
                str(body.get("kind", "unavailable")),
            )
        if "lock" in body:
            faults.lock_rows(str(v) for v in body["lock"])
        if "latency_seconds" in body:
            faults.latency_seconds = float(body["latency_seconds"])
        return sf_json({"ok": True})

    async def clock(self, request: Request) -> Response:
        self._admin(request)
        body: dict[str, Any] = await json_body(request) or {}
        self.org.store.clock.offset = dt.timedelta(days=float(body.get("offset_days", 0)))
        return sf_json({"today": self.org.store.clock.today().isoformat()})

    async def limits(self, request: Request) -> Response:
        self._admin(request)
        body: dict[str, Any] = await json_body(request) or {}
        self.org.set_api_usage(int(body.get("used", 0)), body.get("allocation"))
        return sf_json({"api-usage": self.org.limit_header()})

    async def token(self, request: Request) -> Response:
        self._admin(request)
        body: dict[str, Any] = await json_body(request) or {}
        return sf_json({"access_token": self.org.token_for(str(body["user_id"]))})


async def _salesforce_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SalesforceError)
    return error_response(exc)


def build_app(org: LocalOrg, extra_routes: list[Route] | None = None) -> ASGIApp:
    routes = [
        *RestApi(org).routes(),
        *MetadataApi(org).routes(),
        *BulkApi(org).routes(),
        *AdminApi(org).routes(),
        *(extra_routes or []),
    ]
    app = Starlette(routes=routes, exception_handlers={SalesforceError: _salesforce_error})
    return OrgMiddleware(app, org)
