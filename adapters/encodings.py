"""Legacy Vietnamese encodings (TCVN3 "ABC" and VNI-Windows): detect them and convert to Unicode.

Before Unicode, Vietnamese text was typed with font encodings: each byte above 0x7F stands for a
letter only in the matching font. Files from those days (and text pasted from them into Unicode
files) read as gibberish such as "NguyÔn V¨n An" (TCVN3) or "Nguyeãn Vaên An" (VNI). Both are
written here as characters of the Latin-1 range, which is how the bytes read when decoded as
Latin-1 (Windows code page 1252 agrees on every position these tables use).

- TCVN3 is one byte per letter. Its "ABC" fonts have no capital letters with tone marks: capitals
  are typed with a separate font (.VnTimeH) on the lowercase positions, so only Ă Â Đ Ê Ô Ơ Ư
  have codes of their own, and a converted name may need its initials capitalised again.
- VNI is a base letter followed by a mark character ("a" + "ù" = "á"); a few letters (đ, ơ, ư,
  and i/y with some tones) are single characters.

`detect_and_convert` is pure: it decides by whether the text reads as Vietnamese syllables
before and after conversion, never by guessing from one character.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

# --- the tables (legacy character or sequence -> Unicode), data rather than logic ----------------

# TCVN3 (TCVN 5712:1993, VN3 "ABC"): the lowercase letters of each vowel row with tones
# none, grave, hook, tilde, acute, dot below; then đ and the seven capitals that have codes.
_TCVN3_ROWS: tuple[tuple[str, str], ...] = (
    ("aàảãáạ", "aµ¶·¸¹"),
    ("ăằẳẵắặ", "¨»¼½¾Æ"),
    ("âầẩẫấậ", "©ÇÈÉÊË"),
    ("eèẻẽéẹ", "eÌÎÏÐÑ"),
    ("êềểễếệ", "ªÒÓÔÕÖ"),
    ("iìỉĩíị", "i×ØÜÝÞ"),
    ("oòỏõóọ", "oßáâãä"),
    ("ôồổỗốộ", "«åæçèé"),
    ("ơờởỡớợ", "¬êëìíî"),
    ("uùủũúụ", "uïñòóô"),
    ("ưừửữứự", "\xadõö÷øù"),  # ư is 0xAD, the soft hyphen: invisible when the bytes are shown
    ("yỳỷỹýỵ", "yúûüýþ"),
    ("đĂÂĐÊÔƠƯ", "®¡¢§£¤¥¦"),
)
TCVN3: Mapping[str, str] = {
    legacy: letter
    for letters, codes in _TCVN3_ROWS
    for letter, legacy in zip(letters, codes, strict=True)
    if legacy != letter
}

# VNI-Windows: for each vowel, its sequences for tones none, grave, hook, tilde, acute, dot below.
_VNI_ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("aàảãáạ", ("a", "aø", "aû", "aõ", "aù", "aï")),
    ("ăằẳẵắặ", ("aê", "aè", "aú", "aü", "aé", "aë")),
    ("âầẩẫấậ", ("aâ", "aà", "aå", "aã", "aá", "aä")),
    ("eèẻẽéẹ", ("e", "eø", "eû", "eõ", "eù", "eï")),
    ("êềểễếệ", ("eâ", "eà", "eå", "eã", "eá", "eä")),
    ("iìỉĩíị", ("i", "ì", "æ", "ó", "í", "ò")),
    ("oòỏõóọ", ("o", "oø", "oû", "oõ", "où", "oï")),
    ("ôồổỗốộ", ("oâ", "oà", "oå", "oã", "oá", "oä")),
    ("ơờởỡớợ", ("ô", "ôø", "ôû", "ôõ", "ôù", "ôï")),
    ("uùủũúụ", ("u", "uø", "uû", "uõ", "uù", "uï")),
    ("ưừửữứự", ("ö", "öø", "öû", "öõ", "öù", "öï")),
    ("yỳỷỹýỵ", ("y", "yø", "yû", "yõ", "yù", "î")),
    ("đ", ("ñ",)),
)


def _vni_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for letters, sequences in _VNI_ROWS:
        for letter, sequence in zip(letters, sequences, strict=True):
            if sequence != letter:
                table[sequence] = letter
                # capitals: the base letter and the mark character are both capitalised
                table[sequence.upper()] = letter.upper()
    return table


VNI: Mapping[str, str] = _vni_table()
_VNI_LONGEST = max(len(sequence) for sequence in VNI)

# The reverse tables, for writing legacy test data. TCVN3 capitals with tones go to the lowercase
# codes, as a typist with the capitals font did.
_TO_TCVN3 = {letter: legacy for legacy, letter in TCVN3.items()}
_TO_VNI = {letter: legacy for legacy, letter in VNI.items()}


def to_tcvn3(text: str) -> str:
    """Unicode Vietnamese written in TCVN3 (as Latin-1 characters); for generating test data."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        legacy = _TO_TCVN3.get(char)
        if legacy is None and char.isupper():
            legacy = _TO_TCVN3.get(char.lower())
        out.append(legacy if legacy is not None else char)
    return "".join(out)


