"""A GraphQL client for tests: posts operations to an in-process gateway as one caller."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from gateway.auth.claims import Grant
from policies.types import Caller, Level

CENTRAL = Caller(Level.CENTRAL, organization="000.00.00.G09", client_id="test-portal")


def token_for(app: Starlette, caller: Caller) -> str:
    """A real access token for `caller`, signed by the app's own authorization server."""
    auth = app.state.resources.auth
    grant = Grant(
        level=caller.level,
        organization=caller.organization,
        subject=caller.subject or "test-subject",
        client_id=caller.client_id or "test-client",
        purposes=tuple(sorted(caller.purposes)),
    )
    return str(auth.issue(grant)[0])


class GraphQLClient:
    """Posts one operation to the in-process gateway, as a portal would, as one caller."""

    def __init__(
        self, client: httpx.AsyncClient, app: Starlette, caller: Caller | None = CENTRAL
    ) -> None:
        self.http = client
        self.caller = caller
        self.headers: dict[str, str] = {}
        if caller is not None:
            self.headers["Authorization"] = f"Bearer {token_for(app, caller)}"

    async def post(
        self,
        query: str,
        variables: dict[str, object] | None = None,
        *,
        accept: str = "application/graphql-response+json",
    ) -> httpx.Response:
        return await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Accept": accept, **self.headers},
        )

    async def data(self, query: str, variables: dict[str, object] | None = None) -> Any:
        """The data of an operation that must succeed without errors."""
        response = await self.post(query, variables)
        body = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body["errors"]
        return body["data"]
