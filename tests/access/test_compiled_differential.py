"""Differential: the compiled reads answer exactly what the resolver path answers.

Hypothesis writes operations over the store-backed root fields (persons, person, node,
organization, organizations) with aliases, named and inline fragments, nested organisations and
the tree walk, a person's nested objects (code lists, salary, data groups) and the dossier's
lists, both paging directions and Relay's first+last window, every filter, real and broken
cursors and ids, beside live fields (merged into the compiled result at their paths), nested
staff lists and a root field the planner never covers, now and then @skip or @include (literal
or from a variable, on root fields, leaves, fragment spreads and inline fragments); callers are
drawn at every level, in and out of the scope of the people read, with and without purposes
for which some of those people consented. Each operation goes to two gateways over the same
store: the one under test (compiled reads on, the session's `app`) and the reference
(CBCCVC_COMPILED_READS off). The
status, the `data` (key order included) and the errors (path, code, message, locations) must be
equal. At the end the compiled path must have answered most of the root fields it covers, so
the comparison is not of fallback with itself, and live fields and filtered staff lists must
have been merged into compiled answers. The 2,000 cases take 2–3½ minutes on the shared 2-core
machine (130 s at a load of 3, 180 s at 7, 205 s at 13); CBCCVC_DIFFERENTIAL_EXAMPLES=200 is
a 30 s check.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio
from graphql_client import token_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from policies.types import Caller, Level
from resolvers import global_id
from resolvers.pagination import encode_cursor
from telemetry import metrics

PERSON_LEAVES = [
    "id", "__typename", "fullName", "familyName", "middleName", "givenName", "otherNames",
    "gender", "birthDate", "birthPlace", "homeTown", "permanentAddress", "currentAddress",
    "personalId", "category", "status", "statusSince", "recruitedOn", "jobPosition",
    "positionSince",
]  # fmt: skip
ORGANIZATION_LEAVES = [
    "id", "__typename", "code", "name", "shortName", "level", "administrativeUnitCode",
    "status", "establishedOn", "statusChangedOn", "depth",
]  # fmt: skip
NESTED_PERSON = [
    "ethnicity { code name }", "religion { __typename name }",
    "position { code name level allowanceCoefficient }",
    "grade { code name category scale { code name group steps { step coefficient } } }",
    "salary { scale { code name } step coefficient since monthlyBaseAmount }",
    "education { generalEducation professionalLevel fieldOfStudy politicalTheory "
    "stateManagement foreignLanguage itSkill }",
    "performance { rating year }",
    "membership { partyJoinedOn partyOfficialOn tradeUnionJoinedOn youthUnionJoinedOn }",
    "provenance { source sourceRecordId version contentHash syncedAt }",
]  # fmt: skip
"""Store-backed objects nested in a person: code lists, salary and the other data groups."""
LIVE_PERSON = [
    "workHistory { start end organization position }",
    "salaryHistory { start gradeCode step coefficient }",
    "trainings { institution qualification }", "rewards { year kind }",
    "disciplines { kind }", "evaluations { year rating }", "family { relation birthYear }",
    "identityCheck { matches residence fields { __typename } }",
    "socialInsurance { insuranceNumber }",
    "provenance { source approval { covered recordDigest period merkleRoot } }",
    "curriculumVitae { form }",
]  # fmt: skip
"""Fields from the agencies, the national databases and the approvals: merged at their paths."""
DOSSIER_LISTS = {
    "familyMembers": "relation fullName birthYear occupation workplace residence",
    "personalHistory": "startOn endOn activity place",
    "trainingCourses": "kind institution fieldOfStudy qualification startOn endOn",
    "rewardRecords": "decidedOn title decidedBy decisionNumber",
    "disciplineRecords": "decidedOn kind reason decidedBy expiresOn",
    "allowances": "kind coefficient percent startOn endOn",
    "annualRatings": "year rating",
    "militaryService": "enlistedOn dischargedOn highestRank unit",
    "assetDeclarations": "year annualIncomeVnd houses land otherAssets",
    "healthRecords": "recordedOn status heightCm weightKg bloodGroup",
}
PURPOSE = "recruitment"

# Placeholders, replaced by the seeded store's codes, people and grades in the test, so that
# generation never depends on the database (Hypothesis replays examples exactly).
CODES = ["@C0@", "@C1@", "@C2@", "@C3@", "@ROOT@"]
PEOPLE = ["@P0@", "@P1@", "@P2@"]
SUBJECTS = ["@S0@", "@S1@", "000000000000"]


CONDITION_VARIABLES = {"v0": "Boolean!", "v1": "Boolean = false"}
"""Variables a @skip/@include condition may name; the operation declares those it uses."""


@st.composite
def condition(draw: st.DrawFn) -> str:
    """Now and then a @skip or an @include (sometimes both), its condition a literal or a
    variable, as a directive of the node it follows."""
    if draw(st.integers(0, 19)) != 0:  # rare per node: most operations keep every field
        return ""
    chosen = draw(
        st.lists(st.sampled_from(["skip", "include"]), min_size=1, max_size=2, unique=True)
    )
    values = st.sampled_from(["true", "false", "$v0", "$v1"])
    return "".join(f" @{name}(if: {draw(values)})" for name in chosen)


@st.composite
def fields(draw: st.DrawFn, leaves: list[str], extra: list[str]) -> list[str]:
    chosen = draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=8, unique=True))
    chosen += draw(st.lists(st.sampled_from(extra), max_size=1)) if extra else []
    out = []
    for index, name in enumerate(chosen):
        if name != "__typename" and "{" not in name and draw(st.integers(0, 4)) == 0:
            name = f"a{index}: {name}"
        if "{" not in name:
            name += draw(condition())
        out.append(name)
    return out


@st.composite
def wrapped(draw: st.DrawFn, type_name: str, body: list[str], fragments: list[str]) -> str:
    """The fields as they are, or partly inside a named or an inline fragment."""
    if len(body) < 2:
        return " ".join(body)
    mode = draw(st.sampled_from(["plain", "named", "inline", "node"]))
    cut = draw(st.integers(1, len(body) - 1))
    head, tail = " ".join(body[:cut]), " ".join(body[cut:])
    if mode == "named":
        name = f"F{len(fragments)}"
        fragments.append(f"fragment {name} on {type_name} {{ {tail} }}")
        return f"{head} ...{name}{draw(condition())}"
    if mode == "inline":
        return f"{head} ... on {type_name}{draw(condition())} {{ {tail} }}"
    if mode == "node":
        return f"{head} ... on Node {{ id }} ...{draw(condition())} {{ {tail} }}"
    return f"{head} {tail}"


@st.composite
def organization_selection(draw: st.DrawFn, fragments: list[str], depth: int = 0) -> str:
    """An organisation's fields, and sometimes the tree around it (the tree walk)."""
    body = draw(fields(ORGANIZATION_LEAVES, []))
    if depth < 2:
        for related in draw(
            st.lists(
                st.sampled_from(["parent", "children", "ancestors", "successor"]),
                max_size=2,
                unique=True,
            )
        ):
            body.append(f"{related} {{ {draw(organization_selection(fragments, depth + 1))} }}")
    if draw(st.integers(0, 6)) == 0:  # the organisation's own staff, a nested connection
        arguments = draw(
            st.sampled_from(
                ["first: 2", "first: 0", "", "first: 3, after: \"@K0@\"", "after: \"@K1@\"",
                 "first: 101", "first: 2, filter: {categories: [CIVIL_SERVANT]}",
                 "filter: {name: \"anh\"}"]
            )
        )  # fmt: skip
        staff = draw(
            st.lists(
                st.sampled_from(
                    ["totalCount", "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }",
                     "edges { cursor node { fullName personalId } }",
                     "edges { node { id salary { step } organization { code } } }"]
                ),
                min_size=1, max_size=3, unique=True,
            )
        )  # fmt: skip
        body.append(f"persons({arguments}) {{ {' '.join(staff)} }}".replace("persons()", "persons"))
    return draw(wrapped("Organization", body, fragments))


