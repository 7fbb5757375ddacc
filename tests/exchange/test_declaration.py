"""Self-declaration, pure: what a person may declare, the due date, and the signed messages."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from exchange.declaration import (
    Change,
    DeclarationRefused,
    DeclaredChange,
    Outcome,
    Status,
    check_change,
    declaration_payload,
    due_on,
    open_declaration,
    seal_declaration,
    sign_export,
    sign_outcome,
    sign_receipt,
    status_on,
    verify_export,
    verify_outcome,
    verify_receipt,
)
from exchange.envelope import EnvelopeError, digest
from exchange.keys import MOHA_ID, PartyKeys, TrustedKeys

TODAY = date(2026, 12, 2)
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
AGENCY = "VN:GOV:000.00.00.G18:HRM"


def test_a_change_of_residence_is_declarable_and_comes_out_clean() -> None:
    change = check_change(
        DeclaredChange(field="current_address", value="  Số 5 Tràng Tiền, Hoàn Kiếm, Hà Nội "),
        TODAY,
    )
    assert change == Change("field", "current_address", "Số 5 Tràng Tiền, Hoàn Kiếm, Hà Nội")


def test_a_new_child_is_an_entry_typed_by_the_catalogue() -> None:
    change = check_change(
        DeclaredChange(
            list="dossier_family_member",
            entry={"relation": "child", "full_name": "Nguyễn Minh An", "birth_year": "2024"},
            note="Giấy khai sinh đã nộp",
        ),
        TODAY,
    )
    assert change.kind == "entry"
    assert change.entry["birth_year"] == 2024
    assert change.entry["occupation"] is None
    assert change.note == "Giấy khai sinh đã nộp"


def test_a_course_with_its_dates_in_order_is_declarable() -> None:
    change = check_change(
        DeclaredChange(
            list="dossier_training_course",
            entry={"kind": "state_management", "institution": "Học viện Hành chính Quốc gia",
                   "start_on": "2025-03-01", "end_on": "2025-06-30"},
        ),
        TODAY,
    )  # fmt: skip
    assert (change.entry["start_on"], change.entry["end_on"]) == ("2025-03-01", "2025-06-30")


@pytest.mark.parametrize(
    ("asked", "argument", "words"),
    [
        (DeclaredChange(field="grade_code", value="01.003"), "field", "not declarable"),
        (DeclaredChange(field="personal_id", value="001090012345"), "field", "not declarable"),
        (DeclaredChange(list="dossier_discipline", entry={"kind": "x"}), "list", "not declarable"),
        (DeclaredChange(field="current_address", value="x" * 501), "value", "at most 500"),
        (DeclaredChange(field="current_address", value="a\u202eb"), "value", "invisible"),
        (DeclaredChange(field="current_address"), "value", "needs a value"),
        (DeclaredChange(), "field", "either"),
        (DeclaredChange(field="home_town", value="x", list="dossier_reward"), "field", "either"),
        (
            DeclaredChange(list="dossier_family_member",
                           entry={"relation": "cousin", "full_name": "A", "birth_year": "2000"}),
            "entry", "unknown code",
        ),
        (
            DeclaredChange(list="dossier_family_member",
                           entry={"relation": "child", "full_name": "A", "birth_year": "2031"}),
            "entry", "impossible year",
        ),
        (
            DeclaredChange(list="dossier_family_member",
                           entry={"relation": "child", "birth_year": "2020"}),
            "entry", "mandatory",
        ),
        (
            DeclaredChange(list="dossier_family_member",
                           entry={"relation": "child", "full_name": "A", "shoe_size": "40"}),
            "entry", "no column",
        ),
        (
            DeclaredChange(list="dossier_training_course",
                           entry={"kind": "degree", "institution": "X", "start_on": "2025-02-30"}),
            "entry", "yyyy-mm-dd",
        ),
        (
            DeclaredChange(list="dossier_training_course",
                           entry={"kind": "degree", "institution": "X", "start_on": "2025-05-01",
                                  "end_on": "2025-01-01"}),
            "entry", "before",
        ),
        (
            DeclaredChange(list="dossier_military_service",
                           entry={"enlisted_on": "2027-01-01", "highest_rank": "Thượng úy"}),
            "entry", "impossible date",
        ),
        (DeclaredChange(field="home_town", value="Huế", note="n" * 1001), "note", "at most 1000"),
    ],
)  # fmt: skip
def test_what_cannot_be_declared_is_refused_naming_the_argument_never_the_value(
    asked: DeclaredChange, argument: str, words: str
) -> None:
    with pytest.raises(DeclarationRefused) as refused:
        check_change(asked, TODAY)
    assert refused.value.argument.split(".")[0] == argument
    assert words in str(refused.value)
    assert "001090012345" not in str(refused.value)


def test_the_due_date_is_three_working_days_later_weekends_and_tet_skipped() -> None:
    # Wednesday 2 December 2026 (Vietnam): Thursday, Friday, Monday
    assert due_on(NOW) == date(2026, 12, 7)
    # sent the Friday before Tết 2027 (6-10 February off): due after the holiday
    assert due_on(datetime(2027, 2, 5, 3, tzinfo=UTC)) > date(2027, 2, 12)
    assert status_on("sent", date(2026, 12, 7), date(2026, 12, 7)) is Status.SENT
    assert status_on("received", date(2026, 12, 7), date(2026, 12, 8)) is Status.OVERDUE
    assert status_on("approved", date(2026, 12, 7), date(2026, 12, 30)) is Status.APPROVED


@pytest.fixture(scope="module")
def parties() -> tuple[PartyKeys, PartyKeys]:
    moha = PartyKeys.generate(MOHA_ID, NOW, encryption=True)
    agency = PartyKeys.generate(AGENCY, NOW, encryption=True)
    return moha, agency


def test_a_declaration_only_the_agency_opens_and_a_receipt_and_outcome_moha_verifies(
    parties: tuple[PartyKeys, PartyKeys],
) -> None:
    moha, agency = parties
    change = check_change(DeclaredChange(field="home_town", value="Huế"), TODAY)
    payload = declaration_payload("d-1", AGENCY, "NV-0000007", "001090012345", change, NOW)
    now = NOW.timestamp()
    token = seal_declaration(payload, moha, TrustedKeys.of(agency, NOW), now)
    assert "Huế" not in token  # encrypted
    assert "001090012345" not in token
    opened = open_declaration(token, agency, TrustedKeys.of(moha, NOW), now)
    assert opened.payload["change"] == {"kind": "field", "field": "home_town", "value": "Huế"}
    assert opened.payload["due_on"] == "2026-12-07"

    stranger = PartyKeys.generate("VN:GOV:000.00.00.G20:HRM", NOW, encryption=True)
    with pytest.raises(EnvelopeError):
        open_declaration(token, stranger, TrustedKeys.of(moha, NOW), now)
    forged = seal_declaration(payload, stranger, TrustedKeys.of(agency, NOW), now)
    with pytest.raises(EnvelopeError) as refused:
        open_declaration(forged, agency, TrustedKeys.of(moha, NOW), now)
    assert refused.value.reason in {"unknown_kid", "wrong_issuer"}

    receipt = sign_receipt(agency, "d-1", opened.digest, now)
    trusted = TrustedKeys.of(agency, NOW)
    assert verify_receipt(receipt, trusted, "d-1", digest(token)).declaration_id == "d-1"
    with pytest.raises(EnvelopeError):
        verify_receipt(receipt, trusted, "d-2", digest(token))

    rejected = Outcome("d-1", Status.REJECTED, NOW, reason="Thiếu giấy tờ chứng minh")
    outcome = verify_outcome(sign_outcome(agency, rejected, now), trusted)
    assert (outcome.status, outcome.reason) == (Status.REJECTED, "Thiếu giấy tờ chứng minh")
    with pytest.raises(ValueError, match="reason"):
        sign_outcome(agency, Outcome("d-1", Status.REJECTED, NOW), now)
    with pytest.raises(EnvelopeError):
        verify_outcome(sign_outcome(stranger, rejected, now), trusted)


def test_an_export_is_signed_by_moha_for_one_agency(parties: tuple[PartyKeys, PartyKeys]) -> None:
    moha, _ = parties
    change = check_change(DeclaredChange(field="home_town", value="Huế"), TODAY)
    declaration = declaration_payload("d-1", AGENCY, "NV-1", "001090012345", change, NOW)
    token = sign_export(moha, AGENCY, [declaration["declaration"]], NOW.timestamp())
    listed = verify_export(token, TrustedKeys.of(moha, NOW), AGENCY)
    assert [d["id"] for d in listed] == ["d-1"]
    with pytest.raises(EnvelopeError):
        verify_export(token, TrustedKeys.of(moha, NOW), "VN:GOV:000.00.00.G20:HRM")
