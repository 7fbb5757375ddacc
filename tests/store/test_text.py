import unicodedata

import pytest

from store.text import MARKED, PLAIN, fold, name_sort_key, nfc, prefix_tsquery


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("Nguyễn Thị Ánh", "nguyen thi anh"),
        ("ĐẶNG VĂN ĐỨC", "dang van duc"),
        (unicodedata.normalize("NFD", "Trần Hưng Đạo"), "tran hung dao"),
        ("  Lê   Ơn  ", "le on"),
    ],
)
def test_fold_removes_diacritics_case_and_extra_space(name: str, folded: str) -> None:
    assert fold(name) == folded


def test_nfc_composes_and_collapses_whitespace() -> None:
    assert nfc(unicodedata.normalize("NFD", " Phạm  Thị\tHà ")) == "Phạm Thị Hà"


def test_directory_order_is_given_name_then_family_then_middle() -> None:
    assert name_sort_key("Nguyễn", "Văn", "An") == "an nguyen van"
    assert name_sort_key("Lê", None, "Bình") < name_sort_key("Bùi", "Thị", "Chi")


def test_search_words_become_prefix_terms_and_punctuation_never_reaches_tsquery() -> None:
    assert prefix_tsquery("Nguyễn V") == "nguyen:* & v:*"
    assert prefix_tsquery("a' | !b & (c)") == "a:* & b:* & c:*"
    assert prefix_tsquery("  --- ") is None


def test_the_sql_folding_table_agrees_with_fold() -> None:
    assert len(MARKED) == len(PLAIN)
    assert all(fold(marked) == plain for marked, plain in zip(MARKED, PLAIN, strict=True))
