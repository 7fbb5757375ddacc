"""Store rows written the way each legacy schema holds them (schema_vi.sql, schema_en.sql).

Pure. The vocabularies here are the AGENCIES' (what their old software wrote); the adapters'
mapping files (adapters/mappings/legacy_*.yaml) are our reading of them, written separately, so
a round trip store -> legacy -> adapter checks that the two agree.

A small, deterministic share of people carry a deliberate data-quality problem (`problem_of`):
a mandatory field left empty, an ethnic group the code lists do not know, a malformed date.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from sandbox.legacy.details import Entry
from store.codelists import load_code_list
from vocabulary.sources import DetailPart

Format = Literal["vi", "en"]
Row = tuple[Any, ...]


class Problem(StrEnum):
    MISSING_MANDATORY = "missing_mandatory"  # vi: no birth date; en: no sex
    UNKNOWN_ETHNICITY = "unknown_ethnicity"  # vi: code 99; en: "Mán", an old exonym
    MALFORMED_DATE = "malformed_date"  # a birth date in the wrong form


PROBLEM_FIELDS = {
    ("vi", Problem.MISSING_MANDATORY): "birth_date",
    ("en", Problem.MISSING_MANDATORY): "gender",
    ("vi", Problem.UNKNOWN_ETHNICITY): "ethnicity_code",
    ("en", Problem.UNKNOWN_ETHNICITY): "ethnicity_code",
    ("vi", Problem.MALFORMED_DATE): "birth_date",
    ("en", Problem.MALFORMED_DATE): "birth_date",
}
_PROBLEMS = (Problem.MISSING_MANDATORY, Problem.UNKNOWN_ETHNICITY, Problem.MALFORMED_DATE)
PROBLEM_MODULUS = 40  # one person in 40 per kind of problem: 7.5% in all


def problem_of(personal_id: str) -> Problem | None:
    """The deliberate problem of this person's legacy row, if any (the same in every format)."""
    digest = hashlib.sha256(f"legacy-problem:{personal_id}".encode()).digest()
    slot = int.from_bytes(digest[:4], "big") % PROBLEM_MODULUS
    return _PROBLEMS[slot] if slot < len(_PROBLEMS) else None


# --- the agencies' vocabularies ------------------------------------------------------------------

VI_GENDER = {"male": "Nam", "female": "Nữ"}
VI_CATEGORY = {
    "cadre": "Cán bộ",
    "civil_servant": "Công chức",
    "public_employee": "Viên chức",
    "contract_worker": "Người lao động",
}
VI_STATUS = {
    "active": "Đang công tác",
    "retired": "Nghỉ hưu",
    "transferred": "Chuyển công tác",
    "resigned": "Thôi việc",
    "dismissed": "Buộc thôi việc",
    "deceased": "Từ trần",
}
VI_LEVEL = {
    "doctorate": "Tiến sĩ",
    "master": "Thạc sĩ",
    "bachelor": "Đại học",
    "college": "Cao đẳng",
    "intermediate": "Trung cấp",
    "none": "Không",
}
VI_THEORY = {
    "advanced": "Cao cấp",
    "intermediate": "Trung cấp",
    "elementary": "Sơ cấp",
    "none": "Không",
}
VI_RATING = {
    "excellent": "Hoàn thành xuất sắc nhiệm vụ",
    "good": "Hoàn thành tốt nhiệm vụ",
    "completed": "Hoàn thành nhiệm vụ",
    "not_completed": "Không hoàn thành nhiệm vụ",
}
VI_ORG_LEVEL = {
    "central": "Trung ương",
    "ministry": "Bộ, ngành",
    "province": "Tỉnh",
    "commune": "Xã",
    "unit": "Đơn vị",
}
VI_ORG_STATUS = {"active": "Hoạt động", "merged": "Đã sáp nhập", "dissolved": "Đã giải thể"}
EN_SEX = {"male": 1, "female": 2}
EN_LEVEL = {
    "doctorate": "PHD",
    "master": "MASTER",
    "bachelor": "BACHELOR",
    "college": "COLLEGE",
    "intermediate": "VOCATIONAL",
    "none": "NONE",
}
EN_STAFF = {
    "cadre": "CADRE",
    "civil_servant": "CIVIL_SERVANT",
    "public_employee": "PUBLIC_EMPLOYEE",
    "contract_worker": "CONTRACT",
}
VI_DATE = "%d/%m/%Y"

# The ALT ordering's code for each group, found by name (that is all a code means).
_ALT_CODE = {entry["name"]: entry["code"] for entry in load_code_list("ethnic_groups_alt").entries}
_ETHNIC_NAME = {entry["code"]: entry["name"] for entry in load_code_list("ethnic_groups").entries}
_RELIGION_NAME = {entry["code"]: entry["name"] for entry in load_code_list("religions").entries}
UPDATED_FROM = datetime(2025, 1, 2, 8, 0)


