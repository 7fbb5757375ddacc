"""The planner's catalogue (resolvers/compiled/catalogue.py), read off the executable schema.

A field of Person or Organization is a column when strawberry resolves it by reading the
attribute of the same name (no resolver of its own) and its type is a scalar the store's JSON
writes the way GraphQL serialises it (text, integers, booleans, dates) or one of our enums.
`from_row` fills those attributes from the row's columns of the same name, so the column is the
attribute's name. The objects built from a person's row (education, salary...) and the code
lists read their columns by the names PART_COLUMNS gives. Everything else (live fields,
computed fields) is not a column.
"""

from __future__ import annotations

from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType
from strawberry.schema import Schema
from strawberry.types.field import StrawberryField

from resolvers.compiled.catalogue import Catalogue, Leaf
from schema.codes import BASE_SALARY_VND
from schema.dossier import DOSSIER_LISTS

COLUMN_TYPES = ("Person", "Organization")
JSON_FAITHFUL_SCALARS = frozenset({"String", "Int", "Boolean", "Date"})
"""Scalars whose PostgreSQL JSON is their GraphQL serialisation (a date as YYYY-MM-DD)."""
CONVERTED_SCALARS = frozenset({"Decimal", "DateTime"})
"""Scalars the statement writes as GraphQL serialises them (resolvers/compiled/statements.py):
a Decimal as its text, a DateTime as Python's isoformat of the UTC value."""

PART_COLUMNS: dict[str, dict[str, str]] = {
    # the objects schema/person.py builds from a person's row, field -> the column it reads
    "Education": {},
    "Membership": {},
    "Performance": {"rating": "performance_rating", "year": "performance_year"},
    "Provenance": {
        "source": "source_id",
        "source_record_id": "source_record_id",
        "version": "source_version",
        "content_hash": "content_hash",
        "synced_at": "synced_at",
    },
    "Salary": {"step": "salary_step", "coefficient": "salary_coefficient", "since": "salary_since"},
    # the dossier's records (schema/dossier.py): every column has its field's name
    **{record.__name__: {} for _, record in DOSSIER_LISTS.values()},
    "DossierProvenance": {
        "source": "source_id",
        "source_record_id": "source_record_id",
        "version": "source_version",
        "synced_at": "synced_at",
    },
    # the code lists (schema/codes.py), read from their own tables by the same names
    "CodeEntry": {},
    "Position": {},
    "Grade": {},
    "SalaryScale": {},
    "SalaryStep": {},
}
"""Types other than the row types whose plain fields are columns: by the field's Python name,
unless named here (an empty map: every column has its field's name)."""


def catalogue_of(schema: Schema) -> Catalogue:
    leaves: dict[str, dict[str, Leaf]] = {}
    for type_name in (*COLUMN_TYPES, *PART_COLUMNS):
        renamed = PART_COLUMNS.get(type_name, {})
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
            column = renamed.get(definition.python_name, definition.python_name)
            nullable = not isinstance(field.type, GraphQLNonNull)
            leaf_type = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            if isinstance(leaf_type, GraphQLEnumType):
                names = {
                    str(getattr(v.value, "value", v.value)): n for n, v in leaf_type.values.items()
                }
                columns[name] = Leaf(column, nullable, names)
            elif isinstance(leaf_type, GraphQLScalarType) and (
                leaf_type.name in JSON_FAITHFUL_SCALARS or leaf_type.name in CONVERTED_SCALARS
            ):
                scalar = leaf_type.name if leaf_type.name in CONVERTED_SCALARS else None
                columns[name] = Leaf(column, nullable, scalar=scalar)
        leaves[type_name] = columns
    lists = {name: (table, record.__name__) for name, (table, record) in DOSSIER_LISTS.items()}
    return Catalogue(leaves, base_salary_vnd=BASE_SALARY_VND, lists=lists)
