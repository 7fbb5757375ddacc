"""The SQL of compiled reads: objects as json_build_object, connections as json_agg over keyset
pages, with the policy's masks as CASE (policy_sql.py) and the ids and cursors encoded exactly as
resolvers/global_id.py and resolvers/pagination.py encode them.

`Compiler` walks a collected selection (selection.py) and returns the SQL expression of the
object and its `Shape` (results.py); anything it does not know raises NotCompilable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from graphql import (
    FragmentDefinitionNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    SelectionSetNode,
)
from graphql.execution.values import VariableValues

from policies.document import ROW_TYPES
from resolvers.compiled.catalogue import Catalogue, Leaf
from resolvers.compiled.lists import BAD_CURSOR_KEY, ListArguments, ListSql
from resolvers.compiled.params import Params
from resolvers.compiled.policy_sql import PolicySql
from resolvers.compiled.results import (
    LIVE_KEY,
    MASK_KEY,
    PERSON_KEY,
    ROW_KEY,
    Guarded,
    Merged,
    Shape,
)
from resolvers.compiled.selection import Collected, NotCompilable, collect
from resolvers.live import DETAIL_FIELDS
from store.models_dossier import LIST_ORDER

UNKNOWN_CURSOR_KEY = "__u"
"""True when the page is empty and a cursor names no row: the resolver path words the error."""
MERGED_TYPES = frozenset({"Person", "Organization"})
"""Row types whose fields the statement may leave to the resolvers, merged at their paths:
their objects are rebuilt from the row (by id) as the resolver path builds them."""
MAX_PAIRS = 50
"""json_build_object takes at most 100 arguments."""


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _base64url(raw_sql: str) -> str:
    """base64url without padding, as Python's urlsafe_b64encode(...).rstrip(b'=')."""
    return f"rtrim(translate(encode(convert_to({raw_sql}, 'UTF8'), 'base64'), '+/', '-_'), '=')"


def global_id_sql(type_name: str, key_sql: str) -> str:
    """resolvers/global_id.encode in SQL: base64url of `v1:<Type>:<key>`."""
    return _base64url(f"{literal(f'v1:{type_name}:')} || {key_sql}")


def cursor_sql(key_sql: str) -> str:
    """resolvers/pagination.encode_cursor in SQL: base64url of `c1:<key>`."""
    return _base64url(f"'c1:' || {key_sql}")