@st.composite
def dossier_list(draw: st.DrawFn) -> str:
    """One of the dossier's lists, paged either way (both counts sometimes: Relay's window)."""
    name = draw(st.sampled_from(sorted(DOSSIER_LISTS)))
    columns = DOSSIER_LISTS[name].split()
    chosen = draw(st.lists(st.sampled_from(columns), min_size=1, max_size=3, unique=True))
    if draw(st.booleans()):
        chosen.append("provenance { source sourceRecordId version syncedAt }")
    arguments = []
    for argument in draw(st.lists(st.sampled_from(["first", "last"]), max_size=2, unique=True)):
        arguments.append(f"{argument}: {draw(st.sampled_from([0, 1, 2, 5, 101]))}")
    if draw(st.integers(0, 3)) == 0:
        cursor = draw(
            st.sampled_from(["@L0@", "@L1@", encode_cursor(999_999_999), "bm90LWEtY3Vyc29y"])
        )
        arguments.append(f"{draw(st.sampled_from(['after', 'before']))}: {_quoted(cursor)}")
    edge = draw(st.lists(st.sampled_from(["cursor", "node"]), min_size=1, unique=True))
    body = " ".join(f"node {{ {' '.join(chosen)} }}" if e == "node" else e for e in edge)
    parts = [f"edges {{ {body} }}"]
    if draw(st.booleans()):
        parts.append("pageInfo { hasNextPage hasPreviousPage startCursor endCursor }")
    alias = "d: " if draw(st.integers(0, 4)) == 0 else ""
    arguments_text = f"({', '.join(arguments)})" if arguments else ""
    return f"{alias}{name}{arguments_text} {{ {' '.join(parts)} }}"


