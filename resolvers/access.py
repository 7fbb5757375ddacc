"""Per-request access decisions: the caller's relation to each row and the fields to mask.

The policy (policies/) says which class of field a caller sees per relation; this module works
out the relation of one row to the caller (self, same unit, subtree, outside), applies consents,
and remembers which people's personal or sensitive fields a response carried, for the audit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from graphql import GraphQLError

from policies.engine import CallerView
from policies.types import POSSIBLE_RELATIONS, Caller, FieldClass, Level, Relation

PERSON_TYPES = ("Person", "Education", "Membership", "Performance", "Provenance", "Salary")
"""The types built from one person's row: masked by that person's relation to the caller."""


class ForbiddenError(GraphQLError):
    """The caller may not see this field here; the message carries no data."""

    def __init__(
        self, message: str = "you are not permitted to see this field", *, rule: str | None = None
    ) -> None:
        extensions = {"code": "FORBIDDEN"}
        if rule is not None:  # which part of the policy refused: `operations` for a root field
            extensions["rule"] = rule
        super().__init__(message, extensions=extensions)


@dataclass(frozen=True)
class Scope:
    """The caller's organisation: its id, materialised path and every organisation below it."""

    organization_id: int
    path: str
    subtree_ids: frozenset[int]


@dataclass(frozen=True)
class PersonMasks:
    """What to hide of one person's row, per type built from it."""

    relation: Relation
    consent: bool
    by_type: Mapping[str, frozenset[str]]
    by_path: Mapping[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    """(type, field) -> what to hide of the code list it leads to (`grade` -> {"scale"})."""

    def of(self, type_name: str) -> frozenset[str]:
        return self.by_type[type_name]

    def through(self, type_name: str, field_name: str) -> frozenset[str]:
        return self.by_path.get((type_name, field_name), frozenset())


@dataclass
class Access:
    view: CallerView
    scope: Scope | None
    requested: Mapping[str, frozenset[str]]
    """type -> fields the operation selects (any path), from the document's analysis."""
    consented_people: set[int] = field(default_factory=set)
    consent_checked: set[int] = field(default_factory=set)
    _masks: dict[tuple[Relation, bool], PersonMasks] = field(default_factory=dict)
    _seen: dict[tuple[Relation, bool], set[int]] = field(default_factory=lambda: defaultdict(set))
    _shown: dict[tuple[str, ...], set[int]] = field(default_factory=lambda: defaultdict(set))
    """`Type.field`s -> people: personal values a response carried outside a person row."""

    @property
    def caller(self) -> Caller:
        return self.view.caller

    def person_relation(self, personal_id: str, organization_id: int) -> Relation:
        caller = self.caller
        if caller.level is Level.SELF:
            return Relation.SELF if personal_id == caller.subject else Relation.OUTSIDE
        return self.organization_relation(organization_id)

    def possible_relations(self) -> set[Relation]:
        """Every relation a row may stand in to this caller (docs/policies.md)."""
        if self.scope is None and self.caller.level is not Level.SELF:
            return {Relation.OUTSIDE}
        return set(POSSIBLE_RELATIONS[self.caller.level])

    def organization_relation(self, organization_id: int) -> Relation:
        # the public and partners are always outside, whatever organisation a token names
        if Relation.SAME_UNIT not in POSSIBLE_RELATIONS[self.caller.level]:
            return Relation.OUTSIDE
        return self._organization_relation(organization_id)

    def may_call(self, root: str, field_name: str) -> bool:
        """Whether the policy's `operations` let this caller call a root field."""
        return field_name in self.view.operations.get(root, frozenset())

    def _organization_relation(self, organization_id: int) -> Relation:
        scope = self.scope
        if scope is None:
            return Relation.OUTSIDE
        if organization_id == scope.organization_id:
            return Relation.SAME_UNIT
        if organization_id in scope.subtree_ids:
            return Relation.SUBTREE
        return Relation.OUTSIDE

    def consent_matters(self) -> bool:
        """Whether a consent could widen anything this caller sees (else skip the lookup)."""
        widened = self.view.policy.consent_class
        outside = self.view.highest_class(Relation.OUTSIDE)
        return outside is None or outside < widened

    def person_masks(self, person_id: int, personal_id: str, organization_id: int) -> PersonMasks:
        relation = self.person_relation(personal_id, organization_id)
        return self.note_person(person_id, relation, person_id in self.consented_people)

    def note_person(self, person_id: int, relation: Relation, consent: bool) -> PersonMasks:
        """The masks of a person row at `relation`, remembered for the audit (the compiled
        reads, resolvers/compiled/, decide the relation in SQL and report it here)."""
        return self.note_people((person_id,), relation, consent)

    def note_people(
        self, person_ids: Iterable[int], relation: Relation, consent: bool
    ) -> PersonMasks:
        """`note_person` for several rows at the same relation and consent."""
        key = (relation, consent)
        masks = self._masks.get(key)
        if masks is None:
            masks = PersonMasks(
                relation,
                consent,
                {t: self.view.masked(t, relation, consent=consent) for t in PERSON_TYPES},
                self.view.masked_paths(relation, consent=consent),
            )
            self._masks[key] = masks
        self._seen[key].update(person_ids)
        return masks

    def note_shown(self, people: Iterable[int], fields: Iterable[str]) -> None:
        """Personal or sensitive values the response carries outside a person row (a reject's
        offending value), for the audit: the `Type.field`s, and the people by store id (none
        for someone the store does not hold, a refused newcomer: who saw which fields is
        recorded all the same)."""
        names = tuple(sorted(set(fields)))
        if names:
            self._shown[names].update(people)

    def organization_masks(self, organization_id: int) -> frozenset[str]:
        return self.view.masked("Organization", self.organization_relation(organization_id))

    def may_filter(self, argument: str, relation: Relation) -> bool:
        return self.view.may_filter(argument, relation)

    def accessed(self) -> list[tuple[list[int], list[str]]]:
        """(people, `Type.field`s) pairs: personal or sensitive fields the response carried.

        People whose rows showed the same fields share one pair, so a response costs at most
        one pair per distinct field set (usually one), whatever its number of rows. Values
        noted with `note_shown` are pairs of their own (their fields name their type).
        """
        policy = self.view.policy
        by_fields: dict[tuple[str, ...], set[int]] = defaultdict(set)
        for key, people in self._seen.items():
            masks = self._masks[key]
            fields = tuple(
                sorted(
                    f"{type_name}.{name}"
                    for type_name in PERSON_TYPES
                    for name in self.requested.get(type_name, ())
                    if name not in masks.of(type_name)
                    and (policy.field_class(type_name, name) or FieldClass.PUBLIC)
                    >= FieldClass.PERSONAL
                )
            )
            if fields and people:
                by_fields[fields].update(people)
        for fields, people in self._shown.items():
            by_fields[fields].update(people)
        return [(sorted(people), list(fields)) for fields, people in sorted(by_fields.items())]
