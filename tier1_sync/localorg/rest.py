"""REST routes of the local org: versions, limits, describe, records, collections, query."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from simple_salesforce.format import format_soql
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tier1_sync.localorg.errors import SalesforceError
from tier1_sync.localorg.org import LATEST_API_VERSION, LocalOrg
from tier1_sync.localorg.store import MultipleMatches, UserContext

MAX_COLLECTION = 200
Handler = Callable[[Request], Response]


def sf_json(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")),
        status_code=status,
        media_type="application/json;charset=UTF-8",
    )


def error_response(error: SalesforceError) -> Response:
    if isinstance(error, MultipleMatches):
        return sf_json(
            [
                f"/services/data/v{LATEST_API_VERSION}/sobjects/{error.sobject}/{i}"
                for i in error.ids
            ],
            300,
        )
    return sf_json(error.rest_body(), error.status)


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    match = re.match(r"(?:Bearer|OAuth)\s+(\S+)", header)
    return match.group(1) if match else None


async def json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw or b"null")
    except json.JSONDecodeError as exc:
        raise SalesforceError(
            400,
            "JSON_PARSER_ERROR",
            f"Unexpected character: {exc.msg} at [line:{exc.lineno}, column:{exc.colno}]",
        ) from None


class RestApi:
    """Route handlers bound to one LocalOrg."""

    def __init__(self, org: LocalOrg) -> None:
        self.org = org

    def routes(self) -> list[Route]:
        v = "/services/data/v{version}"
        return [
            Route("/services/data", self.versions),
            Route("/services/data/", self.versions),
            Route(v, self.resources),
            Route(v + "/", self.resources),
            Route(v + "/limits", self.limits),
            Route(v + "/limits/", self.limits),
            Route(v + "/sobjects", self.global_describe),
            Route(v + "/sobjects/", self.global_describe),
            Route(v + "/sobjects/{sobject}", self.sobject_root, methods=["GET", "POST"]),
            Route(v + "/sobjects/{sobject}/", self.sobject_root, methods=["GET", "POST"]),
            Route(v + "/sobjects/{sobject}/describe", self.describe),
            Route(v + "/sobjects/{sobject}/describe/", self.describe),
            Route(
                v + "/sobjects/{sobject}/{record_id}",
                self.record,
                methods=["GET", "PATCH", "DELETE"],
            ),
            Route(
                v + "/sobjects/{sobject}/{field}/{value:path}",
                self.by_external_id,
                methods=["GET", "PATCH"],
            ),
            Route(
                v + "/composite/sobjects",
                self.collection,
                methods=["POST", "PATCH", "DELETE", "GET"],
            ),
            Route(
                v + "/composite/sobjects/{sobject}/{field}",
                self.collection_upsert,
                methods=["PATCH"],
            ),
            Route(v + "/query", self.query),
            Route(v + "/query/", self.query),
            Route(v + "/queryAll", self.query),
            Route(v + "/queryAll/", self.query),
            Route(v + "/query/{locator}", self.query_more),
            Route(v + "/queryAll/{locator}", self.query_more),
            Route(v + "/tooling/query", self.tooling_query),
            Route(v + "/tooling/query/", self.tooling_query),
            Route("/services/oauth2/userinfo", self.userinfo),
        ]

    def ctx(self, request: Request) -> UserContext:
        return self.org.context(bearer(request))

    # --- discovery -------------------------------------------------------------------------

    async def versions(self, request: Request) -> Response:
        return sf_json(self.org.versions())

    async def resources(self, request: Request) -> Response:
        self.ctx(request)
        v = request.path_params["version"]
        names = [
            "sobjects",
            "query",
            "queryAll",
            "limits",
            "composite",
            "jobs",
            "metadata",
            "tooling",
        ]
        return sf_json({name: f"/services/data/v{v}/{name}" for name in names})

    async def limits(self, request: Request) -> Response:
        self.ctx(request)
        used = self.org.api_usage()
        allocation = self.org.daily_api_requests
        return sf_json(
            {
                "DailyApiRequests": {"Max": allocation, "Remaining": max(0, allocation - used)},
                "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
                "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
                "DataStorageMB": {"Max": 5, "Remaining": 5},
            }
        )

    async def userinfo(self, request: Request) -> Response:
        ctx = self.ctx(request)
        user = self.org.store.row(self.org.store.schema.get("User"), ctx.user_id) or {}
        return sf_json(
            {
                "sub": f"{self.org.instance_url}/id/00D000000000001AAA/{ctx.user_id}",
                "user_id": ctx.user_id,
                "organization_id": "00D000000000001AAA",
                "preferred_username": user.get("Username"),
                "email": user.get("Email"),
                "name": user.get("Name"),
            }
        )

    async def global_describe(self, request: Request) -> Response:
        self.ctx(request)
        v = request.path_params["version"]
        return sf_json(
            {
                "encoding": "UTF-8",
                "maxBatchSize": MAX_COLLECTION,
                "sobjects": [
                    self.org.sobject_summary(obj, v) for obj in self.org.store.schema.all()
                ],
            }
        )

    async def describe(self, request: Request) -> Response:
        self.ctx(request)
        obj = self.org.store.schema.get(request.path_params["sobject"])
        return sf_json(self.org.describe(obj, request.path_params["version"]))

    # --- single records ------------------------------------------------------------------

    async def sobject_root(self, request: Request) -> Response:
        ctx = self.ctx(request)
        obj = self.org.store.schema.get(request.path_params["sobject"])
        if request.method == "GET":
            return sf_json(
                {
                    "objectDescribe": self.org.sobject_summary(obj, request.path_params["version"]),
                    "recentItems": [],
                }
            )
        body = await json_body(request)
        if not isinstance(body, dict):
            raise SalesforceError(400, "JSON_PARSER_ERROR", "The request body must be an object")
        with self.org.store.transaction():
            record_id = self.org.store.create(ctx, obj.name, body)
        return sf_json({"id": record_id, "success": True, "errors": []}, 201)

    def _read(self, sobject: str, record_id: str, fields: str | None) -> dict[str, Any]:
        store = self.org.store
        obj = store.schema.get(sobject)
        names = (
            [f.strip() for f in fields.split(",")]
            if fields
            else [f.name for f in obj.fields.values()]
        )
        soql = format_soql(f"SELECT {', '.join(names)} FROM {obj.name} WHERE Id = {{}}", record_id)
        result = self.org.queries.query(soql)
        if not result["records"]:
            raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
        record: dict[str, Any] = result["records"][0]
        return record

    async def record(self, request: Request) -> Response:
        ctx = self.ctx(request)
        sobject, record_id = request.path_params["sobject"], request.path_params["record_id"]
        store = self.org.store
        if request.method == "GET":
            obj = store.schema.get(sobject)
            if not re.fullmatch(r"[A-Za-z0-9]{15}([A-Za-z0-9]{3})?", record_id):
                raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
            return sf_json(self._read(obj.name, record_id, request.query_params.get("fields")))
        if request.method == "DELETE":
            with store.transaction():
                store.delete(ctx, sobject, record_id)
            return Response(status_code=204)
        body = await json_body(request)
        with store.transaction():
            store.update(ctx, sobject, record_id, body)
        return Response(status_code=204)

    async def by_external_id(self, request: Request) -> Response:
        ctx = self.ctx(request)
        params = request.path_params
        store = self.org.store
        obj = store.schema.get(params["sobject"])
        key = obj.require_field(params["field"])
        if request.method == "GET":
            ids = store.find_by(obj, key, params["value"])
            if not ids:
                raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
            if len(ids) > 1:
                raise MultipleMatches(obj.name, ids)
            return sf_json(self._read(obj.name, ids[0], request.query_params.get("fields")))
        body = await json_body(request)
        with store.transaction():
            record_id, created = store.upsert(ctx, obj.name, key.name, params["value"], body)
        return sf_json(
            {"id": record_id, "success": True, "errors": [], "created": created},
            201 if created else 200,
        )

    # --- sObject collections ------------------------------------------------------------

    async def collection(self, request: Request) -> Response:
        ctx = self.ctx(request)
        if request.method in {"DELETE", "GET"}:
            ids = [i for i in request.query_params.get("ids", "").split(",") if i]
            all_or_none = request.query_params.get("allOrNone", "false").lower() == "true"
            self._check_size(ids)
            if request.method == "GET":
                return self._collection_get(request, ids)
            return sf_json(self._run_each(ids, all_or_none, lambda rid: self._delete(ctx, rid)))
        body = await json_body(request)
        records, all_or_none = self._collection_body(body)
        if request.method == "POST":

            def create(record: dict[str, Any]) -> dict[str, Any]:
                record_id = self.org.store.create(ctx, _record_type(record), _fields(record))
                return {"id": record_id, "success": True, "errors": []}

            return sf_json(self._run_each(records, all_or_none, create))

        def update(record: dict[str, Any]) -> dict[str, Any]:
            record_id = record.get("id") or record.get("Id")
            if not record_id:
                raise SalesforceError(400, "MISSING_ARGUMENT", "Id not specified in an update call")
            fields = {k: v for k, v in _fields(record).items() if k.lower() != "id"}
            updated = self.org.store.update(ctx, _record_type(record), str(record_id), fields)
            return {"id": updated, "success": True, "errors": []}

        return sf_json(self._run_each(records, all_or_none, update))

    def _collection_get(self, request: Request, ids: list[str]) -> Response:
        fields = request.query_params.get("fields", "Id")
        results: list[Any] = []
        for record_id in ids:
            obj = self.org.store.schema.object_for_id(record_id)
            try:
                results.append(self._read(obj.name, record_id, fields) if obj else None)
            except SalesforceError:
                results.append(None)
        return sf_json(results)

    def _delete(self, ctx: UserContext, record_id: str) -> dict[str, Any]:
        obj = self.org.store.schema.object_for_id(record_id)
        if obj is None:
            raise SalesforceError(400, "MALFORMED_ID", f"malformed id {record_id}")
        self.org.store.delete(ctx, obj.name, record_id)
        return {"id": record_id, "success": True, "errors": []}

    async def collection_upsert(self, request: Request) -> Response:
        ctx = self.ctx(request)
        store = self.org.store
        obj = store.schema.get(request.path_params["sobject"])
        key = obj.require_field(request.path_params["field"])
        records, all_or_none = self._collection_body(await json_body(request))
        seen: dict[str, int] = {}
        for record in records:
            value = _value_of(record, key.name)
            if value is not None:
                seen[str(value).lower()] = seen.get(str(value).lower(), 0) + 1

        def upsert(record: dict[str, Any]) -> dict[str, Any]:
            if _record_type(record).lower() != obj.name.lower():
                raise SalesforceError(
                    400, "INVALID_TYPE", f"all records must be of type {obj.name}"
                )
            value = _value_of(record, key.name)
            if value is None or value == "":
                raise SalesforceError(
                    400, "MISSING_ARGUMENT", f"{key.name} not specified", [key.name]
                )
            if seen.get(str(value).lower(), 0) > 1:
                raise SalesforceError(
                    400,
                    "DUPLICATE_EXTERNAL_ID",
                    f"Duplicate external id specified: {value}",
                    [key.name],
                )
            record_id, created = store.upsert(ctx, obj.name, key.name, str(value), _fields(record))
            return {"id": record_id, "success": True, "errors": [], "created": created}

        return sf_json(self._run_each(records, all_or_none, upsert))

    def _collection_body(self, body: Any) -> tuple[list[dict[str, Any]], bool]:
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise SalesforceError(400, "JSON_PARSER_ERROR", "The request body needs 'records'")
        records = body["records"]
        self._check_size(records)
        for record in records:
            if (
                not isinstance(record, dict)
                or not isinstance(record.get("attributes"), dict)
                or "type" not in record["attributes"]
            ):
                raise SalesforceError(
                    400, "INVALID_FIELD", "No type defined for the record: set attributes.type"
                )
        return records, bool(body.get("allOrNone", False))

    def _check_size(self, items: list[Any]) -> None:
        if len(items) > MAX_COLLECTION:
            raise SalesforceError(
                400,
                "EXCEEDED_ID_LIMIT",
                f"record limit exceeded. Cannot have more than {MAX_COLLECTION} records",
            )

    def _run_each(
        self, items: list[Any], all_or_none: bool, action: Callable[[Any], dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Per-record results in input order; allOrNone rolls back everything on any error."""
        results: list[dict[str, Any]] = []
        store = self.org.store
        try:
            with store.transaction():
                for item in items:
                    try:
                        results.append(action(item))
                    except MultipleMatches as exc:
                        results.append({"success": False, "errors": [_several(exc)]})
                    except SalesforceError as exc:
                        results.append({"success": False, "errors": [exc.record_error()]})
                if all_or_none and any(not r["success"] for r in results):
                    raise _RollBack
        except _RollBack:
            rolled_back = {
                "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                "message": "Record rolled back because not all records were valid and the "
                "request was using AllOrNone header",
                "fields": [],
            }
            results = [
                r if not r["success"] else {"success": False, "errors": [rolled_back]}
                for r in results
            ]
            for result in results:
                result.pop("id", None)
                result.pop("created", None)
        return results

    # --- query -----------------------------------------------------------------------------

    async def query(self, request: Request) -> Response:
        self.ctx(request)
        soql = request.query_params.get("q")
        if not soql:
            raise SalesforceError(400, "MALFORMED_QUERY", "A query string is required: ?q=")
        if request.query_params.get("columns", "").lower() == "true":
            return sf_json(self.org.queries.columns(soql))
        return sf_json(self.org.queries.query(soql, _batch_size(request)))

    async def query_more(self, request: Request) -> Response:
        self.ctx(request)
        return sf_json(self.org.queries.more(request.path_params["locator"]))

    async def tooling_query(self, request: Request) -> Response:
        self.ctx(request)
        raise SalesforceError(404, "NOT_FOUND", "The Tooling API is not served by the local org")


def _several(exc: MultipleMatches) -> dict[str, Any]:
    ids = ", ".join(exc.ids)
    message = f"Foreign key external ID matched several records: {ids}"
    return {"statusCode": "DUPLICATE_EXTERNAL_ID", "message": message, "fields": []}


class _RollBack(Exception):
    pass


def _record_type(record: dict[str, Any]) -> str:
    return str(record["attributes"]["type"])


def _fields(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "attributes"}


def _value_of(record: dict[str, Any], name: str) -> Any:
    return next((v for k, v in record.items() if k.lower() == name.lower()), None)


def _batch_size(request: Request) -> int:
    options = request.headers.get("sforce-query-options", "")
    match = re.search(r"batchSize\s*=\s*(\d+)", options)
    return int(match.group(1)) if match else 2000
