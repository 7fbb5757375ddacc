"""Helpers of the fuzz suites (a module of its own, importable from the tests beside it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LiveGateway:
    url: str
    token: str

    @property
    def endpoint(self) -> str:
        return f"{self.url}/graphql"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}
