"""What each reject rule is called, in Vietnamese first and English beside, and what it counts as.

One place on purpose: the sync-trust work is adding a reject catalogue (rule id, titles); when it
lands this module reads its titles from there and keeps only the scorecard's grouping. A rule
not listed here is shown by its id, never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleTitle:
    vi: str
    en: str
    expected: str = ""  # the form the standard expects, in Vietnamese (for the agency's clerk)


TITLES: dict[str, RuleTitle] = {
    "mandatory": RuleTitle(
        "Thiếu trường bắt buộc", "Mandatory field missing", expected="Bắt buộc có giá trị"
    ),
    "personal_id_format": RuleTitle(
        "Số định danh không đủ 12 chữ số",
        "Personal ID is not 12 digits",
        expected="12 chữ số, ví dụ 001080012345",
    ),
    "personal_id_province": RuleTitle(
        "Mã tỉnh trong số định danh không tồn tại",
        "Unknown province prefix in the personal ID",
        expected="3 chữ số đầu là mã tỉnh nơi đăng ký khai sinh (001–096)",
    ),
    "personal_id_gender": RuleTitle(
        "Số định danh không khớp giới tính",
        "Personal ID disagrees with the gender",
        expected="Chữ số thứ 4: 0/2 nam, 1/3 nữ",
    ),
    "personal_id_century": RuleTitle(
        "Số định danh không khớp thế kỷ sinh",
        "Personal ID disagrees with the birth century",
        expected="Chữ số thứ 4: 0/1 sinh 1900–1999, 2/3 sinh 2000–2099",
    ),
    "personal_id_birth_year": RuleTitle(
        "Số định danh không khớp năm sinh",
        "Personal ID disagrees with the birth year",
        expected="Chữ số 5–6 là hai số cuối năm sinh",
    ),
    "birth_date_implausible": RuleTitle(
        "Ngày sinh ngoài độ tuổi làm việc",
        "Birth date outside working age",
        expected="Tuổi từ 15 đến 80",
    ),
    "recruited_before_working_age": RuleTitle(
        "Tuyển dụng trước tuổi lao động",
        "Recruited before working age",
        expected="Ngày tuyển dụng sau sinh nhật 15 tuổi",
    ),
    "code_unknown": RuleTitle(
        "Mã không có trong danh mục",
        "Code not in the code list",
        expected="Mã hoặc tên trong danh mục quốc gia",
    ),
    "reference_unknown": RuleTitle(
        "Tham chiếu không tồn tại (đơn vị, thang lương)",
        "Unknown reference (organisation, salary scale)",
        expected="Mã đơn vị hoặc thang lương đã có trong CSDL quốc gia",
    ),
    "salary_step_out_of_scale": RuleTitle(
        "Bậc lương ngoài thang lương",
        "Salary step outside its scale",
        expected="Bậc trong số bậc của thang lương",
    ),
    "salary_coefficient_mismatch": RuleTitle(
        "Hệ số lương không khớp thang, bậc",
        "Salary coefficient does not match scale and step",
        expected="Hệ số đúng theo thang, bậc (NĐ 204/2004)",
    ),
    "date_format": RuleTitle(
        "Ngày sai định dạng",
        "Date in an unreadable form",
        expected="Ngày dạng dd/mm/yyyy hoặc yyyy-mm-dd",
    ),
    "date_invalid": RuleTitle(
        "Ngày không có thật", "Date that does not exist", expected="Ngày có thật trên lịch"
    ),
    "gender_unknown": RuleTitle(
        "Giới tính không xác định", "Gender not recognised", expected="Nam hoặc Nữ"
    ),
    "not_integer": RuleTitle("Không phải số nguyên", "Not a whole number", expected="Số nguyên"),
    "not_decimal": RuleTitle(
        "Không phải số thập phân", "Not a decimal number", expected="Số thập phân, ví dụ 2,34"
    ),
    "unmapped": RuleTitle(
        "Giá trị chưa được ánh xạ",
        "Value the source mapping cannot map",
        expected="Giá trị có trong bảng ánh xạ của hệ thống nguồn",
    ),
}

CROSS_FIELD_RULES = frozenset(
    {
        "personal_id_gender",
        "personal_id_century",
        "personal_id_birth_year",
        "recruited_before_working_age",
        "salary_step_out_of_scale",
        "salary_coefficient_mismatch",
    }
)
"""Rules that compare two fields of one record (đúng: cross-field violations)."""

UNMAPPED_CODE_RULES = frozenset({"code_unknown", "unmapped"})
"""Rules meaning a coded value has no mapping in the national list (thống nhất)."""

CODED_FIELDS = ("ethnicity_code", "religion_code", "grade_code", "position_code")
"""Fields whose values come from the national code lists (store/codelists)."""


def title(rule: str) -> RuleTitle:
    return TITLES.get(rule, RuleTitle(rule, rule))
