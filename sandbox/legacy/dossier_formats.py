"""A person's dossier lists written the way each legacy schema's CV module holds them.

Pure. The rows come from the store's dossier tables (sandbox/dossier.py made them consistent;
the truth store holds them), in the field catalogue's column order (sandbox/dossier.py COLUMNS);
each schema writes them into its own tables (hs_* in schema_vi.sql, cv_* in schema_en.sql),
under its own column names and in its own words: Vietnamese words and dd/mm/yyyy text in the
provincial system, upper-case codes and real dates in the ministry's. These vocabularies are the
agencies'; adapters/mappings/legacy_*.yaml is our reading of them, written separately, so that
a round trip store -> legacy -> sync checks that the two agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from sandbox.dossier import COLUMNS
from sandbox.legacy.formats import VI_RATING, Format, Row
from store.dossier_vocabulary import VIETNAMESE

Value = Callable[[Any, str], Any]  # (store value, the person's gender) -> the legacy value

VI_RELATION = {
    "father": "Bố đẻ", "mother": "Mẹ đẻ", "child": "Con", "sibling": "Anh chị em ruột",
}  # fmt: skip
VI_IN_LAW = {  # the spouse's side is named by whose spouse: the husband's or the wife's
    ("spouse", "male"): "Vợ", ("spouse", "female"): "Chồng",
    ("father_in_law", "male"): "Bố vợ", ("father_in_law", "female"): "Bố chồng",
    ("mother_in_law", "male"): "Mẹ vợ", ("mother_in_law", "female"): "Mẹ chồng",
}  # fmt: skip
VI_HEALTH = {f"class_{n}": f"Loại {n.upper()}" for n in ("i", "ii", "iii", "iv", "v")}
EN_TRAINING = {
    "degree": "DEGREE", "political_theory": "POLITICAL", "state_management": "STATE_MGMT",
    "defence_security": "DEFENCE", "foreign_language": "LANGUAGE",
    "information_technology": "IT", "refresher": "REFRESHER",
}  # fmt: skip
EN_DISCIPLINE = {
    "reprimand": "REPRIMAND", "warning": "WARNING", "salary_demotion": "PAY_CUT",
    "demotion": "DEMOTION", "removal": "REMOVAL", "dismissal": "DISMISSAL",
}  # fmt: skip
EN_HEALTH = {f"class_{n}": n.upper() for n in ("i", "ii", "iii", "iv", "v")}


def _same(value: Any, _gender: str) -> Any:
    return value


def _vi_day(value: date | None, _gender: str) -> str | None:
    return value.strftime("%d/%m/%Y") if value is not None else None


def _vi_relation(value: str, gender: str) -> str:
    return VI_RELATION.get(value) or VI_IN_LAW[(value, gender)]


def _words(words: Mapping[str, str]) -> Value:
    return lambda value, _gender: None if value is None else words[value]


def _upper(value: str | None, _gender: str) -> str | None:
    return None if value is None else value.upper()


Layout = tuple[str, tuple[str, ...], tuple[Value, ...]]


def _layout(
    table: str, legacy: str, columns: str, values: Mapping[str, Value] | None = None
) -> tuple[str, Layout]:
    """(catalogue table, (legacy table, its columns in COLUMNS order, a converter per column))."""
    names = tuple(columns.split())
    catalogue = COLUMNS[table]
    assert len(names) == len(catalogue), table
    return table, (legacy, names, tuple((values or {}).get(c, _same) for c in catalogue))


_VD = {"start_on": _vi_day, "end_on": _vi_day}
LAYOUTS: dict[Format, dict[str, Layout]] = {
    "vi": dict((
        _layout("dossier_family_member", "hs_quan_he_gia_dinh",
                "quan_he ho_ten nam_sinh nghe_nghiep noi_cong_tac noi_o",
                {"relation": _vi_relation}),
        _layout("dossier_history_period", "hs_lich_su_ban_than",
                "tu_ngay den_ngay lam_gi o_dau", _VD),
        _layout("dossier_training_course", "hs_dao_tao",
                "loai co_so_dao_tao chuyen_nganh van_bang tu_ngay den_ngay",
                {"kind": _words(VIETNAMESE["TrainingKind"]), **_VD}),
        _layout("dossier_reward", "hs_khen_thuong",
                "ngay_quyet_dinh hinh_thuc cap_quyet_dinh so_quyet_dinh",
                {"decided_on": _vi_day}),
        _layout("dossier_discipline", "hs_ky_luat",
                "ngay_quyet_dinh hinh_thuc ly_do cap_quyet_dinh het_hieu_luc",
                {"decided_on": _vi_day, "expires_on": _vi_day,
                 "kind": _words(VIETNAMESE["DisciplineKind"])}),
        _layout("dossier_allowance", "hs_phu_cap", "loai he_so ty_le tu_ngay den_ngay",
                {"kind": _words(VIETNAMESE["AllowanceKind"]), **_VD}),
        _layout("dossier_annual_rating", "hs_danh_gia_nam", "nam xep_loai",
                {"rating": _words(VI_RATING)}),
        _layout("dossier_military_service", "hs_quan_ngu",
                "ngay_nhap_ngu ngay_xuat_ngu quan_ham don_vi",
                {"enlisted_on": _vi_day, "discharged_on": _vi_day}),
        _layout("dossier_asset_declaration", "hs_ke_khai_tai_san",
                "nam tong_thu_nhap nha_o dat tai_san_khac"),
        _layout("dossier_health_record", "hs_suc_khoe",
                "ngay_kham phan_loai chieu_cao can_nang nhom_mau",
                {"recorded_on": _vi_day, "status": _words(VI_HEALTH)}),
    )),
    "en": dict((
        _layout("dossier_family_member", "cv_family",
                "relation name year_of_birth job employer address", {"relation": _upper}),
        _layout("dossier_history_period", "cv_history",
                "from_date to_date description location"),
        _layout("dossier_training_course", "cv_course",
                "course_type school major certificate from_date to_date",
                {"kind": _words(EN_TRAINING)}),
        _layout("dossier_reward", "cv_commendation",
                "decision_date award authority decision_no"),
        _layout("dossier_discipline", "cv_sanction",
                "decision_date measure reason authority valid_until",
                {"kind": _words(EN_DISCIPLINE)}),
        _layout("dossier_allowance", "cv_allowance",
                "allowance_type factor pct from_date to_date", {"kind": _upper}),
        _layout("dossier_annual_rating", "cv_appraisal", "appraisal_year result",
                {"rating": _upper}),
        _layout("dossier_military_service", "cv_military", "enlisted discharged rank unit"),
        _layout("dossier_asset_declaration", "cv_assets",
                "declared_year income_vnd housing land_plots other"),
        _layout("dossier_health_record", "cv_health",
                "exam_date grade height_cm weight_kg blood_type", {"status": _words(EN_HEALTH)}),
    )),
}  # fmt: skip
"""Format -> catalogue table -> (legacy table, legacy columns, converters), COLUMNS order."""


def dossier_tables(fmt: Format) -> dict[str, tuple[str, ...]]:
    """Legacy table -> its columns (without the person's key), for the format's CV module."""
    return {legacy: names for legacy, names, _ in LAYOUTS[fmt].values()}


def legacy_dossier_rows(
    fmt: Format, key: object, gender: str, lists: Mapping[str, Sequence[Row]]
) -> dict[str, list[Row]]:
    """Legacy table -> rows (the person's key first) of one person's lists (catalogue table ->
    rows in COLUMNS order)."""
    out: dict[str, list[Row]] = {}
    for table, rows in lists.items():
        legacy, _names, converters = LAYOUTS[fmt][table]
        out.setdefault(legacy, []).extend(
            (key, *(convert(value, gender) for convert, value in zip(converters, row, strict=True)))
            for row in rows
        )
    return out
