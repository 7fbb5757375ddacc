"""The code-list files agree with the data standard, and the loader refuses malformed files."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from store.codelists import (
    CODE_LISTS,
    DEFAULT_DIRECTORY,
    CodeList,
    CodeListError,
    load_code_list,
    salary_steps,
)

NAMES_FILE = Path(__file__).resolve().parents[2] / "sandbox" / "data" / "names.yaml"

# the 54 groups in the order STANDARD.md lists them (the GSO ordering)
STANDARD_ETHNIC_GROUPS = [
    "Kinh", "Tày", "Thái", "Hoa", "Khmer", "Mường", "Nùng", "H'Mông", "Dao", "Gia Rai", "Ngái",
    "Ê Đê", "Ba Na", "Xơ Đăng", "Sán Chay", "Cơ Ho", "Chăm", "Sán Dìu", "Hrê", "Mnông", "Ra Glai",
    "Xtiêng", "Bru-Vân Kiều", "Thổ", "Giáy", "Cơ Tu", "Giẻ Triêng", "Mạ", "Khơ Mú", "Co", "Tà Ôi",
    "Chơ Ro", "Kháng", "Xinh Mun", "Hà Nhì", "Chu Ru", "Lào", "La Chí", "La Ha", "Phù Lá", "La Hủ",
    "Lự", "Lô Lô", "Chứt", "Mảng", "Pà Thẻn", "Cờ Lao", "Cống", "Bố Y", "Si La", "Pu Péo", "Brâu",
    "Ơ Đu", "Rơ Măm",
]  # fmt: skip

STANDARD_PROVINCES = {
    "01": "Hà Nội", "04": "Cao Bằng", "08": "Tuyên Quang", "11": "Điện Biên", "12": "Lai Châu",
    "14": "Sơn La", "15": "Lào Cai", "19": "Thái Nguyên", "20": "Lạng Sơn", "22": "Quảng Ninh",
    "24": "Bắc Ninh", "25": "Phú Thọ", "31": "Hải Phòng", "33": "Hưng Yên", "37": "Ninh Bình",
    "38": "Thanh Hóa", "40": "Nghệ An", "42": "Hà Tĩnh", "44": "Quảng Trị", "46": "Huế",
    "48": "Đà Nẵng", "51": "Quảng Ngãi", "52": "Gia Lai", "56": "Khánh Hòa", "66": "Đắk Lắk",
    "68": "Lâm Đồng", "75": "Đồng Nai", "79": "Hồ Chí Minh", "80": "Tây Ninh", "82": "Đồng Tháp",
    "86": "Vĩnh Long", "91": "An Giang", "92": "Cần Thơ", "96": "Cà Mau",
}  # fmt: skip


def by_code(name: str) -> dict[str, dict[str, Any]]:
    return {code: dict(entry) for code, entry in load_code_list(name).by_code.items()}


def test_every_list_loads_with_a_version_and_a_source() -> None:
    for name in CODE_LISTS:
        code_list = load_code_list(name)
        assert isinstance(code_list, CodeList)
        assert code_list.name == name
        assert re.fullmatch(r"\d{4}\.\d+", code_list.version), (name, code_list.version)
        assert code_list.source.strip(), name
        assert code_list.entries, name
    assert sorted(p.stem for p in DEFAULT_DIRECTORY.glob("*.yaml")) == sorted(CODE_LISTS)


def test_there_are_54_ethnic_groups_in_the_standard_order_with_unique_names() -> None:
    groups = load_code_list("ethnic_groups")
    assert groups.codes == tuple(f"{n:02d}" for n in range(1, 55))
    names = [entry["name"] for entry in groups.entries]
    assert names == STANDARD_ETHNIC_GROUPS
    assert len(set(names)) == 54
    assert (groups.by_code["01"]["name"], groups.by_code["54"]["name"]) == ("Kinh", "Rơ Măm")


def test_the_two_ethnic_orderings_differ_only_where_the_standard_says_and_agree_by_name() -> None:
    reference, alternative = by_code("ethnic_groups"), by_code("ethnic_groups_alt")
    assert [reference[c]["name"] for c in ("04", "05", "06")] == ["Hoa", "Khmer", "Mường"]
    assert [alternative[c]["name"] for c in ("04", "05", "06")] == ["Mường", "Khmer", "Hoa"]
    differing = {c for c in reference if reference[c]["name"] != alternative[c]["name"]}
    assert differing == {"04", "06"}
    # what an adapter does: translate the other ordering's code to ours through the name
    code_of = {entry["name"]: code for code, entry in reference.items()}
    assert {code_of[alternative["04"]["name"]], code_of[alternative["06"]["name"]]} == {"06", "04"}
    assert sorted(code_of[e["name"]] for e in alternative.values()) == sorted(reference)


def test_religions_are_none_plus_the_16_recognised_ones() -> None:
    religions = by_code("religions")
    assert religions["00"]["name"] == "Không"
    assert sorted(religions) == [f"{n:02d}" for n in range(17)]
    names = [entry["name"] for entry in religions.values()]
    assert len(set(names)) == 17
    assert {"Phật giáo", "Công giáo", "Tin Lành", "Cao Đài", "Phật giáo Hòa Hảo"} <= set(names)


def test_the_34_provinces_have_the_codes_of_the_standard() -> None:
    provinces = by_code("provinces")
    assert {code: entry["name"] for code, entry in provinces.items()} == STANDARD_PROVINCES
    cities = {code for code, entry in provinces.items() if entry["kind"] == "thành phố"}
    assert cities == {"01", "31", "46", "48", "79", "92"}
    assert {entry["kind"] for entry in provinces.values()} == {"tỉnh", "thành phố"}


def test_old_provinces_are_the_63_with_3_digit_id_codes_each_merged_into_a_new_one() -> None:
    old, new = by_code("old_provinces"), by_code("provinces")
    assert len(old) == 63
    assert all(re.fullmatch(r"0\d\d", code) for code in old)
    assert (old["001"]["name"], old["002"]["name"], old["004"]["name"]) == (
        "Hà Nội",
        "Hà Giang",
        "Cao Bằng",
    )
    assert old["096"]["name"] == "Cà Mau"
    assert all(entry["merged_into"] in new for entry in old.values())
    # every new province absorbed at least one old one, and kept the code of one of them
    for code in new:
        assert old["0" + code]["merged_into"] == code, code
    assert old["010"]["merged_into"] == "15"  # Lào Cai joined the province seated in Yên Bái


def test_every_grade_has_an_existing_salary_scale() -> None:
    grades, scales = by_code("grades"), by_code("salary_scales")
    assert 30 <= len(grades) <= 45
    assert all(entry["scale"] in scales for entry in grades.values())
    assert {entry["category"] for entry in grades.values()} == {"civil_servant", "public_employee"}
    expected = {"01.001": "A3.1", "01.002": "A2.1", "01.003": "A1", "01.004": "A0", "01.005": "B"}
    assert {code: grades[code]["scale"] for code in expected} == expected
    assert grades["01.001"]["name"] == "Chuyên viên cao cấp"
    assert any(code.startswith("V.07.") for code in grades)
    assert any(code.startswith("V.08.") for code in grades)


@pytest.mark.parametrize(
    ("scale", "steps", "lowest", "highest"),
    [
        ("A3.1", 6, "6.20", "8.00"),
        ("A2.1", 8, "4.40", "6.78"),
        ("A1", 9, "2.34", "4.98"),
        ("A0", 10, "2.10", "4.89"),
        ("B", 12, "1.86", "4.06"),
    ],
)
def test_salary_steps_span_the_ranges_of_the_standard(
    scale: str, steps: int, lowest: str, highest: str
) -> None:
    entry = load_code_list("salary_scales").by_code[scale]
    table = salary_steps(entry)
    assert [step for step, _ in table] == list(range(1, steps + 1))
    assert (table[0][1], table[-1][1]) == (Decimal(lowest), Decimal(highest))
    assert all(isinstance(coefficient, Decimal) for _, coefficient in table)
    gaps = {b - a for (_, a), (_, b) in itertools.pairwise(table)}
    assert gaps == {entry["increment"]}


def test_salary_coefficients_are_exact_decimals_with_two_places() -> None:
    scales = load_code_list("salary_scales").by_code
    assert isinstance(scales["A1"]["first_coefficient"], Decimal)
    assert str(salary_steps(scales["A1"])[8][1]) == "4.98"
    assert str(salary_steps(scales["A3.1"])[5][1]) == "8.00"
    assert str(salary_steps(scales["B"])[11][1]) == "4.06"


def test_salary_steps_refuses_a_scale_without_steps() -> None:
    with pytest.raises(CodeListError, match="steps"):
        salary_steps({"code": "X", "first_coefficient": "1.00", "increment": "0.10", "steps": 0})


def test_communes_are_a_sample_with_unique_5_digit_codes_in_existing_provinces() -> None:
    communes, provinces = load_code_list("communes"), by_code("provinces")
    codes = communes.codes
    assert all(re.fullmatch(r"\d{5}", code) for code in codes)
    assert len(set(codes)) == len(codes)
    assert 350 <= len(codes) <= 450
    per_province = Counter(entry["province"] for entry in communes.entries)
    assert set(per_province) == set(provinces)
    assert all(8 <= n <= 15 for n in per_province.values()), per_province
    prefix = {"xã": "Xã ", "phường": "Phường ", "đặc khu": "Đặc khu "}
    for entry in communes.entries:
        assert entry["name"].startswith(prefix[entry["kind"]]), entry
    special = {entry["name"]: entry["province"] for entry in communes.entries}
    assert special["Đặc khu Phú Quốc"] == "91"
    assert special["Đặc khu Côn Đảo"] == "79"
    assert special["Đặc khu Vân Đồn"] == "22"
    assert special["Đặc khu Lý Sơn"] == "51"
    assert communes.by_code["00004"]["name"] == "Phường Ba Đình"


def test_positions_have_a_level_and_a_decimal_allowance() -> None:
    positions = by_code("positions")
    assert 20 <= len(positions) <= 30
    levels = {"central", "ministry", "province", "commune", "unit"}
    for entry in positions.values():
        assert entry["level"] in levels
        assert isinstance(entry["allowance_coefficient"], Decimal)
        assert Decimal("0") <= entry["allowance_coefficient"] <= Decimal("1.30")
    names = {entry["name"]: entry for entry in positions.values()}
    assert names["Thứ trưởng"]["allowance_coefficient"] == Decimal("1.30")
    assert names["Chủ tịch Ủy ban nhân dân xã"]["allowance_coefficient_hn_hcm"] == Decimal("0.70")
    assert not any("không" in name.lower() for name in names)  # no 'no post' entry


def test_loaded_entries_are_read_only() -> None:
    entry = load_code_list("provinces").by_code["01"]
    with pytest.raises(TypeError):
        entry["name"] = "Thăng Long"  # type: ignore[index]


@pytest.mark.parametrize(
    "path",
    [*sorted(DEFAULT_DIRECTORY.glob("*.yaml")), NAMES_FILE],
    ids=lambda p: p.name,
)
def test_all_data_files_are_nfc(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert unicodedata.normalize("NFC", text) == text


# --- malformed files ----------------------------------------------------------------------------

GOOD = """\
list: sample
version: "1"
source: "a test"
note: ""
entries:
  - {code: "01", name: "Kinh"}
  - {code: "02", name: "Tày"}
