"""Who a synthetic person is: name, ethnicity, religion, personal ID and places (data group 1).

Pure: reads sandbox/data/names.yaml and the code lists once, then draws with the caller's RNG.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sandbox.datafiles import names, texts
from sandbox.draw import Weighted
from store.codelists import load_code_list
from store.text import search_words

# Family names borne by some ethnic minorities, by group name in ethnic_groups.yaml (our rough
# judgement, unverified), and the share of the group's people drawn from them rather than from
# the national list.
MINORITY_SURNAMES: Mapping[str, tuple[str, ...]] = {
    "Tày": ("Nông", "Hoàng", "Lương", "Triệu", "Lục", "Ma"),
    "Thái": ("Lò", "Cầm", "Quàng", "Lường", "Vi", "Hà"),
    "Mường": ("Bùi", "Đinh", "Quách", "Hà", "Xa"),
    "Nùng": ("Nông", "Hoàng", "Lăng", "Chu", "Mã"),
    "H'Mông": ("Giàng", "Vàng", "Sùng", "Thào", "Lý", "Hầu", "Mùa"),
    "Dao": ("Triệu", "Bàn", "Đặng", "Lý", "Chảo"),
    "Khmer": ("Thạch", "Danh", "Sơn", "Kim", "Lâm"),
    "Hoa": ("Lâm", "Trương", "Quách", "Lý", "Châu", "Hứa", "Mã"),
}
MINORITY_SURNAME_SHARE = 0.7

PERSONAL_ID_MULTIPLIER = 7919  # coprime with 10**6, so n -> (n * m + offset) % 10**6 is a bijection
_SERIALS = 1_000_000


@dataclass(frozen=True, slots=True)
class Name:
    family: str
    middle: str | None
    given: str
    full: str
    search: str
    sort: str


class Names:
    """Vietnamese names with national surname shares, and minority surnames for their groups."""

    def __init__(self, ethnic_groups: Weighted[str]) -> None:
        data = names()
        self.middle = {
            gender: Weighted((e["name"], e["weight"]) for e in data["middle_names"][gender])
            for gender in ("male", "female")
        }
        self.given = {
            gender: Weighted((e["name"], e["weight"]) for e in data["given_names"][gender])
            for gender in ("male", "female")
        }
        names_of_groups = {e["code"]: e["name"] for e in load_code_list("ethnic_groups").entries}
        self.minority: dict[str, Weighted[str]] = {
            code: Weighted((surname, 1.0) for surname in MINORITY_SURNAMES[name])
            for code, name in names_of_groups.items()
            if name in MINORITY_SURNAMES
        }
        self.surnames = Weighted(_national_surnames(data["surnames"], ethnic_groups, self.minority))
        self._keys: dict[str, str] = {}

    def draw(self, rng: random.Random, female: bool, ethnicity: str) -> Name:
        minority = self.minority.get(ethnicity)
        if minority is not None and rng.random() < MINORITY_SURNAME_SHARE:
            family = minority.pick(rng)
        else:
            family = self.surnames.pick(rng)
        gender = "female" if female else "male"
        middle = self.middle[gender].pick(rng)
        given = self.given[gender].pick(rng)
        family_key, middle_key, given_key = self._key(family), self._key(middle), self._key(given)
        return Name(
            family=family,
            middle=middle,
            given=given,
            full=f"{family} {middle} {given}",
            # the same keys as store.text.name_search_key / name_sort_key, word by word and cached
            search=f"{family_key} {middle_key} {given_key}",
            sort=f"{given_key} {family_key} {middle_key}",
        )

    def _key(self, part: str) -> str:
        key = self._keys.get(part)
        if key is None:
            key = self._keys[part] = " ".join(search_words(part))
        return key


def _national_surnames(
    entries: Sequence[Mapping[str, Any]],
    ethnic_groups: Weighted[str],
    minority: Mapping[str, Weighted[str]],
) -> list[tuple[str, float]]:
    """Weights for everyone not drawn from a minority list, chosen so that each surname's share
    of the whole population stays the file's (else Nguyễn would fall below its 38%)."""
    total = sum(e["weight"] for e in entries)
    from_minority: dict[str, float] = {}
    for code, surnames in minority.items():
        share = ethnic_groups.probability(code) * MINORITY_SURNAME_SHARE
        for surname in surnames.values:
            from_minority[surname] = from_minority.get(surname, 0.0) + share / len(surnames.values)
    return [
        (e["name"], max(e["weight"] / total - from_minority.get(e["name"], 0.0), 0.0))
        for e in entries
    ]