def _vi_date(day: date | None) -> str | None:
    return day.strftime(VI_DATE) if day is not None else None


def _get(mapping: Mapping[str, str], key: str | None) -> str | None:
    return mapping[key] if key is not None else None


# --- persons ------------------------------------------------------------------------------------

VI_PERSON_COLUMNS = (
    "ma_can_bo", "so_dinh_danh", "ho_ten", "gioi_tinh", "ngay_sinh", "noi_sinh", "que_quan",
    "ma_dan_toc", "ton_giao", "thuong_tru", "cho_o_hien_nay", "loai_can_bo", "trang_thai",
    "ngay_tuyen_dung", "don_vi", "chuc_vu", "vi_tri_viec_lam", "ngach", "ma_thang_luong",
    "bac_luong", "he_so_luong", "ngay_huong_luong", "trinh_do_chuyen_mon", "ly_luan_chinh_tri",
    "ngay_vao_dang", "da_xoa", "ngay_cap_nhat",
)  # fmt: skip
EN_PERSON_COLUMNS = (
    "employee_id", "national_id", "last_name", "middle_name", "first_name", "sex",
    "date_of_birth", "birth_place", "ethnicity", "religion", "staff_type", "employment_status",
    "status_date", "hire_date", "org_code", "position_code", "job_title", "grade_code",
    "pay_scale", "pay_step", "pay_coefficient", "pay_since", "education_level",
    "political_theory", "party_joined", "party_confirmed", "union_joined", "appraisal_rating",
    "appraisal_year", "row_version",
)  # fmt: skip


def vi_key(index: int) -> str:
    return f"CB{index + 1:06d}"


