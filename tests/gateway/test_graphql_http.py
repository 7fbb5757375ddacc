"""GraphQL over HTTP: media types, status codes, and bad input that never becomes a 500."""

import httpx
import pytest

from gateway.http_negotiation import GRAPHQL_RESPONSE, JSON

DIRECTORY = "{ persons(first: 2) { edges { node { fullName } } } }"


async def test_a_query_answers_200_in_the_media_type_the_client_asked_for(
    client: httpx.AsyncClient,
) -> None:
    for accept, media_type in ((GRAPHQL_RESPONSE, GRAPHQL_RESPONSE), (JSON, JSON), ("*/*", JSON)):
        response = await client.post(
            "/graphql", json={"query": DIRECTORY}, headers={"Accept": accept}
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media_type)
        assert len(response.json()["data"]["persons"]["edges"]) == 2
        assert response.headers["x-request-id"]


async def test_a_query_can_be_sent_with_get(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/graphql", params={"query": DIRECTORY}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 200
    assert len(response.json()["data"]["persons"]["edges"]) == 2


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[]", 400, "batched operations are not supported"),
        (b'"query"', 400, "must be a JSON object"),
        (b"{}", 400, "`query` must be a non-empty string"),
        (
            b'{"query": "{ persons { pageInfo { hasNextPage } } }", "variables": [1]}',
            400,
            "`variables` must be an object",
        ),
    ],
)
async def test_a_malformed_body_is_a_400_with_a_clear_message(
    client: httpx.AsyncClient, body: bytes, status: int, message: str
) -> None:
    for accept in (GRAPHQL_RESPONSE, JSON):
        response = await client.post(
            "/graphql",
            content=body,
            headers={"Content-Type": "application/json", "Accept": accept},
        )
        assert response.status_code == status
        assert message in response.json()["errors"][0]["message"]


async def test_a_body_that_is_not_json_is_415(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", content="query=%7B%7D", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["errors"][0]["message"]


async def test_a_body_over_the_limit_is_413_before_it_is_parsed(client: httpx.AsyncClient) -> None:
    huge = b'{"query": "' + b" " * (1 << 20) + b'{ __typename }"}'
    response = await client.post(
        "/graphql", content=huge, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


async def test_a_client_that_accepts_no_json_gets_406(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": DIRECTORY}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 406


async def test_an_unparseable_query_is_400_for_modern_clients_and_200_for_legacy(
    client: httpx.AsyncClient,
) -> None:
    statuses = {}
    for accept in (GRAPHQL_RESPONSE, JSON):
        response = await client.post(
            "/graphql", json={"query": "{ persons(first: 1 { "}, headers={"Accept": accept}
        )
        body = response.json()
        assert "data" not in body
        assert body["errors"][0]["message"].startswith("Syntax Error")
        statuses[accept] = response.status_code
    assert statuses == {GRAPHQL_RESPONSE: 400, JSON: 200}


async def test_an_unknown_field_fails_validation_with_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ persons { edges { node { salaryGrade } } } }"},
        headers={"Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 422
    body = response.json()
    assert "data" not in body
    assert "Cannot query field 'salaryGrade' on type 'Person'" in body["errors"][0]["message"]


async def test_a_variable_of_the_wrong_type_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        json={
            "query": "query($n: Int) { persons(first: $n) { edges { cursor } } }",
            "variables": {"n": "ten"},
        },
        headers={"Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 400
    assert "Int cannot represent non-integer value" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("query", "argument"),
    [
        ("{ persons(first: 500) { edges { cursor } } }", "first"),
        ('{ persons(first: 5, after: "garbage") { edges { cursor } } }', "after"),
        ('{ persons(last: 5, before: "!!") { edges { cursor } } }', "before"),
        ("{ persons(first: 1, last: -1) { edges { cursor } } }", "last"),
        ('{ person(id: "not-an-id") { fullName } }', "id"),
        (
            '{ persons(filter: {organization: "NO.SUCH.CODE"}) { edges { cursor } } }',
            "filter.organization",
        ),
    ],
)
async def test_impossible_arguments_are_400_bad_user_input_naming_the_argument(
    client: httpx.AsyncClient, query: str, argument: str
) -> None:
    response = await client.post(
        "/graphql", json={"query": query}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == argument
    assert "Traceback" not in response.text


async def test_the_same_bad_argument_is_200_with_the_error_for_legacy_clients(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ persons(first: 500) { edges { cursor } } }"},
        headers={"Accept": JSON},
    )
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_several_operations_need_an_operation_name(client: httpx.AsyncClient) -> None:
    document = "query A { persons(first: 1) { edges { cursor } } } query B { __typename }"
    response = await client.post(
        "/graphql", json={"query": document}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 400
    assert "operationName" in response.json()["errors"][0]["message"]
    named = await client.post(
        "/graphql",
        json={"query": document, "operationName": "B"},
        headers={"Accept": GRAPHQL_RESPONSE},
    )
    assert named.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
async def test_other_methods_are_405_with_a_graphql_error(
    client: httpx.AsyncClient, method: str
) -> None:
    response = await client.request(
        method, "/graphql", json={"query": DIRECTORY}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    if method != "HEAD":  # a HEAD answer has no body
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "METHOD_NOT_ALLOWED"
        assert method in error["message"]


async def test_a_browser_get_shows_graphiql_from_the_gateways_own_files(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/static/graphiql/graphiql.min.js" in response.text
    assert "https://" not in response.text
    script = await client.get("/static/graphiql/graphiql.min.js")
    assert script.status_code == 200
    assert len(script.content) > 100_000


async def test_graphiql_assets_are_gzipped_for_browsers_that_accept_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        "/static/graphiql/graphiql.min.js", headers={"Accept-Encoding": "gzip"}
    )
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.num_bytes_downloaded < 1_500_000 < len(response.content)
