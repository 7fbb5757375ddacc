from __future__ import annotations

import pytest

from adapters.encodings import (
    TCVN3,
    VNI,
    convert,
    detect_and_convert,
    detect_encoding,
    readable,
    to_tcvn3,
    to_vni,
)

# every precomposed Vietnamese letter, lower and upper case
LETTERS = "aàảãáạăằẳẵắặâầẩẫấậeèẻẽéẹêềểễếệiìỉĩíịoòỏõóọôồổỗốộơờởỡớợuùủũúụưừửữứựyỳỷỹýỵđ"


@pytest.mark.parametrize(
    ("legacy", "unicode", "encoding"),
    [
        ("NguyÔn V¨n An", "Nguyễn Văn An", "tcvn3"),
        ("Ninh B×nh", "Ninh Bình", "tcvn3"),
        ("B¶o Th¾ng", "Bảo Thắng", "tcvn3"),
        ("M\xadêng Kh\xad¬ng", "Mường Khương", "tcvn3"),  # ư is the soft hyphen, 0xAD
        ("§Æng Thïy D\xad¬ng", "Đặng Thùy Dương", "tcvn3"),
        ("NguyÔn ThÞ ¸nh", "Nguyễn Thị Ánh", "tcvn3"),  # no capital Á in TCVN3: restored
        ("Nguyeãn Vaên An", "Nguyễn Văn An", "vni"),
        ("Ñaëng Thuøy Döông", "Đặng Thùy Dương", "vni"),
        ("Phaïm Thò Thanh", "Phạm Thị Thanh", "vni"),
        ("Nguyeãn Thò AÙnh", "Nguyễn Thị Ánh", "vni"),
        ("Quyønh", "Quỳnh", "vni"),
    ],
)
def test_legacy_names_are_detected_and_converted(legacy: str, unicode: str, encoding: str) -> None:
    assert detect_and_convert(legacy) == (unicode, encoding)


@pytest.mark.parametrize(
    "text",
    [
        "Nguyễn Văn An",
        "Võ Hà Tú",  # Unicode that happens to be all Latin-1
        "Ksor H'Ben",  # a Jarai name: not Vietnamese syllables, and not legacy text either
        "H'Mông",
        "Số 12 đường Lê Lợi, Phường Bến Nghé",
        "01.003",
        "",
    ],
)
def test_unicode_text_is_left_alone(text: str) -> None:
    assert detect_and_convert(text) == (text, None)


def test_nfd_text_comes_back_nfc() -> None:
    decomposed = "Nguye\u0302\u0303n Thi\u0323 A\u0301nh"
    assert detect_and_convert(decomposed) == ("Nguyễn Thị Ánh", None)


def test_text_in_no_known_encoding_is_returned_unconverted_and_unreadable() -> None:
    text, encoding = detect_and_convert("Ng¤y¤n ©©© ¬¬")
    assert encoding is None
    assert not readable(text)


def test_a_word_that_fits_both_encodings_equally_is_not_guessed() -> None:
    # VNI "Không" read as TCVN3 is "Khoõng", also a possible syllable: a tie, so no guess
    assert detect_and_convert("Khoâng") == ("Khoâng", None)


@pytest.mark.parametrize(("encode", "name"), [(to_tcvn3, "tcvn3"), (to_vni, "vni")])
def test_every_lowercase_letter_survives_a_round_trip(encode: object, name: str) -> None:
    for letter in LETTERS:
        assert convert(encode(letter), name) == letter  # type: ignore[operator]


def test_every_vni_capital_survives_a_round_trip() -> None:
    for letter in LETTERS.upper():
        assert convert(to_vni(letter), "vni") == letter


def test_tcvn3_capitals_with_a_code_survive_a_round_trip() -> None:
    for letter in "ĂÂĐÊÔƠƯ":
        assert convert(to_tcvn3(letter), "tcvn3") == letter


def test_the_tables_cover_every_letter_once() -> None:
    # ý is 0xFD in TCVN3 and in Latin-1 alike: it needs no entry
    assert set(TCVN3.values()) == set(LETTERS) - set("aeiouyý") | set("ĂÂĐÊÔƠƯ")
    # VNI writes ì and í as the Latin-1 letters themselves
    assert set(VNI.values()) == (set(LETTERS) | set(LETTERS.upper())) - set("aeiouyìíAEIOUYÌÍ")


def test_a_files_encoding_is_the_majority_of_its_legacy_looking_cells() -> None:
    # "Hoàng" is valid Unicode on its own but VNI for "Hồng" in a VNI file
    cells = ["Nguyeãn Vaên An", "Phaïm Thò Thanh", "Hoàng", "Nam", "01.003"]
    assert detect_encoding(cells) == "vni"
    assert convert("Hoàng", "vni") == "Hồng"


def test_a_unicode_file_has_no_legacy_encoding() -> None:
    assert detect_encoding(["Nguyễn Văn An", "Võ Hà Tú", "Lê Thị Hoa"]) is None


def test_tcvn3_restores_capitals_only_where_the_font_could_not_write_them() -> None:
    address = "Số 12 đường Lê Lợi, Phường Bến Nghé"
    assert detect_and_convert(to_tcvn3(address)) == (address, "tcvn3")
    assert detect_and_convert(to_tcvn3("Lê Thị Ổn")) == ("Lê Thị Ổn", "tcvn3")
