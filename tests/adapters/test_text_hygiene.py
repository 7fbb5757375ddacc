"""Text hygiene: repaired with certainty, or refused; never stored as it came."""

from __future__ import annotations

import unicodedata

import pytest

from adapters.encodings import to_tcvn3, to_vni
from adapters.text_hygiene import clean_text

NAMES = (
    "Nguyễn Văn Ánh", "Trần Thị Hoà", "Đặng Hữu Phúc", "Lê Quỳnh Anh", "Hoàng Ánh Dương",
    "Bùi Thị Thu Hằng", "Vũ Đức Thắng", "Thôn Đông, xã Yên Thành, tỉnh Nghệ An",
)  # fmt: skip


def _read_as(text: str, page: str) -> str:
    """UTF-8 bytes read in a Windows code page (undefined bytes as Latin-1), as old software did."""
    out = []
    for byte in text.encode():
        try:
            out.append(bytes([byte]).decode(page))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


@pytest.mark.parametrize("name", NAMES)
def test_clean_text_is_kept_as_it_is(name: str) -> None:
    cleaned = clean_text(name)
    assert (cleaned.text, cleaned.corrections, cleaned.refused) == (name, (), None)


@pytest.mark.parametrize("page", ["cp1252", "cp1258", "latin-1"])
@pytest.mark.parametrize("name", NAMES)
def test_double_decoding_is_undone(name: str, page: str) -> None:
    once = clean_text(_read_as(name, page))
    assert (once.text, once.corrections) == (name, ("double_decoding_repaired",))
    twice = clean_text(_read_as(_read_as(name, page), page))
    assert twice.text == name


@pytest.mark.parametrize("name", ["Nguyễn Thị Hương", "Hoàng Ánh Dương", "Trần Văn Bình"])
def test_legacy_fonts_are_converted(name: str) -> None:
    for legacy in (to_tcvn3(name), to_vni(name)):
        cleaned = clean_text(legacy)
        assert (cleaned.text, cleaned.corrections) == (name, ("legacy_encoding_converted",))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Nguyễn\u200b Văn An", "Nguyễn Văn An"),  # zero-width space
        ("\ufeffNguyễn Văn An", "Nguyễn Văn An"),  # byte-order mark
        ("Nguyễn Văn\u00ad An", "Nguyễn Văn An"),  # soft hyphen
        ("Nguyễn\u200d Văn\u2060 An\u200e", "Nguyễn Văn An"),  # joiner, word joiner, LRM
        ("Nguyễn Văn An\u0007", "Nguyễn Văn An"),  # a control character
        # text all in the Latin-1 range, so it looks like an old font until the soft hyphen
        # or C1 control is gone: Unicode Vietnamese, not a font
        ("Tày\u00ad", "Tày"),
        ("Lò\u00ad Thị\u0085", "Lò Thị"),
        ("Hà\u0085 Giang", "Hà Giang"),
    ],
)
def test_invisible_characters_are_removed_and_recorded(raw: str, expected: str) -> None:
    cleaned = clean_text(raw)
    assert (cleaned.text, cleaned.corrections) == (expected, ("invisible_removed",))


def test_nfd_and_odd_spaces_are_normalised_without_a_correction() -> None:
    cleaned = clean_text(unicodedata.normalize("NFD", " Nguyễn\u00a0Văn   An "))
    assert (cleaned.text, cleaned.corrections) == ("Nguyễn Văn An", ())


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("Nguy\u00e1\u00bb\u0085n V\u00c3", "text_double_decoded"),  # cut short: no exact undo
        ("\u00c3\u00a9\u00c3", "text_double_decoded"),
        ("\u00a7\u00b5\u00a6\u00b8\u00bc", "text_unreadable"),  # Latin-1 soup, no font fits
    ],
)
def test_what_cannot_be_repaired_is_refused(raw: str, rule: str) -> None:
    cleaned = clean_text(raw)
    assert (cleaned.text, cleaned.refused) == (None, rule)
