"""The GraphQL-over-HTTP endpoint: POST (and GET for queries) at /graphql.

Request flow: read and check the HTTP request → parse and validate (cached) → pick the operation
→ execute with a fresh per-request Context → format errors (unexpected ones masked) → respond in
the media type the client accepts, with the spec's status codes.

The caller, the rate limits and the deadline are the route's middleware (gateway/app.py
`guards`), shared with the exports; `graphql_refusal` words their refusals as GraphQL errors.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    OperationType,
    execute,
    get_operation_ast,
)
from graphql.execution.values import get_variable_values
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope
from strawberry.execution import optimized_is_awaitable
from strawberry.schema import Schema
from strawberry.schema._graphql_core import execution_context_class_kwargs

from gateway.authentication import caller_of
from gateway.documents import DocumentCache
from gateway.http_negotiation import GRAPHQL_RESPONSE, JSON, choose_media_type
from gateway.limits import LimitChecks, Limits, check_batch, strip_suggestions
from gateway.observability import note_operation, request_id_for
from gateway.operation_inputs import input_problem
from gateway.persisted import PersistedQueries, PersistedQueryError
from gateway.refusals import Refusal, request_id_of
from gateway.request_context import ContextFactory
from schema.compiled_execution import CompiledReads
from schema.execution import ClosedIntrospectionExecutionContext, FastExecutionContext
from telemetry import metrics

log = logging.getLogger(__name__)


class RequestError(Exception):
    """The HTTP request cannot become a GraphQL operation; answered with `status`."""

    def __init__(
        self,
        status: int,
        message: str,
        headers: dict[str, str] | None = None,
        extensions: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.extensions = extensions or {}


@dataclass(frozen=True)
class GraphQLParams:
    query: str | None
    """None only with `extensions.persistedQuery`: the text is then looked up by its hash."""
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None = None


def _params(data: object, limits: Limits) -> GraphQLParams:
    if isinstance(data, list):
        if violation := check_batch(len(data), limits):
            metrics.LIMIT_REJECTIONS.labels(violation.limit).inc()
        raise RequestError(400, "batched operations are not supported: send one per request")
    if not isinstance(data, dict):
        raise RequestError(400, "the request body must be a JSON object")
    extensions = data.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise RequestError(400, "`extensions` must be an object or null")
    query = data.get("query")
    persisted = query is None and extensions is not None and "persistedQuery" in extensions
    if not persisted and (not isinstance(query, str) or not query.strip()):
        raise RequestError(400, "`query` must be a non-empty string")
    variables = data.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise RequestError(400, "`variables` must be an object or null")
    operation_name = data.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestError(400, "`operationName` must be a string or null")
    return GraphQLParams(query, variables, operation_name, extensions)


def _json_or_error(raw: str | bytes, what: str) -> object:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RequestError(400, f"{what} is not valid JSON: {exc.msg}") from exc


async def _read_params(request: Request, limits: Limits) -> GraphQLParams:
    if request.method == "GET":
        args = request.query_params
        variables = args.get("variables")
        extensions = args.get("extensions")
        return _params(
            {
                "query": args.get("query"),
                "variables": None if variables is None else _json_or_error(variables, "variables"),
                "operationName": args.get("operationName"),
                "extensions": None
                if extensions is None
                else _json_or_error(extensions, "extensions"),
            },
            limits,
        )
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != JSON:
        raise RequestError(415, "send the operation as application/json")
    max_body = limits.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_body:
        raise RequestError(413, f"the request body is larger than {max_body} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_body:
            raise RequestError(413, f"the request body is larger than {max_body} bytes")
    return _params(_json_or_error(bytes(body), "the request body"), limits)


def _format_error(error: GraphQLError, request_id: str, production: bool = False) -> dict[str, Any]:
    """The client's view of an error: ours as they are, anything unexpected masked and logged."""
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError):
        log.error(
            "unexpected error in %s (request %s)",
            ".".join(map(str, error.path or [])),
            request_id,
            exc_info=original,
        )
        error = GraphQLError(
            "internal error: the gateway could not resolve this field",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR"},
        )
    formatted = error.formatted
    if production:  # "Did you mean ...?" would rebuild the schema for an attacker
        formatted["message"] = strip_suggestions(formatted["message"])
    formatted.setdefault("extensions", {})
    formatted["extensions"]["requestId"] = request_id
    return dict(formatted)


def _is_request_error(result: ExecutionResult) -> bool:
    """Nothing was served, and every error is about the request rather than a resolved field.

    Variable coercion errors carry no path; BAD_USER_INPUT is raised by a root field whose
    arguments (cursor, page size, id) cannot be served. Either way the operation asked for
    something impossible, which graphql-response+json clients learn from a 400.
    """
    if not result.errors:
        return False
    if result.data is not None and any(value is not None for value in result.data.values()):
        return False
    return all(
        error.path is None or (error.extensions or {}).get("code") == "BAD_USER_INPUT"
        for error in result.errors
    )


