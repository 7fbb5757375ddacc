"""Statements that read people: a filtered, keyset-paginated directory, and lookups by key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, select, tuple_

from store.models import Organization, Person
from store.queries import in_array

person = Person.__table__
organization = Organization.__table__

# the text search configuration must be a literal for the GIN expression index to match
_SIMPLE: ColumnElement[str] = literal_column("'simple'")
NAME_VECTOR = func.to_tsvector(_SIMPLE, person.c.name_search)


@dataclass(frozen=True)
class PeopleFilter:
    """A checked filter: every field narrows the set; None means no condition."""

    organization_ids: Sequence[int] | None = None
    """People employed by one of these organisations (a subtree is expanded by the caller)."""
    organization_path: str | None = None
    """People in the subtree whose materialised path starts with this."""
    name_query: str | None = None
    """A to_tsquery('simple') text over the diacritic-free name (store.text.prefix_tsquery)."""
    categories: Sequence[str] | None = None
    grade_codes: Sequence[str] | None = None
    statuses: Sequence[str] | None = None


def conditions(people: PeopleFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if people.organization_ids is not None:
        where.append(in_array(person.c.organization_id, people.organization_ids))
    if people.organization_path is not None:
        subtree = select(organization.c.id).where(
            organization.c.path.startswith(people.organization_path, autoescape=True)
        )
        where.append(person.c.organization_id.in_(subtree))
    if people.name_query is not None:
        where.append(NAME_VECTOR.op("@@")(func.to_tsquery(_SIMPLE, people.name_query)))
    if people.categories is not None:
        where.append(in_array(person.c.category, people.categories))
    if people.grade_codes is not None:
        where.append(in_array(person.c.grade_code, people.grade_codes))
    if people.statuses is not None:
        where.append(in_array(person.c.status, people.statuses))
    return where


def _sort_key_of(key: int) -> ColumnElement[Any]:
    inner = person.alias("cursor_row")
    looked_up = select(inner.c.name_sort).where(inner.c.id == key).scalar_subquery()
    return tuple_(looked_up, key)


def page(
    people: PeopleFilter,
    *,
    limit: int,
    backward: bool,
    after_key: int | None,
    before_key: int | None,
) -> Select[tuple[object, ...]]:
    """One page in directory order (given name, family name, id), `limit` rows from the start."""
    order = tuple_(person.c.name_sort, person.c.id)
    where = conditions(people)
    if after_key is not None:
        where.append(order > _sort_key_of(after_key))
    if before_key is not None:
        where.append(order < _sort_key_of(before_key))
    ordering = (
        (person.c.name_sort.desc(), person.c.id.desc())
        if backward
        else (person.c.name_sort, person.c.id)
    )
    return select(person).where(and_(True, *where)).order_by(*ordering).limit(limit)


def count(people: PeopleFilter) -> Select[int]:
    return select(func.count()).select_from(person).where(and_(True, *conditions(people)))


def by_ids(ids: Sequence[int]) -> Select[tuple[object, ...]]:
    return select(person).where(in_array(person.c.id, ids))


def first_per_organization(
    organization_ids: Sequence[int], people: PeopleFilter, *, limit: int, after_key: int | None
) -> Select[tuple[object, ...]]:
    """The first `limit` people of each organisation, in directory order, in one statement."""
    where = [in_array(person.c.organization_id, organization_ids), *conditions(people)]
    if after_key is not None:
        where.append(tuple_(person.c.name_sort, person.c.id) > _sort_key_of(after_key))
    ranked = (
        select(
            person,
            func.row_number()
            .over(
                partition_by=person.c.organization_id,
                order_by=(person.c.name_sort, person.c.id),
            )
            .label("rank"),
        )
        .where(and_(*where))
        .subquery()
    )
    return (
        select(ranked)
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.organization_id, ranked.c.rank)
    )
