"""One active person row per (source, source record id), enforced by the database.

Before it, a personal ID corrected at the source left the row of the old ID active beside the
new one. The upgrade first settles the duplicates already held: of the active rows of one source
record, the one synced last (then the newest) stays; each other goes to person_history (change
`duplicate`, its full content) and becomes `transferred` since the day of the upgrade, so no
person is deleted and a clerk can still find it.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STALE = """
    SELECT id FROM (
        SELECT id, row_number() OVER (
                   PARTITION BY source_id, source_record_id
                   ORDER BY synced_at DESC, id DESC) AS rank
          FROM person WHERE status = 'active') ranked
     WHERE rank > 1
"""


def upgrade() -> None:
    op.execute(
        f"""INSERT INTO person_history (person_id, valid_from, source_id, change, content)
            SELECT p.id, p.synced_at, p.source_id, 'duplicate', to_jsonb(p) - 'id'
              FROM person p WHERE p.id IN ({_STALE})"""
    )
    op.execute(
        f"""UPDATE person SET status = 'transferred', status_since = current_date
             WHERE id IN ({_STALE})"""
    )
    op.create_index(
        "uq_person_source_record_active",
        "person",
        ["source_id", "source_record_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    )


def downgrade() -> None:
    # the settled duplicates stay settled: their history says what they were
    op.drop_index("uq_person_source_record_active", table_name="person")
