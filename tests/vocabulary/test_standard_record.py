"""The standard record is declared once, and every list of person fields agrees with it."""

from __future__ import annotations

from adapters.mappings.spec import PERSON_FIELDS as MAPPING_TARGETS
from exchange.protocol import PERSON_FIELDS as WIRE_FIELDS
from sandbox.services.truth import PERSON_QUERY
from store.codelists import CODE_LISTS
from store.models import Person
from sync.normalise import CODED_FIELDS, DATE_FIELDS
from sync.validate import CLOSED_SETS, MANDATORY
from vocabulary.standard_record import FieldType, standard_record

RECORD = standard_record()
# what the store records itself about a person, and what it derives from the record
STORE_OWN = {"id", "synced_at", "name_search", "name_sort", "organization_id"}
PROVENANCE = {"source_id", "source_record_id", "source_version", "content_hash"}


def test_the_standard_fields_are_the_store_columns() -> None:
    columns = {column.name for column in Person.__table__.columns}
    fields = set(RECORD.names) - {"organization_code"}  # the store keeps the organisation's id
    assert fields == columns - STORE_OWN - PROVENANCE


def test_types_agree_with_the_store() -> None:
    columns = {column.name: column for column in Person.__table__.columns}
    for name in DATE_FIELDS:
        assert columns[name].type.python_type.__name__ == "date", name
    for name in RECORD.of_type(FieldType.INTEGER):
        assert columns[name].type.python_type is int, name
    for name, code_list in CODED_FIELDS.items():
        assert code_list in CODE_LISTS, name


def test_every_copy_of_the_field_list_derives_from_it() -> None:
    assert set(WIRE_FIELDS) == set(RECORD.names)
    assert set(MAPPING_TARGETS) == set(RECORD.names)
    for name in RECORD.names:
        if name != "organization_code":
            assert f"p.{name}" in PERSON_QUERY, name


def test_mandatory_and_choice_fields() -> None:
    assert "personal_id" in RECORD.mandatory
    assert "birth_date" in RECORD.mandatory
    assert set(MANDATORY) == (set(RECORD.mandatory) - {"organization_code"}) | {"organization_id"}
    assert set(RECORD.of_type(FieldType.CHOICE)) == set(CLOSED_SETS)
    assert {f.group for f in RECORD.fields} <= set(range(1, 11))
