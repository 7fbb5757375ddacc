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

import re
import unicodedata
from dataclasses import dataclass

from adapters.encodings import detect_and_convert, legacy_looking, readable

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


def _invisible(char: str) -> bool:
    # Cc: controls (tab and newline included: they have no place inside a field); Cf: format
    # characters (zero-width space U+200B, joiners U+200C/D, BOM U+FEFF, soft hyphen U+00AD,
    # direction marks); Co/Cn: private use and unassigned, which no font shows the same way
    return unicodedata.category(char) in ("Cc", "Cf", "Co", "Cn") and char not in "\t\n\r"


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
        return Cleaned(None)
    text = str(value)
    corrections: list[str] = []
    # invisible characters outside Latin-1 first (zero-width space, joiners, BOM, direction
    # marks): they stand in the way of undoing a double decoding. Those inside it (the soft
    # hyphen, C1 controls) may be letters of a legacy font or bytes of a double decoding, so
    # they wait until both are undone.
    wide = "".join(char for char in text if not (ord(char) > 0xFF and _invisible(char)))
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
    if legacy_looking(text):
        converted, encoding = detect_and_convert(text)
        if encoding is not None:
            text = converted
            corrections.append(LEGACY_ENCODING_CONVERTED)
        elif not readable(" ".join(text.split())):
            refused = DOUBLE_DECODED if _MOJIBAKE.search(text) else UNREADABLE
            return Cleaned(None, tuple(corrections), refused)

    visible = "".join(char for char in text if not _invisible(char))
    if visible != text and INVISIBLE_REMOVED not in corrections:
        corrections.append(INVISIBLE_REMOVED)
    text = " ".join(unicodedata.normalize("NFC", visible).split())
    if _MOJIBAKE.search(text):
        return Cleaned(None, tuple(corrections), DOUBLE_DECODED)
    return Cleaned(text or None, tuple(corrections))
