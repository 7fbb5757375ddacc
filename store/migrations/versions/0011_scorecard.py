"""MOHA's scorecard: when each source change arrived, and one snapshot per agency per day.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = (
    """
CREATE TABLE sync_arrival (
    source_id TEXT NOT NULL,
    source_record_id TEXT NOT NULL,
    source_version TEXT NOT NULL,
    changed_at TIMESTAMP WITH TIME ZONE NOT NULL,
    arrived_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    CONSTRAINT pk_sync_arrival PRIMARY KEY (source_id, source_record_id, source_version)
)""",
    "CREATE INDEX ix_sync_arrival_source_arrived ON sync_arrival (source_id, arrived_at)",
    """
CREATE TABLE agency_scorecard (
    day DATE NOT NULL,
    agency_code VARCHAR(35) NOT NULL,
    organization_id BIGINT NOT NULL,
    level VARCHAR(16) NOT NULL,
    connected BOOLEAN NOT NULL,
    last_success_at TIMESTAMP WITH TIME ZONE,
    failed_runs INTEGER NOT NULL,
    changes INTEGER NOT NULL,
    within_deadline_share NUMERIC(5, 4),
    oldest_outstanding_days INTEGER,
    people INTEGER NOT NULL,
    complete_share NUMERIC(5, 4),
    reject_rate NUMERIC(5, 4),
    identity_mismatches INTEGER NOT NULL,
    cross_field_violations INTEGER NOT NULL,
    open_conflicts INTEGER NOT NULL,
    open_rejects INTEGER NOT NULL,
    oldest_reject_days INTEGER,
    unmapped_share NUMERIC(5, 4),
    breaches TEXT[] NOT NULL,
    detail JSONB NOT NULL,
    computed_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    CONSTRAINT pk_agency_scorecard PRIMARY KEY (day, agency_code)
)""",
    "CREATE INDEX ix_agency_scorecard_agency_day ON agency_scorecard (agency_code, day)",
)


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE agency_scorecard")
    op.execute("DROP TABLE sync_arrival")
