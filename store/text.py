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
