"""The gateway returns exactly what the reference model (reference_model.py) allows.

Hypothesis draws callers — every level, organisations of every level (the national root, MOHA,
ministries, provinces, communes, units, a merged province, an unknown code), self subjects
(real, another person's, not a personal ID), purposes and a consent — and operations of every
shape: aliases, named and inline fragments, connections nested through organisations, node,
person, live fields, the dossier's ten lists, code-list paths (grade.scale,
position.allowanceCoefficient), statistics by dimension, and the root fields that only some
levels may call. Up to eight root fields ride in one request. For every Person in every
response, every field selected is compared with the model: denied ⇔ null with FORBIDDEN at its
path; allowed ⇔ no FORBIDDEN there. A token the model refuses must be 401; a root field it
refuses must be FORBIDDEN at its path.

CI runs REFERENCE_MODEL_EXAMPLES (default 600) requests, at least 10,000 compared cases (a
case is one person, or one root field, against one caller); `make reference-model` runs
100,000 cases or more.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference_model import DIMENSIONS, Documents, Model, Org, Who
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from policies.types import Caller, Level
from resolvers import global_id

EXAMPLES = int(os.environ.get("REFERENCE_MODEL_EXAMPLES", "600"))
MINIMUM_CASES = int(os.environ.get("REFERENCE_MODEL_MIN_CASES", "10000"))
SEP = "__"  # aliases are `<field>__<n>`: the response key names the field
CONSENT_PURPOSE = "recruitment"

SCALARS = [
    "fullName", "givenName", "otherNames", "gender", "birthDate", "homeTown", "personalId",
    "category", "status", "recruitedOn", "jobPosition", "positionSince",
]  # fmt: skip
OBJECTS = {
    "grade": ["code", "name", "scale { code }"],
    "position": ["name", "allowanceCoefficient"],
    "salary": ["step", "coefficient", "scale { code }"],
    "education": ["professionalLevel", "itSkill"],
    "membership": ["partyJoinedOn"],
    "performance": ["rating"],
    "provenance": ["source"],
    "ethnicity": ["name"],
    "religion": ["name"],
    "organization": ["code"],
}
LIVE = ["rewards { year }", "disciplines { kind }", "family { relation }"]
# the dossier's ten lists (issue 17), store-backed connections: each list is the class of the
# Person field that leads to it (family personal; discipline, assets, health sensitive; ...)
DOSSIER = {
    "familyMembers": "relation birthYear", "personalHistory": "startOn activity",
    "trainingCourses": "kind institution", "rewardRecords": "decidedOn title",
    "disciplineRecords": "decidedOn kind", "allowances": "kind coefficient",
    "annualRatings": "year rating", "militaryService": "enlistedOn highestRank",
    "assetDeclarations": "year annualIncomeVnd", "healthRecords": "recordedOn status",
}  # fmt: skip
GATED_ROOTS = {
    "me": "me { level }",
    "auditLog": "auditLog(first: 1) { edges { cursor } }",
    "myAccessLog": "myAccessLog(first: 1) { edges { cursor } }",
    "myConsents": "myConsents { purpose }",
    "sources": "sources { id }",
    "syncRuns": "syncRuns(first: 1) { edges { cursor } }",
}


@st.composite
def person_selection(draw: st.DrawFn, aliases: bool, lists: bool = True) -> str:
    """`aliases`: alias some scalars (one root field per request does, so that a request
    stays under the gateway's limit of 15 aliases); `lists`: may select the dossier's lists
    (not where the person is already nested deep: the query depth limit is 10)."""
    parts = ["__typename", "id"]
    for index, name in enumerate(draw(st.lists(st.sampled_from(SCALARS), max_size=5))):
        aliased = aliases and draw(st.booleans())
        parts.append(f"{name}{SEP}{index}: {name}" if aliased else name)
    for name in draw(st.lists(st.sampled_from(sorted(OBJECTS)), max_size=4, unique=True)):
        inner = draw(st.lists(st.sampled_from(OBJECTS[name]), min_size=1, max_size=3, unique=True))
        parts.append(f"{name} {{ {' '.join(inner)} }}")
    if draw(st.integers(0, 4)) == 0:
        parts.append(draw(st.sampled_from(LIVE)))
    chosen = st.lists(st.sampled_from(sorted(DOSSIER)), max_size=2 if lists else 0, unique=True)
    for name in draw(chosen):
        paging = draw(st.sampled_from(["first: 2", "last: 1", "first: 3, last: 2"]))
        parts.append(f"{name}({paging}) {{ edges {{ node {{ {DOSSIER[name]} }} }} }}")
    if draw(st.booleans()):
        parts.append("...Extra")
    if draw(st.booleans()):
        parts.append(
            f"... on Person {{ {draw(st.sampled_from(SCALARS))} grade {{ scale {{ code }} }} }}"
        )
    return " ".join(parts)


@st.composite
def root_field(draw: st.DrawFn, index: int) -> str:
    shape = draw(st.integers(0, 8))
    selection = draw(person_selection(aliases=index == 0, lists=shape <= 3))
    size = draw(st.integers(4, 10))
    code = draw(st.sampled_from(FILTER_CODES))
    person = draw(st.sampled_from(PEOPLE))
    alias = f"c{index}: "
    if shape == 0:
        return f"{alias}persons(first: {size}) {{ edges {{ node {{ {selection} }} }} }}"
    if shape == 1:
        grades = ', grades: ["01.003", "01.002"]' if draw(st.booleans()) else ""
        subtree = ", includeSubtree: false" if draw(st.booleans()) else ""
        return (
            f'{alias}persons(first: {size}, filter: {{organization: "{code}"{grades}{subtree}}}) '
            f"{{ edges {{ node {{ {selection} }} }} }}"
        )
    if shape == 2:
        return f'{alias}node(id: "{person}") {{ ... on Person {{ {selection} }} }}'
    if shape == 3:
        return f'{alias}person(id: "{person}") {{ {selection} }}'
    if shape == 4:
        return (
            f'{alias}organization(code: "{code}") {{ children {{ persons(first: {size}) '
            f"{{ edges {{ node {{ {selection} }} }} }} }} }}"
        )
    if shape == 5:
        return (
            f"{alias}persons(first: {size}) {{ edges {{ node {{ organization {{ persons(first: 2)"
            f" {{ edges {{ node {{ {selection} }} }} }} }} }} }} }}"
        )
    if shape == 6:
        dimension = draw(st.sampled_from(sorted(DIMENSIONS)))
        where = f', filter: {{organization: "{code}"}}' if draw(st.booleans()) else ""
        return f"{alias}statistics(groupBy: [{dimension}]{where}) {{ total }}"
    return alias + draw(st.sampled_from(sorted(GATED_ROOTS.values())))


@st.composite
def operation(draw: st.DrawFn) -> str:
    count = draw(st.integers(4, 7))
    fields = [draw(root_field(index)) for index in range(count)]
    extra = draw(st.sampled_from(SCALARS))
    fragment = f" fragment Extra on Person {{ {extra} position {{ allowanceCoefficient }} }}"
    body = " ".join(fields)
    return f"query {{ {body} }}" + (fragment if "...Extra" in body else "")


# Placeholders: generation never depends on the database (Hypothesis replays it exactly);
# the test puts the seeded store's codes and people in their place.
CALLER_CODES = [f"@C{i}@" for i in range(12)]
FILTER_CODES = ["@C0@", "@C1@", "@C2@", "@C3@", "@C4@", "@C5@"]
FITTING = {
    "central": ["@C6@", "@C7@"],
    "ministry": ["@C8@"],
    "province": ["@C0@", "@C1@"],
    "commune": ["@C4@"],
    "unit": ["@C5@", "@C11@"],
}
"""Which placeholders (see the `oracle` fixture) name an organisation of each level."""
PEOPLE = ["@P0@", "@P1@", "@P2@"]
SUBJECTS = ["@S0@", "@S1@", "not-a-personal-id"]


@st.composite
def callers(draw: st.DrawFn) -> Who:
    level = draw(st.sampled_from([level.value for level in Level]))
    if level == "public":
        return Who("public")
    # mostly an organisation the level may name (so most requests are answered), sometimes
    # any of them: the root, MOHA, a ministry, a merged province, an unknown code
    fitting = FITTING.get(level, CALLER_CODES)
    org = draw(st.sampled_from(fitting if draw(st.integers(0, 4)) else CALLER_CODES))
    purposes = draw(
        st.frozensets(st.sampled_from([CONSENT_PURPOSE, "statistics", "insurance-reconciliation"]))
    )
    if level == "self":
        # now and then a self token that also claims an organisation (refused)
        claimed = org if draw(st.integers(0, 5)) == 0 else None
        return Who("self", claimed, draw(st.sampled_from(SUBJECTS)), purposes)
    return Who(level, org, None, purposes)


class Oracle:
    """The model over the seeded store, and the placeholders' values."""

    def __init__(
        self, model: Model, values: dict[str, str], places: dict[int, Any], consents: set[Any]
    ):
        self.model = model
        self.values = values
        self.places = places  # person id -> (personal_id, organization id)
        self.consents = consents  # (person id, organization code, purpose)
        self.cases = 0
        self.timeouts = 0
        # dossier lists compared: (seen, with entries) -> count; the run must see each kind
        self.lists: dict[tuple[bool, bool], int] = {}


@pytest_asyncio.fixture(scope="module")
async def oracle(engine: AsyncEngine, world: Any) -> AsyncIterator[Oracle]:
    async with engine.begin() as conn:
        orgs = {
            row.code: Org(row.code, row.level, row.status, row.id)
            for row in await conn.execute(text("SELECT code, level, status, id FROM organization"))
        }
        picks = {
            row.kind: row.code
            for row in await conn.execute(
                text(
                    "SELECT DISTINCT ON (kind) kind, code FROM ("
                    " SELECT o.level || CASE WHEN o.code LIKE '%%' || :p THEN '-in' ELSE '-out' END"
                    " AS kind, o.code FROM organization o WHERE o.status = 'active'"
                    " AND EXISTS (SELECT 1 FROM person p WHERE p.organization_id = o.id)"
                    ") k ORDER BY kind, code"
                ),
                {"p": world.province[-4:]},
            )
        }
        merged = await conn.scalar(
            text("SELECT code FROM organization WHERE status = 'merged' LIMIT 1")
        )
        root = await conn.scalar(text("SELECT code FROM organization WHERE depth = 0 LIMIT 1"))
        someone = (
            await conn.execute(
                text("SELECT id FROM person WHERE id NOT IN (:a, :b) ORDER BY id LIMIT 1"),
                {"a": world.insider.id, "b": world.outsider.id},
            )
        ).scalar_one()
        granted = (
            await conn.execute(
                text(
                    "INSERT INTO consent (person_id, organization_code, purpose, valid_from,"
                    " valid_until) VALUES (:p, :o, :u, now(), :until) RETURNING id"
                ),
                {
                    "p": world.insider.id,
                    "o": world.province,
                    "u": CONSENT_PURPOSE,
                    "until": datetime.now(UTC) + timedelta(days=1),
                },
            )
        ).scalar_one()
        consents = {
            (row.person_id, row.organization_code, row.purpose)
            for row in await conn.execute(
                text(
                    "SELECT person_id, organization_code, purpose FROM consent WHERE revoked_at"
                    " IS NULL AND valid_from <= now() AND valid_until > now()"
                )
            )
        }
    codes = [
        world.province, world.other_province, world.insider.org, world.outsider.org,
        picks.get("commune-in", world.insider.org), picks.get("unit-out", world.outsider.org),
        root, "000.00.00.G09", picks.get("ministry-out", "000.00.00.G12"), merged,
        "000.00.00.H99", picks.get("unit-in", world.insider.org),
    ]  # fmt: skip
    values = {f"@C{i}@": code for i, code in enumerate(codes)}
    values.update(
        {
            "@P0@": global_id.encode("Person", world.insider.id),
            "@P1@": global_id.encode("Person", world.outsider.id),
            "@P2@": global_id.encode("Person", someone),
            "@S0@": world.insider.personal_id,
            "@S1@": world.outsider.personal_id,
        }
    )
    model = Model(Documents(Path("policies")), orgs, world.subtrees)
    found = Oracle(model, values, world.places, consents)
    yield found
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM consent WHERE id = :id"), {"id": granted})
    print(
        f"\nreference model: {found.cases} cases compared in {EXAMPLES} requests"
        f" ({found.timeouts} past the request deadline, not compared)"
    )
    assert found.cases >= MINIMUM_CASES, f"only {found.cases} cases compared"
    # the dossier's lists were compared denied, allowed and empty, and allowed with entries
    assert set(found.lists) == {(False, False), (True, False), (True, True)}, found.lists


def field_of(key: str) -> str:
    return key.split(SEP)[0]


class Comparison:
    def __init__(self, oracle: Oracle, who: Who, forbidden: set[tuple[Any, ...]]):
        self.oracle = oracle
        self.model = oracle.model
        self.who = who
        self.forbidden = forbidden

    def denied_at(self, path: tuple[Any, ...], denied: bool, what: Any) -> None:
        assert (path in self.forbidden) is denied, (self.who, path, what)

    def walk(self, node: Any, path: tuple[Any, ...]) -> None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                self.walk(item, (*path, index))
        elif isinstance(node, dict):
            if node.get("__typename") == "Person":
                self.person(node, path)
            for key, value in node.items():
                self.walk(value, (*path, key))

    def person(self, node: dict[str, Any], path: tuple[Any, ...]) -> None:
        _, key = global_id.decode(node["id"])
        personal_id, org_id = self.oracle.places[key]
        who = self.who
        relation = self.model.relation(who, personal_id, org_id)
        consent = who.org is not None and any(
            (key, who.org, purpose) in self.oracle.consents for purpose in who.purposes
        )
        self.oracle.cases += 1
        for response_key, value in node.items():
            if response_key in ("__typename", "id"):
                continue
            name = field_of(response_key)
            seen = self.model.sees(who, "Person", name, relation, consent)
            self.denied_at((*path, response_key), not seen, name)
            if not seen:
                assert value is None
            if name in DOSSIER:
                kind = (seen, bool(seen and value["edges"]))
                self.oracle.lists[kind] = self.oracle.lists.get(kind, 0) + 1
            elif isinstance(value, dict) and name in OBJECTS:
                inner_type = {"salary": "Salary", "education": "Education",
                              "membership": "Membership", "performance": "Performance",
                              "provenance": "Provenance"}.get(name)  # fmt: skip
                for inner, inner_value in value.items():
                    if inner_type is not None:
                        inner_seen = self.model.sees(who, inner_type, inner, relation, consent)
                    else:  # a code list: public, unless the path reveals something
                        inner_seen = self.model.path_seen(
                            who, ["Person", name, inner], relation, consent
                        )
                    self.denied_at((*path, response_key, inner), not inner_seen, (name, inner))
                    if not inner_seen:
                        assert inner_value is None

    def statistics(self, alias: str, field_text: str) -> None:
        dimension = field_text.split("groupBy: [")[1].split("]")[0]
        org = (
            field_text.split('organization: "')[1].split('"')[0] if "filter" in field_text else None
        )
        if org is None:
            ids = list(self.oracle.model.orgs[c].id for c in self.oracle.model.orgs)
        else:
            ids = list(self.oracle.model.below[org])
        relations = self.model.relations_of(self.who, ids)
        allowed = self.model.may_use(self.who, "Person", DIMENSIONS[dimension], relations)
        self.denied_at((alias,), not allowed, field_text)

    def persons_filter(self, alias: str, field_text: str) -> bool:
        """Whether a filtered directory is allowed; checks the FORBIDDEN at its path."""
        org = field_text.split('organization: "')[1].split('"')[0]
        subtree = "includeSubtree: false" not in field_text
        ids = self.model.below[org] if subtree else {self.model.orgs[org].id}
        relations = self.model.relations_of(self.who, ids)
        used = ["PersonFilter.organization"] + (
            ["PersonFilter.grades"] if "grades" in field_text else []
        )
        allowed = all(
            self.model.may_use(self.who, *self.model.d.filters[arg].split("."), relations)
            for arg in used
        )
        self.denied_at((alias,), not allowed, field_text)
        return allowed


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(who=callers(), query=operation())
async def test_the_gateway_returns_exactly_what_the_model_allows(
    as_caller: Callable[[Caller | None], Any], oracle: Oracle, who: Who, query: str
) -> None:
    values = oracle.values
    for placeholder, value in values.items():
        query = query.replace(placeholder, value)
    who = replace(
        who,
        org=values.get(who.org or "", who.org),
        subject=values.get(who.subject or "", who.subject),
    )
    caller = None
    if who.level != "public":
        caller = Caller(
            Level(who.level), organization=who.org, subject=who.subject, purposes=who.purposes
        )
    response = await as_caller(caller).post(query)
    if response.status_code == 504 and not oracle.model.refused(who):
        # the request's deadline on a loaded machine: nothing was shown, nothing to compare
        # (not counted as a case); a policy answer is never a 504
        assert response.json()["errors"][0]["extensions"]["code"] == "DEADLINE_EXCEEDED"
        oracle.timeouts += 1
        return
    model = oracle.model
    if model.refused(who):
        assert response.status_code == 401, (who, response.text)
        assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
        oracle.cases += 1
        return
    body = response.json()
    assert response.status_code == 200, (who, body)
    for error in body.get("errors", []):
        # denials, and live sources absent from the test app: never a crash, never bad input
        assert error["extensions"]["code"] in {"FORBIDDEN", "SOURCE_UNAVAILABLE"}, error
    forbidden = {
        tuple(e["path"]) for e in body.get("errors", []) if e["extensions"]["code"] == "FORBIDDEN"
    }
    comparison = Comparison(oracle, who, forbidden)
    fields = query.removeprefix("query { ").split(" fragment Extra")[0]
    for index in range(8):
        alias = f"c{index}"
        if alias not in body["data"]:
            continue
        start = fields.index(f"{alias}: ") + len(alias) + 2
        root = fields[start:].split("(")[0].split(" ")[0]
        text_of_field = fields[start:].split(f" c{index + 1}: ")[0]
        oracle.cases += 1
        if root in GATED_ROOTS:
            comparison.denied_at((alias,), not model.may_call(who, "Query", root), root)
        elif root == "statistics":
            comparison.statistics(alias, text_of_field)
        elif root == "persons" and "filter:" in text_of_field.split(")")[0]:
            if comparison.persons_filter(alias, text_of_field):
                comparison.walk(body["data"][alias], (alias,))
        else:
            comparison.walk(body["data"][alias], (alias,))


EXPORT_EXAMPLES = int(os.environ.get("REFERENCE_MODEL_EXPORT_EXAMPLES", "120"))


@settings(
    max_examples=EXPORT_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(
    who=callers(),
    dimension=st.sampled_from(sorted(DIMENSIONS)),
    code=st.one_of(st.none(), st.sampled_from(FILTER_CODES)),
    kind=st.sampled_from(["csv", "xlsx"]),
)
async def test_an_export_is_refused_exactly_where_the_model_refuses_its_statistics(
    as_caller: Callable[[Caller | None], Any],
    oracle: Oracle,
    who: Who,
    dimension: str,
    code: str | None,
    kind: str,
) -> None:
    """`/export/statistics.*` answers the file exactly when the model lets the caller group by
    that dimension over that subtree, 403 where it does not, 401 for a refused token."""
    values = oracle.values
    who = replace(
        who,
        org=values.get(who.org or "", who.org),
        subject=values.get(who.subject or "", who.subject),
    )
    caller = None
    if who.level != "public":
        caller = Caller(
            Level(who.level), organization=who.org, subject=who.subject, purposes=who.purposes
        )
    client = as_caller(caller)
    params = {"groupBy": dimension}
    if code is not None:
        params["organization"] = values[code]
    response = await client.http.get(
        f"/export/statistics.{kind}", params=params, headers=client.headers
    )
    model = oracle.model
    if response.status_code == 504 and not model.refused(who):
        oracle.timeouts += 1  # the request's deadline on a loaded machine: nothing shown
        return
    if model.refused(who):
        assert response.status_code == 401, (who, response.text)
        oracle.cases += 1
        return
    ids = (
        list(model.below[values[code]]) if code is not None else [o.id for o in model.orgs.values()]
    )
    allowed = model.may_use(who, "Person", DIMENSIONS[dimension], model.relations_of(who, ids))
    assert response.status_code == (200 if allowed else 403), (who, dimension, response.text)
    oracle.cases += 1
