"""Reading the national truth (a seeded Ministry store) to build the simulated agencies from it.

Every simulated source is derived from the store: an agency holds the people of its organisation
subtree, the population and insurance databases hold everyone. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vocabulary.sources import OrganizationRecord
from vocabulary.standard_record import standard_record

Person = dict[str, Any]

# The person columns the simulated sources are built from (the standard record's fields), with
# the unit's code and name.
_STANDARD_COLUMNS = ", ".join(
    f"p.{name}" for name in standard_record().names if name != "organization_code"
)
PERSON_QUERY = f"""
SELECT {_STANDARD_COLUMNS}, p.source_record_id,
       o.code AS organization_code, o.name AS organization_name
  FROM person p JOIN organization o ON o.id = p.organization_id
"""


@dataclass(frozen=True)
class Subtree:
    """An agency's part of the national tree.

    `own_only` takes only the people employed at the organisation itself, not below it: the root
    (the Government) employs a few people of its own, while each of its children is an agency.
    """

    code: str
    name: str
    id: int
    path: str
    people: int
    own_only: bool = False


async def top_agencies(conn: Any) -> list[Subtree]:
    """The active children of the root with their headcounts, then the root's own staff.

    Together they hold every person of the store: nobody works in a merged or dissolved
    organisation, and every other organisation lies below one child of the root.
    """
    root = await conn.fetchrow("SELECT id, code, name, path FROM organization WHERE depth = 0")
    rows = await conn.fetch(
        """
        SELECT o.id, o.code, o.name, o.path,
               (SELECT count(*) FROM person p JOIN organization u ON u.id = p.organization_id
                 WHERE u.path LIKE o.path || '%') AS people
          FROM organization o
         WHERE o.parent_id = $1 AND o.status = 'active'
         ORDER BY o.code
        """,
        root["id"],
    )
    agencies = [Subtree(r["code"], r["name"], r["id"], r["path"], r["people"]) for r in rows]
    own = await conn.fetchval("SELECT count(*) FROM person WHERE organization_id = $1", root["id"])
    agencies.append(
        Subtree(root["code"], root["name"], root["id"], root["path"], own, own_only=True)
    )
    return agencies


async def subtree_people(conn: Any, subtree: Subtree) -> list[Person]:
    """The subtree's people (store column names, plus organization_code/_name), by store id."""
    if subtree.own_only:
        rows = await conn.fetch(f"{PERSON_QUERY} WHERE o.id = $1 ORDER BY p.id", subtree.id)
    else:
        rows = await conn.fetch(
            f"{PERSON_QUERY} WHERE o.path LIKE $1 || '%' ORDER BY p.id", subtree.path
        )
    return [dict(row) for row in rows]


async def all_people(conn: Any) -> list[Person]:
    """Everyone in the store, by personal ID."""
    return [dict(row) for row in await conn.fetch(f"{PERSON_QUERY} ORDER BY p.personal_id")]


async def subtree_organizations(conn: Any, subtree: Subtree) -> list[OrganizationRecord]:
    """The subtree's organisations, parents first (by depth, then code)."""
    where = "o.id = $1" if subtree.own_only else "o.path LIKE $1 || '%'"
    rows = await conn.fetch(
        f"""
        SELECT o.code, o.name, o.level, parent.code AS parent_code, o.status,
               o.status_changed_on, successor.code AS successor_code
          FROM organization o
          LEFT JOIN organization parent ON parent.id = o.parent_id
          LEFT JOIN organization successor ON successor.id = o.successor_id
         WHERE {where}
         ORDER BY o.depth, o.code
        """,
        subtree.id if subtree.own_only else subtree.path,
    )
    return [OrganizationRecord(**dict(row)) for row in rows]


async def subtree_of(conn: Any, code: str) -> Subtree:
    """The subtree rooted at organisation `code`, with its headcount (ValueError if unknown)."""
    row = await conn.fetchrow(
        """
        SELECT o.id, o.code, o.name, o.path,
               (SELECT count(*) FROM person p JOIN organization u ON u.id = p.organization_id
                 WHERE u.path LIKE o.path || '%') AS people
          FROM organization o WHERE o.code = $1
        """,
        code,
    )
    if row is None:
        raise ValueError(f"no organisation {code!r} in the store")
    return Subtree(row["code"], row["name"], row["id"], row["path"], row["people"])
