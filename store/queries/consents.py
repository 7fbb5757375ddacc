"""Statements over consents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, func, select

from store.models_access import Consent
from store.queries import in_array

consent = Consent.__table__


def active(
    organization_code: str, purposes: Sequence[str], person_ids: Sequence[int]
) -> Select[Any]:
    """Which of these people have an active consent for this organisation and a purpose."""
    now = func.now()
    return (
        select(consent.c.person_id)
        .where(
            and_(
                consent.c.organization_code == organization_code,
                in_array(consent.c.purpose, purposes),
                in_array(consent.c.person_id, person_ids),
                consent.c.revoked_at.is_(None),
                consent.c.valid_from <= now,
                consent.c.valid_until > now,
            )
        )
        .distinct()
    )