def vi_person(index: int, person: Mapping[str, Any]) -> Row:
    """Row `index` (0-based, in personal ID order) of `can_bo`; three rows share each update
    time, as an application that stamps whole hours does, so the keyset needs its tie-break."""
    problem = problem_of(person["personal_id"])
    birth = _vi_date(person["birth_date"])
    if problem is Problem.MISSING_MANDATORY:
        birth = None
    elif problem is Problem.MALFORMED_DATE:
        birth = person["birth_date"].isoformat()  # typed in ISO where dd/mm/yyyy is expected
    ethnicity = _ALT_CODE[_ETHNIC_NAME[person["ethnicity_code"]]]
    if problem is Problem.UNKNOWN_ETHNICITY:
        ethnicity = "99"
    return (
        vi_key(index), person["personal_id"], person["full_name"], VI_GENDER[person["gender"]],
        birth, person["birth_place"], person["home_town"], ethnicity,
        _RELIGION_NAME[person["religion_code"]], person["permanent_address"],
        person["current_address"], VI_CATEGORY[person["category"]], VI_STATUS[person["status"]],
        _vi_date(person["recruited_on"]), person["organization_code"], person["position_code"],
        person["job_position"], person["grade_code"], person["salary_scale_code"],
        person["salary_step"], person["salary_coefficient"], _vi_date(person["salary_since"]),
        VI_LEVEL[person["professional_level"]], VI_THEORY[person["political_theory"]],
        _vi_date(person["party_joined_on"]), False, UPDATED_FROM + timedelta(hours=index // 3),
    )  # fmt: skip


def en_key(index: int) -> int:
    return 1001 + index


def en_person(index: int, person: Mapping[str, Any]) -> Row:
    """Row `index` of `employee`; row versions are unique and grow with the index."""
    problem = problem_of(person["personal_id"])
    birth: str | None = person["birth_date"].isoformat()
    if problem is Problem.MALFORMED_DATE:
        birth = person["birth_date"].strftime(VI_DATE)  # dd/mm/yyyy where ISO is expected
    sex: int | None = EN_SEX[person["gender"]]
    if problem is Problem.MISSING_MANDATORY:
        sex = None
    ethnicity = _ETHNIC_NAME[person["ethnicity_code"]]
    if problem is Problem.UNKNOWN_ETHNICITY:
        ethnicity = "Mán"
    rating = person["performance_rating"]
    return (
        en_key(index), person["personal_id"], person["family_name"], person["middle_name"],
        person["given_name"], sex, birth, person["birth_place"], ethnicity,
        _RELIGION_NAME[person["religion_code"]], EN_STAFF[person["category"]],
        person["status"].upper(), person["status_since"], person["recruited_on"],
        person["organization_code"], person["position_code"], person["job_position"],
        person["grade_code"], person["salary_scale_code"], person["salary_step"],
        person["salary_coefficient"], person["salary_since"],
        EN_LEVEL[person["professional_level"]], person["political_theory"].upper(),
        person["party_joined_on"], person["party_official_on"], person["trade_union_joined_on"],
        rating.upper() if rating else None, person["performance_year"], 10 * (index + 1),
    )  # fmt: skip


# --- organisations ------------------------------------------------------------------------------

VI_ORG_COLUMNS = (
    "ma_don_vi", "ten_don_vi", "ma_don_vi_cha", "cap", "trang_thai", "ngay_thay_doi",
    "ma_don_vi_ke_thua",
)  # fmt: skip
EN_ORG_COLUMNS = ("code", "name", "parent_code", "level", "status", "status_date", "successor_code")


def vi_organization(org: Mapping[str, Any]) -> Row:
    return (
        org["code"], org["name"], org["parent_code"], VI_ORG_LEVEL[org["level"]],
        VI_ORG_STATUS[org["status"]], _vi_date(org["status_changed_on"]), org["successor_code"],
    )  # fmt: skip


def en_organization(org: Mapping[str, Any]) -> Row:
    return (
        org["code"], org["name"], org["parent_code"], org["level"].upper(),
        org["status"].upper(), org["status_changed_on"], org["successor_code"],
    )  # fmt: skip


# --- detail tables ------------------------------------------------------------------------------

VI_RELATION = {"father": "Bố", "mother": "Mẹ", "child": "Con"}


def _vi_relation(entry: Entry, gender: str) -> str:
    if entry["relation"] == "spouse":
        return "Vợ" if gender == "male" else "Chồng"
    return VI_RELATION[entry["relation"]]


def detail_rows(
    fmt: Format, key: object, gender: str, parts: Mapping[DetailPart, Sequence[Entry]]
) -> dict[str, list[Row]]:
    """Rows per detail table of one person, whose key in the person table is `key`."""
    rows: dict[str, list[Row]] = {}
    for part, entries in parts.items():
        table, _columns = DETAIL_TABLES[fmt][part]
        rows.setdefault(table, []).extend(
            (key, *_detail_values(fmt, part, entry, gender)) for entry in entries
        )
    return rows


def _detail_values(fmt: Format, part: DetailPart, entry: Entry, gender: str) -> Row:
    day = _vi_date if fmt == "vi" else (lambda value: value)
    if part is DetailPart.WORK_HISTORY:
        return (day(entry["start"]), day(entry["end"]), entry["organization"], entry["position"])
    if part is DetailPart.SALARY_HISTORY:
        return (day(entry["start"]), entry["grade_code"], entry["step"], entry["coefficient"])
    if part is DetailPart.TRAININGS:
        return (
            day(entry["start"]),
            day(entry["end"]),
            entry["institution"],
            entry["field"],
            entry["qualification"],
        )
    if part is DetailPart.REWARDS:
        return (entry["year"], entry["kind"], entry["decided_by"])
    if part is DetailPart.DISCIPLINES:
        return (day(entry["date"]), entry["kind"], entry["reason"])
    if part is DetailPart.EVALUATIONS:
        rating = VI_RATING[entry["rating"]] if fmt == "vi" else entry["rating"].upper()
        return (entry["year"], rating)
    relation = _vi_relation(entry, gender) if fmt == "vi" else entry["relation"].upper()
    return (relation, entry["full_name"], entry["birth_year"], entry["occupation"])


DETAIL_TABLES: dict[str, dict[DetailPart, tuple[str, tuple[str, ...]]]] = {
    "vi": {
        DetailPart.WORK_HISTORY: (
            "qua_trinh_cong_tac", ("tu_ngay", "den_ngay", "don_vi", "chuc_vu")),
        DetailPart.SALARY_HISTORY: ("qua_trinh_luong", ("ngay_huong", "ngach", "bac", "he_so")),
        DetailPart.TRAININGS: (
            "dao_tao_boi_duong",
            ("tu_ngay", "den_ngay", "co_so_dao_tao", "chuyen_nganh", "van_bang")),
        DetailPart.REWARDS: ("khen_thuong", ("nam", "hinh_thuc", "cap_quyet_dinh")),
        DetailPart.DISCIPLINES: ("ky_luat", ("ngay", "hinh_thuc", "ly_do")),
        DetailPart.EVALUATIONS: ("danh_gia", ("nam", "xep_loai")),
        DetailPart.FAMILY: (
            "quan_he_gia_dinh", ("quan_he", "ho_ten", "nam_sinh", "nghe_nghiep")),
    },
    "en": {
        DetailPart.WORK_HISTORY: (
            "employment_history", ("start_date", "end_date", "organization", "title")),
        DetailPart.SALARY_HISTORY: (
            "pay_history", ("effective_date", "grade_code", "step", "coefficient")),
        DetailPart.TRAININGS: (
            "training", ("start_date", "end_date", "institution", "major", "qualification")),
        DetailPart.REWARDS: ("award", ("year", "kind", "level")),
        DetailPart.DISCIPLINES: ("disciplinary_action", ("action_date", "kind", "reason")),
        DetailPart.EVALUATIONS: ("appraisal", ("year", "rating")),
        DetailPart.FAMILY: (
            "relative", ("relationship", "full_name", "birth_year", "occupation")),
    },
}  # fmt: skip
PERSON_COLUMN = {"vi": "ma_can_bo", "en": "employee_id"}