@st.composite
def person_selection(draw: st.DrawFn, fragments: list[str]) -> str:
    extra = draw(st.lists(st.sampled_from(NESTED_PERSON), max_size=3, unique=True))
    if draw(st.integers(0, 2)) == 0:
        extra.append(draw(st.sampled_from(LIVE_PERSON)))
    if draw(st.integers(0, 4)) == 0:
        extra.append(draw(dossier_list()))
    body = draw(fields(PERSON_LEAVES, []))
    body += extra
    body = list(draw(st.permutations(body)))
    if draw(st.booleans()):
        body.append(f"organization {{ {draw(organization_selection(fragments))} }}")
    return draw(wrapped("Person", body, fragments))


def _quoted(value: str) -> str:
    return orjson.dumps(value).decode()


@st.composite
def persons_arguments(draw: st.DrawFn) -> str:
    filters = []
    if draw(st.booleans()):
        code = draw(st.sampled_from([*CODES, "999.99.99.Z99"]))
        filters.append(f"organization: {_quoted(code)}")
        if draw(st.booleans()):
            filters.append(f"includeSubtree: {draw(st.sampled_from(['true', 'false']))}")
    if draw(st.integers(0, 3)) == 0:
        filters.append(
            f"name: {_quoted(draw(st.sampled_from(['nguyen', 'anh', 'tran van', 'thi h', '-'])))}"
        )
    if draw(st.integers(0, 3)) == 0:
        chosen = draw(
            st.lists(
                st.sampled_from(["CADRE", "CIVIL_SERVANT", "PUBLIC_EMPLOYEE"]),
                max_size=2,
                unique=True,
            )
        )
        filters.append(f"categories: [{', '.join(chosen)}]")
    if draw(st.integers(0, 4)) == 0:
        chosen = draw(
            st.lists(st.sampled_from(["@G0@", "@G1@", "01.003"]), max_size=2, unique=True)
        )
        filters.append(f"grades: [{', '.join(_quoted(g) for g in chosen)}]")
    if draw(st.integers(0, 4)) == 0:
        chosen = draw(
            st.lists(st.sampled_from(["ACTIVE", "RETIRED", "TRANSFERRED"]), max_size=2, unique=True)
        )
        filters.append(f"statuses: [{', '.join(chosen)}]")
    arguments = []
    if filters:
        arguments.append(f"filter: {{{', '.join(filters)}}}")
    cursors = [*(f"@K{i}@" for i in range(3))] * 3 + [
        encode_cursor(999_999_999),
        "bm90LWEtY3Vyc29y",
    ]
    backward = draw(st.booleans())
    size = draw(st.sampled_from([None, 0, 1, 2, 5, 5, 20, 20, 101]))
    if size is not None:
        arguments.append(f"{'last' if backward else 'first'}: {size}")
        if draw(st.integers(0, 4)) == 0:  # Relay's window: first and last together
            other = draw(st.sampled_from([0, 1, 3, 30]))
            arguments.append(f"{'first' if backward else 'last'}: {other}")
    for argument in ("after", "before"):
        if draw(st.integers(0, 3)) == 0:
            arguments.append(f"{argument}: {_quoted(draw(st.sampled_from(cursors)))}")
    return f"({', '.join(arguments)})" if arguments else ""


