"""The simulated national population database, built from the store's people.

It states each person's name, birth date, gender and permanent residence as the population
database would, and for a small deterministic share differs from the Ministry store the way
real records do, so that reconciliation has something to find:

- the name spelt with the other tone-mark placement ("Thủy"/"Thuỷ", "Hòa"/"Hoà") or i/y
  ("Lý"/"Lí"), both in use in Vietnamese;
- the birth date with day and month swapped, or 1 January when the store's day and month could
  not be swapped (records made when only the year was known).

The rules are pure (respell, shifted_birth_date, citizen_row); `sandbox_mismatch` records which
people differ and how, as the answer key for reconciliation tests. The service never shows it.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sandbox.services.truth import all_people

DEFAULT_MISMATCH_SHARE = 0.02
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng
# vowel pairs where old and new orthography put the tone on different letters
_GLIDES = {("o", "a"), ("o", "e"), ("u", "y")}
# a final y after a consonant may be written i (Lý/Lí, Mỹ/Mĩ, Kỳ/Kì); never the other way
# round (Thị is never Thỵ)
_VOWELS = frozenset("aăâeêioôơuưy")
_Y_TO_I = {"ý": "í", "ỳ": "ì", "ỹ": "ĩ", "ỷ": "ỉ", "ỵ": "ị", "y": "i"}

DDL = [
    "CREATE SCHEMA population",
    """CREATE TABLE population.citizen (
        personal_id text PRIMARY KEY,
        full_name text NOT NULL,
        birth_date date NOT NULL,
        gender text NOT NULL,
        residence text)""",
    "CREATE TABLE population.sandbox_mismatch (personal_id text PRIMARY KEY, kind text NOT NULL)",
]


@dataclass(frozen=True)
class Citizen:
    personal_id: str
    full_name: str
    birth_date: date
    gender: str
    residence: str | None
    mismatch: str | None = None  # "name" or "birth_date" where it differs from the store


def _move_tone(word: str) -> str | None:
    """The word with its tone mark on the other vowel of an oa/oe/uy glide, if it has one.

    Only open syllables move (hòa/hoà, thủy/thuỷ): with a final consonant (hoàn, thuyền) both
    orthographies agree, and "qu" is a consonant (Quý is Quý either way).
    """
    letters = unicodedata.normalize("NFD", word)
    base = [i for i, ch in enumerate(letters) if not unicodedata.combining(ch)]
    if len(base) < 2:
        return None
    i, j = base[-2], base[-1]
    if (letters[i].lower(), letters[j].lower()) not in _GLIDES:
        return None
    if len(base) > 2 and letters[base[-3]].lower() == "q":
        return None
    between, after = letters[i + 1 : j], letters[j + 1 :]
    if not set(between + after) <= _TONES or len(between + after) != 1:
        return None  # other marks (ô, ơ, ư) make it another vowel; no tone, nothing to move
    tone = between + after
    if between:  # old style (hòa): the tone goes after the second vowel (hoà)
        moved = letters[: i + 1] + letters[j:] + tone
    else:  # new style (hoà): the tone goes back onto the first vowel (hòa)
        moved = letters[: i + 1] + tone + letters[j : j + 1]
    return unicodedata.normalize("NFC", moved)


def respell(full_name: str) -> str | None:
    """The same name in the other accepted spelling, or None when no word has one."""
    words = full_name.split(" ")
    for index in range(len(words) - 1, -1, -1):  # given name first: where variants live
        moved = _move_tone(words[index])
        if moved is not None and moved != words[index]:
            return " ".join([*words[:index], moved, *words[index + 1 :]])
        word = words[index]
        stem, last = word[:-1], word[-1:]
        # after a consonant only (Mỹ, Lý; the u of "qu" is one): never after a vowel (Duy, Tuy)
        if last in _Y_TO_I and stem and (stem.lower().endswith("qu") or stem[-1] not in _VOWELS):
            variant = stem + _Y_TO_I[last]
            return " ".join([*words[:index], variant, *words[index + 1 :]])
    return None


def shifted_birth_date(birth_date: date) -> date:
    """Day and month swapped where that is another valid date, else 1 January of the year."""
    if birth_date.day <= 12 and birth_date.day != birth_date.month:
        return birth_date.replace(month=birth_date.day, day=birth_date.month)
    if (birth_date.month, birth_date.day) != (1, 1):
        return birth_date.replace(month=1, day=1)
    return birth_date.replace(day=2)


def citizen_row(person: Mapping[str, Any], seed: int, mismatch_share: float) -> Citizen:
    """What the population database states about one person of the store."""
    citizen = Citizen(
        personal_id=person["personal_id"],
        full_name=person["full_name"],
        birth_date=person["birth_date"],
        gender=person["gender"],
        residence=person["permanent_address"],
    )
    rng = random.Random(f"population:{seed}:{citizen.personal_id}")  # noqa: S311 (synthetic)
    roll = rng.random()
    if roll >= mismatch_share:
        return citizen
    respelt = respell(citizen.full_name) if roll < mismatch_share / 2 else None
    if respelt is not None:
        return Citizen(**{**citizen.__dict__, "full_name": respelt, "mismatch": "name"})
    shifted = shifted_birth_date(citizen.birth_date)
    return Citizen(**{**citizen.__dict__, "birth_date": shifted, "mismatch": "birth_date"})


async def build_population_database(
    store: Any, target: Any, *, seed: int, mismatch_share: float = DEFAULT_MISMATCH_SHARE
) -> int:
    """(Re)creates schema `population` in the target's database; returns the citizens count."""
    citizens = [citizen_row(p, seed, mismatch_share) for p in await all_people(store)]
    async with target.transaction():
        await target.execute("DROP SCHEMA IF EXISTS population CASCADE")
        for statement in DDL:
            await target.execute(statement)
        await target.copy_records_to_table(
            "citizen",
            schema_name="population",
            records=[
                (c.personal_id, c.full_name, c.birth_date, c.gender, c.residence) for c in citizens
            ],
            columns=("personal_id", "full_name", "birth_date", "gender", "residence"),
        )
        await target.copy_records_to_table(
            "sandbox_mismatch",
            schema_name="population",
            records=[(c.personal_id, c.mismatch) for c in citizens if c.mismatch],
            columns=("personal_id", "kind"),
        )
    return len(citizens)
