"""Operation limits: what one GraphQL request may ask of the gateway, checked before execution.

Pure: no I/O, no clock. `check_limits` runs after validation (so the document is known to be
well-formed against the schema) and before execution, and returns the first limit the operation
breaks, or None. The defaults follow GraphQL Armor's (aliases 15, directives 50, tokens 1000)
except two, each explained at its field: depth (10, not 6), since every Relay page adds two levels
(edges, node); and cost (10,000, not 5,000), since our cost multiplies by page sizes where
Armor's does not.

The cost is an estimate of how many values execution would resolve: every field selection costs
1 per time it resolves, and a list multiplies everything below it, so that

    organizations(first: 100) { edges { node { persons(first: 100) { edges { node { id } } } } } }

costs about 100 x 100 and is refused, while a page of 100 people with their organisation is not.
A connection multiplies by its `first`/`last` (a literal, a variable, or the default page size);
any other list field by `list_multiplier`, since nothing bounds it in the request. Introspection
(`__schema`, `__type`) is bounded by the schema rather than the data, so it adds no cost (as in
GraphQL Armor's `ignoreIntrospection`); its depth still counts, which is what refuses circular
introspection (`__schema { types { fields { type { fields { ... } } } } }`).

Production mode is here too: introspection off, and no "Did you mean ...?" suggestions, which
otherwise let a caller rebuild the schema one typo at a time (OWASP GraphQL cheat sheet).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    Node,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_operation_ast,
    print_ast,
)
from graphql.language import Lexer, Source, Token, TokenKind

from gateway.introspection import NoSchemaIntrospection
from gateway.settings import Settings

LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
"""`extensions.code` of a refusal; `extensions.limit` names which limit."""

_DEFAULT = Settings()
"""The defaults are written once, in the settings table; below is why each is what it is."""


@dataclass(frozen=True)
class Limits:
    """The limits one operation must stay within; from settings via `Limits.from_settings`."""

    max_depth: int = _DEFAULT.max_depth
    """Nesting of fields. The README's first query is 6 deep (persons.edges.node.organization
    .ancestors.name), so GraphQL Armor's 6 leaves no room; the deepest query our tests send (a
    person's colleagues' religion: persons.edges.node.organization.persons.edges.node.religion
    .name) is 9. 10 serves both and still refuses the scanners' circular introspection (11)."""
    max_aliases: int = _DEFAULT.max_aliases
    max_root_fields: int = _DEFAULT.max_root_fields
    max_directives: int = _DEFAULT.max_directives
    max_tokens: int = _DEFAULT.max_tokens
    max_fields: int = _DEFAULT.max_fields
    """Field selections, fragments expanded, repeats counted: the executor collects and merges
    each one. The largest query our tests send (a person with every field) has 73; the
    scanners' "500 duplicated fields" is refused."""
    max_cost: int = _DEFAULT.max_cost
    """Estimated values resolved. Two 100-row pages of ~27 values each cost 5,404 (the suite's
    DataLoader test, tests/schema/test_statement_bound.py), which Armor's 5,000 would refuse;
    nested pages of 100 x 100 cost at least 20,000 and are refused."""
    max_batch_operations: int = _DEFAULT.max_batch_operations
    """Operations in one HTTP request (a JSON array). We accept no batches today; when we do,
    each operation is checked on its own and this bounds how many ride in one request."""
    max_body_bytes: int = _DEFAULT.max_body_bytes
    default_page_size: int = _DEFAULT.default_page_size
    """What a connection without `first`/`last` is assumed to return (the resolvers' default)."""
    list_multiplier: int = _DEFAULT.list_multiplier
    """What a list field without pagination arguments is assumed to return."""

    @classmethod
    def from_settings(cls, settings: object) -> Limits:
        """The limits a gateway's Settings configure: its attributes of the same names."""
        defaults = cls()
        return cls(
            **{
                name: getattr(settings, name, getattr(defaults, name))
                for name in cls.__dataclass_fields__
            }
        )