class GraphQLEndpoint:
    def __init__(
        self,
        schema: Schema,
        documents: DocumentCache,
        contexts: ContextFactory,
        *,
        limits: Limits | None = None,
        persisted: PersistedQueries | None = None,
        production: bool = False,
        compiled: CompiledReads | None = None,
    ) -> None:
        self._compiled = compiled
        self._schema = schema
        self._limits = limits or Limits()
        self._limit_checks = LimitChecks(self._limits, schema._schema)
        self._persisted = persisted
        self._production = production
        self._documents = documents
        self._contexts = contexts
        self._executor_kwargs = execution_context_class_kwargs(
            ClosedIntrospectionExecutionContext if production else FastExecutionContext
        )

    async def handle(self, request: Request) -> Response:
        # the observability middleware's id, or our own when mounted without it (tests)
        request_id = getattr(request.state, "request_id", None) or request_id_for(request.headers)
        media_type = choose_media_type(request.headers.get("accept"))
        if media_type is None:
            return _respond(
                406,
                {"errors": [{"message": f"accept {GRAPHQL_RESPONSE} or {JSON}"}]},
                JSON,
                request_id,
            )
        try:
            status, payload = await self._run(request, request_id, media_type)
        except RequestError as error:
            extensions = {**error.extensions, "requestId": request_id}
            payload = {"errors": [{"message": error.message, "extensions": extensions}]}
            return _respond(error.status, payload, media_type, request_id, error.headers)
        return _respond(status, payload, media_type, request_id)

    async def _run(
        self, request: Request, request_id: str, media_type: str
    ) -> tuple[int, dict[str, Any]]:
        modern = media_type == GRAPHQL_RESPONSE
        params = await _read_params(request, self._limits)
        caller = caller_of(request)
        query = params.query
        if self._persisted is not None:
            try:
                query = await self._persisted.resolve_query(
                    params.query, params.extensions, caller.client_id
                )
            except PersistedQueryError as unknown:
                raise RequestError(
                    unknown.status if modern else unknown.json_status,
                    unknown.message,
                    unknown.headers,
                    {"code": unknown.code},
                ) from unknown
        if query is None:
            raise RequestError(400, "`query` must be a non-empty string")
        checked = self._documents.get(query)
        if checked.syntax_error is not None:
            error = _format_error(checked.syntax_error, request_id, self._production)
            return 400 if modern else 200, {"errors": [error]}
        if checked.validation_errors:
            errors = [
                _format_error(e, request_id, self._production) for e in checked.validation_errors
            ]
            return 422 if modern else 200, {"errors": errors}
        assert checked.document is not None
        operation = get_operation_ast(checked.document, params.operation_name)
        if operation is None:
            message = (
                f"no operation named {params.operation_name!r} in the document"
                if params.operation_name
                else "the document has several operations: name one in `operationName`"
            )
            return 400 if modern else 200, {
                "errors": [{"message": message, "extensions": {"requestId": request_id}}]
            }
        if request.method == "GET" and operation.operation is not OperationType.QUERY:
            raise RequestError(
                405, "only queries may be sent with GET; use POST", {"Allow": "POST"}
            )
        operation_name = operation.name.value if operation.name else None
        violation = self._limit_checks.check(
            query, checked.document, params.operation_name, params.variables
        )
        if violation is not None:
            metrics.LIMIT_REJECTIONS.labels(violation.limit).inc()
            note_operation(request.state, operation_name, "rejected")
            extensions = {**violation.extensions, "requestId": request_id}
            return 400, {"errors": [{"message": violation.message, "extensions": extensions}]}
        fragments = {
            d.name.value: d
            for d in checked.document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        # coerced once for the input check and the compiled reads (graphql-core's execution
        # of what they leave coerces them again, as it must)
        coerced = get_variable_values(
            self._schema._schema, operation.variable_definitions or (), params.variables or {}
        )
        problem = input_problem(
            self._schema._schema, operation, fragments, params.variables, coerced=coerced
        )
        if problem is not None:  # a value the store cannot hold never reaches a resolver
            note_operation(request.state, operation_name, "error")
            error = problem.error
            error["extensions"]["requestId"] = request_id
            return 400 if modern else 200, {"errors": [error]}
        context = await self._contexts.create(caller, request_id, checked.requested)

        async def resolve(document: DocumentNode) -> ExecutionResult:
            result = execute(
                self._schema._schema,
                document,
                context_value=context,
                variable_values=params.variables,
                operation_name=params.operation_name,
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
                hide_suggestions=self._production,  # variables' unknown fields and enum values
                **self._executor_kwargs,
            )
            return result if isinstance(result, ExecutionResult) else await result

        if self._compiled is None:
            result = await resolve(checked.document)
        else:  # store-backed root fields as one statement each (schema/compiled_execution.py)
            result = await self._compiled.execute(
                checked.document, operation, query, params.variables, context, resolve, coerced
            )
        await self._contexts.finish(context)
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [
                _format_error(e, request_id, self._production) for e in result.errors
            ]
            if _is_request_error(result):
                del payload["data"]
                note_operation(request.state, operation_name, "error")
                return 400 if modern else 200, payload
            note_operation(request.state, operation_name, "partial")
            return 200, payload
        note_operation(request.state, operation_name, "ok")
        return 200, payload


def _respond(
    status: int,
    payload: dict[str, Any],
    media_type: str,
    request_id: str,
    headers: dict[str, str] | None = None,
) -> Response:
    return Response(
        orjson.dumps(payload),
        status_code=status,
        media_type=media_type,
        headers={"X-Request-Id": request_id, **(headers or {})},
    )


def graphql_refusal(scope: Scope, refusal: Refusal) -> Response:
    """A refusal of the route's middleware as a GraphQL error, in the media type the client
    accepts (JSON when it accepts neither: the refusal comes before that check)."""
    request_id = request_id_of(scope)
    media_type = choose_media_type(Headers(scope=scope).get("accept")) or JSON
    extensions: dict[str, object] = {"requestId": request_id}
    if refusal.code is not None:
        extensions = {"code": refusal.code, **extensions}
    payload = {"errors": [{"message": refusal.message, "extensions": extensions}]}
    return _respond(refusal.status, payload, media_type, request_id, refusal.headers)
