"""Statements that read the organisation tree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from store.models import Organization
from store.queries import in_array, keyset_page
from store.text import MARKED, PLAIN, fold

organization = Organization.__table__


@dataclass(frozen=True)
class OrganizationsFilter:
    levels: Sequence[str] | None = None
    statuses: Sequence[str] | None = None
    parent_id: int | None = None
    within_path: str | None = None
    """Organisations in the subtree whose materialised path starts with this (root included)."""
    search: str | None = None
    """Words matched, without diacritics or case, against the name and the code."""


def conditions(orgs: OrganizationsFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if orgs.levels is not None:
        where.append(in_array(organization.c.level, orgs.levels))
    if orgs.statuses is not None:
        where.append(in_array(organization.c.status, orgs.statuses))
    if orgs.parent_id is not None:
        where.append(organization.c.parent_id == orgs.parent_id)
    if orgs.within_path is not None:
        where.append(organization.c.path.startswith(orgs.within_path, autoescape=True))
    if orgs.search is not None:
        # the organisation table is small (thousands of rows): a scan is fine here
        for word in fold(orgs.search).split():
            where.append(
                or_(
                    _folded(organization.c.name).contains(word, autoescape=True),
                    _folded(organization.c.short_name).contains(word, autoescape=True),
                    func.lower(organization.c.code).contains(word, autoescape=True),
                )
            )
    return where


def _folded(column: ColumnElement[str | None]) -> ColumnElement[str]:
    return func.translate(func.lower(column), MARKED, PLAIN)


def by_ids(ids: Sequence[int]) -> Select[tuple[object, ...]]:
    return select(organization).where(in_array(organization.c.id, ids))


def by_codes(codes: Sequence[str]) -> Select[tuple[object, ...]]:
    return select(organization).where(in_array(organization.c.code, codes))


def children_of(parent_ids: Sequence[int]) -> Select[tuple[object, ...]]:
    return (
        select(organization)
        .where(in_array(organization.c.parent_id, parent_ids))
        .order_by(organization.c.parent_id, organization.c.code)
    )


def page(
    orgs: OrganizationsFilter,
    *,
    limit: int,
    backward: bool,
    after_key: int | None,
    before_key: int | None,
) -> Select[tuple[object, ...]]:
    """One page ordered by electronic code (unique), `limit` rows from the start."""
    return keyset_page(
        organization, (organization.c.code,), conditions(orgs),
        limit=limit, backward=backward, after_key=after_key, before_key=before_key,
    )  # fmt: skip


def count(orgs: OrganizationsFilter) -> Select[int]:
    return select(func.count()).select_from(organization).where(and_(True, *conditions(orgs)))