@st.composite
def organizations_arguments(draw: st.DrawFn) -> str:
    filters = []
    if draw(st.integers(0, 3)) == 0:
        chosen = draw(
            st.lists(st.sampled_from(["PROVINCE", "COMMUNE", "UNIT", "MINISTRY"]), max_size=2,
                     unique=True)
        )  # fmt: skip
        filters.append(f"levels: [{', '.join(chosen)}]")
    if draw(st.integers(0, 3)) == 0:
        chosen = draw(st.lists(st.sampled_from(["ACTIVE", "MERGED"]), max_size=2, unique=True))
        filters.append(f"statuses: [{', '.join(chosen)}]")
    for argument in ("parentCode", "withinCode"):
        if draw(st.integers(0, 3)) == 0:
            code = draw(st.sampled_from([*CODES, "999.99.99.Z99"]))
            filters.append(f"{argument}: {_quoted(code)}")
    if draw(st.integers(0, 3)) == 0:
        words = ["xã", "so noi vu", "UBND", "h", "000.00", "_%", "-"]
        filters.append(f"search: {_quoted(draw(st.sampled_from(words)))}")
    arguments = [f"filter: {{{', '.join(filters)}}}"] if filters else []
    backward = draw(st.booleans())
    size = draw(st.sampled_from([None, 0, 1, 3, 10, 101]))
    if size is not None:
        arguments.append(f"{'last' if backward else 'first'}: {size}")
        if draw(st.integers(0, 4)) == 0:
            arguments.append(f"{'first' if backward else 'last'}: {draw(st.sampled_from([0, 2]))}")
    for argument in ("after", "before"):
        if draw(st.integers(0, 3)) == 0:
            cursor = draw(st.sampled_from(["@Q0@", "@Q1@", encode_cursor(999_999_999), "eA"]))
            arguments.append(f"{argument}: {_quoted(cursor)}")
    return f"({', '.join(arguments)})" if arguments else ""


@st.composite
def organizations_selection(draw: st.DrawFn, fragments: list[str]) -> str:
    parts = ["totalCount"] if draw(st.booleans()) else []
    if draw(st.booleans()):
        parts.append("pageInfo { hasNextPage hasPreviousPage startCursor endCursor }")
    edge = draw(st.lists(st.sampled_from(["cursor", "node"]), min_size=1, unique=True))
    body = " ".join(
        f"node {{ {draw(organization_selection(fragments, 1))} }}" if e == "node" else e
        for e in edge
    )
    parts.append(f"edges {{ {body} }}")
    return " ".join(parts)


@st.composite
def connection_selection(draw: st.DrawFn, fragments: list[str]) -> str:
    parts = []
    if draw(st.booleans()):
        parts.append("totalCount")
    if draw(st.booleans()):
        info = draw(
            st.lists(
                st.sampled_from(
                    ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename"]
                ),
                min_size=1,
                unique=True,
            )
        )
        parts.append(f"pageInfo {{ {' '.join(info)} }}")
    edge = draw(
        st.lists(st.sampled_from(["cursor", "node", "__typename"]), min_size=1, unique=True)
    )
    body = " ".join(
        f"node {{ {draw(person_selection(fragments))} }}" if e == "node" else e for e in edge
    )
    parts.append(f"edges {{ {body} }}")
    if draw(st.integers(0, 5)) == 0:
        parts.append("__typename")
    return " ".join(parts)


