"""Staffing quotas (biên chế) against actual headcount, for an organisation and its subtree.

Headcount is the active people per quota category: civil servants include cadres (cán bộ and
công chức share the civil-service quota), then public employees and contract staff. It comes
from the smallest summary (store/cubes.py), so a national report costs one small statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.types import BigInteger

from analytics.orgs import Org, OrgIndex

QUOTA_CATEGORY = {
    "cadre": 0,
    "civil_servant": 0,
    "public_employee": 1,
    "contract_worker": 2,
}
"""Personnel category -> position in a (civil servants, public employees, contract staff)."""

Counts = tuple[int, int, int]
ZERO: Counts = (0, 0, 0)


def add(a: Counts, b: Counts) -> Counts:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


@dataclass(frozen=True)
class StaffingLine:
    org: Org
    quota: Counts | None
    headcount: Counts
    subtree_quota: Counts
    subtree_headcount: Counts
    children_quota: Counts
    """The quotas allocated to the direct children, summed."""

    @property
    def vacancies(self) -> Counts | None:
        """Quota minus headcount per category (negative: excess); None without a quota."""
        if self.quota is None:
            return None
        return (
            self.quota[0] - self.headcount[0],
            self.quota[1] - self.headcount[1],
            self.quota[2] - self.headcount[2],
        )

    @property
    def over_quota(self) -> bool:
        vacancies = self.vacancies
        return vacancies is not None and min(vacancies) < 0

    @property
    def allocation_exceeds_quota(self) -> bool:
        """The children were allocated more than this organisation's own quota."""
        return self.quota is not None and any(
            c > q for c, q in zip(self.children_quota, self.quota, strict=True)
        )


def build_lines(
    index: OrgIndex,
    root: Org,
    quotas: Mapping[int, Counts],
    headcounts: Mapping[int, Counts],
) -> list[StaffingLine]:
    """One line per organisation of the subtree, parents before children (pure)."""
    members = sorted(index.subtree(root), key=lambda o: (o.depth, o.code))
    subtree_quota: dict[int, Counts] = {}
    subtree_headcount: dict[int, Counts] = {}
    children_quota: dict[int, Counts] = {}
    for org in sorted(members, key=lambda o: -o.depth):
        subtree_quota[org.id] = add(subtree_quota.get(org.id, ZERO), quotas.get(org.id, ZERO))
        subtree_headcount[org.id] = add(
            subtree_headcount.get(org.id, ZERO), headcounts.get(org.id, ZERO)
        )
        if org.parent_id is not None and org.id != root.id:
            parent = org.parent_id
            subtree_quota[parent] = add(subtree_quota.get(parent, ZERO), subtree_quota[org.id])
            subtree_headcount[parent] = add(
                subtree_headcount.get(parent, ZERO), subtree_headcount[org.id]
            )
            children_quota[parent] = add(children_quota.get(parent, ZERO), quotas.get(org.id, ZERO))
    return [
        StaffingLine(
            org,
            quotas.get(org.id),
            headcounts.get(org.id, ZERO),
            subtree_quota[org.id],
            subtree_headcount[org.id],
            children_quota.get(org.id, ZERO),
        )
        for org in members
    ]


def _ids_param(ids: Iterable[int]) -> dict[str, list[int]]:
    return {"ids": list(ids)}


async def load(engine: AsyncEngine, index: OrgIndex, root: Org, year: int) -> list[StaffingLine]:
    ids = [org.id for org in index.subtree(root)]
    ids_param = bindparam("ids", type_=ARRAY(BigInteger))
    async with engine.connect() as conn:
        quota_rows = (
            await conn.execute(
                text(
                    "SELECT organization_id, civil_servants, public_employees, contract_staff"
                    " FROM staffing_quota WHERE year = :year AND organization_id = ANY(:ids)"
                ).bindparams(ids_param),
                {"year": year, **_ids_param(ids)},
            )
        ).all()
        count_rows = (
            await conn.execute(
                text(
                    "SELECT organization_id, category, sum(people) FROM person_summary_org"
                    " WHERE status = 'active' AND organization_id = ANY(:ids)"
                    " GROUP BY 1, 2"
                ).bindparams(ids_param),
                _ids_param(ids),
            )
        ).all()
    quotas = {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in quota_rows}
    headcounts: dict[int, list[int]] = {}
    for org_id, category, people in count_rows:
        headcounts.setdefault(org_id, [0, 0, 0])[QUOTA_CATEGORY[category]] += int(people)
    return build_lines(index, root, quotas, {k: (v[0], v[1], v[2]) for k, v in headcounts.items()})


@dataclass(frozen=True)
class QuotaChange:
    organization_id: int
    year: int
    quota: Counts
    previous: Counts | None


async def set_quota(
    conn: AsyncConnection,
    org: Org,
    year: int,
    quota: Counts,
    *,
    request_id: str,
    client_id: str | None,
    subject: str | None,
    level: str,
    organization: str | None,
) -> QuotaChange:
    """Upsert a quota and log the change (who, when, before, after) in one transaction."""
    if min(quota) < 0:
        raise ValueError("a quota must not be negative")
    previous_row = (
        await conn.execute(
            text(
                "SELECT civil_servants, public_employees, contract_staff FROM staffing_quota"
                " WHERE organization_id = :org AND year = :year FOR UPDATE"
            ),
            {"org": org.id, "year": year},
        )
    ).one_or_none()
    values = {"org": org.id, "year": year, "c": quota[0], "p": quota[1], "k": quota[2]}
    await conn.execute(
        text(
            "INSERT INTO staffing_quota"
            " (organization_id, year, civil_servants, public_employees, contract_staff)"
            " VALUES (:org, :year, :c, :p, :k) ON CONFLICT (organization_id, year) DO UPDATE"
            " SET civil_servants = EXCLUDED.civil_servants,"
            " public_employees = EXCLUDED.public_employees,"
            " contract_staff = EXCLUDED.contract_staff"
        ),
        values,
    )
    previous = None if previous_row is None else (previous_row[0], previous_row[1], previous_row[2])
    await conn.execute(
        text(
            "INSERT INTO staffing_quota_change (organization_id, year, civil_servants,"
            " public_employees, contract_staff, previous_civil_servants,"
            " previous_public_employees, previous_contract_staff, request_id, client_id,"
            " subject, level, organization) VALUES (:org, :year, :c, :p, :k, :pc, :pp, :pk,"
            " :request_id, :client_id, :subject, :level, :organization)"
        ),
        {
            **values,
            "pc": None if previous is None else previous[0],
            "pp": None if previous is None else previous[1],
            "pk": None if previous is None else previous[2],
            "request_id": request_id,
            "client_id": client_id,
            "subject": subject,
            "level": level,
            "organization": organization,
        },
    )
    return QuotaChange(org.id, year, quota, previous)
