"""`GET /export/scorecard.csv` and `.xlsx`: the agencies breaching a threshold, the list MOHA
attaches to a dispatch, with exactly the rows and figures of GraphQL `agencyScorecards`.

Behind the same middleware as /graphql (the caller, rate limits, deadline, request id). Query
parameters: `breached` (comma-separated ScorecardBreach names; default every breach), `levels`
(OrganizationLevel names), `includeMerged`. Headings are Vietnamese first, English beside.
Columns a caller may not see of a row (policies/scorecard.yaml) are left empty, as in the API.
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from analytics.scorecard import Breach
from gateway.authentication import caller_of
from gateway.export import _csv, _xlsx
from gateway.refusals import request_id_of
from gateway.request_context import ContextFactory
from resolvers import scorecard as scorecard_resolvers
from resolvers.access import ForbiddenError
from resolvers.errors import BadUserInputError
from resolvers.scorecard import ScorecardSort
from store.vocabulary import OrgLevel

HEADER = [
    "Mã cơ quan / agency code", "Tên / name", "Cấp / level", "Vi phạm / breaches",
    "Kết nối / connected", "Đồng bộ thành công gần nhất / last successful sync",
    "Đúng hạn 3 ngày làm việc / within 3 working days", "Đủ / complete",
    "Tỷ lệ từ chối / reject rate", "Chưa ánh xạ / unmapped", "Bản ghi bị từ chối / open rejects",
    "Xung đột / open conflicts",
]  # fmt: skip


def _names(value: str, enum: type[Breach] | type[OrgLevel], argument: str) -> list[str]:
    out = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        try:
            out.append(enum[part.upper()].value)
        except KeyError:
            raise BadUserInputError(f"unknown {argument} {part!r}", argument=argument) from None
    return out


def _cell(masked: frozenset[str], field: str, value: object) -> object:
    return "" if field in masked or value is None else value


def export_scorecard_routes(contexts: ContextFactory, guards: list[Middleware]) -> list[BaseRoute]:
    async def export(request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in ("csv", "xlsx"):
            return JSONResponse({"error": "not found"}, 404)
        request_id = request_id_of(request.scope)
        params = request.query_params
        try:
            breached = _names(params.get("breached", ""), Breach, "breached")
            levels = _names(params.get("levels", ""), OrgLevel, "levels")
            context = await contexts.create(caller_of(request), request_id, {})
            rows = await scorecard_resolvers.national(context, None)
        except (BadUserInputError, ForbiddenError) as error:
            code = (error.extensions or {}).get("code")
            return JSONResponse(
                {"error": error.message, "code": code}, 403 if code == "FORBIDDEN" else 400
            )
        chosen = scorecard_resolvers.chosen(
            rows,
            levels,
            [Breach(b) for b in breached] or list(Breach),
            params.get("includeMerged", "false").lower() == "true",
        )
        table: list[list[object]] = [list(HEADER)]
        for row in scorecard_resolvers.ordered(chosen, ScorecardSort.BREACHES, False):
            masked = context.access.view.masked(
                "AgencyScorecard", context.access.organization_relation(row.organization_id)
            )
            table.append(
                [
                    row.agency_code, row.name, row.level,
                    " ".join(b.upper() for b in row.breaches),
                    row.connected,
                    row.last_success_at.isoformat() if row.last_success_at else "",
                    _cell(masked, "withinDeadlineShare", row.within_deadline_share),
                    _cell(masked, "completeShare", row.complete_share),
                    _cell(masked, "rejectRate", row.reject_rate),
                    _cell(masked, "unmappedShare", row.unmapped_share),
                    _cell(masked, "openRejects", row.open_rejects),
                    _cell(masked, "openConflicts", row.open_conflicts),
                ]
            )  # fmt: skip
        if kind == "csv":
            body, media = _csv(table), "text/csv; charset=utf-8"
        else:
            body = _xlsx(table)
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(
            body,
            media_type=media,
            headers={
                "Content-Disposition": f'attachment; filename="scorecard-breaches.{kind}"',
                "Cache-Control": "no-store",
                "X-Request-Id": request_id,
            },
        )

    return [Route("/export/scorecard.{kind:str}", export, methods=["GET"], middleware=guards)]
