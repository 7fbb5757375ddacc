"""Hostile HTTP requests to the live gateway, as a table: each is refused with the 4xx it
deserves and a GraphQL error body saying what is wrong, never a 5xx or a traceback.

Sent over a raw socket to uvicorn, so that what an HTTP client library would refuse to send
(bodies that are not JSON, lone surrogates, NUL, odd methods, broken headers) really arrives.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from fuzz_helpers import LiveGateway

TYPENAME = b'{"query":"{ __typename }"}'
FIRST_N = b'{"query":"query($n: Int) { persons(first: $n) { totalCount } }","variables":'


@dataclass(frozen=True)
class Hostile:
    name: str
    body: bytes = b""
    method: str = "POST"
    target: str = "/graphql"
    content_type: str = "application/json"
    accept: str = "application/graphql-response+json"
    headers: bytes = b""
    status: int = 400
    says: str = ""  # a piece of the first error's message


TABLE = [
    Hostile("a batch", b"[" + TYPENAME + b"," + TYPENAME + b"]", says="batched operations"),
    Hostile("a body that is JSON null", b"null", says="must be a JSON object"),
    Hostile("a body that is a JSON string", b'"{ __typename }"', says="must be a JSON object"),
    Hostile("no query", b"{}", says="`query` must be a non-empty string"),
    Hostile("a query that is a number", b'{"query": 5}', says="`query` must be"),
    Hostile(
        "variables that are a string", b'{"query":"{ a }","variables":"x"}', says="`variables`"
    ),
    Hostile("variables that are a list", b'{"query":"{ a }","variables":[1]}', says="`variables`"),
    Hostile("operationName a number", b'{"query":"{ a }","operationName":3}', says="operationName"),
    Hostile("extensions a string", b'{"query":"{ a }","extensions":"x"}', says="`extensions`"),
    Hostile("bytes that are not UTF-8", b'{"query":"{ __typename \xff }"}', says="not valid JSON"),
    Hostile(
        "a lone surrogate escape",
        b'{"query":"{ persons(filter: {search: \\"\\ud800\\"}) { totalCount } }"}',
        says="not valid JSON",
    ),
    Hostile("a NUL in the document", b'{"query":"{ __typename \\u0000 }"}', says="U+0000"),
    Hostile(
        "JSON nested 2,000 deep",
        TYPENAME[:-1] + b',"variables":' + b'{"a":' * 2000 + b"1" + b"}" * 2001,
        says="not valid JSON",
    ),
    Hostile("a number beyond a double", FIRST_N + b'{"n": 1e400}}', says="not valid JSON"),
    Hostile("NaN", FIRST_N + b'{"n": NaN}}', says="not valid JSON"),
    Hostile("an integer beyond Int", FIRST_N + b'{"n": 99999999999}}', says="n"),
    Hostile("truncated JSON", b'{"query":"{ __typ', says="not valid JSON"),
    Hostile(
        "a form post",
        b"query=x",
        content_type="application/x-www-form-urlencoded",
        status=415,
        says="application/json",
    ),
    Hostile(
        "an application/graphql body",
        b"{ __typename }",
        content_type="application/graphql",
        status=415,
        says="application/json",
    ),
    Hostile(
        "a GET with bytes that are not UTF-8",
        method="GET",
        target="/graphql?query=%FF",
        says="Syntax Error",
    ),
    Hostile(
        "a GET with variables that are not JSON",
        method="GET",
        target="/graphql?query=%7B__typename%7D&variables=%7B",
        says="variables",
    ),
    Hostile(
        "a mutation over GET",
        method="GET",
        target="/graphql?query=mutation%7B__typename%7D",
        status=405,
        says="use POST",
    ),
    *(
        Hostile(f"the method {method}", TYPENAME, method=method, status=405, says="not supported")
        for method in ("PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW")
    ),
    Hostile(
        "a Basic credential",
        TYPENAME,
        headers=b"Authorization: Basic Zm9vOmJhcg==\r\n",
        status=401,
        says="Bearer",
    ),
    Hostile(
        "a token that is not a JWT",
        TYPENAME,
        headers=b"Authorization: Bearer abc.def\r\n",
        status=401,
    ),
    Hostile("an Accept of no JSON", TYPENAME, accept="text/csv", status=406),
]


def _send(gateway: LiveGateway, case: Hostile) -> tuple[int, dict[str, str], bytes]:
    address = urlsplit(gateway.url)
    head = (
        (
            f"{case.method} {case.target} HTTP/1.1\r\nHost: gateway\r\nAccept: {case.accept}\r\n"
            f"Content-Type: {case.content_type}\r\nContent-Length: {len(case.body)}\r\n"
            "Connection: close\r\n"
        ).encode()
        + case.headers
        + b"\r\n"
    )
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(head + case.body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_and_headers, _, body = answer.partition(b"\r\n\r\n")
    lines = status_and_headers.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.mark.parametrize("case", TABLE, ids=[case.name for case in TABLE])
def test_a_hostile_request_is_refused_with_a_graphql_error_saying_why(
    case: Hostile, demo_gateway: LiveGateway
) -> None:
    status, headers, body = _send(demo_gateway, case)
    assert status == case.status, body[:300]
    errors = json.loads(body)["errors"]
    assert case.says in errors[0]["message"]
    assert "Traceback" not in body.decode("utf-8", "replace")
    if status == 405:  # what this request could have used: a mutation only POST
        assert headers["allow"] == ("POST" if case.method == "GET" else "GET, POST")
    if status == 401:
        assert headers["www-authenticate"].startswith("Bearer")


def test_a_header_the_http_parser_refuses_is_a_400_before_the_app(
    demo_gateway: LiveGateway,
) -> None:
    """A NUL or a raw byte in a header never reaches our code: uvicorn's parser answers 400
    itself (in text/plain, the one refusal not in GraphQL's format: no app has run)."""
    case = Hostile("NUL in a header", TYPENAME, headers=b"Authorization: Bearer \x00\xff\r\n")
    status, _, body = _send(demo_gateway, case)
    assert status == 400
    assert b"Traceback" not in body
