"""Text keys for Vietnamese names: search without diacritics or case, and directory order.

PostgreSQL's `unaccent` is a contrib extension (not available in the embedded server), so the
keys are computed here, on write, and the same function folds the user's search text on read.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[a-z0-9]+")
# đ/Đ is a letter of its own, not d with a combining mark, so NFD does not split it
_LETTERS = str.maketrans({"đ": "d", "Đ": "d"})


def nfc(value: str) -> str:
    """NFC with runs of whitespace collapsed: how every name is stored."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def fold(value: str) -> str:
    """Lower case, diacritics removed: 'Nguyễn Thị Ánh' -> 'nguyen thi anh'."""
    decomposed = unicodedata.normalize("NFD", value.translate(_LETTERS))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def search_words(value: str) -> list[str]:
    """The words of a search text, folded; punctuation is a separator, never syntax."""
    return _WORD.findall(fold(value))


def name_search_key(full_name: str) -> str:
    return " ".join(search_words(full_name))


def name_sort_key(family: str, middle: str | None, given: str) -> str:
    """Vietnamese directories sort by given name, then family name, then middle name."""
    parts = [given, family, middle or ""]
    return " ".join(word for part in parts for word in search_words(part))


# A name is at most a handful of words; every word of a search is one more prefix scan of the
# GIN index ANDed with the others, so a search of thousands of words costs the backend memory
# and time without ever finding more. Constants, not settings: no deployment needs longer names.
MAX_SEARCH_CHARS = 200
MAX_SEARCH_WORDS = 10


def search_bound_exceeded(text: str) -> str | None:
    """Why a search text is refused (too long, too many words), or None when it is fine."""
    if len(text) > MAX_SEARCH_CHARS:
        return f"a name search is at most {MAX_SEARCH_CHARS} characters (this one has {len(text)})"
    words = len(search_words(text))
    if words > MAX_SEARCH_WORDS:
        return f"a name search is at most {MAX_SEARCH_WORDS} words (this one has {words})"
    return None


def prefix_tsquery(text: str) -> str | None:
    """A `to_tsquery('simple', ...)` text in which every word matches as a prefix.

    Returns None when the text has no searchable word. Words are [a-z0-9]+ only, so the
    result cannot carry tsquery operators from the user.
    """
    words = search_words(text)
    if not words:
        return None
    return " & ".join(f"{word}:*" for word in words)


# Lower-case NFC Vietnamese letters with marks, and the plain letters they fold to: the same
# folding as fold(), usable inside SQL through translate() where no key column is stored.
MARKED = "àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ"
PLAIN = "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd"
