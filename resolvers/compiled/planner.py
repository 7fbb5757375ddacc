"""Store-backed root fields compiled to one statement each, and the plans cached.

For a root field the planner checks the arguments exactly as the resolvers do (it calls them:
the filter's rights and codes, Relay's page arguments, ids), then compiles the selection into
one statement whose result is that field's JSON. The text depends on the document, the
operation, its @skip/@include decisions (selection.conditions: the variables decide them), the
root field, the shape of the arguments (which filters, which direction) and the
caller's policy view (policy_sql.PolicySql.signature); it is cached under exactly that, and
asyncpg prepares it once per connection. The page arguments of nested lists (the dossier's
lists, an organisation's staff) are parameters of one text for every way of paging, checked
per request by Context.page_request like the root's. Any GraphQLError the checks raise, or a
selection the compiler does not cover at all, sends the root field back to the resolver path
(CompiledReads in schema/compiled_execution.py counts why); a field of a person or an
organisation it does not cover is merged in there instead.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import FragmentDefinitionNode, GraphQLError, GraphQLObjectType, GraphQLSchema
from graphql.execution.values import get_argument_values

from resolvers import global_id
from resolvers import organizations as org_resolvers
from resolvers import people as people_resolvers
from resolvers.access import Scope
from resolvers.compiled.catalogue import Catalogue
from resolvers.compiled.lists import ListArguments, list_values
from resolvers.compiled.params import Params, arguments
from resolvers.compiled.policy_sql import PolicySql, relation_of
from resolvers.compiled.results import (
    Finished,
    Pending,
    Shape,
    finish,
    live_calls,
    passed_through,
)
from resolvers.compiled.selection import Collected, NotCompilable
from resolvers.compiled.statements import UNKNOWN_CURSOR_KEY, Compiler, as_utf8, literal
from resolvers.context import Context
from resolvers.live import start_details
from resolvers.pagination import Direction
from store.driver_statement import fetch_autocommit
from store.queries.organizations import OrganizationsFilter
from store.queries.people import PeopleFilter
from store.text import MARKED, PLAIN, fold

ROOT_FIELDS = frozenset({"persons", "person", "node", "organization", "organizations"})
"""The root fields the planner compiles; every other one resolves as today."""


_KNOWN_CURSOR = f', "{UNKNOWN_CURSOR_KEY}" : false}}'.encode()
_UNKNOWN_CURSOR = f', "{UNKNOWN_CURSOR_KEY}" : true}}'.encode()
"""How PostgreSQL ends a connection's object, after or before a cursor it knows or not."""


class EmptyPageWithCursor(Exception):
    """An empty page after a cursor that names no row: the resolver path words the error."""


@dataclass(frozen=True)
class Plan:
    sql: str
    names: tuple[str, ...]
    shape: Shape
    lists: tuple[ListArguments, ...] = ()
    """The dossier lists in the statement, whose page arguments each request binds."""


@dataclass(frozen=True)
class Answer:
    value: Any
    errors: list[GraphQLError]
    people: list[tuple[int, int]]
    """(person id, mask key) of every person row in `value`: noted for the audit when the
    value is sent (`note_people`), which it is not when another root field nulls the data."""
    pending: list[Pending] = field(default_factory=list)
    """Row objects of `value` with fields left to the resolvers, to be merged at their paths
    before the value is sent (schema/compiled_execution.py)."""

    def note_people(self, context: Context) -> None:
        by_key: dict[int, list[int]] = {}  # a page's rows share a few keys: noted per key
        for person_id, key in self.people:
            by_key.setdefault(key, []).append(person_id)
        for key, people in by_key.items():
            relation, consent = relation_of(key)
            context.access.note_people(people, relation, consent)


def _like_prefix(prefix: str) -> str:
    """`LIKE ... ESCAPE '/'` pattern for everything starting with `prefix` (as SQLAlchemy's
    startswith(autoescape=True) writes it)."""
    escaped = prefix.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return escaped + "%"


def _within(column: str, prefix: str, name: str, params: Params, values: dict[str, Any]) -> str:
    """`column` starts with `prefix`, as a range the path index answers in a generic plan.

    The statements are prepared, and after five runs PostgreSQL may keep a generic plan: for
    `path LIKE $1` it cannot know the pattern is a prefix, so it gives up the path index and
    walks the people in directory order instead (3-15 ms for a page the range reads in 1). The
    text_pattern_ops operators compare bytes, and UTF-8's byte order is the code points' order,
    so [prefix, prefix with its last character's successor) is exactly the strings that start
    with it. A prefix ending in a character without a plain successor keeps the LIKE."""
    last = prefix[-1:] or "\x00"
    if not prefix or not last.isascii() or last == "\x7f":
        values[name] = _like_prefix(prefix)
        return f"{column} LIKE {params.ref(name, 'text')} ESCAPE '/'"
    values[f"{name}_from"] = prefix
    values[f"{name}_to"] = prefix[:-1] + chr(ord(last) + 1)
    return (
        f"{column} ~>=~ {params.ref(f'{name}_from', 'text')} "
        f"AND {column} ~<~ {params.ref(f'{name}_to', 'text')}"
    )


