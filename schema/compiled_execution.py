"""The execution hook: store-backed root fields answered by compiled SQL, the rest as today.

After parsing, validation and the operation limits (unchanged, in gateway/graphql_http.py),
each root field of a query that the planner covers (resolvers/compiled/planner.ROOT_FIELDS)
is answered by one statement; every other root field, and any the planner declines (a
selection it does not compile, arguments the resolvers refuse, an empty page after a cursor),
resolves through graphql-core as a whole, in one execution, and the answers are merged in the
operation's order with both sets of errors. `cbccvc_compiled_root_fields` counts outcomes.
@skip and @include are decided first, as graphql-core decides them (resolvers/compiled/
selection.py): a root field they leave out is absent, and the decisions key the cached plans.

Inside a compiled root field, the fields of a person or an organisation that the statement
does not compute (live fields from the agencies and the national databases, approval proofs,
anything the planner does not cover yet) are merged at their paths: the row objects are built
from their rows exactly as the resolver path builds them (one statement per type for all of
them) and graphql-core executes just those fields over them, at their paths, with their
resolvers, masks and errors. A merged field that fails where null is not allowed would null
its parent on the resolver path: that root field then falls back as a whole.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLObjectType,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from graphql.execution.collect_fields import FieldDetails
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from graphql.pyutils import Path
from strawberry.execution import optimized_is_awaitable
from strawberry.schema import Schema

from resolvers.compiled.planner import ROOT_FIELDS, Answer, EmptyPageWithCursor, Planner
from resolvers.compiled.results import Pending
from resolvers.compiled.selection import Collected, NotCompilable, collect, conditions
from resolvers.context import Context
from resolvers.live import start_details
from schema.compiled_catalogue import catalogue_of
from schema.execution import FastExecutionContext
from schema.organization import Organization
from schema.person import Person
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
        coerced: VariableValues | list[GraphQLError] | None = None,
    ) -> ExecutionResult:
        """`coerced`: the variables as get_variable_values coerced them, if the caller has."""
        query_type = self._schema.query_type
        if operation.operation is not OperationType.QUERY or query_type is None:
            return await execute_rest(document)
        if coerced is None:
            coerced = get_variable_values(
                self._schema, operation.variable_definitions or (), variables or {}
            )
        if isinstance(coerced, list):  # graphql-core words the variables' errors
            return await execute_rest(document)
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        try:
            # the plans hold for these decisions only: they are part of the plans' key
            decisions = conditions(document, operation, coerced)
            root = collect(self._schema, query_type, [operation.selection_set], fragments, coerced)
        except (NotCompilable, GraphQLError):  # graphql-core words a condition it cannot coerce
            return await execute_rest(document)
        operation_key = (document_key, operation.name.value if operation.name else None, decisions)
        answers: dict[str, Answer] = {}
        for key, collected in root.items():
            answer = await self._answer(context, operation_key, key, collected, coerced, fragments)
            if answer is not None:
                answers[key] = answer
        if any(answer.pending for answer in answers.values()):
            merged = await self._merge(document, operation, variables, context, answers)
            for key, outcome in merged.items():
                metrics.COMPILED_ROOT_FIELDS.labels(root[key].field_name, outcome).inc()
                del answers[key]
        for key in answers:
            metrics.COMPILED_ROOT_FIELDS.labels(root[key].field_name, "compiled").inc()
        rest = [node for key, c in root.items() if key not in answers for node in c.nodes]
        compiled_errors = [e for answer in answers.values() for e in answer.errors]
        if not rest:
            return self._sent(context, answers, {}, root, compiled_errors)
        resolved = await execute_rest(_only(document, operation, rest))
        if resolved.data is None:  # a non-null root field failed: no data at all, no audit
            return ExecutionResult(None, compiled_errors + list(resolved.errors or ()))
        return self._sent(
            context, answers, resolved.data, root, compiled_errors + list(resolved.errors or ())
        )

    async def _merge(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: dict[str, Any] | None,
        context: Context,
        answers: dict[str, Answer],
    ) -> dict[str, str]:
        """Resolve the merged fields of every answer and put them at their paths; the root
        fields whose merged fields would null a parent or failed (they resolve as a whole
        instead), with that outcome."""
        pending = [p for answer in answers.values() for p in answer.pending]
        # the answer waits for the slowest agency: its call leaves first and before anything
        # else here (the executor's build included), not after the rows are read again and
        # every merged resolver has run. The planner started these keys already, from the
        # statement's text; this asks for the same ones (the loader's cache: no second call)
        # and, in waiting for them, gives the calls queued one turn apart their turns before
        # the merge holds the loop (without it, ~2 ms later: bench/fanout 1.05 -> 1.07)
        live = [p.live for p in pending if p.live is not None]
        if live:
            await start_details(context.live.details, live)
        executor = FastExecutionContext.build(
            self._schema,
            document,
            context_value=context,
            raw_variable_values=variables,
            operation_name=operation.name.value if operation.name else None,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        )
        assert not isinstance(executor, list)  # the variables were coerced before
        sources = await _sources(context, pending)
        failed: dict[str, str] = {}

        async def resolve(item: Pending) -> None:
            root_key = str(item.path[0])
            object_type = self._schema.get_type(item.type_name)
            assert isinstance(object_type, GraphQLObjectType)
            grouped = {m.key: [FieldDetails(node, None) for node in m.nodes] for m in item.merged}
            for merged in item.merged:
                name = merged.nodes[0].name.value
                metrics.COMPILED_MERGED_FIELDS.labels(item.type_name, name).inc()
            path: Path | None = None
            for key in item.path:
                path = Path(path, key, None)
            try:
                source = sources[(item.type_name, item.row_id)]
                if source is None:  # the row went between the statements: resolve it whole
                    raise NotCompilable("row gone")
                result = executor.execute_fields(object_type, source, path, grouped, None)
                values = await result if inspect.isawaitable(result) else result
            except (GraphQLError, NotCompilable):  # a non-null merged field failed
                failed[root_key] = "merged_field_nulled_parent"
                return
            except Exception as exc:  # a fault of the merge must not cost the answer
                log.error("merging %s failed (%s); resolved instead", root_key,
                          type(exc).__name__, exc_info=exc)  # fmt: skip
                failed[root_key] = "failed"
                return
            item.target.update(values)

        await asyncio.gather(*(resolve(item) for item in pending))
        for error in executor.collected_errors.errors:
            root_key = str((error.path or [""])[0])
            if root_key in answers and root_key not in failed:
                answers[root_key].errors.append(error)
        return failed

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
        operation_key: Any,
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
            answer = await self._planner.answer(
                context, operation_key, collected, key, args, fragments, variables
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
        else:  # counted once its merged fields are in (execute)
            return answer
        metrics.COMPILED_ROOT_FIELDS.labels(name, outcome).inc()
        return None


async def _sources(context: Context, pending: list[Pending]) -> dict[tuple[str, int], Any]:
    """The objects the merged fields resolve over, built from their rows as the resolver path
    builds them: one statement per type. A person's consent is the one the statement decided
    (the mask key's low bit), so no consent lookup runs again."""
    access = context.access
    people = sorted({p.row_id for p in pending if p.type_name == "Person"})
    for item in pending:
        if item.type_name == "Person" and item.mask_key is not None:
            access.consent_checked.add(item.row_id)
            if item.mask_key % 2:
                access.consented_people.add(item.row_id)
    organizations = sorted({p.row_id for p in pending if p.type_name == "Organization"})
    sources: dict[tuple[str, int], Any] = {}
    for person_id, row in zip(
        people, await context.loaders.person_by_id.load_many(people), strict=True
    ):
        sources[("Person", person_id)] = None if row is None else Person.from_row(row, context)
    for organization_id, row in zip(
        organizations,
        await context.loaders.organization_by_id.load_many(organizations),
        strict=True,
    ):
        sources[("Organization", organization_id)] = (
            None if row is None else Organization.from_row(row, context)
        )
    return sources
