"""`GET /persons/{id}/cv.html` and `cv.pdf`: the electronic CV, printed as the caller may see it.

Behind the same middleware as /graphql (the caller, the rate limits, the deadline), and through
the same decisions: the CV needs `Person.curriculumVitae` (personnel work within the caller's
authority, or the person's consent), each field inside it is masked by its own class exactly as
in GraphQL (resolvers/curriculum_vitae.py), and the response is audited like a GraphQL response
with the personal and sensitive fields it printed. Refusals are plain JSON naming what is wrong.
"""

from __future__ import annotations

from graphql import GraphQLError
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.authentication import caller_of
from gateway.cv.html import render_html
from gateway.cv.pdf import render_pdf
from gateway.refusals import request_id_of
from gateway.request_context import ContextFactory
from resolvers import curriculum_vitae, global_id
from resolvers import people as people_resolvers
from vocabulary.dossier_catalogue import dossier_catalogue


def _printed_fields() -> dict[str, frozenset[str]]:
    """type -> fields the CV may print: what the audit checks against the masks."""
    fields: dict[str, set[str]] = {"Person": {"curriculumVitae"}}
    for section in dossier_catalogue().sections:
        if section.person_field is None:
            fields.setdefault(section.graphql_type, set()).update(f.graphql for f in section.fields)
        else:
            fields["Person"].add(section.person_field)
    return {name: frozenset(names) for name, names in fields.items()}


def cv_routes(contexts: ContextFactory, guards: list[Middleware]) -> list[BaseRoute]:
    printed = _printed_fields()

    async def cv(request: Request) -> Response:
        kind = request.path_params["kind"]
        request_id = request_id_of(request.scope)
        headers = {"Cache-Control": "no-store", "X-Request-Id": request_id}
        if kind not in ("html", "pdf"):
            return JSONResponse({"error": "the CV is cv.html or cv.pdf"}, 404, headers=headers)
        try:
            key = global_id.decode_as("Person", request.path_params["id"])
            context = await contexts.create(caller_of(request), request_id, printed)
            row = await people_resolvers.by_id(context, key)
        except GraphQLError as error:
            code = (error.extensions or {}).get("code")
            return JSONResponse({"error": error.message, "code": code}, 400, headers=headers)
        if row is None:
            return JSONResponse({"error": "no such person"}, 404, headers=headers)
        masks = context.access.person_masks(row.id, row.personal_id, row.organization_id)
        if "curriculumVitae" in masks.of("Person"):
            return JSONResponse(
                {"error": "you are not permitted to see this person's CV", "code": "FORBIDDEN"},
                403,
                headers=headers,
            )
        built = await curriculum_vitae.load(context, row, masks)
        await contexts.finish(context)  # audited before the CV leaves
        if kind == "html":
            return HTMLResponse(render_html(built), headers=headers)
        headers["Content-Disposition"] = 'inline; filename="so-yeu-ly-lich.pdf"'
        return Response(render_pdf(built), media_type="application/pdf", headers=headers)

    return [Route("/persons/{id}/cv.{kind:str}", cv, methods=["GET"], middleware=guards)]
