"""The execution hook: store-backed root fields answered by compiled SQL, the rest as today.

After parsing, validation and the operation limits (unchanged, in gateway/graphql_http.py),
each root field of a query that the planner covers (resolvers/compiled/planner.ROOT_FIELDS)
is answered by one statement; every other root field, and any the planner declines (a
selection it does not compile, arguments the resolvers refuse, an empty page after a cursor),
resolves through graphql-core as a whole, in one execution, and the answers are merged in the
operation's order with both sets of errors. `cbccvc_compiled_root_fields` counts outcomes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from graphql.execution.values import get_argument_values, get_variable_values
from strawberry.schema import Schema

from resolvers.compiled.planner import ROOT_FIELDS, Answer, EmptyPageWithCursor, Planner
from resolvers.compiled.selection import Collected, NotCompilable, collect
from resolvers.context import Context
from schema.compiled_catalogue import catalogue_of
from telemetry import metrics

log = logging.getLogger(__name__)

ExecuteRest = Callable[[DocumentNode], Awaitable[ExecutionResult]]


def _only(
    document: DocumentNode, operation: OperationDefinitionNode, nodes: list[FieldNode]
) -> DocumentNode:
    """The document with its operation cut down to these root fields (fragments kept)."""
    cut = OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        variable_definitions=operation.variable_definitions,
        directives=operation.directives,
        selection_set=SelectionSetNode(selections=tuple(nodes)),
        loc=operation.loc,
    )
    others = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    return DocumentNode(definitions=(cut, *others), loc=document.loc)


class CompiledReads:
    def __init__(self, schema: Schema) -> None:
        self._schema = schema._schema
        self._planner = Planner(self._schema, catalogue_of(schema))

    async def execute(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        document_key: Any,
        variables: dict[str, Any] | None,
        context: Context,
        execute_rest: ExecuteRest,
    ) -> ExecutionResult:
        query_type = self._schema.query_type
        if operation.operation is not OperationType.QUERY or query_type is None:
            return await execute_rest(document)
        coerced = get_variable_values(
            self._schema, operation.variable_definitions or (), variables or {}
        )
        if isinstance(coerced, list):  # graphql-core words the variables' errors
            return await execute_rest(document)
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        try:
            root = collect(self._schema, query_type, [operation.selection_set], fragments)
        except NotCompilable:
            return await execute_rest(document)
        answers: dict[str, Answer] = {}
        rest: list[FieldNode] = []
        for key, collected in root.items():
            answer = await self._answer(
                context, document_key, operation, key, collected, coerced, fragments
            )
            if answer is None:
                rest.extend(collected.nodes)
            else:
                answers[key] = answer
        compiled_errors = [e for answer in answers.values() for e in answer.errors]
        if not rest:
            return self._sent(context, answers, {}, root, compiled_errors)
        resolved = await execute_rest(_only(document, operation, rest))
        if resolved.data is None:  # a non-null root field failed: no data at all, no audit
            return ExecutionResult(None, compiled_errors + list(resolved.errors or ()))
        return self._sent(
            context, answers, resolved.data, root, compiled_errors + list(resolved.errors or ())
        )

    @staticmethod
    def _sent(
        context: Context,
        answers: dict[str, Answer],
        resolved: dict[str, Any],
        root: dict[str, Collected],
        errors: list[GraphQLError],
    ) -> ExecutionResult:
        """The merged data in the operation's order; the compiled people noted for the audit."""
        for answer in answers.values():
            answer.note_people(context)
        data = {k: answers[k].value if k in answers else resolved.get(k) for k in root}
        return ExecutionResult(data, errors or None)

    async def _answer(
        self,
        context: Context,
        document_key: Any,
        operation: OperationDefinitionNode,
        key: str,
        collected: Collected,
        variables: Any,
        fragments: dict[str, FragmentDefinitionNode],
    ) -> Answer | None:
        name = collected.field_name
        if name not in ROOT_FIELDS:
            return None
        query_type = self._schema.query_type
        assert query_type is not None
        if not context.access.may_call(query_type.name, name):
            # the policy's `operations` refuse it: the resolver path words the FORBIDDEN
            metrics.COMPILED_ROOT_FIELDS.labels(name, "refused").inc()
            return None
        try:
            args = get_argument_values(query_type.fields[name], collected.nodes[0], variables)
            operation_key = (document_key, operation.name.value if operation.name else None)
            answer = await self._planner.answer(
                context, operation_key, collected, key, args, fragments
            )
        except NotCompilable:
            outcome = "not_compilable"
        except EmptyPageWithCursor:
            outcome = "empty_page_after_cursor"
        except GraphQLError:  # the resolvers' own refusal: they word it on the resolver path
            outcome = "refused"
        except Exception as exc:  # a fault of the compiled path must not cost the answer
            log.error(
                "compiled read of %s failed (%s); resolved instead",
                name,
                type(exc).__name__,
                exc_info=exc,
            )
            outcome = "failed"
        else:
            metrics.COMPILED_ROOT_FIELDS.labels(name, "compiled").inc()
            return answer
        metrics.COMPILED_ROOT_FIELDS.labels(name, outcome).inc()
        return None
