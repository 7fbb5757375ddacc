"""The planner's catalogue (resolvers/compiled/catalogue.py), read off the executable schema.

A field of Person or Organization is a column when strawberry resolves it by reading the
attribute of the same name (no resolver of its own) and its type is a scalar the store's JSON
writes the way GraphQL serialises it (text, integers, booleans, dates) or one of our enums.
`from_row` fills those attributes from the row's columns of the same name, so the column is the
attribute's name. Everything else (code lists, live fields, nested objects) is not a column.
"""

from __future__ import annotations

from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType
from strawberry.schema import Schema
from strawberry.types.field import StrawberryField

from resolvers.compiled.catalogue import Catalogue, Leaf

COLUMN_TYPES = ("Person", "Organization")
JSON_FAITHFUL_SCALARS = frozenset({"String", "Int", "Boolean", "Date"})
"""Scalars whose PostgreSQL JSON is their GraphQL serialisation (a date as YYYY-MM-DD)."""


def catalogue_of(schema: Schema) -> Catalogue:
    leaves: dict[str, dict[str, Leaf]] = {}
    for type_name in COLUMN_TYPES:
        graphql_type = schema._schema.type_map[type_name]
        assert isinstance(graphql_type, GraphQLObjectType)
        columns: dict[str, Leaf] = {}
        for name, field in graphql_type.fields.items():
            definition = (field.extensions or {}).get("strawberry-definition")
            if (
                name == "id"
                or not isinstance(definition, StrawberryField)
                or definition.base_resolver is not None
                or field.args
            ):
                continue
            nullable = not isinstance(field.type, GraphQLNonNull)
            leaf_type = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            if isinstance(leaf_type, GraphQLEnumType):
                names = {
                    str(getattr(v.value, "value", v.value)): n for n, v in leaf_type.values.items()
                }
                columns[name] = Leaf(definition.python_name, nullable, names)
            elif (
                isinstance(leaf_type, GraphQLScalarType) and leaf_type.name in JSON_FAITHFUL_SCALARS
            ):
                columns[name] = Leaf(definition.python_name, nullable)
        leaves[type_name] = columns
    return Catalogue(leaves)
