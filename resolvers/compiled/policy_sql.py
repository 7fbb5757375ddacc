"""The caller's policy view as SQL: a mask key per row, and each field's mask as CASE.

Nothing here restates a rule. The relation of a row to the caller is the one resolvers/access.py
decides (self by personal ID; same unit or subtree by the caller's organisation scope; else
outside), written as a CASE over the row; consent is the same active-consent test
store/queries/consents.py makes, as EXISTS. Every (relation, consent) pair is a small integer,
the row's mask key; which keys hide a field is asked of the policy engine's compiled view
(CallerView.masked), so the masks follow whatever the policy documents and the engine say.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from weakref import WeakKeyDictionary

from policies.engine import CallerView
from policies.types import Level, Relation
from resolvers.access import PERSON_TYPES, Access
from resolvers.compiled.params import Params

_SIGNATURES: WeakKeyDictionary[CallerView, dict[tuple[object, ...], tuple[object, ...]]] = (
    WeakKeyDictionary()
)
"""PolicySql.signature per caller view (gateway/request_context.py keeps a view per caller)."""

RELATIONS = (Relation.SELF, Relation.SAME_UNIT, Relation.SUBTREE, Relation.OUTSIDE)


def mask_key(relation: Relation, consent: bool) -> int:
    return RELATIONS.index(relation) * 2 + int(consent)


def relation_of(key: int) -> tuple[Relation, bool]:
    return RELATIONS[key // 2], bool(key % 2)


OUTSIDE = mask_key(Relation.OUTSIDE, False)


class Standing(Enum):
    """How the relation of a row is found for this caller."""

    BY_PERSONAL_ID = "self"  # the self level: the row is the caller's own, or outside
    BY_SCOPE = "scope"  # the caller's organisation and its subtree
    OUTSIDE = "outside"  # no scope: every row is outside


@dataclass(frozen=True)
class PolicySql:
    view: CallerView
    person_standing: Standing
    organization_standing: Standing
    consent: bool
    """Whether active consents can widen what this caller sees (else no EXISTS is compiled)."""

    @classmethod
    def of(cls, access: Access) -> PolicySql:
        caller = access.caller
        if caller.level is Level.SELF:
            person = Standing.BY_PERSONAL_ID
        else:
            person = Standing.OUTSIDE if access.scope is None else Standing.BY_SCOPE
        outside_levels = (Level.SELF, Level.PARTNER, Level.PUBLIC)
        if caller.level in outside_levels or access.scope is None:
            organization = Standing.OUTSIDE
        else:
            organization = Standing.BY_SCOPE
        consent = bool(caller.organization and caller.purposes and access.consent_matters())
        return cls(access.view, person, organization, consent)

    def person_keys(self) -> tuple[int, ...]:
        relations = {
            Standing.BY_PERSONAL_ID: (Relation.SELF, Relation.OUTSIDE),
            Standing.BY_SCOPE: (Relation.SAME_UNIT, Relation.SUBTREE, Relation.OUTSIDE),
            Standing.OUTSIDE: (Relation.OUTSIDE,),
        }[self.person_standing]
        consents = (False, True) if self.consent else (False,)
        return tuple(mask_key(r, c) for r in relations for c in consents)

    def organization_keys(self) -> tuple[int, ...]:
        if self.organization_standing is Standing.BY_SCOPE:
            return tuple(mask_key(r, False) for r in RELATIONS[1:])
        return (OUTSIDE,)

    def masked_keys(self, type_name: str, field_name: str) -> frozenset[int]:
        """The mask keys at which this caller may not see the field."""
        keys = self.person_keys() if type_name in PERSON_TYPES else self.organization_keys()
        return frozenset(
            key
            for key in keys
            if field_name in self.view.masked(type_name, *_relation(key), consent=key % 2 == 1)
        )

    def path_masked_keys(self, outer: tuple[str, str], field_name: str) -> frozenset[int]:
        """The person mask keys at which `field_name` of the code list entry reached by
        `outer` (("Person", "grade")) would give away a masked field (policies/derived.yaml)."""
        return frozenset(
            key
            for key in self.person_keys()
            if field_name
            in self.view.masked_paths(relation_of(key)[0], consent=key % 2 == 1).get(
                outer, frozenset()
            )
        )

    def signature(self) -> tuple[object, ...]:
        """What the compiled text depends on: the standings and every mask they can meet.

        Asked for every compiled root field of every request, and the same for every request
        of one caller: remembered beside the caller's compiled view, for as long as it lives."""
        known = _SIGNATURES.setdefault(self.view, {})
        standing = (self.person_standing, self.organization_standing, self.consent)
        signature = known.get(standing)
        if signature is None:
            signature = known[standing] = self._signature()
        return signature

    def _signature(self) -> tuple[object, ...]:
        types = (*PERSON_TYPES, "Organization")
        masks = tuple(
            (t, key, self.view.masked(t, *_relation(key), consent=key % 2 == 1))
            for t in types
            for key in (self.person_keys() if t in PERSON_TYPES else self.organization_keys())
        )
        paths = tuple(
            (key, tuple(sorted(self.view.masked_paths(*_relation(key), consent=key % 2 == 1)
                               .items())))
            for key in self.person_keys()
        )  # fmt: skip
        return (self.person_standing, self.organization_standing, self.consent, masks, paths)

    def person_key_sql(self, params: Params, person: str, *, in_page: bool = False) -> str:
        """The mask key of the person row `person`; `in_page`, for the rows of the directory
        page, whose filter may already say that they are all in the caller's subtree (the
        `page_in_scope` parameter, resolvers/compiled/planner.py): then no row's
        organisation is looked up for its path, which was a quarter of the page's reads."""
        if self.person_standing is Standing.BY_PERSONAL_ID:
            own, other = mask_key(Relation.SELF, False), OUTSIDE
            subject = params.ref("subject", "text")
            relation = f"CASE WHEN {person}.personal_id = {subject} THEN {own} ELSE {other} END"
        elif self.person_standing is Standing.BY_SCOPE:
            # the organisation's path by a subquery, not a join: evaluated for the rows a LIMIT
            # lets through, so the page still walks the directory index and stops early
            path = f"(SELECT path FROM organization WHERE id = {person}.organization_id)"
            relation = self._scope_case(params, f"{person}.organization_id", path, in_page)
        else:
            relation = str(OUTSIDE)
        if not self.consent:
            return relation
        consented = (
            "EXISTS (SELECT 1 FROM consent c WHERE c.person_id = "
            f"{person}.id AND c.organization_code = {params.ref('consent_org', 'text')} "
            f"AND c.purpose = ANY({params.ref('consent_purposes', 'text[]')}) "
            "AND c.revoked_at IS NULL AND c.valid_from <= now() AND c.valid_until > now())"
        )
        return f"({relation} + CASE WHEN {consented} THEN 1 ELSE 0 END)"

    def organization_key_sql(self, params: Params, organization: str) -> str:
        if self.organization_standing is Standing.BY_SCOPE:
            return self._scope_case(params, f"{organization}.id", f"{organization}.path")
        return str(OUTSIDE)

    def _scope_case(
        self, params: Params, organization_id: str, path: str, in_page: bool = False
    ) -> str:
        same = mask_key(Relation.SAME_UNIT, False)
        below = mask_key(Relation.SUBTREE, False)
        scope_id = params.ref("scope_id", "bigint")
        scope_path = params.ref("scope_path", "text")
        # a CASE evaluates its conditions in order and stops at the first that holds, so the
        # path's subquery runs only when the parameter cannot answer
        known = f"WHEN {params.ref('page_in_scope', 'boolean')} THEN {below} " if in_page else ""
        return (
            f"CASE WHEN {organization_id} = {scope_id} THEN {same} {known}"
            f"WHEN starts_with({path}, {scope_path}) THEN {below} ELSE {OUTSIDE} END"
        )


def _relation(key: int) -> tuple[Relation]:
    return (relation_of(key)[0],)
