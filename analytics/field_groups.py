"""The mandatory fields of each data group of NĐ 27/2026 that the store holds (đủ).

A stand-in until the dossier work's field catalogue lands: then this module reads the catalogue
and keeps its shape (group number -> store columns). Groups 2, 3, 8, 9 and 10 are not held by the
store yet, and group 7 (party and unions) has no field every person must have.
"""

from __future__ import annotations

MANDATORY_BY_GROUP: dict[int, tuple[str, ...]] = {
    1: ("personal_id", "full_name", "gender", "birth_date", "birth_place", "home_town",
        "ethnicity_code", "religion_code", "permanent_address", "current_address"),
    4: ("category", "status", "recruited_on"),
    5: ("general_education", "professional_level", "political_theory", "state_management"),
    6: ("organization_id", "job_position", "grade_code", "salary_scale_code", "salary_step",
        "salary_coefficient"),
}  # fmt: skip

GROUP_TITLES: dict[int, tuple[str, str]] = {
    1: ("Thông tin định danh, lý lịch", "Identity and background"),
    4: ("Tuyển dụng, bổ nhiệm", "Recruitment and posts"),
    5: ("Giáo dục, đào tạo", "Education and training"),
    6: ("Công tác, ngạch, lương", "Work, grade and salary"),
}