@dataclass(frozen=True)
class LimitViolation:
    """One limit an operation breaks: its name, the operation's value and the maximum."""

    limit: str
    value: int
    maximum: int
    message: str

    @property
    def extensions(self) -> dict[str, object]:
        return {
            "code": LIMIT_EXCEEDED,
            "limit": self.limit,
            "value": self.value,
            "maximum": self.maximum,
        }


def _violation(limit: str, value: int, maximum: int, what: str) -> LimitViolation | None:
    """`what` is the sentence's subject with its verb, e.g. "101 aliases exceed"."""
    if value <= maximum:
        return None
    return LimitViolation(limit, value, maximum, f"{what} the limit of {maximum}")


def check_batch(operations: int, limits: Limits) -> LimitViolation | None:
    """A batch (JSON array) of `operations` operations in one request."""
    return _violation(
        "batch_operations",
        operations,
        limits.max_batch_operations,
        f"a batch of {operations} operations exceeds",
    )


def count_tokens(source: str) -> int:
    """GraphQL tokens in `source` (graphql-core's lexer: punctuation, names, values; no comments).

    The parser has lexed the whole document already; to stop a huge one earlier, the document
    cache can pass `max_tokens` to graphql-core's `parse` as well.
    """
    lexer = Lexer(Source(source))
    count = 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
    return count


def document_tokens(document: DocumentNode) -> int:
    """The tokens of a parsed document, as `count_tokens` counts them.

    The parser links every token it read (`loc.start_token.next ...`): walking that chain is a
    quarter of the cost of lexing the text again. A document parsed without locations is
    printed and lexed.
    """
    if document.loc is None:
        return count_tokens(print_ast(document))
    count = 0
    token: Token | None = document.loc.start_token
    while token is not None:
        if token.kind not in _NOT_COUNTED:
            count += 1
        token = token.next
    return count


_NOT_COUNTED = frozenset({TokenKind.SOF, TokenKind.EOF, TokenKind.COMMENT})


CONNECTION_LISTS = ("edges", "nodes")
"""The list fields of a Relay connection: they return one page."""


def _selects_connection_lists(selections: SelectionSetNode) -> bool:
    return any(
        isinstance(selection, FieldNode) and selection.name.value in CONNECTION_LISTS
        for selection in selections.selections
    )


@dataclass
class _Shape:
    """What one selection set adds below its parent: deepest nesting, selections, unit cost."""

    depth: int = 0
    fields: int = 0
    cost: int = 0


class _TooDeep(Exception):
    """Stops the walk of an absurdly deep document (and the recursion with it)."""


_DEPTH_CEILING = 100
"""Deeper than this, the walk stops counting: the depth reported is then "at least"."""