# a person's organisation path, read per row: a condition on it that PostgreSQL cannot
# estimate (it assumes a third of the rows pass each side of the range)
_PATH_OF_ROW = "(SELECT o.path FROM organization o WHERE o.id = p.organization_id)"


def people_conditions(
    people: PeopleFilter, params: Params, values: dict[str, Any], *, counting: bool = False
) -> list[str]:
    """store/queries/people.conditions, as SQL text over `person p`.

    The statements are prepared and PostgreSQL keeps a generic plan for each text, made
    without the subtree's bounds: for the subtree as a set of organisations it sorts the
    subtree's people, right for a province's thousands and wrong for the whole country's
    millions. A wide subtree's page (`PeopleFilter.wide_subtree`) therefore tests each row's
    path instead, which the generic plan answers by walking the directory order until the
    page is full; its count (`counting`) keeps the set, which a count reads whole anyway."""
    where: list[str] = []
    if people.organization_ids is not None:
        where.append(f"p.organization_id = ANY({params.ref('org_ids', 'bigint[]')})")
        values["org_ids"] = list(people.organization_ids)
    if people.organization_path is not None:
        if people.wide_subtree and not counting:
            values["wide_subtree"] = True  # another text, so another plan (the plan's key)
            where.append(_within(_PATH_OF_ROW, people.organization_path, "org_path", params,
                                 values))  # fmt: skip
        else:
            within = _within("path", people.organization_path, "org_path", params, values)
            where.append(f"p.organization_id IN (SELECT id FROM organization WHERE {within})")
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


def organization_conditions(
    orgs: OrganizationsFilter, params: Params, values: dict[str, Any]
) -> list[str]:
    """store/queries/organizations.conditions, as SQL text over `organization p`."""
    where: list[str] = []
    for name, column, chosen in (("levels", "level", orgs.levels),
                                 ("statuses", "status", orgs.statuses)):  # fmt: skip
        if chosen is not None:
            where.append(f"p.{column} = ANY({params.ref(name, 'text[]')})")
            values[name] = list(chosen)
    if orgs.parent_id is not None:
        where.append(f"p.parent_id = {params.ref('parent_id', 'bigint')}")
        values["parent_id"] = orgs.parent_id
    if orgs.within_path is not None:
        where.append(_within("p.path", orgs.within_path, "within_path", params, values))
    if orgs.search is not None:
        folded = "translate(lower({}), " + f"{literal(MARKED)}, {literal(PLAIN)})"
        for index, word in enumerate(fold(orgs.search).split()):
            ref = params.ref(f"word_{index}", "text")
            values[f"word_{index}"] = "%" + _like_prefix(word)
            where.append(
                f"({folded.format('p.name')} LIKE {ref} ESCAPE '/' "
                f"OR {folded.format('p.short_name')} LIKE {ref} ESCAPE '/' "
                f"OR lower(p.code) LIKE {ref} ESCAPE '/')"
            )
    return where


def _organizations_query(raw: Mapping[str, Any] | None) -> org_resolvers.OrganizationsQuery:
    """The organisations' filter from its coerced GraphQL value (OrganizationFilter.to_query)."""
    raw = raw or {}

    def values(items: Any) -> tuple[str, ...] | None:
        return None if items is None else tuple(str(getattr(i, "value", i)) for i in items)

    return org_resolvers.OrganizationsQuery(
        levels=values(raw.get("levels")),
        statuses=values(raw.get("statuses")),
        parent_code=raw.get("parentCode"),
        within_code=raw.get("withinCode"),
        search=raw.get("search"),
    )


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