@st.composite
def root_field(draw: st.DrawFn, fragments: list[str]) -> str:
    kind = draw(
        st.sampled_from(
            ["persons", "persons", "person", "node", "organization", "organizations", "me"]
        )
    )
    when = draw(condition())
    if kind == "organizations":
        arguments = draw(organizations_arguments()) + when
        return f"organizations{arguments} {{ {draw(organizations_selection(fragments))} }}"
    if kind == "persons":
        arguments = draw(persons_arguments()) + when
        return f"persons{arguments} {{ {draw(connection_selection(fragments))} }}"
    if kind == "person":
        id_ = draw(st.sampled_from([*PEOPLE, "@O0@", global_id.encode("Person", 999_999_999), "x"]))
        return f"person(id: {_quoted(id_)}){when} {{ {draw(person_selection(fragments))} }}"
    if kind == "node":
        id_ = draw(st.sampled_from([*PEOPLE, "@O0@", "@O1@", global_id.encode("Consent", 1), "x"]))
        person = draw(person_selection(fragments))
        organization = draw(organization_selection(fragments))
        return (
            f"node(id: {_quoted(id_)}){when} {{ __typename id ... on Person {{ {person} }} "
            f"... on Organization {{ {organization} }} }}"
        )
    if kind == "organization":
        code = draw(st.sampled_from([*CODES, "999.99.99.Z99"]))
        selection = draw(organization_selection(fragments))
        return f"organization(code: {_quoted(code)}){when} {{ {selection} }}"
    return f"me{when} {{ level organization }}"


@st.composite
def operations(draw: st.DrawFn) -> tuple[str, dict[str, bool]]:
    """The operation, declaring the condition variables it uses, and their values ($v1 has a
    default: sometimes not sent)."""
    fragments: list[str] = []
    roots = draw(st.lists(root_field(fragments), min_size=1, max_size=2))
    body = " ".join(f"r{i}: {root}" for i, root in enumerate(roots))
    text_ = f"{{ {body} }} " + " ".join(fragments)
    used = [name for name in CONDITION_VARIABLES if f"${name})" in text_]
    values = {}
    for name in used:
        if name == "v0" or draw(st.booleans()):
            values[name] = draw(st.booleans())
    declared = ", ".join(f"${name}: {CONDITION_VARIABLES[name]}" for name in used)
    return (f"query({declared}) " if used else "query ") + text_, values


@st.composite
def callers(draw: st.DrawFn) -> Caller:
    level = draw(st.sampled_from(list(Level)))
    purposes = draw(st.sampled_from([frozenset(), frozenset({PURPOSE}), frozenset({"statistics"})]))
    if level is Level.SELF:
        return Caller(level, subject=draw(st.sampled_from(SUBJECTS)), client_id="diff")
    if level is Level.PUBLIC:
        return Caller(level)
    return Caller(
        level, organization=draw(st.sampled_from(CODES)), purposes=purposes, client_id="diff"
    )


