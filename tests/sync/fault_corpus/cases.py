"""The fault corpus: realistic faulty person records, each with the outcome the sync owes it.

A case is a person (built from a number, so every case has its own consistent personal ID,
name and dates) with the faults an agency's data really shows, written the way each kind of
source carries them:

- `drop`: a cell of the Ministry's spreadsheet template (CSV and XLSX drops): Vietnamese
  headings, names for ethnic groups, religions and categories, dates dd/mm/yyyy;
- `wire`: a field of the exchange protocol's change feed (the agency connector): standard names,
  ISO dates, national codes.

A case that one kind cannot carry (the template has no place of birth; the wire has no
spreadsheet dates) leaves that kind out. The outcome is either the values the store must hold
(`stored`) or the rules the record must be rejected with (`rejected`: at least these). Anything
else, a stored value that differs, a record stored that should have been refused or a record
absent without a reject, is a silent outcome and fails the corpus.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from adapters.encodings import to_tcvn3, to_vni

ORG = "000.00.00.H40"  # the agency whose drops and connector carry the corpus
PROVINCE_OF_BIRTH = {"001": "Hà Nội", "040": "Nghệ An", "079": "Hồ Chí Minh", "031": "Hải Phòng"}
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương")
MIDDLE = ("Văn", "Thị", "Đức", "Thu", "Hữu", "Ngọc", "Minh", "Quang")
GIVEN = ("Ánh", "Hương", "Dũng", "Thắng", "Hằng", "Phúc", "Quỳnh", "Nguyệt", "Trường", "Yến")
# ethnic groups by name, with their code in the national list
ETHNIC = (("Kinh", "01"), ("Tày", "02"), ("Thái", "03"), ("Mường", "06"), ("Nùng", "07"))


@dataclass
class Case:
    id: str
    fault: str  # the class of fault, as the issue lists them
    person: dict[str, Any]  # the clean record, standard names and standard values
    drop: dict[str, Any] | None = field(default_factory=dict)  # cell overrides; None: not carried
    wire: dict[str, Any] | None = field(default_factory=dict)  # field overrides; None: not carried
    stored: Mapping[str, Any] | None = None  # the values the store must hold
    rejected: frozenset[str] = frozenset()  # the rules the record must be rejected with
    # the corrections that must be recorded with the stored record (the agency learns what was
    # repaired in its copy), by every kind of source that carries the case
    corrected: frozenset[str] = frozenset()
    # where one kind of source names the fault by another rule (its adapter reads the value)
    rejected_by: Mapping[str, frozenset[str]] = field(default_factory=dict)
    wire_declares_alt_ethnic: bool = False  # the connector's source writes ethnic_groups_alt

    def rules_for(self, carrier: str) -> frozenset[str]:
        return self.rejected_by.get(carrier, self.rejected)

    @property
    def personal_id(self) -> str:
        return str(self.person["personal_id"])


def person(number: int, *, female: bool | None = None) -> dict[str, Any]:
    """A clean civil servant, all fields consistent with each other."""
    female = number % 2 == 1 if female is None else female
    year = 1965 + number % 35
    birth = date(year, 1 + number % 12, 1 + number % 28)
    province = tuple(PROVINCE_OF_BIRTH)[number % len(PROVINCE_OF_BIRTH)]
    serial = f"{number:06d}"
    pid = f"{province}{1 if female else 0}{year % 100:02d}{serial}"
    family, middle, given = (
        FAMILY[number % len(FAMILY)],
        "Thị" if female else MIDDLE[number % len(MIDDLE)],
        GIVEN[number % len(GIVEN)],
    )
    ethnic_name, ethnic_code = ETHNIC[number % len(ETHNIC)]
    return {
        "personal_id": pid,
        "full_name": f"{family} {middle} {given}",
        "gender": "female" if female else "male",
        "birth_date": birth,
        "birth_place": f"xã Đông Sơn, {PROVINCE_OF_BIRTH[province]}",
        "ethnicity_code": ethnic_code,
        "ethnicity_name": ethnic_name,
        "religion_code": "00",
        "religion_name": "Không",
        "category": "civil_servant",
        "organization_code": ORG,
        "grade_code": "01.003",
        "salary_scale_code": "A1",
        "salary_step": 3,
        "salary_coefficient": Decimal("3.00"),
        "recruited_on": date(year + 23, 9, 1),
    }


# --- the classes of fault ---------------------------------------------------------------------


def _read_as(text: str, page: str) -> str:
    out = []
    for byte in text.encode():
        try:
            out.append(bytes([byte]).decode(page))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


INVISIBLE = ("\u200b", "\ufeff", "\u00ad", "\u200d", "\u200e", "\u2060", "\u200c")


def invisible_characters(start: int) -> Iterator[Case]:
    for i, char in enumerate(INVISIBLE * 4):
        p = person(start + i)
        words = p["full_name"].split()
        at = i % 3
        words[at] = words[at][:1] + char + words[at][1:] if i % 2 else words[at] + char
        written = " ".join(words)
        yield Case(
            f"invisible-{i}", "invisible characters kept in names", p,
            drop={"full_name": written}, wire={"full_name": written},
            stored={"full_name": p["full_name"], "name_search": _folded(p["full_name"])},
            corrected=frozenset({"invisible_removed"}),
        )  # fmt: skip


def double_decoding(start: int) -> Iterator[Case]:
    pages = ("cp1252", "cp1258", "latin-1")
    for i in range(24):
        p = person(start + i)
        page = pages[i % 3]
        written = _read_as(p["full_name"], page)
        if i % 4 == 3:
            written = _read_as(written, page)  # decoded twice over
        yield Case(
            f"double-decoding-{i}", "text decoded twice stored as is", p,
            drop={"full_name": written}, wire={"full_name": written},
            stored={"full_name": p["full_name"], "name_search": _folded(p["full_name"])},
            corrected=frozenset({"double_decoding_repaired"}),
        )  # fmt: skip
    for i in range(6):
        p = person(start + 24 + i)
        cut = _read_as(p["full_name"], pages[i % 3])[:-1] + "\u00c3"  # cut inside a letter
        yield Case(
            f"double-decoding-broken-{i}", "text decoded twice stored as is", p,
            drop={"full_name": cut}, wire={"full_name": cut},
            rejected=frozenset({"text_double_decoded"}),
        )  # fmt: skip


def legacy_encodings(start: int) -> Iterator[Case]:
    # names every letter of which TCVN3/VNI write unambiguously (capital toned letters aside)
    names = ("Nguyễn Thị Hương", "Trần Văn Bình", "Lê Thị Nguyệt", "Phạm Đức Thắng",
             "Hoàng Thị Hằng", "Bùi Văn Trường")  # fmt: skip
    for i in range(12):
        p = person(start + i, female="Thị" in names[i % 6])
        p["full_name"] = names[i % 6]
        legacy = (to_tcvn3 if i % 2 == 0 else to_vni)(names[i % 6])
        yield Case(
            f"legacy-{i}", "legacy encodings", p,
            drop={"full_name": legacy}, wire={"full_name": legacy},
            stored={"full_name": names[i % 6]},
            corrected=frozenset({"legacy_encoding_converted"}),
        )  # fmt: skip


def hidden_in_codes(start: int) -> Iterator[Case]:
    """A code-list name written with what hides it (an invisible character, an old font, text
    decoded twice): the code is certain, and the repair is recorded as for a name."""
    faults = (
        ("religion", "Phật\u200b giáo", "01", "invisible_removed"),
        ("religion", "\ufeffCông giáo", "02", "invisible_removed"),
        ("ethnicity", "Tày\u00ad", "02", "invisible_removed"),
        ("ethnicity", "Mư\u200cờng", "06", "invisible_removed"),
        ("religion", to_tcvn3("Phật giáo"), "01", "legacy_encoding_converted"),
        ("ethnicity", to_vni("Mường"), "06", "legacy_encoding_converted"),
        ("religion", _read_as("Phật giáo", "cp1252"), "01", "double_decoding_repaired"),
        ("ethnicity", _read_as("Mường", "cp1258"), "06", "double_decoding_repaired"),
    )
    for i, (kind, written, code, repair) in enumerate(faults):
        p = person(start + i)
        yield Case(
            f"hidden-in-code-{i}", "invisible characters kept in names", p,
            drop={f"{kind}_name": written}, wire={f"{kind}_code": written},
            stored={f"{kind}_code": code}, corrected=frozenset({repair}),
        )  # fmt: skip


def code_lists(start: int) -> Iterator[Case]:
    n = start
    # the two orderings: 04 is Hoa in the national list, Mường in the other
    for code, alt, national in (
        ("04", True, "06"),
        ("06", True, "04"),
        ("04", False, "04"),
        ("06", False, "06"),
        ("05", True, "05"),
        ("01", True, "01"),
    ):
        for _ in range(3):
            p = person(n)
            n += 1
            yield Case(
                f"ethnic-ordering-{n}", "a code interpreted in the wrong code list", p,
                drop=None, wire={"ethnicity_code": code}, wire_declares_alt_ethnic=alt,
                stored={"ethnicity_code": national},
            )  # fmt: skip
    # a source that writes names where codes belong
    for name, code in (
        ("Mường", "06"),
        ("Hoa", "04"),
        ("Khmer", "05"),
        ("muong", "06"),
        ("KINH", "01"),
        ("Tày", "02"),
    ):
        p = person(n)
        n += 1
        yield Case(
            f"names-for-codes-{n}", "a source that writes names where codes belong", p,
            drop={"ethnicity_name": name}, wire={"ethnicity_code": name},
            stored={"ethnicity_code": code},
        )  # fmt: skip
    # codes in no list, or names of none
    for value in ("55", "99", "Mán", "Kinh Kinh", "00"):
        p = person(n)
        n += 1
        yield Case(
            f"ethnic-unknown-{n}", "a code interpreted in the wrong code list", p,
            drop={"ethnicity_name": value}, wire={"ethnicity_code": value},
            rejected=frozenset({"code_unknown"}),
        )  # fmt: skip


def spelling_variants(start: int) -> Iterator[Case]:
    n = start
    variants = (
        ("ethnicity", "Mông", "08"), ("ethnicity", "H'mông", "08"), ("ethnicity", "Ê-đê", "12"),
        ("ethnicity", "Jrai", "10"), ("ethnicity", "Bahnar", "13"), ("ethnicity", "Khơ-me", "05"),
        ("ethnicity", "Lữ", "42"), ("ethnicity", "Vân Kiều", "23"), ("ethnicity", "Gia-rai", "10"),
        ("religion", "Đạo Phật", "01"), ("religion", "Không tôn giáo", "00"),
        ("religion", "Hòa Hảo", "05"), ("religion", "Đạo Tin Lành", "03"),
        ("religion", "Phật Giáo", "01"), ("religion", "Islam", "06"),
    )  # fmt: skip
    for kind, written, code in variants:
        p = person(n)
        n += 1
        yield Case(
            f"variant-{n}", "an official spelling variant refused", p,
            drop={f"{kind}_name": written}, wire={f"{kind}_code": written},
            stored={f"{kind}_code": code},
        )  # fmt: skip


def dropped_flags(start: int) -> Iterator[Case]:
    n = start
    faults = (
        ("salary_step", "ba", "3rd", "not_integer"),
        ("salary_step", "3,5", "3.5", "not_integer"),
        ("salary_coefficient", "n/a", "x", "not_decimal"),
        ("salary_coefficient", "3,005", "3.005", "not_decimal"),  # never rounded
        ("birth_date", "1980/13/45", "1980.13.45", "date_format"),
        ("birth_date", "31/02/1980", "1980-02-31", "date_invalid"),  # the form, but no such day
        ("birth_date", "05.03.1980", "05/03/1980", "date_format"),  # a form never declared
        ("gender", "Khác", "1", "gender_unknown"),  # "1" is male to some systems only
        ("gender", "X", "0", "gender_unknown"),
    )  # fmt: skip
    for name, cell, wire_value, rule in faults:
        for _ in range(2):
            p = person(n)
            n += 1
            # the template's adapter reads the cell (its date form, its gender words); the
            # protocol checks the wire's types before the sync sees the value
            drop_rule = {"gender_unknown": "code_unknown"}.get(rule, rule)
            wire_rule = rule
            yield Case(
                f"flag-{name}-{n}", "an adapter's flag dropped, then guessed", p,
                drop={name: cell}, wire={name: wire_value},
                rejected_by={"drop": frozenset({drop_rule}), "wire": frozenset({wire_rule})},
            )  # fmt: skip


def source_date_order(start: int) -> Iterator[Case]:
    """The template reads dd/mm/yyyy: 03/05/1980 is the 3rd of May. A source that declares
    month-first is exercised in test_fault_corpus (its own drop folder)."""
    n = start
    for day, month in ((3, 5), (5, 3), (12, 1), (1, 12), (10, 11), (11, 10)):
        p = person(n)
        n += 1
        birth = date(p["birth_date"].year, month, day)
        p["birth_date"] = birth
        written = f"{day:02d}/{month:02d}/{birth.year}"
        # the template declares day first: stored as that day
        yield Case(
            f"day-month-drop-{n}", "dates read day-first for everyone", p,
            drop={"birth_date": written}, wire=None, stored={"birth_date": birth},
        )  # fmt: skip
        p = person(n + 1000)
        # the connector declares nothing: ISO only, the same text is refused, never guessed
        yield Case(
            f"day-month-wire-{n}", "dates read day-first for everyone", p,
            drop=None, wire={"birth_date": written}, rejected=frozenset({"date_format"}),
        )  # fmt: skip


def grades_and_pay(start: int) -> Iterator[Case]:
    n = start
    faults = (
        ({"grade_code": "01.002"}, "grade_scale_mismatch"),  # chuyên viên chính paid on A1
        ({"grade_code": "01.001"}, "grade_scale_mismatch"),
        ({"grade_code": "04.023"}, "grade_scale_mismatch"),
        ({"grade_code": "01.004"}, "grade_scale_mismatch"),
        ({"salary_coefficient": "3,33"}, "salary_coefficient_mismatch"),
        ({"salary_coefficient": "2,34"}, "salary_coefficient_mismatch"),
        ({"salary_step": "10"}, "salary_step_out_of_scale"),
        ({"salary_step": "0"}, "salary_step_out_of_scale"),
        ({"salary_scale_code": "A9"}, "code_unknown"),  # not a scale of salary_scales
        ({"grade_code": "V.07.01.03"}, "grade_category_mismatch"),
    )
    for changes, rule in faults:
        for _ in range(2):
            p = person(n)
            n += 1
            wire = {k: (v.replace(",", ".") if k == "salary_coefficient" else v)
                    for k, v in changes.items()}  # fmt: skip
            if "salary_step" in wire:
                wire = {"salary_step": int(wire["salary_step"])}
            yield Case(
                f"pay-{rule}-{n}", "a grade paid on another grade's scale", p,
                drop=dict(changes), wire=wire, rejected=frozenset({rule}),
            )  # fmt: skip
    for coefficient in ("3,00", "3.00", "3"):
        p = person(n)
        n += 1
        yield Case(
            f"pay-right-{n}", "a grade paid on another grade's scale", p,
            drop={"salary_coefficient": coefficient}, wire=None,
            stored={"salary_coefficient": Decimal("3.00")},
        )  # fmt: skip


def cross_field(start: int) -> Iterator[Case]:
    n = start
    for _ in range(4):
        p = person(n)
        n += 1
        flipped = p["personal_id"][:3] + str(1 - int(p["personal_id"][3])) + p["personal_id"][4:]
        yield Case(
            f"id-gender-{n}",
            "cross-field",
            p,
            drop={"personal_id": flipped},
            wire={"personal_id": flipped},
            rejected=frozenset({"personal_id_gender"}),
        )
        p = person(n)
        n += 1
        year = f"{(int(p['personal_id'][4:6]) + 1) % 100:02d}"
        other = p["personal_id"][:4] + year + p["personal_id"][6:]
        yield Case(
            f"id-year-{n}",
            "cross-field",
            p,
            drop={"personal_id": other},
            wire={"personal_id": other},
            rejected=frozenset({"personal_id_birth_year"}),
        )
        p = person(n)
        n += 1
        century = p["personal_id"][:3] + str(int(p["personal_id"][3]) + 2) + p["personal_id"][4:]
        yield Case(
            f"id-century-{n}",
            "cross-field",
            p,
            drop={"personal_id": century},
            wire={"personal_id": century},
            rejected=frozenset({"personal_id_century"}),
        )
        p = person(n)
        n += 1
        # the template has no place of birth; only the connector carries it
        elsewhere = "xã Kỳ Anh, tỉnh Hà Tĩnh"
        yield Case(
            f"id-province-{n}",
            "cross-field",
            p,
            drop=None,
            wire={"birth_place": elsewhere},
            rejected=frozenset({"personal_id_birth_province"}),
        )
        p = person(n)
        n += 1
        before = p["birth_date"].replace(year=p["birth_date"].year - 1)
        yield Case(
            f"date-order-{n}",
            "source date order",
            p,
            drop={"recruited_on": before.strftime("%d/%m/%Y")},
            wire={"recruited_on": before.isoformat()},
            rejected=frozenset({"date_before_birth"}),
        )
        p = person(n)
        n += 1
        young = p["birth_date"].replace(year=p["birth_date"].year + 16)
        yield Case(
            f"age-{n}",
            "cross-field",
            p,
            drop={"recruited_on": young.strftime("%d/%m/%Y")},
            wire={"recruited_on": young.isoformat()},
            rejected=frozenset({"recruited_before_working_age"}),
        )
        p = person(n)
        n += 1
        yield Case(
            f"future-{n}",
            "cross-field",
            p,
            drop={"recruited_on": "01/01/2031"},
            wire={"recruited_on": "2031-01-01"},
            rejected=frozenset({"date_in_future"}),
        )
    for name in ("full_name", "gender", "birth_date", "ethnicity", "organization_code"):
        for _ in range(2):
            p = person(n)
            n += 1
            wire_name = "ethnicity_code" if name == "ethnicity" else name
            drop_name = "ethnicity_name" if name == "ethnicity" else name
            yield Case(
                f"mandatory-{name}-{n}",
                "mandatory fields missing",
                p,
                drop={drop_name: ""},
                wire={wire_name: None},
                rejected=frozenset({"mandatory"}),
            )


def _folded(name: str) -> str:
    from store.text import name_search_key

    return name_search_key(name)


def corpus() -> list[Case]:
    cases: list[Case] = []
    for start, family in enumerate(
        (invisible_characters, double_decoding, legacy_encodings, code_lists, spelling_variants,
         dropped_flags, source_date_order, grades_and_pay, cross_field)
    ):  # fmt: skip
        cases += family(100_000 * (start + 1))
    cases += hidden_in_codes(950_000)  # after the cross-field family's people
    return cases