@dataclass
class _Walk:
    document: DocumentNode
    variables: Mapping[str, Any]
    defaults: Mapping[str, Any]
    limits: Limits
    schema: GraphQLSchema | None
    fragments: dict[str, FragmentDefinitionNode] = field(default_factory=dict)
    memo: dict[tuple[str, int | None], _Shape] = field(default_factory=dict)
    expanding: set[str] = field(default_factory=set)
    read: set[str] = field(default_factory=set)
    """The variables the walk read: those that size a page, whichever values they have."""

    def __post_init__(self) -> None:
        self.fragments = {
            definition.name.value: definition
            for definition in self.document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }

    # -- types (only with a schema; without one, lists are known by their arguments alone) --

    def _type_named(self, name: str) -> GraphQLNamedType | None:
        return None if self.schema is None else self.schema.get_type(name)

    def _field_type(
        self, parent: GraphQLNamedType | None, name: str
    ) -> tuple[GraphQLNamedType | None, bool]:
        """The named type a field returns, and whether it returns a list."""
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return None, False
        definition = parent.fields.get(name)
        if definition is None:
            return None, False
        of_type: Any = definition.type
        is_list = False
        while isinstance(of_type, GraphQLNonNull | GraphQLList):
            is_list = is_list or isinstance(of_type, GraphQLList)
            of_type = of_type.of_type
        return of_type, is_list

    @staticmethod
    def _is_connection_type(named: GraphQLNamedType | None) -> bool:
        return isinstance(named, GraphQLObjectType) and {"edges", "pageInfo"} <= set(named.fields)

    # -- arguments --

    def _page_size(self, node: FieldNode) -> int | None:
        """The page a field can return, from `first` and `last` (literals or variables); None if
        it has neither. With both, the connection spec keeps at most the smaller; an argument
        that is null (Relay nulls the other direction's count) does not bound the page."""
        sizes: list[int] = []
        for argument in node.arguments or ():
            if argument.name.value not in ("first", "last"):
                continue
            size = self._argument_size(argument.value)
            if size is not None:
                sizes.append(size)
        return min(sizes) if sizes else None

    def _argument_size(self, value: ValueNode) -> int | None:
        if isinstance(value, IntValueNode):
            return max(0, int(value.value))
        if isinstance(value, VariableNode):
            name = value.name.value
            self.read.add(name)
            given = self.variables.get(name, self.defaults.get(name))
            if given is None:
                return None
            # a value of the wrong type fails variable coercion later; cost it as the default
            if isinstance(given, int) and not isinstance(given, bool):
                return max(0, given)
            return self.limits.default_page_size
        return None

    # -- the walk --

    def selection_set(
        self,
        selections: SelectionSetNode,
        parent: GraphQLNamedType | None,
        depth: int,
        page_size: int | None,
    ) -> _Shape:
        """The shape below a selection set whose fields sit at `depth`.

        `page_size` is set when `parent` is a connection: its list fields (edges, nodes) return
        that many items.
        """
        shape = _Shape()
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                below = self.field(selection, parent, depth, page_size)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = parent if condition is None else self._type_named(condition.name.value)
                below = self.selection_set(selection.selection_set, inner, depth, page_size)
            elif isinstance(selection, FragmentSpreadNode):
                below = self.spread(selection.name.value, depth, page_size)
            else:  # pragma: no cover - graphql-core has no other selection kinds
                continue
            shape.depth = max(shape.depth, below.depth)
            shape.fields += below.fields
            shape.cost += below.cost
        return shape

    def spread(self, name: str, depth: int, page_size: int | None) -> _Shape:
        fragment = self.fragments.get(name)
        if fragment is None or name in self.expanding:  # unknown or cyclic: validation's job
            return _Shape()
        # A fragment's shape does not depend on where it is spread (cost is linear in the
        # multiplier; depth is relative), so each is walked once however often it is spread:
        # a "fragment bomb" of spreads within spreads costs one walk per fragment.
        key = (name, page_size)
        relative = self.memo.get(key)
        if relative is None:
            self.expanding.add(name)
            try:
                condition = self._type_named(fragment.type_condition.name.value)
                relative = self.selection_set(fragment.selection_set, condition, 1, page_size)
            except _TooDeep as too_deep:  # measured from the fragment: make it absolute
                raise _TooDeep(int(too_deep.args[0]) + depth - 1) from None
            finally:
                self.expanding.discard(name)
            self.memo[key] = relative
        absolute = relative.depth + depth - 1 if relative.depth else 0
        if absolute > max(self.limits.max_depth, _DEPTH_CEILING):
            raise _TooDeep(absolute)
        return _Shape(absolute, relative.fields, relative.cost)

    def field(
        self,
        node: FieldNode,
        parent: GraphQLNamedType | None,
        depth: int,
        page_size: int | None,
    ) -> _Shape:
        name = node.name.value
        named, is_list = self._field_type(parent, name)
        introspection = name.startswith("__") and name != "__typename"
        # `ofType` chains are as deep as the schema's type wrappers (GraphiQL asks for 7), not
        # something a caller can grow: they do not count as depth.
        level = depth - 1 if name == "ofType" and depth > 1 else depth
        if level > max(self.limits.max_depth, _DEPTH_CEILING):
            raise _TooDeep(level)
        own = _Shape(depth=level, fields=0 if introspection else 1, cost=0 if introspection else 1)
        if node.selection_set is None:
            return own
        own_page = self._page_size(node)
        is_connection = (
            own_page is not None
            or self._is_connection_type(named)
            or (named is None and _selects_connection_lists(node.selection_set))
        )
        if page_size is not None and (is_list or (named is None and name in CONNECTION_LISTS)):
            multiplier = page_size  # the edges (or nodes) of the connection we are in
        elif is_list:
            multiplier = self.limits.list_multiplier
        else:
            multiplier = 1
        inner_page = None
        if is_connection:
            inner_page = own_page if own_page is not None else self.limits.default_page_size
        below = self.selection_set(node.selection_set, named, level + 1, inner_page)
        if introspection:
            return _Shape(depth=max(level, below.depth))
        return _Shape(
            depth=max(level, below.depth),
            fields=1 + below.fields,
            cost=1 + multiplier * below.cost,
        )


