"""Statements that read people: a filtered, keyset-paginated directory, and lookups by key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, select, tuple_

from store.models import Organization, Person
from store.queries import in_array, keyset_page, position_of

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
    wide_subtree: bool = False
    """The subtree holds a large share of the store's organisations (the national root, a
    large ministry): the compiled page walks the directory order for it instead of sorting the
    subtree's people (resolvers/compiled/planner.people_conditions). Only how, never which."""
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


DIRECTORY_ORDER = (person.c.name_sort, person.c.id)
"""Given name, family name (name_sort), then the id: unique, and indexed (ix_person_order)."""


def page(
    people: PeopleFilter,
    *,
    limit: int,
    backward: bool,
    after_key: int | None,
    before_key: int | None,
) -> Select[tuple[object, ...]]:
    """One page in directory order, `limit` rows from the start."""
    return keyset_page(
        person, DIRECTORY_ORDER, conditions(people),
        limit=limit, backward=backward, after_key=after_key, before_key=before_key,
    )  # fmt: skip


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
        where.append(tuple_(*DIRECTORY_ORDER) > position_of(person, DIRECTORY_ORDER, after_key))
    ranked = (
        select(
            person,
            func.row_number()
            .over(
                partition_by=person.c.organization_id,
                order_by=DIRECTORY_ORDER,
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