def _page_in_scope(people: PeopleFilter, scope: Scope | None) -> bool:
    """Whether the filter keeps the directory page inside the caller's subtree, so that every
    row of it is the caller's own unit or below it (policy_sql.person_key_sql `in_page`)."""
    path = people.organization_path
    return scope is not None and path is not None and path.startswith(scope.path)


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
        variables: Any = None,
    ) -> Answer:
        """The root field's value and errors; raises NotCompilable, EmptyPageWithCursor or the
        resolvers' own GraphQLError for the resolver path to answer instead.

        `document_key` must tell apart everything the selection's collection depends on
        besides the document: the operation and every @skip/@include decision in it
        (selection.conditions), since `variables` decide those while a plan is built."""
        access = context.access
        policy = PolicySql.of(access)
        values: dict[str, Any] = self._caller_values(context)
        selections = collected.sub_selections()
        name = collected.field_name
        base_key = (document_key, response_key, policy.signature())

        def compiler(params: Params) -> Compiler:
            return Compiler(self._schema, self._catalogue, policy, params, fragments, variables)

        if name in ("persons", "organizations"):
            if name == "persons":
                people = await people_resolvers.resolve_filter(
                    context, _people_query(args.get("filter"))
                )

                def conditions(
                    params: Params, values: dict[str, Any], counting: bool = False
                ) -> list[str]:
                    return people_conditions(people, params, values, counting=counting)

                connection = Compiler.person_connection
                values["page_in_scope"] = _page_in_scope(people, access.scope)
            else:
                orgs = await org_resolvers.resolve_filter(
                    context, _organizations_query(args.get("filter"))
                )

                def conditions(
                    params: Params, values: dict[str, Any], counting: bool = False
                ) -> list[str]:
                    return organization_conditions(orgs, params, values)

                connection = Compiler.organization_connection
            request = context.page_request(
                first=args.get("first"),
                after=args.get("after"),
                last=args.get("last"),
                before=args.get("before"),
            )
            window = request.keep_last is not None  # Relay's first and last together
            backward = request.direction is Direction.BACKWARD
            after, before = request.after_key is not None, request.before_key is not None
            values.update(
                limit=request.limit,
                size=request.size,
                after_key=request.after_key,
                before_key=request.before_key,
                has_after=after,
                has_before=before,
                keep=request.keep_last,
            )
            filter_values: dict[str, Any] = {}
            conditions(Params(), filter_values)
            # which conditions the text has: the names of their values (one per search word)
            shape_key = tuple(sorted(filter_values))

            def build_connection() -> Plan:
                params = Params()
                where = conditions(params, {})
                counted = conditions(params, {}, True)
                build = compiler(params)
                sql, shape = connection(
                    build, selections, where, counted, backward=backward, after=after,
                    before=before, window=window,
                )  # fmt: skip
                return Plan(*params.finish(sql), shape, tuple(build.lists))

            plan = self._plan((*base_key, name, shape_key, backward, after, before, window),
                              build_connection)  # fmt: skip
            values.update(filter_values)
            text = await self._run(context, plan, values, variables)
            assert text is not None  # a connection's statement always returns its object
            # the object's last key (statements.Compiler._connection), whose value is a boolean
            for unknown, ending in ((False, _KNOWN_CURSOR), (True, _UNKNOWN_CURSOR)):
                if text.endswith(ending):
                    if unknown:
                        raise EmptyPageWithCursor()
                    return self._finish(text[: -len(ending)] + b"}", plan.shape, response_key)
            value = orjson.loads(text)
            if value.pop(UNKNOWN_CURSOR_KEY):
                raise EmptyPageWithCursor()
            return self._walked(value, plan.shape, response_key)

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
                    sql = f"SELECT {as_utf8(obj)} FROM ({rows}) n"
                else:
                    obj, shape = build.organization(selections, "o")
                    key_ref = params.ref("key", "bigint")
                    sql = f"SELECT {as_utf8(obj)} FROM organization o WHERE o.id = {key_ref}"
                return Plan(*params.finish(sql), shape, tuple(build.lists))

            plan = self._plan((*base_key, name, type_name), build_lookup)
            value = await self._run(context, plan, values, variables)
            return self._finish(value, plan.shape, response_key)

        if name == "organization":
            values["code"] = args["code"]

            def build_organization() -> Plan:
                params = Params()
                build = compiler(params)
                obj, shape = build.organization(selections, "o")
                code = params.ref("code", "text")
                sql = f"SELECT {as_utf8(obj)} FROM organization o WHERE o.code = {code}"
                return Plan(*params.finish(sql), shape, tuple(build.lists))

            plan = self._plan((*base_key, name), build_organization)
            value = await self._run(context, plan, values, variables)
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

    async def _run(
        self, context: Context, plan: Plan, values: dict[str, Any], variables: Any
    ) -> bytes | None:
        for bound in plan.lists:  # the resolvers' own checks: their GraphQLError falls back
            parent = self._schema.type_map[bound.type_name]
            assert isinstance(parent, GraphQLObjectType)
            field_def = parent.fields[bound.field_name]
            args = get_argument_values(field_def, bound.node, variables)
            request = context.page_request(
                first=args.get("first"),
                after=args.get("after"),
                last=args.get("last"),
                before=args.get("before"),
            )
            values.update(list_values(bound.prefix, request))
        # a fixed text per plan: straight to asyncpg, prepared once per connection
        rows = await fetch_autocommit(context.engine, plan.sql, arguments(plan.names, values))
        text: bytes | None = rows[0][0] if rows else None
        calls = live_calls(text) if text is not None else []
        if calls:  # the slowest agency's call leaves now, before the text is parsed and walked
            await start_details(context.live.details, calls)
        return text

    @classmethod
    def _finish(cls, text: bytes | None, shape: Shape, response_key: str) -> Answer:
        """The answer from the statement's text: as it is, where nothing in it needs the walk
        (results.passed_through: the response then carries PostgreSQL's text), else walked."""
        if text is None:
            return Answer(None, [], [])
        passed = passed_through(text, shape)
        if passed is not None:
            stripped, people = passed
            return Answer(orjson.Fragment(stripped), [], people)
        return cls._walked(orjson.loads(text), shape, response_key)

    @staticmethod
    def _walked(value: Any, shape: Shape, response_key: str) -> Answer:
        finished = Finished()
        finish(value, shape, [response_key], finished)
        return Answer(value, finished.errors, finished.people, finished.pending)