def ethnic_groups() -> Weighted[str]:
    known = set(load_code_list("ethnic_groups").codes)
    shares = names()["ethnic_shares"]
    return Weighted((code, float(share)) for code, share in shares.items() if code in known)


def religions() -> Weighted[str]:
    known = set(load_code_list("religions").codes)
    shares = names()["religion_shares"]
    return Weighted((code, float(share)) for code, share in shares.items() if code in known)


class PersonalIds:
    """12-digit personal IDs (CCCD) that are unique without remembering the ones given out.

    Digits 1-3 are the old province of birth registration, 4 gender and century, 5-6 the birth
    year; digits 7-12 come from a counter per prefix passed through a bijection of 0..999999, so
    they look random but never repeat within a prefix.
    """

    def __init__(self, offset: int) -> None:
        self._offset = offset % _SERIALS
        self._issued: dict[str, int] = {}

    def issue(self, province: str, female: bool, birth_year: int) -> str:
        century_digit = 2 * (birth_year // 100 - 19) + female
        if not 0 <= century_digit <= 9:
            raise ValueError(f"no personal-ID century digit for birth year {birth_year}")
        prefix = f"{province}{century_digit}{birth_year % 100:02d}"
        serial = self._issued.get(prefix, 0)
        if serial >= _SERIALS:
            raise OverflowError(f"more than {_SERIALS} personal IDs with prefix {prefix}")
        self._issued[prefix] = serial + 1
        # a per-prefix start, so that the first IDs of different prefixes do not end alike
        start = int(prefix) * PERSONAL_ID_MULTIPLIER + self._offset
        return f"{prefix}{(serial * PERSONAL_ID_MULTIPLIER + start) % _SERIALS:06d}"


class Places:
    """Birth places (old provinces, whose codes begin personal IDs) and addresses (new communes)."""

    def __init__(self) -> None:
        self.streets: Sequence[str] = texts()["streets"]
        self.hamlets: Sequence[str] = texts()["hamlets"]
        provinces = load_code_list("provinces").entries
        self.province_names = {p["code"]: f"{p['kind']} {p['name']}" for p in provinces}
        cities = {p["name"] for p in provinces if p["kind"] == "thành phố"}
        old = load_code_list("old_provinces").entries
        # the old provinces' own names, as written on records made before the 2025 mergers
        self.old_names = {
            o["code"]: ("Thành phố " if o["name"] in cities else "Tỉnh ") + o["name"] for o in old
        }
        self.anywhere: Weighted[str] = Weighted((o["code"], 1.0) for o in old)
        self.local: dict[str, Weighted[str]] = {
            code: Weighted((o["code"], 1.0) for o in old if o["merged_into"] == code)
            for code in self.province_names
        }
        communes = load_code_list("communes").entries
        self.communes: dict[str, list[tuple[str, bool]]] = {
            code: [] for code in self.province_names
        }
        for c in communes:
            line = f"{c['name']}, {self.province_names[c['province']]}"
            self.communes[c["province"]].append((line, c["kind"] == "phường"))

    def birth_province(self, rng: random.Random, province: str, local_share: float) -> str:
        """An old province of birth: with `local_share`, one that became part of `province`."""
        local = self.local.get(province)
        if local is not None and rng.random() < local_share:
            return local.pick(rng)
        return self.anywhere.pick(rng)

    def address(self, rng: random.Random, province: str) -> str:
        line, ward = rng.choice(self.communes[province])
        if ward:
            return f"Số {rng.randint(1, 250)} đường {rng.choice(self.streets)}, {line}"
        return f"Thôn {rng.choice(self.hamlets)}, {line}"
