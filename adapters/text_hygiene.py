"""Text as the store keeps it: repaired with certainty, or refused with the rule. Pure.

Every text and name field of a record passes here before anything is built from it (the search
form of a name, its directory order, its split into family, middle and given names):

1. **Double decoding**: UTF-8 bytes read as a Windows code page (1252, or Vietnamese 1258) and
   saved again turn "Nguyễn" into "Nguyá»…n". The repair is the inverse (encode in that code
   page, decode as UTF-8), taken only when it succeeds strictly and gives readable Vietnamese:
   real Vietnamese text almost never survives that round trip, so a success is certain. Text
   that still looks double-decoded after trying is refused (`text_double_decoded`).
2. **Legacy fonts** (TCVN3, VNI): converted when `adapters.encodings` is sure which one it is;
   text in the Latin-1 range that reads neither as it is nor converted is refused
   (`text_unreadable`).
3. **Invisible characters**: zero-width spaces and joiners, the byte-order mark, soft hyphens,
   direction marks and control characters are removed, because a name holding one cannot be
   found by name; non-breaking and other odd spaces become spaces.
4. **NFC**, runs of whitespace collapsed.

Every repair is a correction (`invisible_removed`, `double_decoding_repaired`,
`legacy_encoding_converted`): the record is stored and the correction recorded with it, so the
agency can fix its own copy.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from adapters.encodings import detect_and_convert, legacy_looking, plausibility, readable

INVISIBLE_REMOVED = "invisible_removed"
DOUBLE_DECODING_REPAIRED = "double_decoding_repaired"
LEGACY_ENCODING_CONVERTED = "legacy_encoding_converted"
DOUBLE_DECODED = "text_double_decoded"
UNREADABLE = "text_unreadable"

# the code pages UTF-8 text is mistaken for on Vietnamese Windows machines; the bytes a code
# page leaves undefined pass through as their Latin-1 characters, as Windows software writes them
_CODE_PAGES = ("cp1252", "cp1258")
# what UTF-8 Vietnamese looks like read as one of them: a lead byte of a 2- or 3-byte sequence
# (Ã Ä Æ for U+00C0..U+01BF, á for U+1E00..U+1EFF, Ì Í for combining marks) then continuation
# bytes (U+0080..U+00BF, or what cp1252 prints for 0x80..0x9F)
_CONTINUATION = "\u0080-\u00bf" + "".join(  # what cp1252 prints for the bytes 0x80..0x9F
    bytes([b]).decode("cp1252")
    for b in range(0x80, 0xA0)
    if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
)
_MOJIBAKE = re.compile(f"[\u00c2-\u00c6\u00cc\u00cd\u00e1][{_CONTINUATION}]")
_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")


@dataclass(frozen=True)
class Cleaned:
    """The cleaned text (None when nothing is left), the corrections made, or the rule that
    refuses it (then `text` is None)."""

    text: str | None
    corrections: tuple[str, ...] = ()
    refused: str | None = None


_NOTHING = Cleaned(None)
_ABOVE_LATIN1 = re.compile(r"[^\x00-\xff]")
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@functools.cache
def _invisible_pattern() -> re.Pattern[str]:
    """Every invisible character (as `_invisible` says) in one class, built once: a regex scan
    is what keeps hygiene cheap on millions of records."""
    # format and control characters live in the BMP and planes 1 and 14; private use is the
    # three ranges below, whole
    scanned = (*range(0xE000), *range(0xF900, 0x20000), *range(0xE0000, 0xE1000))
    chars = [chr(c) for c in scanned if not 0xD800 <= c <= 0xDFFF and _invisible(chr(c))]
    ranges: list[str] = []
    start = previous = None
    for char in chars:
        code = ord(char)
        if previous is not None and code == previous + 1:
            previous = code
            continue
        if start is not None and previous is not None:
            ranges.append(_range(start, previous))
        start = previous = code
    if start is not None and previous is not None:
        ranges.append(_range(start, previous))
    private_use = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
    return re.compile("[" + "".join(ranges) + private_use + "]")


def _range(first: int, last: int) -> str:
    return (
        re.escape(chr(first))
        if first == last
        else f"{re.escape(chr(first))}-{re.escape(chr(last))}"
    )


def _invisible(char: str) -> bool:
    # Cc: controls (tab and newline aside: whitespace, collapsed to a space); Cf: format
    # characters (zero-width space U+200B, joiners U+200C/D, BOM U+FEFF, soft hyphen U+00AD,
    # direction marks); Co: private use, which no two fonts show the same way
    return unicodedata.category(char) in ("Cc", "Cf", "Co") and char not in "\t\n\r"


def _bytes_as_read(text: str, page: str) -> bytes:
    """The bytes that, read in `page` (undefined bytes as Latin-1), gave `text`."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode(page)
        except UnicodeEncodeError:
            if ord(char) > 0xFF:
                raise
            out.append(ord(char))
    return bytes(out)