class Places:
    """The seeded store's values behind the placeholders, and the consents given for the test."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def fill(self, text_: str) -> str:
        for placeholder, value in self.values.items():
            text_ = text_.replace(placeholder, value)
        return text_


@pytest_asyncio.fixture(scope="module")
async def places(engine: AsyncEngine, world: Any) -> AsyncIterator[Places]:
    async with engine.connect() as conn:
        root = (
            await conn.execute(
                text("SELECT code FROM organization WHERE parent_id IS NULL LIMIT 1")
            )
        ).scalar_one()
        grades = (
            await conn.execute(
                text("SELECT grade_code FROM person WHERE grade_code IS NOT NULL "
                     "GROUP BY grade_code ORDER BY count(*) DESC LIMIT 2")
            )
        ).scalars().all()  # fmt: skip
        # people early in directory order, where pages land: some consent to the province
        early = (
            (await conn.execute(text("SELECT id FROM person ORDER BY name_sort, id LIMIT 40")))
            .scalars()
            .all()
        )
        consented = early[::3]
        # cursors of rows in some people's family lists (of nobody else's list)
        listed = (
            await conn.execute(
                text("SELECT id FROM dossier_family_member WHERE person_id = ANY(:p) "
                     "ORDER BY person_id, birth_year, id"),
                {"p": [early[0], world.insider.id]},
            )
        ).scalars().all()  # fmt: skip
        now = datetime.now(UTC)
        rows = [
            {"p": p, "o": world.province, "f": now - timedelta(days=1),
             "u": now + timedelta(days=30), "r": None}
            for p in consented
        ] + [  # a revoked and an expired consent change nothing
            {"p": early[1], "o": world.province, "f": now - timedelta(days=9),
             "u": now + timedelta(days=30), "r": now - timedelta(days=2)},
            {"p": early[2], "o": world.province, "f": now - timedelta(days=9),
             "u": now - timedelta(days=1), "r": None},
        ]  # fmt: skip
        inserted = (
            (
                await conn.execute(
                    text(
                        "INSERT INTO consent (person_id, organization_code, purpose, valid_from, "
                        "valid_until, revoked_at) SELECT * FROM unnest(CAST(:p AS bigint[]), "
                        "CAST(:o AS text[]), CAST(:purpose AS text[]), CAST(:f AS timestamptz[]), "
                        "CAST(:u AS timestamptz[]), CAST(:r AS timestamptz[])) RETURNING id"
                    ),
                    {
                        "p": [r["p"] for r in rows],
                        "o": [r["o"] for r in rows],
                        "purpose": [PURPOSE] * len(rows),
                        "f": [r["f"] for r in rows],
                        "u": [r["u"] for r in rows],
                        "r": [r["r"] for r in rows],
                    },
                )
            )
            .scalars()
            .all()
        )
        await conn.commit()
    values = {
        "@C0@": world.province,
        "@C1@": world.other_province,
        "@C2@": world.insider.org,
        "@C3@": world.outsider.org,
        "@ROOT@": root,
        "@P0@": global_id.encode("Person", world.insider.id),
        "@P1@": global_id.encode("Person", world.outsider.id),
        "@P2@": global_id.encode("Person", early[0]),
        "@O0@": global_id.encode("Organization", world.code_ids[world.province]),
        "@O1@": global_id.encode("Organization", world.code_ids[world.insider.org]),
        "@S0@": world.insider.personal_id,
        "@S1@": world.outsider.personal_id,
        "@G0@": grades[0],
        "@G1@": grades[1],
        "@K0@": encode_cursor(early[5]),
        "@K1@": encode_cursor(world.insider.id),
        "@K2@": encode_cursor(early[30]),
        "@Q0@": encode_cursor(world.code_ids[world.province]),
        "@Q1@": encode_cursor(world.code_ids[world.insider.org]),
        "@L0@": encode_cursor(listed[1] if len(listed) > 1 else 1),
        "@L1@": encode_cursor(listed[-1] if listed else 1),
    }
    yield Places(values)
    async with engine.connect() as conn:
        await conn.execute(
            text("DELETE FROM consent WHERE id = ANY(:ids)"), {"ids": list(inserted)}
        )
        await conn.commit()


class Pair:
    def __init__(self, app: Starlette, reference: Starlette) -> None:
        self.apps = (app, reference)
        self.clients = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://gateway.test")
            for a in self.apps
        ]
        self.tokens: dict[Caller, tuple[str, str]] = {}

    async def ask(
        self, caller: Caller | None, query: str, variables: dict[str, bool]
    ) -> list[tuple[int, Any]]:
        answers = []
        for index, client in enumerate(self.clients):
            headers = {"Accept": "application/graphql-response+json"}
            if caller is not None:
                if caller not in self.tokens:
                    self.tokens[caller] = (
                        token_for(self.apps[0], caller),
                        token_for(self.apps[1], caller),
                    )
                headers["Authorization"] = f"Bearer {self.tokens[caller][index]}"
            body = {"query": query, "variables": variables}
            response = await client.post("/graphql", json=body, headers=headers)
            answers.append((response.status_code, response.json()))
        return answers


BEFORE: dict[str, float] = {}
"""The outcome counts when the differential run began (the metric is the process's)."""
MERGED_BEFORE: dict[str, float] = {}


@pytest_asyncio.fixture(scope="module")
async def pair(app: Starlette, reference: Starlette) -> AsyncIterator[Pair]:
    both = Pair(app, reference)
    BEFORE.update(compiled_count(), started=1.0)
    MERGED_BEFORE.update(merged_count())
    yield both
    for client in both.clients:
        await client.aclose()


def errors_of(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Each error's path and code, and its message and locations as a client reads them."""
    return sorted(
        (
            tuple(e.get("path") or ()),
            (e.get("extensions") or {}).get("code"),
            e.get("message"),
            tuple((loc["line"], loc["column"]) for loc in e.get("locations", ())),
        )
        for e in body.get("errors", [])
    )


def compiled_count() -> dict[str, float]:
    counts: dict[str, float] = {}
    for metric in metrics.COMPILED_ROOT_FIELDS.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                outcome = sample.labels["outcome"]
                counts[outcome] = counts.get(outcome, 0) + sample.value
    return counts


def merged_count() -> dict[str, float]:
    """Fields merged into compiled results, by `Type.field`."""
    counts: dict[str, float] = {}
    for metric in metrics.COMPILED_MERGED_FIELDS.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                key = f"{sample.labels['type']}.{sample.labels['field']}"
                counts[key] = sample.value
    return counts


EXAMPLES = int(os.environ.get("CBCCVC_DIFFERENTIAL_EXAMPLES", "2000"))
"""2,000 in CI; fewer only while working on the compiler."""


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(caller=callers(), operation=operations())
async def test_compiled_reads_answer_as_the_resolvers_do(
    pair: Pair, places: Places, caller: Caller, operation: tuple[str, dict[str, bool]]
) -> None:
    query, variables = operation
    query = places.fill(query)
    caller = replace(
        caller,
        organization=places.values.get(caller.organization or "", caller.organization),
        subject=places.values.get(caller.subject or "", caller.subject),
    )
    who = None if caller.level is Level.PUBLIC else caller
    (status, compiled), (expected_status, expected) = await pair.ask(who, query, variables)
    if expected.get("data") is None and " r1: " in query:
        # a non-null root field failed: graphql-core cancels its sibling root fields, so which
        # of their errors make it in (and so 200 or 400) depends on timing, on the resolver
        # path itself
        assert compiled.get("data") is None, (query, compiled, expected)
        assert errors_of(compiled), (query, compiled)
        assert errors_of(expected), (query, expected)
        return
    assert status == expected_status, (query, compiled, expected)
    # key order too: clients see the response's order
    assert orjson.dumps(compiled.get("data")) == orjson.dumps(expected.get("data")), query
    assert errors_of(compiled) == errors_of(expected), (query, compiled, expected)


def test_most_covered_root_fields_were_compiled() -> None:
    """After the differential run: the comparison was of the compiler, not of the fallback.

    Refusals (arguments the resolvers refuse, cursors we never issued) go to the resolver path
    by design, to be worded there; selections the planner does not cover are rarer here, and a
    fault of the compiled path never happens.
    """
    if not BEFORE:
        pytest.skip("runs after the differential test, in the same session")
    now = compiled_count()
    delta = {k: v - BEFORE.get(k, 0) for k, v in now.items()}
    compiled = delta.get("compiled", 0)
    print(
        "DELTA",
        delta,
        {
            s.labels["field"]: s.value
            for m in metrics.COMPILED_MERGED_FIELDS.collect()
            for s in m.samples
            if s.name.endswith("_total")
        },
    )
    assert compiled >= 0.4 * sum(delta.values()), delta
    assert compiled >= 2 * delta.get("not_compilable", 0), delta
    assert delta.get("failed", 0) == 0, delta
    # live fields were merged into compiled answers, not the reason for a fallback
    merged = {k: v - MERGED_BEFORE.get(k, 0) for k, v in merged_count().items()}
    live = {f"Person.{entry.split()[0]}" for entry in LIVE_PERSON}
    assert sum(merged.get(name, 0) for name in live) > 0, merged
    if EXAMPLES >= 1000:  # a staff list with a filter is drawn rarely
        assert merged.get("Organization.persons", 0) > 0, merged
