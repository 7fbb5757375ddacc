"""`GET /export/statistics.csv` and `.xlsx`: any statistics table as a file, with the caller's
token and exactly the checks of the GraphQL `statistics` field (same resolver).

Behind the same middleware as /graphql (gateway/app.py `guards`): the caller, the rate limits,
the deadline and the request id come from there; their refusals are worded as plain JSON.

Query parameters: `groupBy` (comma-separated dimensions, e.g. `PROVINCE,CATEGORY`),
`organization`, `includeSubtree`, `referenceYear`, and any filter list of StatisticsFilter,
comma-separated with the GraphQL names (`categories=CIVIL_SERVANT,CADRE`, `provinces=...`).
"""

from __future__ import annotations

import csv
import io

from graphql import GraphQLError
from openpyxl import Workbook
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from analytics.dimensions import Dimension
from gateway.authentication import caller_of
from gateway.refusals import request_id_of
from gateway.request_context import ContextFactory
from resolvers import analytics
from resolvers.errors import BadUserInputError

FILTERS: dict[str, Dimension] = {
    "provinces": Dimension.PROVINCE,
    "categories": Dimension.CATEGORY,
    "genders": Dimension.GENDER,
    "ageBands": Dimension.AGE_BAND,
    "ethnicities": Dimension.ETHNICITY,
    "educationLevels": Dimension.EDUCATION,
    "politicalTheories": Dimension.POLITICAL_THEORY,
    "grades": Dimension.GRADE,
    "salaryScales": Dimension.SALARY_SCALE,
    "statuses": Dimension.STATUS,
}
# enum-valued filters arrive as GraphQL names (CIVIL_SERVANT) and are stored lower case
ENUM_FILTERS = {"categories", "genders", "educationLevels", "politicalTheories", "statuses"}


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def parse(params: dict[str, str]) -> analytics.StatisticsRequest:
    try:
        group_by = tuple(Dimension[name.upper()] for name in _split(params.get("groupBy", "")))
    except KeyError as error:
        raise BadUserInputError(f"unknown dimension {error}", argument="groupBy") from None
    values = {}
    for name, dimension in FILTERS.items():
        if name in params:
            items = _split(params[name])
            values[dimension] = (
                tuple(i.lower() for i in items) if name in ENUM_FILTERS else tuple(items)
            )
    year = params.get("referenceYear")
    if year is not None and not year.isdigit():
        raise BadUserInputError("referenceYear must be a year", argument="referenceYear")
    return analytics.StatisticsRequest(
        group_by,
        organization_code=params.get("organization") or None,
        include_subtree=params.get("includeSubtree", "true").lower() != "false",
        values=values,
        reference_year=None if year is None else int(year),
    )


def table(answer: analytics.StatisticsAnswer) -> list[list[object]]:
    header: list[object] = [d.name for d in answer.group_by]
    header += [
        f"{d.name}_LABEL"
        for d in answer.group_by
        if d in (Dimension.PROVINCE, Dimension.ORGANIZATION)
    ]
    header += ["COUNT", "SUPPRESSED"]
    rows = [header]
    for cell, labels in zip(answer.cells, answer.labels, strict=True):
        row: list[object] = list(cell.keys)
        row += [
            label
            for d, label in zip(answer.group_by, labels, strict=True)
            if d in (Dimension.PROVINCE, Dimension.ORGANIZATION)
        ]
        row += [cell.count, cell.suppressed]
        rows.append(row)
    return rows  # fmt: skip


def _csv(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel reads Vietnamese right


def _xlsx(rows: list[list[object]], title: str = "statistics") -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_routes(contexts: ContextFactory, guards: list[Middleware]) -> list[BaseRoute]:
    """The export route behind `guards`, which establish the caller (see the module)."""

    async def export(request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in ("csv", "xlsx"):
            return JSONResponse({"error": "not found"}, 404)
        request_id = request_id_of(request.scope)
        try:
            context = await contexts.create(caller_of(request), request_id, {})
            answer = await analytics.statistics(context, parse(dict(request.query_params)))
        except GraphQLError as error:
            code = (error.extensions or {}).get("code")
            status = 403 if code == "FORBIDDEN" else 400
            return JSONResponse({"error": error.message, "code": code}, status)
        rows = table(answer)
        if kind == "csv":
            body, media = _csv(rows), "text/csv; charset=utf-8"
        else:
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            body = _xlsx(rows)
        return Response(
            body,
            media_type=media,
            headers={
                "Content-Disposition": f'attachment; filename="statistics.{kind}"',
                "Cache-Control": "no-store",
                "X-Request-Id": request_id,
            },
        )

    return [Route("/export/statistics.{kind:str}", export, methods=["GET"], middleware=guards)]
