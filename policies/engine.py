"""What one caller may see: the policy compiled for a caller, answering per type and relation.

Pure: no I/O. The gateway builds one CallerView per request (cheap: answers are memoised per
type, relation and consent) and asks it which fields of a row to mask.
"""

from __future__ import annotations

from policies.document import Policy
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
            return True
        highest = self.highest_class(relation, consent=consent)
        return highest is not None and field_class <= highest

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
        return self.allows(*target, relation)