"""


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (GOOD.replace('version: "1"\n', ""), "missing top-level key(s): version"),
        (GOOD.replace("list: sample", "list: other"), "'list' is 'other'"),
        (GOOD.replace('note: ""\n', 'note: ""\nextra: 1\n'), "unknown top-level key(s): extra"),
        (GOOD.replace('"02", name: "Tày"', '"02"'), "entry 2 (code '02'): missing 'name'"),
        (GOOD.replace('code: "02"', 'code: "01"'), "entry 2: code '01' repeats entry 1"),
        (GOOD.replace('code: "02"', "code: 2"), "'code' must be a string"),
        (GOOD.replace("Tày", unicodedata.normalize("NFD", "Tày")), "not NFC"),
        (GOOD.replace("Tày", "Tày "), "trailing whitespace"),
        (GOOD.replace('name: "Tày"}', 'name: "Tày", increment: "abc"}'), "not a decimal"),
        (GOOD.replace("entries:\n", "entries: []\n").split("  - ")[0], "non-empty list"),
        ("list: [unclosed\n", "not valid YAML"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_file_and_the_problem(
    tmp_path: Path, text: str, problem: str
) -> None:
    (tmp_path / "sample.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CodeListError) as caught:
        load_code_list("sample", directory=tmp_path)
    message = str(caught.value)
    assert "sample.yaml" in message
    assert problem in message


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CodeListError, match="no such code-list file"):
        load_code_list("nothing", directory=tmp_path)


def test_a_good_file_in_another_directory_loads(tmp_path: Path) -> None:
    (tmp_path / "sample.yaml").write_text(GOOD, encoding="utf-8")
    sample = load_code_list("sample", directory=tmp_path)
    assert (sample.version, sample.codes) == ("1", ("01", "02"))
    assert sample.by_code["02"]["name"] == "Tày"


# --- the synthetic-data generator's name data ---------------------------------------------------


def test_name_data_uses_the_codes_of_the_code_lists() -> None:
    data = yaml.safe_load(NAMES_FILE.read_text(encoding="utf-8"))
    assert set(data["ethnic_shares"]) == set(load_code_list("ethnic_groups").codes)
    assert set(data["religion_shares"]) == set(load_code_list("religions").codes)
    assert max(data["ethnic_shares"], key=lambda c: data["ethnic_shares"][c]) == "01"  # Kinh
    assert max(data["religion_shares"], key=lambda c: data["religion_shares"][c]) == "00"  # none
    surnames = {s["name"]: s["weight"] for s in data["surnames"]}
    assert max(surnames, key=lambda n: surnames[n]) == "Nguyễn"
    assert {"Hoàng", "Huỳnh", "Vũ", "Võ"} <= set(surnames)
    assert data["middle_names"]["female"][0]["name"] == "Thị"
    for gender in ("male", "female"):
        given = [g["name"] for g in data["given_names"][gender]]
        assert len(given) == len(set(given)) >= 70
        assert all(g["weight"] > 0 for g in data["given_names"][gender])
