import pytest

from gateway.http_negotiation import GRAPHQL_RESPONSE, JSON, choose_media_type


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/json", JSON),
        (f"{GRAPHQL_RESPONSE}, {JSON};q=0.9", GRAPHQL_RESPONSE),
        (f"{JSON}, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{JSON};q=0.5, {GRAPHQL_RESPONSE};q=0.4", JSON),
        (f"{GRAPHQL_RESPONSE};q=0, {JSON}", JSON),
        ("text/html", None),
        ("text/html, */*;q=0.8", JSON),
    ],
)
def test_the_client_gets_the_media_type_it_prefers(accept: str | None, chosen: str | None) -> None:
    assert choose_media_type(accept) == chosen
