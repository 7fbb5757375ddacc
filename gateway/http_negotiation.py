"""Which response media type a GraphQL-over-HTTP client accepts, and which status codes follow.

`application/graphql-response+json` clients get the spec's status codes (4xx for requests that
could not run); legacy `application/json` clients get 200 for any well-formed request, as the
GraphQL-over-HTTP specification asks for compatibility.
"""

from __future__ import annotations

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        quality = 1.0
        for parameter in fields[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((fields[0].lower(), quality))
    return ranges


def choose_media_type(accept: str | None) -> str | None:
    """The media type to answer with, or None when the client accepts neither (406).

    A wildcard, like no Accept header at all, gets the legacy type: a client that did not ask
    for the new type may not understand its status codes.
    """
    if accept is None or not accept.strip():
        return JSON
    best: tuple[float, int, str] | None = None
    for media, quality in _media_ranges(accept):
        if quality <= 0:
            continue
        if media == GRAPHQL_RESPONSE:
            rank = (quality, 2, GRAPHQL_RESPONSE)
        elif media == JSON:
            rank = (quality, 1, JSON)
        elif media in {"*/*", "application/*"}:
            rank = (quality, 0, JSON)
        else:
            continue
        if best is None or rank > best:
            best = rank
    return None if best is None else best[2]
