"""A small, independent reading of docs/policies.md, docs/auth.md and docs/analytics.md.

Written from the documents, not from the engine: it imports nothing of policies/, resolvers/
or gateway/, reads the YAML documents itself, and answers three questions the gateway must
answer the same way: is this token refused (401), which root fields may this caller call, and
is this field (or path) of this person visible to this caller. Tests compare the two.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ORDER = ["public", "internal", "personal", "sensitive"]
ORG_LEVELS = ["central", "ministry", "province", "commune", "unit"]
MOHA = "000.00.00.G09"
# docs/analytics.md: each dimension reveals a Person field
DIMENSIONS = {
    "PROVINCE": "organization",
    "ORGANIZATION": "organization",
    "CATEGORY": "category",
    "GENDER": "gender",
    "AGE_BAND": "birthDate",
    "ETHNICITY": "ethnicity",
    "EDUCATION": "education",
    "GRADE": "grade",
    "SALARY_SCALE": "salary",
    "STATUS": "status",
}


def rank(name: str) -> int:
    return ORDER.index(name)


@dataclass(frozen=True)
class Org:
    code: str
    level: str
    status: str
    id: int


@dataclass(frozen=True)
class Who:
    """A caller as its token says: level, organisation, subject, purposes."""

    level: str  # "public" without a token
    org: str | None = None
    subject: str | None = None
    purposes: frozenset[str] = field(default_factory=frozenset)


class Documents:
    """The policy documents, read as docs/policies.md describes them."""

    def __init__(self, directory: Path) -> None:
        sections: dict[str, Any] = {}
        for path in sorted(directory.glob("*.yaml")):
            for name, body in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
                if isinstance(body, dict) and isinstance(sections.get(name), dict):
                    for key, value in body.items():
                        if isinstance(value, dict) and isinstance(sections[name].get(key), dict):
                            sections[name][key] = {**sections[name][key], **value}
                        else:
                            sections[name][key] = value
                else:
                    sections[name] = body
        self.classes: dict[str, dict[str, str]] = sections["classes"]
        self.grants: dict[str, dict[str, str]] = sections["grants"]
        self.widens_to: str = sections["consent"]["widens_to"]
        self.filters: dict[str, str] = sections["filters"]
        self.partners: dict[str, dict[str, list[str]]] = sections["partners"]
        self.reveals: dict[str, str] = sections.get("reveals", {})
        self.operations: dict[str, dict[str, dict[str, Any]]] = sections.get("operations", {})


class Model:
    def __init__(self, documents: Documents, orgs: Mapping[str, Org], tree: Mapping[str, Any]):
        self.d = documents
        self.orgs = orgs
        self.below = tree  # code -> set of organisation ids at or below it

    # --- docs/auth.md: what a token may name ---
    def refused(self, who: Who) -> bool:
        if who.level == "public":
            return False
        if who.level == "self":
            # a self token names a person (a 12-digit personal ID), never an organisation
            subject = who.subject or ""
            return who.org is not None or not (len(subject) == 12 and subject.isdigit())
        org = self.orgs.get(who.org or "")
        if org is None or org.status != "active":
            return True  # unknown, merged or dissolved
        if who.level == "partner":
            return False
        if who.level == "central":
            return not (org.code == MOHA or org.level == "central")
        return org.level != who.level

    # --- docs/policies.md: relations ---
    def relation(self, who: Who, personal_id: str, org_id: int) -> str:
        if who.level == "self":
            return "self" if personal_id == who.subject else "outside"
        if who.level not in ORG_LEVELS or who.org is None:
            return "outside"  # the public and partners: always outside
        if org_id == self.orgs[who.org].id:
            return "same_unit"
        if org_id in self.below[who.org]:
            return "subtree"
        return "outside"

    def relations_of(self, who: Who, org_ids: Any) -> set[str]:
        return {self.relation(who, "", org_id) for org_id in org_ids} or {"outside"}

    # --- which class a caller sees, and which fields ---
    def highest(self, who: Who, relation: str, consent: bool) -> int | None:
        granted = self.d.grants.get(who.level, {}).get(relation)
        found = None if granted is None else rank(granted)
        if consent:
            widened = rank(self.d.widens_to)
            found = widened if found is None else max(found, widened)
        return found

    def sees(self, who: Who, type_name: str, name: str, relation: str, consent: bool) -> bool:
        field_class = self.d.classes.get(type_name, {}).get(name)
        if field_class is None:
            return False  # a field without a class is denied to everyone
        partner_listed = who.level == "partner" and any(
            name in self.d.partners.get(purpose, {}).get(type_name, []) for purpose in who.purposes
        )
        highest = self.highest(who, relation, consent)
        granted = partner_listed or (highest is not None and rank(field_class) <= highest)
        target = self.d.reveals.get(f"{type_name}.{name}")
        return granted and (target is None or self.target_seen(who, target, relation, consent))

    def target_seen(self, who: Who, target: str, relation: str, consent: bool) -> bool:
        if target in ORDER:
            highest = self.highest(who, relation, consent)
            return highest is not None and rank(target) <= highest
        type_name, name = target.split(".")
        return self.sees(who, type_name, name, relation, consent)

    def path_seen(self, who: Who, path: list[str], relation: str, consent: bool) -> bool:
        """A path through a code list (`Person.grade.scale`): seen where what it reveals is."""
        target = self.d.reveals.get(".".join(path))
        return target is None or self.target_seen(who, target, relation, consent)

    def may_use(self, who: Who, type_name: str, name: str, relations: set[str]) -> bool:
        """A filter or a dimension: the field and everything its paths reveal, everywhere."""
        prefix = f"{type_name}.{name}."
        return all(
            self.sees(who, type_name, name, r, False)
            and all(
                self.target_seen(who, target, r, False)
                for path, target in self.d.reveals.items()
                if path.startswith(prefix)
            )
            for r in relations
        )

    def may_call(self, who: Who, root: str, name: str) -> bool:
        rule = self.d.operations.get(root, {}).get(name)
        if rule is None:
            return False
        levels = rule["levels"]
        if levels != "all" and who.level not in levels:
            return False
        needed = rule.get("purposes", {}).get(who.level)
        return needed is None or bool(set(needed) & who.purposes)
