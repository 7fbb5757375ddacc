"""`GET /export/rejects.csv` and `.xlsx`: the caller's open rejects as the file a clerk works
through, with the offending value and the form expected, exactly as GraphQL `rejects` shows them.

Behind the same middleware as /graphql (the caller, rate limits, deadline, request id). Query
parameters: `source` (one source id), `agency` (its sources, by electronic code), `rule` (one
rule id), `lang` (`vi`, the default, or `en`:
headings, titles, explanations). Who may call it is the `rejects` root field's entry in
policies/operations.yaml; which rejects, resolvers/sync.py (central: every source; a ministry or
province: its own agency's); the value and the expected form are shown through the same policy
engine as a Person's field of that agency's people, and left out for everyone else. Where the
record is: source key and version for SQL and connector sources, file name and row for drops.
A file that carries values is audited like a GraphQL response that does, through the same
writer (the people by id where the store holds them, the `Type.field`s shown); one whose values
are all masked, or of no personal field, leaves no audit row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.authentication import caller_of
from gateway.export import _csv, _xlsx
from gateway.refusals import request_id_of
from gateway.request_context import ContextFactory
from policies.types import Relation
from resolvers import sync as sync_resolvers
from resolvers.access import ForbiddenError
from resolvers.context import Context
from resolvers.errors import BadUserInputError
from vocabulary.reject_catalogue import Catalogue, reject_catalogue

LANGUAGES = ("vi", "en")
HEADINGS = {
    "vi": ["Nguồn", "Khóa bản ghi", "Phiên bản", "Tệp", "Dòng", "Trường", "Quy tắc", "Tiêu đề",
           "Giá trị sai", "Dạng mong đợi", "Mong đợi (chi tiết)", "Giải thích", "Lần đầu",
           "Lần cuối"],
    "en": ["Source", "Record key", "Version", "File", "Row", "Field", "Rule", "Title",
           "Offending value", "Expected form", "Expected (detail)", "Explanation", "First seen",
           "Last seen"],
}  # fmt: skip
SHEET = {"vi": "Bản ghi bị từ chối", "en": "Rejects"}
HIDDEN = {"vi": "(ẩn)", "en": "(hidden)"}
"""A value the caller's policy does not show: there is one, it is not for this caller."""


def file_and_row(location: str | None) -> tuple[str, int | None]:
    """A drop's "<file name>#<row>" as (file name, row); a whole file's problem has no row."""
    if not location:
        return "", None
    name, sep, row = location.rpartition("#")
    if sep and row.isdigit():
        return name, int(row)
    return location, None


@dataclass(frozen=True)
class ShownReject:
    """One open reject as this caller may see it (None: not shown)."""

    row: Any
    value: str | None
    expected: str | None

    def masked(self, text: str | None, shown: str | None) -> bool:
        return text is not None and shown is None


def rejects_table(
    rejects: Sequence[ShownReject], lang: str, catalogue: Catalogue
) -> list[list[object]]:
    """Headings, then one line per reject, in the reader's language (pure)."""
    table: list[list[object]] = [list(HEADINGS[lang])]
    for item in rejects:
        r = item.row
        rule = catalogue.rule(r.rule)
        file_name, row_number = file_and_row(r.location)
        value = HIDDEN[lang] if item.masked(r.value, item.value) else item.value
        detail = HIDDEN[lang] if item.masked(r.expected, item.expected) else item.expected
        table.append(
            [
                r.source_id, r.source_record_id, r.source_version, file_name, row_number,
                r.field, r.rule, catalogue.title(r.rule, lang), value,
                rule.expected(lang) if rule else "", detail,
                rule.explanation(lang) if rule else "",
                _when(r.first_seen), _when(r.last_seen),
            ]
        )  # fmt: skip
    return table


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


async def shown_rejects(
    context: Context, source: str | None, rule: str | None, agency: str | None = None
) -> list[ShownReject]:
    """The caller's open rejects, each value and expected form through the policy engine."""
    if not context.access.may_call("Query", "rejects"):
        raise ForbiddenError("the rejects are not open to this caller", rule="operations")
    rows = await sync_resolvers.open_rejects(context, context.access.caller, source, rule, agency)
    relations = await sync_resolvers.agency_relations(context, {r.source_id for r in rows})

    def shown(r: Any) -> ShownReject:
        relation = relations.get(r.source_id, Relation.OUTSIDE)
        return ShownReject(
            r,
            sync_resolvers.shown(context, relation, r.field, r.value),
            sync_resolvers.shown(context, relation, r.field, r.expected),
        )

    return [shown(r) for r in rows]


async def audit_shown(
    contexts: ContextFactory, context: Context, rejects: Sequence[ShownReject]
) -> None:
    """The file's audit record, as a GraphQL response's: the people whose values or expected
    forms it carries unmasked, the `Type.field`s shown (resolvers/sync.py note_shown)."""
    carried = [
        (item.row.personal_id, item.row.field)
        for item in rejects
        if item.value is not None or item.expected is not None
    ]
    await sync_resolvers.note_shown(context, carried, ["SyncReject.expected", "SyncReject.value"])
    await contexts.finish(context)


def _refusal(error: BadUserInputError | ForbiddenError) -> JSONResponse:
    code = (error.extensions or {}).get("code")
    return JSONResponse({"error": error.message, "code": code}, 403 if code == "FORBIDDEN" else 400)


def export_rejects_routes(contexts: ContextFactory, guards: list[Middleware]) -> list[BaseRoute]:
    async def export(request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in ("csv", "xlsx"):
            return JSONResponse({"error": "not found"}, 404)
        request_id = request_id_of(request.scope)
        params = request.query_params
        lang = params.get("lang", "vi").lower()
        try:
            if lang not in LANGUAGES:
                raise BadUserInputError("lang must be vi or en", argument="lang")
            context = await contexts.create(caller_of(request), request_id, {})
            rejects = await shown_rejects(
                context,
                params.get("source") or None,
                params.get("rule") or None,
                params.get("agency") or None,
            )
        except (BadUserInputError, ForbiddenError) as error:
            return _refusal(error)
        table = rejects_table(rejects, lang, reject_catalogue())
        # the audit row is written before the file leaves, as for a GraphQL response
        await audit_shown(contexts, context, rejects)
        if kind == "csv":
            body, media = _csv(table), "text/csv; charset=utf-8"
        else:
            body = _xlsx(table, SHEET[lang])
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(
            body,
            media_type=media,
            headers={
                "Content-Disposition": f'attachment; filename="rejects.{kind}"',
                "Cache-Control": "no-store",
                "X-Request-Id": request_id,
            },
        )

    return [Route("/export/rejects.{kind:str}", export, methods=["GET"], middleware=guards)]
