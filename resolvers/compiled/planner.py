"""Store-backed root fields compiled to one statement each, and the plans cached.

For a root field the planner checks the arguments exactly as the resolvers do (it calls them:
the filter's rights and codes, Relay's page arguments, ids), then compiles the selection into
one statement whose result is that field's JSON. The text depends on the document, the
operation, the root field, the shape of the arguments (which filters, which direction) and the
caller's policy view (policy_sql.PolicySql.signature); it is cached under exactly that, and
asyncpg prepares it once per connection. Any GraphQLError the checks raise, or a selection the
compiler does not cover, sends the root field back to the resolver path (CompiledReads in
schema/compiled_execution.py counts why).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import FragmentDefinitionNode, GraphQLError, GraphQLSchema

from resolvers import global_id
from resolvers import people as people_resolvers
from resolvers.compiled.catalogue import Catalogue
from resolvers.compiled.params import Params, arguments
from resolvers.compiled.policy_sql import PolicySql, relation_of
from resolvers.compiled.results import Finished, Shape, finish
from resolvers.compiled.selection import Collected, NotCompilable
from resolvers.compiled.statements import UNKNOWN_CURSOR_KEY, Compiler
from resolvers.context import Context
from resolvers.pagination import Direction
from store.driver_statement import fetch_autocommit
from store.queries.people import PeopleFilter

ROOT_FIELDS = frozenset({"persons", "person", "node", "organization"})
"""The root fields the planner compiles; every other one resolves as today."""


class EmptyPageWithCursor(Exception):
    """An empty page after a cursor that names no row: the resolver path words the error."""


@dataclass(frozen=True)
class Plan:
    sql: str
    names: tuple[str, ...]
    shape: Shape


@dataclass(frozen=True)
class Answer:
    value: Any
    errors: list[GraphQLError]
    people: list[tuple[int, int]]
    """(person id, mask key) of every person row in `value`: noted for the audit when the
    value is sent (`note_people`), which it is not when another root field nulls the data."""

    def note_people(self, context: Context) -> None:
        for person_id, key in self.people:
            relation, consent = relation_of(key)
            context.access.note_person(person_id, relation, consent)


def _like_prefix(prefix: str) -> str:
    """`LIKE ... ESCAPE '/'` pattern for everything starting with `prefix` (as SQLAlchemy's
    startswith(autoescape=True) writes it)."""
    escaped = prefix.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return escaped + "%"


def people_conditions(people: PeopleFilter, params: Params, values: dict[str, Any]) -> list[str]:
    """store/queries/people.conditions, as SQL text over `person p`."""
    where: list[str] = []
    if people.organization_ids is not None:
        where.append(f"p.organization_id = ANY({params.ref('org_ids', 'bigint[]')})")
        values["org_ids"] = list(people.organization_ids)
    if people.organization_path is not None:
        where.append(
            "p.organization_id IN (SELECT id FROM organization WHERE path LIKE "
            f"{params.ref('org_path', 'text')} ESCAPE '/')"
        )
        values["org_path"] = _like_prefix(people.organization_path)
    if people.name_query is not None:
        where.append(
            "to_tsvector('simple', p.name_search) @@ "
            f"to_tsquery('simple', {params.ref('name_query', 'text')})"
        )
        values["name_query"] = people.name_query
    for name, column, chosen in (
        ("categories", "category", people.categories),
        ("grades", "grade_code", people.grade_codes),
        ("statuses", "status", people.statuses),
    ):
        if chosen is not None:
            where.append(f"p.{column} = ANY({params.ref(name, 'text[]')})")
            values[name] = list(chosen)
    return where


def _people_query(raw: Mapping[str, Any] | None) -> people_resolvers.PeopleQuery:
    """The directory filter from its coerced GraphQL value (PersonFilter.to_query's job)."""
    raw = raw or {}

    def values(items: Any) -> tuple[str, ...] | None:
        return None if items is None else tuple(str(getattr(i, "value", i)) for i in items)

    include = raw.get("includeSubtree")
    return people_resolvers.PeopleQuery(
        organization_code=raw.get("organization"),
        include_subtree=True if include is None else bool(include),
        name=raw.get("name"),
        categories=values(raw.get("categories")),
        grade_codes=values(raw.get("grades")),
        statuses=values(raw.get("statuses")),
    )


class Planner:
    def __init__(self, schema: GraphQLSchema, catalogue: Catalogue, cache_size: int = 1024):
        self._schema = schema
        self._catalogue = catalogue
        self._cache_size = cache_size
        self._plans: OrderedDict[tuple[Any, ...], Plan | str] = OrderedDict()
        """A plan, or why the selection is not compilable (remembered too)."""

    def _plan(self, key: tuple[Any, ...], build: Callable[[], Plan]) -> Plan:
        plan = self._plans.get(key)
        if plan is None:
            try:
                plan = build()
            except NotCompilable as refusal:
                plan = str(refusal)
            self._plans[key] = plan
            while len(self._plans) > self._cache_size:
                self._plans.popitem(last=False)
        else:
            self._plans.move_to_end(key)
        if isinstance(plan, str):
            raise NotCompilable(plan)
        return plan

    async def answer(
        self,
        context: Context,
        document_key: Any,
        collected: Collected,
        response_key: str,
        args: Mapping[str, Any],
        fragments: Mapping[str, FragmentDefinitionNode],
    ) -> Answer:
        """The root field's value and errors; raises NotCompilable, EmptyPageWithCursor or the
        resolvers' own GraphQLError for the resolver path to answer instead."""
        access = context.access
        policy = PolicySql.of(access)
        values: dict[str, Any] = self._caller_values(context)
        selections = collected.sub_selections()
        name = collected.field_name
        base_key = (document_key, response_key, policy.signature())

        def compiler(params: Params) -> Compiler:
            return Compiler(self._schema, self._catalogue, policy, params, fragments)

        if name == "persons":
            people = await people_resolvers.resolve_filter(
                context, _people_query(args.get("filter"))
            )
            request = context.page_request(
                first=args.get("first"),
                after=args.get("after"),
                last=args.get("last"),
                before=args.get("before"),
            )
            if getattr(request, "keep_last", None) is not None:
                # Relay's first+last together (issue 14): its window is not compiled yet
                raise NotCompilable("first and last together")
            backward = request.direction is Direction.BACKWARD
            after, before = request.after_key is not None, request.before_key is not None
            values.update(
                limit=request.limit,
                size=request.size,
                after_key=request.after_key,
                before_key=request.before_key,
                has_after=after,
                has_before=before,
            )
            filter_values: dict[str, Any] = {}
            shape_key = tuple(
                getattr(people, f) is not None
                for f in ("organization_ids", "organization_path", "name_query",
                          "categories", "grade_codes", "statuses")
            )  # fmt: skip

            def build_connection() -> Plan:
                params = Params()
                where = people_conditions(people, params, {})
                sql, shape = compiler(params).person_connection(
                    selections, where, backward=backward, after=after, before=before
                )
                return Plan(*params.finish(sql), shape)

            plan = self._plan((*base_key, "persons", shape_key, backward, after, before),
                              build_connection)  # fmt: skip
            people_conditions(people, Params(), filter_values)
            values.update(filter_values)
            value = await self._run(context, plan, values)
            if value.pop(UNKNOWN_CURSOR_KEY):
                raise EmptyPageWithCursor()
            return self._finish(value, plan.shape, response_key)

        if name in ("person", "node"):
            if name == "person":
                type_name, key = "Person", global_id.decode_as("Person", args["id"])
            else:
                type_name, key = global_id.decode(args["id"])
                if type_name not in ("Person", "Organization"):
                    raise NotCompilable("node of another type")  # the resolver words the error
            values["key"] = key

            def build_lookup() -> Plan:
                params = Params()
                build = compiler(params)
                if type_name == "Person":
                    obj, shape = build.person(selections, "n")
                    rows = build.person_rows([f"p.id = {params.ref('key', 'bigint')}"])
                    sql = f"SELECT ({obj})::text FROM ({rows}) n"
                else:
                    obj, shape = build.organization(selections, "o")
                    key_ref = params.ref("key", "bigint")
                    sql = f"SELECT ({obj})::text FROM organization o WHERE o.id = {key_ref}"
                return Plan(*params.finish(sql), shape)

            plan = self._plan((*base_key, name, type_name), build_lookup)
            value = await self._run(context, plan, values)
            return self._finish(value, plan.shape, response_key)

        if name == "organization":
            values["code"] = args["code"]

            def build_organization() -> Plan:
                params = Params()
                obj, shape = compiler(params).organization(selections, "o")
                code = params.ref("code", "text")
                sql = f"SELECT ({obj})::text FROM organization o WHERE o.code = {code}"
                return Plan(*params.finish(sql), shape)

            plan = self._plan((*base_key, name), build_organization)
            value = await self._run(context, plan, values)
            return self._finish(value, plan.shape, response_key)
        raise NotCompilable(name)

    @staticmethod
    def _caller_values(context: Context) -> dict[str, Any]:
        access = context.access
        caller = access.caller
        scope = access.scope
        return {
            "subject": caller.subject,
            "scope_id": None if scope is None else scope.organization_id,
            "scope_path": None if scope is None else scope.path,
            "consent_org": caller.organization,
            "consent_purposes": sorted(caller.purposes),
        }

    @staticmethod
    async def _run(context: Context, plan: Plan, values: Mapping[str, Any]) -> Any:
        # a fixed text per plan: straight to asyncpg, prepared once per connection
        rows = await fetch_autocommit(context.engine, plan.sql, arguments(plan.names, values))
        text = rows[0][0] if rows else None
        return None if text is None else orjson.loads(text)

    @staticmethod
    def _finish(value: Any, shape: Shape, response_key: str) -> Answer:
        finished = Finished()
        finish(value, shape, [response_key], finished)
        return Answer(value, finished.errors, finished.people)
