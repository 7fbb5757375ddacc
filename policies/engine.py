"""What one caller may see: the policy compiled for a caller, answering per type and relation.

Pure: no I/O. The gateway builds one CallerView per caller (cheap: answers are memoised per
type, relation and consent) and asks it which root fields it may call, which fields of a row
to mask, and which paths through a row's code lists give away a masked field. Every answer is
data (sets of names) that a planner can compile as well as the resolvers can apply.
"""

from __future__ import annotations

from collections.abc import Mapping

from policies.document import ROOT_TYPES, Policy, Revealed
from policies.types import Caller, FieldClass, Level, Relation


class CallerView:
    def __init__(self, policy: Policy, caller: Caller) -> None:
        self.policy = policy
        self.caller = caller
        self._grants = policy.grants.get(caller.level, {})
        self._partner_fields: dict[str, set[str]] = {}
        if caller.level is Level.PARTNER:
            for purpose in sorted(caller.purposes):
                for type_name, fields in policy.partners.get(purpose, {}).items():
                    self._partner_fields.setdefault(type_name, set()).update(fields)
        self._masked: dict[tuple[str, Relation, bool], frozenset[str]] = {}
        self._paths: dict[tuple[Relation, bool], Mapping[tuple[str, str], frozenset[str]]] = {}
        self.operations: Mapping[str, frozenset[str]] = {
            root: frozenset(
                name for name in policy.operations.get(root, {}) if self.may_call(root, name)
            )
            for root in ROOT_TYPES
        }
        """root type -> the root fields this caller may call; any other is refused."""

    def may_call(self, root: str, field_name: str) -> bool:
        """Whether the `operations` section lets this caller call a root field."""
        operation = self.policy.operations.get(root, {}).get(field_name)
        if operation is None or self.caller.level not in operation.levels:
            return False
        needed = operation.purposes.get(self.caller.level)
        return needed is None or bool(needed & self.caller.purposes)

    def highest_class(self, relation: Relation, *, consent: bool = False) -> FieldClass | None:
        """The highest class visible at `relation`; None when nothing is."""
        granted = self._grants.get(relation)
        if consent:
            widened = self.policy.consent_class
            granted = widened if granted is None else max(granted, widened)
        return granted

    def allows(
        self, type_name: str, field_name: str, relation: Relation, *, consent: bool = False
    ) -> bool:
        field_class = self.policy.field_class(type_name, field_name)
        if field_class is None:
            return False  # a field without a class is denied to everyone
        if field_name in self._partner_fields.get(type_name, ()):
            granted = True
        else:
            highest = self.highest_class(relation, consent=consent)
            granted = highest is not None and field_class <= highest
        revealed = self.policy.reveals.get((type_name, field_name))
        return granted and (revealed is None or self._sees(revealed, relation, consent))

    def _sees(self, revealed: Revealed, relation: Relation, consent: bool) -> bool:
        if revealed.field is not None:
            return self.allows(*revealed.field, relation, consent=consent)
        highest = self.highest_class(relation, consent=consent)
        return (
            highest is not None
            and revealed.field_class is not None
            and (revealed.field_class <= highest)
        )

    def masked_paths(
        self, relation: Relation, *, consent: bool = False
    ) -> Mapping[tuple[str, str], frozenset[str]]:
        """(type, field) -> fields of the code list it leads to that give away a masked field.

        `grade { scale }` of a person whose salary is masked: {("Person", "grade"): {"scale"}}.
        """
        key = (relation, consent)
        found = self._paths.get(key)
        if found is None:
            paths: dict[tuple[str, str], set[str]] = {}
            for path, revealed in self.policy.reveals.items():
                if len(path) == 3 and not self._sees(revealed, relation, consent):
                    paths.setdefault((path[0], path[1]), set()).add(path[2])
            found = {outer: frozenset(inner) for outer, inner in paths.items()}
            self._paths[key] = found
        return found

    def may_reveal(
        self, type_name: str, field_name: str, relation: Relation, *, consent: bool = False
    ) -> bool:
        """Whether grouping or filtering by a field is allowed: the field, and everything any
        path through it gives away (a breakdown by grade is a breakdown by salary scale)."""
        if not self.allows(type_name, field_name, relation, consent=consent):
            return False
        return all(
            self._sees(revealed, relation, consent)
            for path, revealed in self.policy.reveals.items()
            if path[:2] == (type_name, field_name)
        )

    def masked(
        self, type_name: str, relation: Relation, *, consent: bool = False
    ) -> frozenset[str]:
        """The fields of `type_name` this caller may not see on a row at `relation`."""
        key = (type_name, relation, consent)
        found = self._masked.get(key)
        if found is None:
            fields = self.policy.classes.get(type_name, {})
            found = frozenset(
                name
                for name in fields
                if not self.allows(type_name, name, relation, consent=consent)
            )
            self._masked[key] = found
        return found

    def may_filter(self, argument: str, relation: Relation) -> bool:
        """Whether a filter argument may be used where its matches stand at `relation`."""
        target = self.policy.filters.get(argument)
        if target is None:
            return False
        return self.may_reveal(*target, relation)