def _repair_double_decoding(text: str) -> str | None:
    """The text before it was decoded twice, when exactly that can be undone; else None."""
    for page in _CODE_PAGES:
        try:
            repaired = _bytes_as_read(text, page).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        # readable Vietnamese, or text decoded twice over that the next round repairs
        if repaired != text and (
            readable(unicodedata.normalize("NFC", repaired)) or _MOJIBAKE.search(repaired)
        ):
            return repaired
    return None


def clean_text(value: object) -> Cleaned:
    if value is None:
        return _NOTHING
    return _clean(str(value))


# records repeat most of their texts (codes, categories, "Không", place names): remembered
@functools.lru_cache(maxsize=1 << 16)
def _clean(text: str) -> Cleaned:
    if text.isascii():  # no double decoding, no legacy font: control characters at most
        if _ASCII_CONTROL.search(text):
            return Cleaned(
                " ".join(_ASCII_CONTROL.sub("", text).split()) or None, (INVISIBLE_REMOVED,)
            )
        return Cleaned(" ".join(text.split()) or None)
    invisible = _invisible_pattern()
    corrections: list[str] = []
    # invisible characters outside Latin-1 first (zero-width space, joiners, BOM, direction
    # marks): they stand in the way of undoing a double decoding. Those inside it (the soft
    # hyphen, C1 controls) may be letters of a legacy font or bytes of a double decoding, so
    # they wait until both are undone.
    wide = invisible.sub(lambda m: "" if ord(m[0]) > 0xFF else m[0], text)
    if wide != text:
        corrections.append(INVISIBLE_REMOVED)
        text = wide
    for _ in range(2):  # decoded twice over is seen too (a file re-saved twice)
        if not _MOJIBAKE.search(text):
            break
        repaired = _repair_double_decoding(text)
        if repaired is None:
            break  # perhaps a legacy font after all (below); refused at the end if not
        text = repaired
        if DOUBLE_DECODING_REPAIRED not in corrections:
            corrections.append(DOUBLE_DECODING_REPAIRED)

    # legacy fonts first: TCVN3 writes "ư" as the soft hyphen's byte, which is no invisible
    # character there
    text = _SPACES.sub(" ", text)
    if _ABOVE_LATIN1.search(text) is None and legacy_looking(text):
        converted, encoding = detect_and_convert(text)
        if encoding is not None:
            text = converted
            corrections.append(LEGACY_ENCODING_CONVERTED)
        elif not readable(" ".join(text.split())) and not _unicode_behind(text, invisible):
            refused = DOUBLE_DECODED if _MOJIBAKE.search(text) else UNREADABLE
            return Cleaned(None, tuple(corrections), refused)

    visible = invisible.sub("", text)
    if visible != text and INVISIBLE_REMOVED not in corrections:
        corrections.append(INVISIBLE_REMOVED)
    text = " ".join(unicodedata.normalize("NFC", visible).split())
    if _MOJIBAKE.search(text):
        return Cleaned(None, tuple(corrections), DOUBLE_DECODED)
    return Cleaned(text or None, tuple(corrections))


def _unicode_behind(text: str, invisible: re.Pattern[str]) -> bool:
    """Unicode text with a soft hyphen or C1 control in it ("Tày" and U+00AD), which no legacy
    font reads: every word a Vietnamese syllable once they are gone. Anything less certain is
    refused, because the same bytes may be an old font's letters."""
    visible = " ".join(invisible.sub("", text).split())
    return visible != " ".join(text.split()) and plausibility(visible) == 1.0
