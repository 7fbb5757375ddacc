"""The exchange protocol's payloads: what a connector writes, a client reads back the same."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import orjson
import pytest

from exchange import protocol
from exchange.payload import PayloadError
from vocabulary.sources import DetailPart, OrganizationRecord

PERSON = {
    "personal_id": "001090012345",
    "full_name": "Nguyễn Thị Thủy",
    "birth_date": date(1990, 3, 15),
    "salary_step": 3,
    "salary_coefficient": Decimal("3.00"),
    "organization_code": "000.00.01.G09",
    "name_search": "nguyen thi thuy",  # not a protocol field: never sent
}


def wire(payload: object) -> Any:
    """A payload as the other end receives it: written by the protocol, parsed as JSON."""
    return orjson.loads(protocol.dumps(payload))


def changes(sent: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    payload = protocol.changes_payload("VN:GOV:000.00.00.G09:HRM", sent, "YzE6MQ", False)
    return dict(wire({**payload, **overrides}))


def test_a_record_round_trips_with_dates_as_iso_text_and_coefficients_as_decimals() -> None:
    fields = protocol.person_fields(PERSON)
    payload = changes([protocol.change_record("NV-0000001", "1", False, fields)])
    page = protocol.parse_changes(payload, 100)
    record = page.records[0]
    assert record.fields == {
        "personal_id": "001090012345",
        "full_name": "Nguyễn Thị Thủy",
        "birth_date": "1990-03-15",
        "salary_step": 3,
        "salary_coefficient": Decimal("3.00"),
        "organization_code": "000.00.01.G09",
    }
    assert (record.source_record_id, record.version, record.problems) == ("NV-0000001", "1", ())
    assert (page.next_cursor, page.has_more) == ("YzE6MQ", False)


def test_the_change_time_travels_with_its_offset_and_a_1_0_record_without_it_still_reads() -> None:
    fields = protocol.person_fields(PERSON)
    stamped = datetime(2026, 2, 13, 16, 30, tzinfo=timezone(timedelta(hours=7)))
    sent = [
        protocol.change_record("NV-1", "1", False, fields, stamped),
        protocol.change_record("NV-2", "1", False, fields),  # a 1.0 connector keeps no stamp
    ]
    assert "changed_at" not in sent[1]
    first, second = protocol.parse_changes(changes(sent, version="1.0"), 100).records
    assert first.changed_at == stamped
    assert first.changed_at.utcoffset() == timedelta(hours=7)
    assert second.changed_at is None
    assert (first.problems, second.problems) == ((), ())


def test_a_change_time_without_a_zone_cannot_be_sent() -> None:
    with pytest.raises(ValueError, match="time zone"):
        protocol.change_record("NV-1", "1", False, {}, datetime(2026, 2, 13, 16, 30))


@pytest.mark.parametrize("stamp", ["2026-02-13 16:30", "13/02/2026 16:30", "yesterday", 1771000000])
def test_a_change_time_off_protocol_fails_the_page_naming_where(stamp: object) -> None:
    record = {**protocol.change_record("NV-1", "1", False, protocol.person_fields(PERSON))}
    record["changed_at"] = stamp
    with pytest.raises(PayloadError, match=r"\$\.records\[0\]\.changed_at"):
        protocol.parse_changes(changes([record]), 100)


def test_a_deletion_carries_no_person_data() -> None:
    record = protocol.change_record("NV-0000001", "2", True, protocol.person_fields(PERSON))
    assert record["fields"] == {}
    parsed = protocol.parse_changes(changes([record]), 100).records[0]
    assert parsed.deleted
    assert parsed.problems == ()


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"birth_date": "15/03/1990"}, ("birth_date", "date_format")),
        ({"salary_step": "three"}, ("salary_step", "not_integer")),
        ({"salary_coefficient": "3,00"}, ("salary_coefficient", "not_decimal")),
        ({"personal_id": "12345"}, ("personal_id", "personal_id_format")),
        ({"full_name": ""}, ("full_name", "mandatory")),
    ],
)
def test_a_field_that_does_not_fit_stays_as_sent_and_names_its_problem(
    fields: dict[str, Any], problem: tuple[str, str]
) -> None:
    sent = {**protocol.person_fields(PERSON), **fields}
    record = protocol.parse_changes(
        changes([protocol.change_record("NV-1", "1", False, sent)]), 100
    ).records[0]
    assert problem in [(p.field, p.rule) for p in record.problems], record.problems
    assert all(p.expected for p in record.problems)
    name = next(iter(fields))
    assert record.fields[name] == fields[name]


def test_fields_a_later_minor_version_adds_are_ignored() -> None:
    sent = {**protocol.person_fields(PERSON), "blood_type": "O"}
    payload = changes([protocol.change_record("NV-1", "1", False, sent)], version="1.4")
    assert "blood_type" not in protocol.parse_changes(payload, 100).records[0].fields


@pytest.mark.parametrize(
    "overrides",
    [
        {"protocol": "other"},
        {"version": "3.0"},
        {"version": "0.9"},
        {"version": "one"},
        {"records": {}},
        {"has_more": "yes"},
        {"has_more": True, "next_cursor": None},
        {"records": [{"source_record_id": "", "version": "1", "deleted": False, "fields": {}}]},
        {"records": [{"source_record_id": "NV-1", "version": 1, "deleted": False, "fields": {}}]},
        {"records": [{"source_record_id": "NV-1", "version": "1", "deleted": False}]},
    ],
)
def test_a_changes_payload_off_protocol_is_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(PayloadError):
        protocol.parse_changes(changes([], **overrides), 100)


FAMILY = [
    {"relation": "child", "full_name": "Nguyễn Minh An", "birth_year": 2019,
     "occupation": "Học sinh", "workplace": None, "residence": "Hà Nội"},
]  # fmt: skip
COURSE = {
    "kind": "degree", "institution": "Học viện Hành chính Quốc gia",
    "field_of_study": "Quản lý công", "qualification": "Thạc sĩ",
    "start_on": date(2015, 9, 1), "end_on": date(2017, 6, 30),
}  # fmt: skip


def test_a_version_2_record_carries_the_dossier_lists_typed_by_the_catalogue() -> None:
    fields = protocol.person_fields(PERSON)
    sections = {"dossier_family_member": FAMILY, "dossier_training_course": [COURSE],
                "dossier_reward": [], "dossier_made_up": [{"x": 1}]}  # fmt: skip
    record = protocol.parse_changes(
        changes([protocol.change_record("NV-1", "2", False, fields, sections=sections)]), 100
    ).records[0]
    assert record.problems == ()
    assert record.sections is not None
    assert set(record.sections) == {
        "dossier_family_member", "dossier_training_course", "dossier_reward",
    }  # fmt: skip
    assert record.sections["dossier_family_member"] == tuple(FAMILY)
    course = record.sections["dossier_training_course"][0]
    assert course["start_on"] == "2015-09-01"  # dates as ISO text, as person fields
    assert course["institution"] == "Học viện Hành chính Quốc gia"
    assert record.sections["dossier_reward"] == ()  # carried empty: the list empties


def test_a_version_1_record_carries_no_lists_even_if_a_connector_sent_some() -> None:
    fields = protocol.person_fields(PERSON)
    sent = protocol.change_record(
        "NV-1", "2", False, fields, sections={"dossier_family_member": FAMILY}
    )
    v1 = protocol.at_version(protocol.changes_payload("VN:GOV:x:HRM", [sent], None, False), "1.0")
    assert v1["version"] == "1.0"
    assert "sections" not in v1["records"][0]
    record = protocol.parse_changes(wire({**wire(v1), "records": [wire(sent)]}), 100).records[0]
    assert record.sections is None  # a version 1 payload: the store keeps what it holds
    assert record.fields["full_name"] == "Nguyễn Thị Thủy"


def test_a_list_value_that_does_not_fit_stays_as_sent_and_names_its_problem() -> None:
    child = {**FAMILY[0], "birth_year": "two thousand"}
    sent = protocol.change_record(
        "NV-1",
        "2",
        False,
        protocol.person_fields(PERSON),
        sections={"dossier_family_member": [child]},
    )
    record = protocol.parse_changes(changes([sent]), 100).records[0]
    assert record.sections is not None
    assert record.sections["dossier_family_member"][0]["birth_year"] == "two thousand"
    (problem,) = record.problems
    assert (problem.field, problem.rule) == ("dossier_family_member.birth_year", "not_integer")


def _with_lists(sections: Any) -> dict[str, Any]:
    return changes(
        [protocol.change_record("NV-1", "2", False, protocol.person_fields(PERSON),
                                sections=sections)]
    )  # fmt: skip


@pytest.mark.parametrize(
    "sections",
    [
        {"dossier_family_member": FAMILY, "dossier_training_course": [COURSE],
         "dossier_reward": [], "dossier_made_up": [{"x": 1}]},
        {"dossier_family_member": [{**FAMILY[0], "birth_year": "two thousand"}]},
    ],
    ids=["clean", "a value that does not fit"],
)  # fmt: skip
def test_lists_handed_on_unread_type_as_the_lists_typed_at_once(sections: Any) -> None:
    eager = protocol.parse_changes(_with_lists(sections), 100).records[0]
    deferred = protocol.parse_changes(_with_lists(sections), 100, defer_sections=True).records[0]
    assert deferred.sections is None
    assert deferred.sent_sections is not None
    assert deferred.carries_lists
    typed, problems = deferred.typed_sections()
    assert (typed, deferred.problems + problems) == (eager.sections, eager.problems)


def test_the_fingerprint_of_lists_sent_unread_changes_with_any_value() -> None:
    def fingerprint(sections: Any) -> str:
        record = protocol.parse_changes(_with_lists(sections), 100, defer_sections=True)
        sent = record.records[0].sent_sections
        assert sent is not None
        return sent.fingerprint

    same = fingerprint({"dossier_family_member": FAMILY})
    assert fingerprint({"dossier_family_member": FAMILY}) == same
    older = [{**FAMILY[0], "birth_year": 2018}]
    assert fingerprint({"dossier_family_member": older}) != same
    assert fingerprint({"dossier_family_member": FAMILY, "dossier_reward": []}) != same


@pytest.mark.parametrize(
    ("sections", "path"),
    [
        ([], "sections: expected an object"),
        ({"dossier_reward": {}}, "sections.dossier_reward: expected an array"),
        ({"dossier_reward": [1]}, r"sections.dossier_reward\[0\]: expected an object"),
        ({"dossier_reward": [{}] * 501}, "at most 500 items"),
    ],
)
def test_lists_of_the_wrong_shape_fail_the_page_unread_or_not(sections: Any, path: str) -> None:
    payload = _with_lists({})
    payload["records"][0]["sections"] = sections  # what a faulty connector sends
    for defer in (False, True):
        with pytest.raises(PayloadError, match=path):
            protocol.parse_changes(payload, 100, defer_sections=defer)


def test_a_page_longer_than_asked_for_is_refused() -> None:
    record = protocol.change_record("NV-1", "1", False, protocol.person_fields(PERSON))
    with pytest.raises(PayloadError, match="at most 1 items"):
        protocol.parse_changes(changes([record, record]), 1)


def details(parts: dict[str, Any], personal_id: str = "001090012345") -> dict[str, Any]:
    return protocol.details_payload([(personal_id, parts)])


def test_details_come_back_typed_and_cut_to_the_parts_asked() -> None:
    sent = {
        "salary_history": [
            {"start": "2020-01-01", "grade_code": "01.003", "step": 2, "coefficient": "2.67"}
        ],
        "family": [{"relation": "father", "full_name": "Nguyễn Văn An", "birth_year": 1960}],
    }
    found = protocol.parse_details(
        details(sent), ["001090012345"], frozenset({DetailPart.SALARY_HISTORY})
    )
    parts = found["001090012345"].parts
    assert list(parts) == [DetailPart.SALARY_HISTORY]
    assert parts[DetailPart.SALARY_HISTORY][0] == {
        "start": "2020-01-01",
        "grade_code": "01.003",
        "step": 2,
        "coefficient": Decimal("2.67"),
    }


def test_details_for_someone_not_asked_about_are_refused() -> None:
    with pytest.raises(PayloadError, match="one of the personal IDs asked about"):
        protocol.parse_details(details({}), ["079190000001"], frozenset(DetailPart))


@pytest.mark.parametrize(
    "entry",
    [{"start": "01/01/2020"}, {"step": "2"}, {"note": {"nested": True}}, {"note": [1]}],
)
def test_a_detail_entry_of_the_wrong_shape_is_refused(entry: dict[str, Any]) -> None:
    with pytest.raises(PayloadError):
        protocol.parse_details(
            details({"salary_history": [entry]}), ["001090012345"], frozenset(DetailPart)
        )


def test_a_detail_request_round_trips_without_repeats() -> None:
    sent = protocol.detail_request(["001090012345", "001090012345"], [DetailPart.FAMILY])
    asked = protocol.parse_detail_request(sent)
    assert asked.personal_ids == ("001090012345",)
    assert asked.parts == frozenset({DetailPart.FAMILY})


@pytest.mark.parametrize(
    "overrides",
    [{"personal_ids": ["1234"]}, {"parts": ["salary"]}, {"personal_ids": "001090012345"}],
)
def test_a_detail_request_off_protocol_is_refused(overrides: dict[str, Any]) -> None:
    sent = {**protocol.detail_request(["001090012345"], [DetailPart.FAMILY]), **overrides}
    with pytest.raises(PayloadError):
        protocol.parse_detail_request(sent)


def test_organizations_round_trip() -> None:
    merged = OrganizationRecord(
        "000.00.00.H34", "Ủy ban nhân dân tỉnh Kon Tum", "province", "000.00.00.A00",
        "merged", date(2025, 7, 1), "000.00.00.H09",
    )  # fmt: skip
    assert protocol.parse_organizations(protocol.organizations_payload([merged])) == (merged,)


def test_health_and_errors_round_trip() -> None:
    health = protocol.health_payload("VN:GOV:000.00.00.G09:HRM", 12, datetime.now(UTC))
    assert protocol.parse_health(health).records == 12
    error = protocol.parse_error(protocol.error_payload("BAD_CURSOR", "never issued"))
    assert error == protocol.ErrorReport("BAD_CURSOR", "never issued")
    assert protocol.parse_error({"error": "plain"}) is None


def test_the_wire_carries_decimals_exactly_and_dates_as_iso_text() -> None:
    written = protocol.dumps({"c": Decimal("4.98"), "d": date(2026, 7, 1)})
    assert written == b'{"c":"4.98","d":"2026-07-01"}'


def test_the_wire_refuses_values_the_protocol_has_no_form_for() -> None:
    with pytest.raises(TypeError):
        protocol.dumps({"x": {1, 2}})
