"""When the database refuses a record, or a run fails: what to say without personal data.

    problem = refusal_problem(exc, values)    # a record's reject, with the field and its rule
    text = safe_error(exc)                    # a run's error: what failed, never a value

PostgreSQL's own messages name the values they refuse ("Key (personal_id)=(0010...) already
exists"), so neither a reject nor a run error nor a log line ever carries `str(exc)` of a
database error: only its class, SQLSTATE and the constraint's name, which are the schema's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import asyncpg
from sqlalchemy import CheckConstraint, Integer, Numeric, SmallInteger, String, Table

from adapters.errors import SourceError
from store.models import Person
from store.models_dossier import DOSSIER_MODELS
from vocabulary.problems import Problem

# the reject catalogue's rules for what the store itself refuses
STORE_UNIQUE = "store_unique"
STORE_REFERENCE = "store_reference"
STORE_CHECK = "store_check"
STORE_MANDATORY = "store_mandatory"
STORE_VALUE = "store_value_out_of_range"
UNPROCESSABLE = "record_unprocessable"

REFUSED: tuple[type[BaseException], ...] = (
    asyncpg.IntegrityConstraintViolationError,
    asyncpg.DataError,
    OverflowError,  # asyncpg encoding an integer too large for a smallint column
)
"""What the database says about a record's values (not about itself or the connection)."""
FAULTY: tuple[type[BaseException], ...] = (ValueError, TypeError, KeyError, ArithmeticError)
"""What our own code may raise on a value nobody foresaw: that record's reject, logged."""


def _constraint_fields() -> dict[str, str]:
    """Each named constraint and index of the person table -> the standard field it guards."""
    table: Table = Person.__table__  # type: ignore[assignment]
    out: dict[str, str] = {}
    for constraint in table.constraints:
        name = str(constraint.name) if constraint.name else None
        if not name:
            continue
        if isinstance(constraint, CheckConstraint):
            text = str(constraint.sqltext)
            columns = [c.name for c in table.columns if re.search(rf"\b{c.name}\b", text)]
        else:
            columns = [c.name for c in getattr(constraint, "columns", ())]
        if columns:
            out[name] = columns[-1] if name == "fk_person_salary_step" else columns[0]
    for index in table.indexes:
        if index.unique and index.name:
            out[str(index.name)] = "source_record_id"
    return out


def _dossier_constraint_fields() -> dict[str, str]:
    """Each named constraint of the dossier's tables -> "<list table>.<column>" it guards (the
    entry is not known when the database refuses a page)."""
    out: dict[str, str] = {}
    for model in DOSSIER_MODELS:
        table: Table = model.__table__  # type: ignore[assignment]
        for constraint in table.constraints:
            if not constraint.name or str(constraint.name).startswith(("pk_", "fk_")):
                continue
            if isinstance(constraint, CheckConstraint):
                text = str(constraint.sqltext)
                columns = [c.name for c in table.columns if re.search(rf"\b{c.name}\b", text)]
            else:
                columns = [c.name for c in getattr(constraint, "columns", ())]
            columns = [c for c in columns if c != "person_id"]
            if columns:
                out[str(constraint.name)] = f"{table.name}.{columns[0]}"
    return out


CONSTRAINT_FIELDS = _constraint_fields() | _dossier_constraint_fields()


def refusal_problem(exc: BaseException, values: Mapping[str, Any] | None) -> Problem:
    """The reject for a record the store refused (or our code could not process)."""
    values = values or {}
    constraint = getattr(exc, "constraint_name", None)
    field = CONSTRAINT_FIELDS.get(constraint) if constraint else None
    if isinstance(exc, asyncpg.UniqueViolationError):
        rule = STORE_UNIQUE
    elif isinstance(exc, asyncpg.ForeignKeyViolationError):
        rule = STORE_REFERENCE
    elif isinstance(exc, asyncpg.CheckViolationError):
        rule = STORE_CHECK
    elif isinstance(exc, asyncpg.NotNullViolationError):
        rule, field = STORE_MANDATORY, getattr(exc, "column_name", None) or field
    elif isinstance(exc, asyncpg.DataError | OverflowError):
        # OverflowError: the driver's own refusal of an integer too large for its column
        rule = STORE_VALUE
        field = field or misfit_field(values)
    else:
        rule = UNPROCESSABLE
    if field == "organization_id":
        field = "organization_code"
    value = values.get(field) if field else None
    if field == "organization_code":
        value = None  # the store id means nothing to the clerk; the code was valid
    return Problem(
        field,
        rule,
        None if value is None else str(value),
        constraint or column_capacity(field),
    )


def column_capacity(field: str | None) -> str | None:
    """What the store's column holds, in the schema's words ("numeric(4,2)", "varchar(8)")."""
    if field is None or field not in Person.__table__.columns:
        return None
    return str(Person.__table__.columns[field].type.compile()).lower()


def misfit_field(values: Mapping[str, Any]) -> str | None:
    """The first field whose value does not fit its column (length, digits, integer range)."""
    for column in Person.__table__.columns:
        value = values.get(column.name)
        if value is None:
            continue
        kind = column.type
        if isinstance(kind, String) and kind.length and len(str(value)) > kind.length:
            return str(column.name)
        if isinstance(kind, Numeric) and not isinstance(kind, Integer):
            digits = (kind.precision or 0) - (kind.scale or 0)
            if abs(Decimal(str(value))) >= Decimal(10) ** digits:
                return str(column.name)
        if isinstance(kind, SmallInteger) and not -(2**15) <= int(value) < 2**15:
            return str(column.name)
    return None


_LONG_DIGITS = re.compile(r"\d{9,}")


def safe_error(exc: BaseException) -> str:
    """A run's error text: the exception's class, and for the database its SQLSTATE and
    constraint; for our sources' errors their message with long digit runs (personal IDs,
    phone numbers) removed. Never a driver's message, which quotes values."""
    name = type(exc).__name__
    if isinstance(exc, asyncpg.PostgresError):
        parts = [f"SQLSTATE {exc.sqlstate}"]
        constraint = getattr(exc, "constraint_name", None)
        if constraint:
            parts.append(f"constraint {constraint}")
        return f"{name}: {', '.join(parts)}"
    if isinstance(exc, SourceError):
        return f"{name}: {_LONG_DIGITS.sub('…', str(exc))}"[:500]
    return name
