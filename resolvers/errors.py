"""GraphQL errors a client can act on, each with a stable `extensions.code`."""

from __future__ import annotations

from graphql import GraphQLError


class BadUserInputError(GraphQLError):
    """The request asked for something impossible: a bad id, cursor or page size."""

    def __init__(self, message: str, *, argument: str | None = None) -> None:
        extensions: dict[str, object] = {"code": "BAD_USER_INPUT"}
        if argument is not None:
            extensions["argument"] = argument
        super().__init__(message, extensions=extensions)