def to_vni(text: str) -> str:
    """Unicode Vietnamese written in VNI (as Latin-1 characters); for generating test data."""
    return "".join(_TO_VNI.get(char, char) for char in unicodedata.normalize("NFC", text))


def from_tcvn3(text: str) -> str:
    converted = "".join(TCVN3.get(char, char) for char in text)
    return _recapitalise(converted)


def from_vni(text: str) -> str:
    out = []
    index = 0
    while index < len(text):
        for width in range(_VNI_LONGEST, 0, -1):
            letter = VNI.get(text[index : index + width])
            if letter is not None:
                out.append(letter)
                index += width
                break
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def _recapitalise(text: str) -> str:
    """In TCVN3 a capital with a tone mark reads back lowercase ("¸nh" for "Ánh"): when every
    other word of the text is capitalised (a name), capitalise such words too. Words starting
    with a letter TCVN3 can capitalise (đ in "đường") were written lowercase on purpose."""
    words = text.split(" ")
    lettered = [word for word in words if word[:1].isalpha()]
    lower = {word for word in lettered if word[:1].islower()}
    if not lower or len(lettered) - len(lower) < 1:
        return text
    if not all(_base_and_tones(word[:1])[1] == 1 for word in lower):
        return text
    return " ".join(word[:1].upper() + word[1:] if word in lower else word for word in words)


# --- what Vietnamese text looks like -------------------------------------------------------------

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # grave, acute, tilde, hook, dot
_VOWELS = "aăâeêioôơuưy"
# Vowel clusters of Vietnamese syllables, with "qu" and "gi" taken as initials (the usual
# description of the rhymes; a name outside it only costs a conversion, never a wrong one)
_NUCLEI = frozenset((
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "ai", "ao", "au", "ay", "âu",
    "ây", "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "ôi", "ơi", "oo", "ua", "uâ",
    "uê", "ui", "uô", "uơ", "uy", "ưa", "ưi", "ươ", "ưu", "yê", "iêu", "oai", "oao", "oay",
    "oeo", "uây", "uôi", "uya", "uyê", "uyu", "ươi", "ươu", "yêu",
))  # fmt: skip
_INITIALS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
_SYLLABLE = re.compile(rf"^(?:{_INITIALS})?(?P<nucleus>[{_VOWELS}]+)(?:ch|ng|nh|c|m|n|p|t)?$")
_LETTER = re.compile(r"[a-zA-Z]")
# the word separators of names and addresses; an apostrophe joins H'Mông, K'Ho
_SPLIT = re.compile(r"[\s,.;:/()\-–'’]+")


