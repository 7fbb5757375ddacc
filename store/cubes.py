"""Summary tables ("cubes") of person counts, kept current by triggers on `person`.

Each cube counts people per combination of some dimensions. A query is answered from the
smallest cube holding every dimension it groups or filters by; `person_summary_full` holds
them all, so every query has a cube. Statement-level triggers with transition tables fold each
INSERT, UPDATE, DELETE or COPY into one grouped upsert per cube (any writer: the sync, the seed's
COPY, a hand-written UPDATE; an UPDATE counts only the rows whose counted columns changed);
TRUNCATE empties the cubes; `refresh_summaries()` rebuilds them
from `person` (after a bulk load with triggers disabled, or to drop zero rows).

The definitions live in the store because its tables (store/models_analytics.py) and triggers
are made from them; analytics/ reads the cubes through them. `trigger_statements` is the
triggers as the code declares them now: the migrations hold the DDL they ran as text, and a
test checks that a store upgraded to head holds exactly these, so a change here is a new
migration.
"""

from __future__ import annotations

from dataclasses import dataclass

DIMENSION_SQL: dict[str, str] = {
    "organization_id": "organization_id",
    "category": "category",
    "gender": "gender",
    "birth_year": "extract(year FROM birth_date)::smallint",
    "ethnicity": "ethnicity_code",
    "education": "professional_level",
    "political_theory": "political_theory",
    "grade": "coalesce(grade_code, '')",
    "salary_scale": "coalesce(salary_scale_code, '')",
    "status": "status",
}
"""Stored dimensions, each with its SQL expression over a person row; a NULL grade or scale is
stored as '' (cube keys are NOT NULL)."""

DIMENSION_COLUMNS: dict[str, str] = {
    "organization_id": "organization_id",
    "category": "category",
    "gender": "gender",
    "birth_year": "birth_date",
    "ethnicity": "ethnicity_code",
    "education": "professional_level",
    "political_theory": "political_theory",
    "grade": "grade_code",
    "salary_scale": "salary_scale_code",
    "status": "status",
}
"""The person column each dimension is computed from."""


@dataclass(frozen=True)
class Cube:
    name: str
    dimensions: tuple[str, ...]

    @property
    def table(self) -> str:
        return f"person_summary_{self.name}"


CUBES: tuple[Cube, ...] = (
    Cube("org", ("organization_id", "category", "gender", "status")),
    Cube("org_age", ("organization_id", "category", "gender", "birth_year", "status")),
    Cube(
        "nation",
        (
            "category",
            "gender",
            "birth_year",
            "ethnicity",
            "education",
            "political_theory",
            "status",
        ),
    ),
    Cube("full", tuple(DIMENSION_SQL)),
)
"""Smallest first: a query reads the first that covers it (analytics.cubes.choose)."""


def _fold(cube: Cube, source: str, sign: str) -> str:
    columns = ", ".join(cube.dimensions)
    exprs = ", ".join(DIMENSION_SQL[d] for d in cube.dimensions)
    return (
        f"INSERT INTO {cube.table} ({columns}, people)"
        f" SELECT {exprs}, {sign}count(*) FROM {source}"
        f" GROUP BY {exprs} ORDER BY {exprs}"
        f" ON CONFLICT ({columns}) DO UPDATE SET people = {cube.table}.people + EXCLUDED.people;"
    )


def _moved(cube: Cube, side: str) -> str:
    """The rows of one side of an UPDATE (`old_rows` or `new_rows`) that count in another group
    of `cube` than their row on the other side, as a subquery. A row whose columns behind the
    cube's dimensions did not change would be taken out of its group and put back (-1 and +1):
    leaving it out of both sides gives the same counts without the upsert, and a sync's update
    mostly changes columns no cube counts by (a job position, an address)."""
    other = "new_rows" if side == "old_rows" else "old_rows"
    columns = sorted({DIMENSION_COLUMNS[d] for d in cube.dimensions})
    mine = ", ".join(f"s.{column}" for column in columns)
    theirs = ", ".join(f"t.{column}" for column in columns)
    return (
        f"(SELECT * FROM {side} s WHERE NOT EXISTS (SELECT 1 FROM {other} t"
        f" WHERE t.id = s.id AND ({theirs}) IS NOT DISTINCT FROM ({mine}))) AS moved"
    )


def trigger_statements() -> list[str]:
    """CREATE statements of the trigger functions, triggers and `refresh_summaries()`."""
    statements = []
    for event, parts in (
        ("insert", [("new_rows", "")]),
        ("delete", [("old_rows", "-")]),
        ("update", [("old_rows", "-"), ("new_rows", "")]),
    ):
        body = "\n".join(
            _fold(cube, _moved(cube, src) if event == "update" else src, sign)
            for cube in CUBES
            for src, sign in parts
        )
        statements.append(
            f"CREATE FUNCTION person_summary_{event}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{body}\nRETURN NULL;\nEND $$"
        )
        referencing = {
            "insert": "NEW TABLE AS new_rows",
            "delete": "OLD TABLE AS old_rows",
            "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        }[event]
        statements.append(
            f"CREATE TRIGGER person_summary_{event} AFTER {event.upper()} ON person"
            f" REFERENCING {referencing} FOR EACH STATEMENT"
            f" EXECUTE FUNCTION person_summary_{event}()"
        )
    tables = ", ".join(cube.table for cube in CUBES)
    statements.append(
        "CREATE FUNCTION person_summary_truncate() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\nTRUNCATE {tables};\nRETURN NULL;\nEND $$"
    )
    statements.append(
        "CREATE TRIGGER person_summary_truncate AFTER TRUNCATE ON person"
        " FOR EACH STATEMENT EXECUTE FUNCTION person_summary_truncate()"
    )
    rebuild = "\n".join(_fold(cube, "person", "") for cube in CUBES)
    statements.append(
        "CREATE FUNCTION refresh_summaries() RETURNS void LANGUAGE plpgsql AS $$\n"
        f"BEGIN\nLOCK TABLE person IN SHARE MODE;\nTRUNCATE {tables};\n{rebuild}\n"
        # fresh statistics, or the planner guesses the cubes' sizes and sorts where it could hash
        f"ANALYZE {tables};\nEND $$"
    )
    return statements