def _count_aliases_and_directives(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> tuple[int, int]:
    """Aliases and directives as written in the operation and the fragments it reaches (each
    fragment once: spreading a fragment twice does not repeat its aliases)."""
    aliases = 0
    directives = 0
    seen: set[str] = set()
    stack: list[Node] = [operation]
    while stack:
        node = stack.pop()
        node_directives = getattr(node, "directives", None)
        if node_directives:
            directives += len(node_directives)
        if isinstance(node, FieldNode) and node.alias is not None:
            aliases += 1
        if isinstance(node, FragmentSpreadNode):
            name = node.name.value
            if name not in seen and name in fragments:
                seen.add(name)
                stack.append(fragments[name])
            continue
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            stack.extend(selection_set.selections)
    return aliases, directives


def _count_root_fields(
    selections: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    seen: set[str] | None = None,
) -> int:
    seen = set() if seen is None else seen
    count = 0
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            count += selection.name.value != "__typename"
        elif isinstance(selection, InlineFragmentNode):
            count += _count_root_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name not in seen and name in fragments:
                seen.add(name)
                count += _count_root_fields(fragments[name].selection_set, fragments, seen)
    return count


def _variable_defaults(operation: OperationDefinitionNode) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        value = definition.default_value
        if isinstance(value, IntValueNode):
            defaults[definition.variable.name.value] = int(value.value)
    return defaults


def _root_type(schema: GraphQLSchema | None, operation: OperationType) -> GraphQLNamedType | None:
    if schema is None:
        return None
    if operation is OperationType.QUERY:
        return schema.query_type
    if operation is OperationType.MUTATION:
        return schema.mutation_type
    return schema.subscription_type


def check_limits(
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    limits: Limits,
    *,
    schema: GraphQLSchema | None = None,
) -> LimitViolation | None:
    """The first limit the operation breaks, or None.

    Pass the schema to know which fields are lists; without it only connections (fields with
    `first`/`last`, or that select `edges`/`nodes`) multiply the cost. Checked in order of cost
    to check: tokens, depth, aliases, root fields, directives, field selections, cost.
    """
    return _checked(document, operation_name, variables, limits, schema)[0]


def _checked(
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    limits: Limits,
    schema: GraphQLSchema | None,
) -> tuple[LimitViolation | None, frozenset[str]]:
    """check_limits' answer, and the variables it read to reach it."""
    tokens = document_tokens(document)
    if violation := _violation("tokens", tokens, limits.max_tokens, f"{tokens} tokens exceed"):
        return violation, frozenset()
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None, frozenset()  # the endpoint answers "no such operation" itself
    walk = _Walk(document, variables or {}, _variable_defaults(operation), limits, schema=schema)
    try:
        shape = walk.selection_set(
            operation.selection_set, _root_type(schema, operation.operation), 1, None
        )
    except _TooDeep as too_deep:
        shape = _Shape(depth=int(too_deep.args[0]))
    read = frozenset(walk.read)
    if violation := _violation(
        "depth", shape.depth, limits.max_depth, f"query depth {shape.depth} exceeds"
    ):
        return violation, read
    aliases, directives = _count_aliases_and_directives(operation, walk.fragments)
    root_fields = _count_root_fields(operation.selection_set, walk.fragments)
    return (
        _violation("aliases", aliases, limits.max_aliases, f"{aliases} aliases exceed")
        or _violation(
            "root_fields", root_fields, limits.max_root_fields, f"{root_fields} root fields exceed"
        )
        or _violation(
            "directives", directives, limits.max_directives, f"{directives} directives exceed"
        )
        or _violation(
            "fields", shape.fields, limits.max_fields, f"{shape.fields} field selections exceed"
        )
        or _violation("cost", shape.cost, limits.max_cost, f"query cost {shape.cost} exceeds")
    ), read


class LimitChecks:
    """`check_limits` remembered per document, operation and page sizes.

    Of the variables, the walk reads only those that size a page (`first`, `last`), and which
    ones it reads depends on the document alone: the answer holds for every request of the same
    document and operation that gives those variables the same values. A portal sends the same
    few operations over and over, so each is walked once per page size instead of per request
    (the walk was a tenth of a compiled page's CPU)."""

    def __init__(
        self, limits: Limits, schema: GraphQLSchema | None = None, max_entries: int = 4096
    ) -> None:
        self._limits = limits
        self._schema = schema
        self._max_entries = max_entries
        self._read: dict[tuple[str, str | None], frozenset[str]] = {}
        self._answers: OrderedDict[tuple[Any, ...], LimitViolation | None] = OrderedDict()

    def check(
        self,
        document_key: str,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
    ) -> LimitViolation | None:
        """check_limits' answer for `document`, whose text (or any key unique to it) is
        `document_key`."""
        given = variables or {}
        read = self._read.get((document_key, operation_name))
        key: tuple[Any, ...] | None = None
        if read is not None:
            key = (document_key, operation_name, *(given.get(name) for name in sorted(read)))
            try:
                answer = self._answers[key]
            except KeyError:
                pass
            except TypeError:  # a list or object where a page size goes: not remembered
                key = None
            else:
                self._answers.move_to_end(key)
                return answer
        answer, read = _checked(document, operation_name, variables, self._limits, self._schema)
        if key is None:
            if len(self._read) >= self._max_entries:
                self._read.clear()
            self._read[(document_key, operation_name)] = read
            key = (document_key, operation_name, *(given.get(name) for name in sorted(read)))
        try:
            self._answers[key] = answer
        except TypeError:
            return answer
        while len(self._answers) > self._max_entries:
            self._answers.popitem(last=False)
        return answer


# -- production mode ------------------------------------------------------------------------

_SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")
"""graphql-core's `did_you_mean` text: " Did you mean 'a', 'b', or 'c'?" (or "the enum value
'A'?"), at the end of a message or inside one ("... unknown field 'x'. Did you mean 'y'? Found:
{...}."). The suggested names are schema names, which cannot contain "?"."""


def validation_rules(production: bool) -> tuple[type[ASTValidationRule], ...]:
    """Rules to add to graphql-core's specified ones: no introspection in production
    (gateway/introspection.py: `__schema` refused, `__type` finds nothing)."""
    return (NoSchemaIntrospection,) if production else ()


def strip_suggestions(message: str) -> str:
    """The message without graphql-core's " Did you mean 'x' or 'y'?", wherever it sits.

    graphql-core leaves it out itself when asked (`hide_suggestions`, which the document cache
    and execution pass in production); this is the net under every message that reaches a
    client, including any a strawberry or graphql-core path builds without that flag."""
    return _SUGGESTION.sub("", message)