def _base_and_tones(word: str) -> tuple[str, int]:
    """The word with tone marks removed (vowel qualities kept) and how many tone marks it had."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = sum(1 for char in decomposed if char in _TONES)
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
    return base, tones


def _is_vietnamese_letter(char: str) -> bool:
    if _LETTER.match(char) or char in "đĐ":
        return True
    base, tones = _base_and_tones(char)
    return tones <= 1 and base.lower() in _VOWELS


def readable(text: str) -> bool:
    """Every character is a Vietnamese (or Latin) letter, a digit, a space or punctuation that
    names and addresses use: text that a person can read, even if not a Vietnamese syllable."""
    return all(
        _is_vietnamese_letter(char) or char.isdigit() or char in " ,.;:/()-–'’&\"#+"
        for char in text
    )


# Closing diphthongs and the rising ones without a final: they take no final consonant, and
# their tone mark sits on the first vowel (mái, cháu, mía, múa, mưa); in a triphthong, on the
# middle one (khuỷu aside, which is rare enough to misjudge).
_OPEN_ONLY = frozenset((
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "iu", "oi", "ôi", "ơi", "ui", "ưi", "ưu",
    "ia", "ua", "ưa", "iêu", "yêu", "oai", "oao", "oay", "oeo", "uây", "uôi", "ươi", "ươu",
    "uyu",
))  # fmt: skip
_TRIPHTHONGS = frozenset(nucleus for nucleus in _OPEN_ONLY if len(nucleus) == 3)


def _syllable_like(word: str) -> bool:
    if not any(char.isalpha() for char in word):
        return True  # numbers and codes
    if not (word.islower() or word.isupper() or (word[:1].isupper() and word[1:].islower())):
        return False  # legacy letters land as capitals in the middle of a word: "NguyÔn"
    letters = [_base_and_tones(char) for char in word.lower()]
    if sum(tones for _, tones in letters) > 1:
        return False
    base = "".join(char for char, _ in letters)
    match = _SYLLABLE.match(base)
    if match is None or match["nucleus"] not in _NUCLEI:
        return False
    nucleus = match["nucleus"]
    has_final = match.end("nucleus") < len(base)
    if nucleus in _OPEN_ONLY:
        if has_final:
            return False  # "Phaùm": a VNI text read as TCVN3
        toned = [i for i, (_, tones) in enumerate(letters[match.start("nucleus") :]) if tones]
        if toned and toned[0] != (1 if nucleus in _TRIPHTHONGS else 0):
            return False  # "Leõ": the tone of a closing diphthong on its last vowel
    return True


def plausibility(text: str) -> float:
    """The share of the text's words that read as Vietnamese syllables (1.0 for empty text)."""
    words = [word for word in _SPLIT.split(text) if word]
    if not words:
        return 1.0
    if not readable(text):
        return 0.0
    return sum(_syllable_like(word) for word in words) / len(words)


# at least this share of a converted text's words must be Vietnamese syllables
_ENOUGH = 0.5
_CONVERTERS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("tcvn3", from_tcvn3),
    ("vni", from_vni),
)


def detect_and_convert(text: str) -> tuple[str, str | None]:
    """The text in NFC Unicode, and the legacy encoding it was written in (None if it was not).

    A text is converted only if it does not read as Vietnamese as it is, holds only Latin-1
    characters (legacy text always does; real Unicode Vietnamese rarely does), and one conversion
    reads clearly better than the text and than the other conversion: mostly Vietnamese syllables
    (minority names such as "Ksor" are not), every character a letter. Otherwise it comes back
    unchanged (NFC) with None; `readable` tells the caller whether that is fine Unicode or
    unreadable legacy text.
    """
    text = unicodedata.normalize("NFC", text)
    # both encodings keep ASCII as it is, and write nothing above 0xFF: nothing to convert
    if text.isascii() or any(ord(char) > 0xFF for char in text):
        return text, None
    before = plausibility(text)
    if before == 1.0:
        return text, None
    scored = []
    for name, convert in _CONVERTERS:
        converted = unicodedata.normalize("NFC", convert(text))
        score = plausibility(converted)
        if converted != text and score > before and score >= _ENOUGH:
            scored.append((score, converted, name))
    scored.sort(reverse=True)
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return text, None  # nothing fits, or a short text fits both equally: refuse to guess
    _, converted, name = scored[0]
    return converted, name


def convert(text: str, encoding: str) -> str:
    """`text` read as written in `encoding` ("tcvn3" or "vni"), in NFC."""
    converters = dict(_CONVERTERS)
    if encoding not in converters:
        raise ValueError(f"unknown legacy encoding {encoding!r}")
    return unicodedata.normalize("NFC", converters[encoding](text))


def legacy_looking(text: str) -> bool:
    """Non-ASCII text entirely in the Latin-1 range: what legacy-encoded text looks like."""
    return not text.isascii() and all(ord(char) <= 0xFF for char in text)


def detect_encoding(texts: Iterable[str]) -> str | None:
    """The legacy encoding of a whole file, by majority of its legacy-looking cells.

    One cell can be ambiguous (VNI writes "Hồng" as "Hoàng", a real name too); a file is not:
    its author used one font. None when most such cells are fine as they are, or on a tie.
    """
    candidates = [text for text in texts if legacy_looking(text)]
    if not candidates:
        return None
    votes = Counter(detect_and_convert(text)[1] for text in candidates).most_common()
    best, count = votes[0]
    if best is None or count * 2 <= len(candidates) or (len(votes) > 1 and votes[1][1] == count):
        return None
    return best