def datetime_sql(column: str) -> str:
    """Python's isoformat of a timestamptz read as UTC (what the resolver path sends):
    microseconds only when there are some, all six digits."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"CASE WHEN {column} IS NULL THEN NULL ELSE "
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN extract(microseconds FROM {utc})::bigint % 1000000 = 0 THEN '' "
        f"ELSE to_char({utc}, '.US') END || '+00:00' END"
    )


def _leaf_sql(row: str, leaf: Leaf) -> str:
    column = f'{row}."{leaf.column}"'  # quoted: a code list has a column named "group"
    if leaf.scalar == "Decimal":
        return f"({column})::text"  # str(Decimal) of numeric(p, s) keeps its scale, as text does
    if leaf.scalar == "DateTime":
        return datetime_sql(column)
    if leaf.enum_names is None:
        return column
    cases = " ".join(f"WHEN {literal(v)} THEN {literal(n)}" for v, n in leaf.enum_names.items())
    return f"CASE {column} {cases} END"


def _named_type(schema: GraphQLSchema, parent: GraphQLObjectType, field_name: str) -> str:
    field_type = parent.fields[field_name].type
    while isinstance(field_type, GraphQLNonNull | GraphQLList):
        field_type = field_type.of_type
    return str(field_type.name)


def _object_type(schema: GraphQLSchema, name: str) -> GraphQLObjectType:
    found = schema.get_type(name)
    if not isinstance(found, GraphQLObjectType):
        raise NotCompilable(name)
    return found


def as_utf8(json_sql: str) -> str:
    """A statement's result, a JSON value, as its UTF-8 bytes: the gateway passes the text on
    to the response as PostgreSQL wrote it (results.passed_through), and bytes spare asyncpg
    decoding it into a str and orjson encoding it back."""
    return f"convert_to(({json_sql})::text, 'UTF8')"


def build_object(pairs: list[tuple[str, str]]) -> str:
    if len(pairs) > MAX_PAIRS:
        raise NotCompilable("too many fields in one object")
    return "json_build_object(" + ", ".join(f"{literal(k)}, {e}" for k, e in pairs) + ")"


Special = Callable[[Collected], tuple[str, Shape | None]]


@dataclass(frozen=True)
class Listing:
    """A root connection: its table (as `p`), its order (unique with the cursor's id) and type."""

    table: str
    order: tuple[str, ...]
    connection_type: str


PERSON_LISTING = Listing("person", ("name_sort", "id"), "PersonConnection")
ORGANIZATION_LISTING = Listing("organization", ("code",), "OrganizationConnection")


def _constant(expression: str) -> Special:
    """A field whose SQL does not depend on its selection (page info, counts)."""
    return lambda _: (expression, None)


@dataclass
class Compiler:
    schema: GraphQLSchema
    catalogue: Catalogue
    policy: PolicySql
    params: Params
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: VariableValues | None = None
    """The coerced variables, which decide @skip and @include (selection.py)."""
    aliases: int = 0
    """Table aliases handed out, so nested organisations never shadow each other."""
    lists: list[ListArguments] = field(default_factory=list)
    """The dossier lists compiled, whose page arguments are bound per request."""

    def _collect(self, type_name: str, selections: list[SelectionSetNode]) -> dict[str, Collected]:
        object_type = _object_type(self.schema, type_name)
        return collect(self.schema, object_type, selections, self.fragments, self.variables)

    def _object(
        self,
        type_name: str,
        selections: list[SelectionSetNode],
        row: str,
        mask_key: str | None,
        special: Mapping[str, Special],
        reached: tuple[tuple[str, str], str] | None = None,
        hidden: frozenset[int] = frozenset(),
    ) -> tuple[list[tuple[str, str]], Shape]:
        """The (key, expression) pairs of one object and its shape; `mask_key` is the SQL of
        the row's mask key for row types (None for structural types); `reached`, for a code
        list entry reached from a person's field: that field and the person's mask key;
        `hidden`, the mask keys at which the field leading here is masked (the object is then
        never shown, so a mask inside it cannot null it)."""
        object_type = _object_type(self.schema, type_name)
        shape = Shape()
        pairs: list[tuple[str, str]] = []
        for key, collected in self._collect(type_name, selections).items():
            if key.startswith("__") and key != "__typename":
                # an alias such as `__k`: the statement's own keys (results.py) could not be
                # told apart from it
                raise NotCompilable("a response key the statement keeps for itself")
            name = collected.field_name
            child: Shape | None = None
            try:
                expression, child = self._field(type_name, row, collected, special)
            except NotCompilable:
                if type_name not in MERGED_TYPES:
                    raise
                # resolved as today and put here after the statement (schema/compiled_execution)
                shape.type_name = type_name
                shape.merged.append(Merged(key, collected.nodes))
                pairs.append((key, "NULL"))
                continue
            if type_name in ROW_TYPES and name != "__typename":
                assert mask_key is not None
                non_null = isinstance(object_type.fields[name].type, GraphQLNonNull)
                if non_null and self.policy.masked_keys(type_name, name) - hidden:
                    # a masked non-null field nulls its parent: left to the resolver path
                    raise NotCompilable(f"{type_name}.{name} may be masked and is non-null")
                expression = self._masked(type_name, collected, key, expression, mask_key, shape)
            if reached is not None and name != "__typename":
                outer, person_key = reached
                masked = self.policy.path_masked_keys(outer, name)
                if masked:
                    if isinstance(object_type.fields[name].type, GraphQLNonNull):
                        raise NotCompilable(f"{type_name}.{name} may be masked and is non-null")
                    shape.guarded.append(Guarded(key, masked, collected.nodes))
                    keys = ", ".join(str(k) for k in sorted(masked))
                    expression = (
                        f"CASE WHEN {person_key} IN ({keys}) THEN NULL ELSE {expression} END"
                    )
            if child is not None:
                shape.children.append((key, child))
            pairs.append((key, expression))
        return pairs, shape

    def _field(
        self, type_name: str, row: str, collected: Collected, special: Mapping[str, Special]
    ) -> tuple[str, Shape | None]:
        """The SQL of one selected field (before its mask), and its shape if it is an object."""
        name = collected.field_name
        if name == "__typename":
            return literal(type_name), None
        if name in special:
            return special[name](collected)
        if name == "id" and type_name in ROW_TYPES:
            return global_id_sql(type_name, f"{row}.id"), None
        if (leaf := self.catalogue.leaf(type_name, name)) is not None:
            return _leaf_sql(row, leaf), None
        raise NotCompilable(f"{type_name}.{name}")

    def _masked(
        self,
        type_name: str,
        collected: Collected,
        key: str,
        expression: str,
        mask_key: str,
        shape: Shape,
    ) -> str:
        masked = self.policy.masked_keys(type_name, collected.field_name)
        if not masked:
            return expression
        shape.guarded.append(Guarded(key, masked, collected.nodes))
        keys = ", ".join(str(k) for k in sorted(masked))
        return f"CASE WHEN {mask_key} IN ({keys}) THEN NULL ELSE {expression} END"

    # --- row types ---

    def person(self, selections: list[SelectionSetNode], row: str) -> tuple[str, Shape]:
        """A person object over `row`, a person row with its mask key in column `mk`."""

        def organization(collected: Collected) -> tuple[str, Shape | None]:
            inner, shape = self.organization(collected.sub_selections(), "po_" + row)
            subquery = (
                f"(SELECT {inner} FROM organization po_{row} "
                f"WHERE po_{row}.id = {row}.organization_id)"
            )
            return subquery, shape

        mask_key = f"{row}.mk"

        def part(type_name: str, null_when: str | None = None) -> Special:
            """An object schema/person.py builds from the person's own row (a data group),
            masked by the person's relation; null where the resolver returns none."""

            def build(collected: Collected) -> tuple[str, Shape | None]:
                special: dict[str, Special] = {}
                if type_name == "Salary":
                    coefficient = f"{row}.salary_coefficient"
                    amount = f"trunc({coefficient} * {self.catalogue.base_salary_vnd})::bigint"
                    special = {
                        "scale": self._code_list("SalaryScale", f"{row}.salary_scale_code"),
                        "monthlyBaseAmount": _constant(
                            f"CASE WHEN {coefficient} IS NULL THEN NULL ELSE {amount} END"
                        ),
                    }
                hidden = self.policy.masked_keys("Person", collected.field_name)
                pairs, shape = self._object(
                    type_name, collected.sub_selections(), row, mask_key, special, hidden=hidden
                )
                if shape.guarded:
                    pairs.append((MASK_KEY, mask_key))
                built = build_object(pairs)
                if null_when is not None:
                    built = f"CASE WHEN {null_when} THEN NULL ELSE {built} END"
                return built, shape

            return build

        def dossier_list(table: str, record_type: str) -> Special:
            return lambda collected: self.dossier_list(collected, row, table, record_type)

        special: dict[str, Special] = {
            **{
                name: dossier_list(table, record_type)
                for name, (table, record_type) in self.catalogue.lists.items()
            },
            "organization": organization,
            "ethnicity": self._code_list("CodeEntry", f"{row}.ethnicity_code", "ethnic_group"),
            "religion": self._code_list("CodeEntry", f"{row}.religion_code", "religion"),
            "position": self._code_list(
                "Position", f"{row}.position_code", reached=(("Person", "position"), mask_key)
            ),
            "grade": self._code_list(
                "Grade", f"{row}.grade_code", reached=(("Person", "grade"), mask_key)
            ),
            "education": part("Education"),
            "membership": part("Membership"),
            "provenance": part("Provenance"),
            "performance": part("Performance", f"{row}.performance_rating IS NULL"),
            "salary": part(
                "Salary",
                f"{row}.salary_scale_code IS NULL AND {row}.salary_coefficient IS NULL",
            ),
        }
        pairs, shape = self._object("Person", selections, row, mask_key, special)
        shape.person = True
        pairs += [(MASK_KEY, mask_key), (PERSON_KEY, f"{row}.id")]
        if (call := self._live_call(shape, row, mask_key)) is not None:
            pairs.append((LIVE_KEY, call))
        return build_object(pairs), shape

    def _live_call(self, shape: Shape, row: str, mask_key: str) -> str | None:
        """The key of the agency call the person's merged live fields resolve from (LIVE_KEY):
        null at the mask keys that hide every one of them."""
        names = {merged.nodes[0].name.value for merged in shape.merged} & DETAIL_FIELDS.keys()
        if not names:
            return None
        call = f"json_build_array({row}.source_id, {row}.personal_id)"
        hidden = frozenset.intersection(
            *(self.policy.masked_keys("Person", name) for name in names)
        )
        if hidden:
            keys = ", ".join(str(k) for k in sorted(hidden))
            call = f"CASE WHEN {mask_key} IN ({keys}) THEN NULL ELSE {call} END"
        return f"CASE WHEN {row}.source_id IS NULL THEN NULL ELSE {call} END"

    def dossier_list(
        self, collected: Collected, row: str, table: str, record_type: str
    ) -> tuple[str, Shape]:
        """One of the dossier's lists of the person row `row` as its connection (lists.py):
        the page's rows between the cursors, edges and page info from one aggregate."""
        prefix = f"l{len(self.lists)}"
        self.lists.append(ListArguments(prefix, collected.nodes[0], "Person", collected.field_name))
        refs = {
            suffix: self.params.ref(f"{prefix}_{suffix}", sql_type)
            for suffix, sql_type in (
                ("mode", "text"), ("size", "integer"), ("limit", "integer"),
                ("keep", "integer"), ("after", "bigint"), ("before", "bigint"),
            )
        }  # fmt: skip
        pieces = ListSql(table, LIST_ORDER[table], f"{row}.id", refs)
        w = self._alias()
        shown = pieces.shown(w)
        connection_type = _named_type(self.schema, _object_type(self.schema, "Person"),
                                      collected.field_name)  # fmt: skip
        parent = _object_type(self.schema, connection_type)

        def node(inner: Collected) -> tuple[str, Shape | None]:
            def provenance(of: Collected) -> tuple[str, Shape | None]:
                pairs, _ = self._object("DossierProvenance", of.sub_selections(), w, None, {})
                return build_object(pairs), None

            special: dict[str, Special] = {"provenance": provenance}
            pairs, _ = self._object(record_type, inner.sub_selections(), w, None, special)
            return build_object(pairs), None

        def edges(inner: Collected) -> tuple[str, Shape | None]:
            edge_type = _named_type(self.schema, parent, "edges")
            special: dict[str, Special] = {
                "node": node,
                "cursor": _constant(cursor_sql(f"{w}.id")),
            }
            pairs, _ = self._object(edge_type, inner.sub_selections(), w, None, special)
            aggregate = f"json_agg({build_object(pairs)} ORDER BY {w}.fwd) FILTER (WHERE {shown})"
            return f"COALESCE({aggregate}, '[]'::json)", None

        def page_info(inner: Collected) -> tuple[str, Shape | None]:
            info_type = _named_type(self.schema, parent, "pageInfo")
            first = "(array_agg({w}.id ORDER BY {w}.fwd {d}) FILTER (WHERE {s}))[1]"
            values = {
                "hasNextPage": pieces.has_next("count(*)"),
                "hasPreviousPage": pieces.has_previous("count(*)"),
                "startCursor": cursor_sql(first.format(w=w, d="ASC", s=shown)),
                "endCursor": cursor_sql(first.format(w=w, d="DESC", s=shown)),
            }
            special: dict[str, Special] = {name: _constant(e) for name, e in values.items()}
            pairs, _ = self._object(info_type, inner.sub_selections(), w, None, special)
            return build_object(pairs), None

        pairs, _ = self._object(
            connection_type,
            collected.sub_selections(),
            w,
            None,
            {"edges": edges, "pageInfo": page_info},
        )
        # GROUP BY (): one row however few aggregates the selection asks for
        page = f"(SELECT {build_object(pairs)} FROM ({pieces.window()}) {w} GROUP BY ())"
        bad = pieces.bad_cursor()
        value = (
            f"(SELECT CASE WHEN b.bad IS NULL THEN {page} "
            f"ELSE json_build_object({literal(BAD_CURSOR_KEY)}, b.bad) END "
            f"FROM (SELECT {bad} AS bad) b)"
        )
        return value, Shape(cursor_checked=collected.nodes)

    def _code_list(
        self,
        type_name: str,
        code_sql: str,
        table: str | None = None,
        reached: tuple[tuple[str, str], str] | None = None,
    ) -> Special:
        """An entry of a code list (schema/codes.py) by its code, null for a code the list
        does not hold. `reached`: the person's field that leads here and the person's mask
        key, where the entry would give away a masked field (policies/derived.yaml)."""
        tables = {"Position": "position", "Grade": "grade", "SalaryScale": "salary_scale"}

        def build(collected: Collected) -> tuple[str, Shape | None]:
            alias = self._alias()
            special: dict[str, Special] = {}
            if type_name == "Grade":
                special["scale"] = self._code_list("SalaryScale", f"{alias}.scale_code")
            if type_name == "SalaryScale":
                step = self._alias()

                def listed(inner: Collected) -> tuple[str, Shape | None]:
                    pairs, _ = self._object("SalaryStep", inner.sub_selections(), step, None, {})
                    aggregate = (
                        f"(SELECT json_agg({build_object(pairs)} ORDER BY {step}.step) "
                        f"FROM salary_step {step} WHERE {step}.scale_code = {alias}.code)"
                    )
                    return f"COALESCE({aggregate}, '[]'::json)", None

                special["steps"] = listed
            pairs, shape = self._object(
                type_name, collected.sub_selections(), alias, None, special, reached
            )
            if shape.guarded and reached is not None:
                pairs.append((MASK_KEY, reached[1]))
            name = table or tables[type_name]
            entry = build_object(pairs)
            return f"(SELECT {entry} FROM {name} {alias} WHERE {alias}.code = {code_sql})", shape

        return build

    def _alias(self) -> str:
        self.aliases += 1
        return f"x{self.aliases}"

    def organization(self, selections: list[SelectionSetNode], row: str) -> tuple[str, Shape]:
        """An organisation object over the organization row `row`, with the tree around it:
        parent and successor (null without one), children by code, ancestors root first, as
        the resolvers order them."""

        def related(column: str) -> Special:
            def build(collected: Collected) -> tuple[str, Shape | None]:
                other = self._alias()
                inner, shape = self.organization(collected.sub_selections(), other)
                return (
                    f"(SELECT {inner} FROM organization {other} WHERE {other}.id = {row}.{column})",
                    shape,
                )

            return build

        def listed(condition: str, order: str) -> Special:
            def build(collected: Collected) -> tuple[str, Shape | None]:
                other = self._alias()
                inner, shape = self.organization(collected.sub_selections(), other)
                shape.is_list = True
                where, ordering = condition.format(x=other), order.format(x=other)
                aggregate = (
                    f"(SELECT json_agg({inner} ORDER BY {ordering}) "
                    f"FROM organization {other} WHERE {where})"
                )
                return f"COALESCE({aggregate}, '[]'::json)", shape

            return build

        path_ids = f"string_to_array(trim(both '/' from {row}.path), '/')::bigint[]"
        special: dict[str, Special] = {
            "parent": related("parent_id"),
            "successor": related("successor_id"),
            "children": listed(f"{{x}}.parent_id = {row}.id", "{x}.code"),
            "ancestors": listed(
                f"{{x}}.id = ANY({path_ids}) AND {{x}}.id <> {row}.id",
                f"array_position({path_ids}, {{x}}.id)",
            ),
        }
        special["persons"] = lambda collected: self.staff(collected, row)
        key_sql = self.policy.organization_key_sql(self.params, row)
        pairs, shape = self._object("Organization", selections, row, key_sql, special)
        if shape.guarded:
            pairs.append((MASK_KEY, key_sql))
        if shape.merged:
            pairs.append((ROW_KEY, f"{row}.id"))
        return build_object(pairs), shape

    def staff(self, collected: Collected, organization: str) -> tuple[str, Shape]:
        """Organization.persons: the organisation's own staff in directory order, forward
        (resolvers/people.staff_page), one aggregate per organisation row. A `filter` is left
        to the resolvers: whether it may be used depends on the organisation (its rights are
        checked against the caller's relation to it)."""
        if any(a.name.value == "filter" for node in collected.nodes for a in node.arguments or ()):
            raise NotCompilable("Organization.persons with a filter")
        prefix = f"l{len(self.lists)}"
        self.lists.append(ListArguments(prefix, collected.nodes[0], "Organization", "persons"))
        size = self.params.ref(f"{prefix}_size", "integer")
        limit = self.params.ref(f"{prefix}_limit", "integer")
        after = self.params.ref(f"{prefix}_after", "bigint")
        keyset = (
            f"({after} IS NULL OR (p.name_sort, p.id) > "
            f"((SELECT name_sort FROM person WHERE id = {after}), {after}))"
        )
        rows = self.person_rows(
            [f"p.organization_id = {organization}.id", keyset], "p.name_sort, p.id", limit
        )
        n = self._alias()
        shown = f"{n}.rn <= {size}"
        parent = _object_type(self.schema, PERSON_LISTING.connection_type)

        def edges(inner: Collected) -> tuple[str, Shape | None]:
            edge_type = _named_type(self.schema, parent, "edges")

            def node(of: Collected) -> tuple[str, Shape | None]:
                return self.person(of.sub_selections(), n)

            special: dict[str, Special] = {"node": node, "cursor": _constant(cursor_sql(f"{n}.id"))}
            pairs, shape = self._object(edge_type, inner.sub_selections(), n, None, special)
            shape.is_list = True
            aggregate = f"json_agg({build_object(pairs)} ORDER BY {n}.rn) FILTER (WHERE {shown})"
            return f"COALESCE({aggregate}, '[]'::json)", shape

        def page_info(inner: Collected) -> tuple[str, Shape | None]:
            info_type = _named_type(self.schema, parent, "pageInfo")
            first = "(array_agg({n}.id ORDER BY {n}.rn {d}) FILTER (WHERE {s}))[1]"
            values = {
                "hasNextPage": f"count(*) > {size}",
                "hasPreviousPage": f"{after} IS NOT NULL",
                "startCursor": cursor_sql(first.format(n=n, d="ASC", s=shown)),
                "endCursor": cursor_sql(first.format(n=n, d="DESC", s=shown)),
            }
            special: dict[str, Special] = {name: _constant(e) for name, e in values.items()}
            pairs, _ = self._object(info_type, inner.sub_selections(), n, None, special)
            return build_object(pairs), None

        total = f"(SELECT count(*) FROM person p WHERE p.organization_id = {organization}.id)"
        pairs, shape = self._object(
            PERSON_LISTING.connection_type,
            collected.sub_selections(),
            n,
            None,
            {"edges": edges, "pageInfo": page_info, "totalCount": _constant(total)},
        )
        ranked = (
            f"SELECT page.*, row_number() OVER (ORDER BY page.name_sort, page.id) AS rn "
            f"FROM ({rows}) page"
        )
        # GROUP BY (): one row however few aggregates the selection asks for
        return f"(SELECT {build_object(pairs)} FROM ({ranked}) {n} GROUP BY ())", shape

    def person_rows(
        self, where: list[str], order: str | None = None, limit: str | None = None
    ) -> str:
        """person rows with their mask key `mk`, as a subquery text."""
        key = self.policy.person_key_sql(self.params, "p")
        text = f"SELECT p.*, {key} AS mk FROM person p WHERE {' AND '.join(where) or 'true'}"
        if order is not None:
            text += f" ORDER BY {order}"
        if limit is not None:
            text += f" LIMIT {limit}"
        return text

    def person_page(self, where: list[str], order: str, limit: str) -> str:
        """A page of person rows with their mask key `mk`: the page's ids chosen first, then
        their rows. Chosen from the indexes alone (ix_person_org_order holds the
        organisation, the order and the id), a small subtree's people are found without
        reading a row; asked for whole rows, PostgreSQL instead walked the directory order
        of the whole country, row by row, to find 50 of a province (docs/benchmarks.md)."""
        key = self.policy.person_key_sql(self.params, "p", in_page=True)
        chosen = (
            f"SELECT p.id FROM person p WHERE {' AND '.join(where) or 'true'} "
            f"ORDER BY {order} LIMIT {limit}"
        )
        return f"SELECT p.*, {key} AS mk FROM ({chosen}) k JOIN person p ON p.id = k.id"

    # --- the directory connection ---

    def person_connection(
        self,
        selections: list[SelectionSetNode],
        where: list[str],
        counted: list[str] | None = None,
        *,
        backward: bool,
        after: bool,
        before: bool,
        window: bool = False,
    ) -> tuple[str, Shape]:
        """The directory (Query.persons) in directory order: store/queries/people.page."""
        return self._connection(
            PERSON_LISTING, selections, where, counted,
            backward=backward, after=after, before=before, window=window,
        )  # fmt: skip

    def organization_connection(
        self,
        selections: list[SelectionSetNode],
        where: list[str],
        counted: list[str] | None = None,
        *,
        backward: bool,
        after: bool,
        before: bool,
        window: bool = False,
    ) -> tuple[str, Shape]:
        """Query.organizations by electronic code: store/queries/organizations.page."""
        return self._connection(
            ORGANIZATION_LISTING, selections, where, counted,
            backward=backward, after=after, before=before, window=window,
        )  # fmt: skip

    def _connection(
        self,
        listing: Listing,
        selections: list[SelectionSetNode],
        where: list[str],
        counted: list[str] | None,
        *,
        backward: bool,
        after: bool,
        before: bool,
        window: bool,
    ) -> tuple[str, Shape]:
        """One statement: the page (one extra row), its edges, page info and, if asked, the
        count. The page is fetched in the request's direction and shown in the listing's
        order; `totalCount` counts the rows of `counted` (the same set as `where`, written for
        a count; `where` when None). `window`: Relay's `first` and `last` together
        (resolvers/pagination._first_then_last): of the rows fetched forward, the first
        `size`, then the last `keep` of those."""
        params = self.params
        direction = "DESC" if backward else "ASC"
        table = listing.table
        columns = ", ".join(f"p.{c}" for c in listing.order)
        keyset = list(where)
        for name, given, comparison in (("after_key", after, ">"), ("before_key", before, "<")):
            if given:
                cursor = params.ref(name, "bigint")
                # one scalar subquery per column (the id is the cursor itself): a row
                # comparison PostgreSQL can walk the listing's index with
                position = ", ".join(
                    cursor if c == "id" else f"(SELECT {c} FROM {table} WHERE id = {cursor})"
                    for c in listing.order
                )
                keyset.append(f"({columns}) {comparison} ({position})")
        order = ", ".join(f"p.{c} {direction}" for c in listing.order)
        limit = params.ref("limit", "integer")
        if table == "person":
            page = self.person_page(keyset, order, limit)
        else:
            page = (
                f"SELECT p.* FROM {table} p WHERE {' AND '.join(keyset) or 'true'} "
                f"ORDER BY {order} LIMIT {limit}"
            )
        size = params.ref("size", "integer")
        more = f"((SELECT count(*) FROM page) > {size})"
        has_next = params.ref("has_before", "boolean") if backward else more
        has_previous = more if backward else params.ref("has_after", "boolean")
        in_order = ", ".join(listing.order)
        shown = (
            "SELECT * FROM page ORDER BY "
            + ", ".join(f"{c} {direction}" for c in listing.order)
            + f" LIMIT {size}"
        )
        if window:
            keep = params.ref("keep", "integer")
            end = f"least((SELECT count(*) FROM page), {size})"
            shown = (
                f"SELECT * FROM (SELECT page.*, row_number() OVER (ORDER BY {in_order}) AS rn "
                f"FROM page) ranked WHERE rn > greatest({end} - {keep}, 0) AND rn <= {end}"
            )
            has_previous = f"((SELECT count(*) FROM page) > {keep})"
        connection_type = listing.connection_type
        parent = _object_type(self.schema, connection_type)
        node_order = ", ".join(f"n.{c}" for c in listing.order)

        def edges(collected: Collected) -> tuple[str, Shape | None]:
            edge_type = _named_type(self.schema, parent, "edges")

            def node(inner: Collected) -> tuple[str, Shape | None]:
                if table == "person":
                    return self.person(inner.sub_selections(), "n")
                return self.organization(inner.sub_selections(), "n")

            def cursor(_: Collected) -> tuple[str, Shape | None]:
                return cursor_sql("n.id"), None

            pairs, shape = self._object(
                edge_type, collected.sub_selections(), "n", None, {"node": node, "cursor": cursor}
            )
            shape.is_list = True
            aggregate = (
                f"(SELECT json_agg({build_object(pairs)} ORDER BY {node_order}) FROM shown n)"
            )
            return f"COALESCE({aggregate}, '[]'::json)", shape

        def page_info(collected: Collected) -> tuple[str, Shape | None]:
            info_type = _named_type(self.schema, parent, "pageInfo")

            def first(descending: bool) -> str:
                way = " DESC" if descending else ""
                ordering = ", ".join(f"n.{c}{way}" for c in listing.order)
                return f"(SELECT {cursor_sql('n.id')} FROM shown n ORDER BY {ordering} LIMIT 1)"

            values = {
                "hasNextPage": has_next,
                "hasPreviousPage": has_previous,
                "startCursor": first(False),
                "endCursor": first(True),
            }
            special: dict[str, Special] = {name: _constant(e) for name, e in values.items()}
            pairs, _ = self._object(info_type, collected.sub_selections(), "n", None, special)
            return build_object(pairs), None

        def total_count(_: Collected) -> tuple[str, Shape | None]:
            counting = " AND ".join(where if counted is None else counted) or "true"
            return f"(SELECT count(*) FROM {table} p WHERE {counting})", None

        pairs, shape = self._object(
            connection_type,
            selections,
            "c",
            None,
            {"edges": edges, "pageInfo": page_info, "totalCount": total_count},
        )
        cursors = [c for c, given in (("after_key", after), ("before_key", before)) if given]
        unknown = " OR ".join(
            f"NOT EXISTS (SELECT 1 FROM {table} WHERE id = {params.ref(c, 'bigint')})"
            for c in cursors
        )
        # an empty page after a cursor we never issued is BAD_USER_INPUT on the resolver path
        pairs.append((UNKNOWN_CURSOR_KEY, f"(SELECT count(*) = 0 FROM page) AND ({unknown})"
                      if cursors else "false"))  # fmt: skip
        sql = f"WITH page AS ({page}), shown AS ({shown}) SELECT {as_utf8(build_object(pairs))}"
        return sql, shape
