"""What the HTTP kinds share: every way a call can go wrong becomes one of our source errors.

The calls go to a real HTTP server on loopback (agency_server.py); what a server never does
(a reset, half a body, bytes that are not HTTP) is written on a raw socket."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import time
import urllib.parse
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import aiohttp
import orjson
import pytest
import yarl
from agency_server import RawAnswer, agency, raw_agency, read_head, reset
from aiohttp import web
from aiohttp.client_reqrep import ConnectionKey, RequestInfo
from multidict import CIMultiDict, CIMultiDictProxy
from sandbox_http import nowhere

from adapters.errors import (
    FatalSourceError,
    RetriableSourceError,
    SourceClosed,
    SourceError,
    SourceProtocolError,
    SourceTimeout,
    SourceUnavailable,
)
from adapters.http import (
    _CP1252_LETTERS,
    _MAYBE_DOUBLE_ENCODED_UTF8,
    MAX_RESPONSE_BYTES,
    JsonClient,
    OutgoingCall,
    check_media_type,
    decode_json,
    error_for_status,
    is_double_encoded,
    parse_retry_after,
    translate,
)

SOURCE = "VN:GOV:000.00.00.G18:HRM"
NOW = datetime(2026, 7, 1, 8, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("7", 7.0),
        (" 30 ", 30.0),
        ("Wed, 01 Jul 2026 08:00:45 GMT", 45.0),
        ("Wed, 01 Jul 2026 07:59:00 GMT", 0.0),  # already past: retry now
        ("soon", None),
        ("-5", None),
        ("1.5", None),  # RFC 9110 has no fractions
    ],
)
def test_retry_after_is_read_as_seconds_or_a_date(
    header: str | None, seconds: float | None
) -> None:
    assert parse_retry_after(header, NOW) == seconds


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (200, None),
        (204, None),
        (301, SourceProtocolError),
        (400, FatalSourceError),
        (401, FatalSourceError),
        (403, FatalSourceError),
        (404, FatalSourceError),
        (408, SourceTimeout),
        (429, SourceUnavailable),
        (500, SourceError),
        (501, SourceError),
        (502, SourceUnavailable),
        (503, SourceUnavailable),
        (504, SourceUnavailable),
    ],
)
def test_each_status_maps_to_the_error_of_its_remedy(
    status: int, error: type[SourceError] | None
) -> None:
    found = error_for_status(status, {}, b"", SOURCE, NOW)
    if error is None:
        assert found is None
    else:
        assert type(found) is error
        assert found.source_id == SOURCE


def test_a_5xx_other_than_the_retriable_ones_is_neither_retriable_nor_fatal() -> None:
    found = error_for_status(500, {}, b"", SOURCE, NOW)
    assert not isinstance(found, RetriableSourceError | FatalSourceError)


def test_a_rate_limit_carries_the_time_to_retry() -> None:
    found = error_for_status(429, {"retry-after": "12"}, b"", SOURCE, NOW)
    assert isinstance(found, SourceUnavailable)
    assert found.retry_after == 12.0
    assert "rate-limited" in str(found)


def test_the_far_ends_stated_error_is_quoted_and_garbage_is_not() -> None:
    stated = error_for_status(
        400, {}, b'{"error": {"code": "BAD_CURSOR", "message": "never issued"}}', SOURCE, NOW
    )
    assert "BAD_CURSOR never issued" in str(stated)
    garbage = error_for_status(400, {}, b"\xff<html>" * 100, SOURCE, NOW)
    assert str(garbage).endswith("(HTTP 400)")


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "application/problem+json",
     'application/json; charset="UTF-8"'],
)  # fmt: skip
def test_json_in_utf8_is_accepted(content_type: str) -> None:
    check_media_type(content_type, SOURCE)


@pytest.mark.parametrize(
    "content_type",
    [None, "text/html", "application/json; charset=windows-1258", "text/plain; charset=utf-8"],
)
def test_anything_but_json_in_utf8_is_a_protocol_error(content_type: str | None) -> None:
    with pytest.raises(SourceProtocolError):
        check_media_type(content_type, SOURCE)


def test_windows_1258_bytes_labelled_utf8_are_a_protocol_error() -> None:
    # Windows-1258 keeps tone marks apart from their letters: ễ is ê then U+0303
    body = '{"full_name": "Nguy\u00ea\u0303n Thi\u0323 Thu\u0309y"}'.encode("cp1258")
    with pytest.raises(SourceProtocolError, match="not UTF-8"):
        decode_json(body, SOURCE)


@pytest.mark.parametrize("body", [b"", b"{", b"<html></html>", b'{"a": 1} trailing'])
def test_json_that_does_not_parse_is_a_protocol_error(body: bytes) -> None:
    with pytest.raises(SourceProtocolError, match="does not parse"):
        decode_json(body, SOURCE)


def test_a_byte_order_mark_is_tolerated() -> None:
    assert decode_json('\ufeff{"a": "ễ"}'.encode(), SOURCE) == {"a": "ễ"}


def _connection_key() -> ConnectionKey:
    return ConnectionKey("127.0.0.1", 9, False, True, None, None, None, None)


_REQUEST_INFO = RequestInfo(yarl.URL("http://127.0.0.1/"), "GET", CIMultiDictProxy(CIMultiDict()))


@pytest.mark.parametrize(
    ("exc", "error"),
    [
        (aiohttp.ConnectionTimeoutError("t"), SourceTimeout),
        (aiohttp.SocketTimeoutError("t"), SourceTimeout),
        (aiohttp.ServerTimeoutError("t"), SourceTimeout),
        (
            aiohttp.ClientConnectorError(_connection_key(), ConnectionRefusedError(111, "refused")),
            SourceUnavailable,
        ),
        (aiohttp.ServerDisconnectedError(), SourceUnavailable),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), SourceUnavailable),
        (aiohttp.ClientConnectionResetError("reset"), SourceUnavailable),
        (aiohttp.ClientConnectionError("Connection closed"), SourceUnavailable),
        (ConnectionResetError(104, "reset"), SourceUnavailable),
        (
            aiohttp.ClientPayloadError("Response payload is not completed: <ContentLengthError>"),
            SourceUnavailable,
        ),
        (
            aiohttp.ClientPayloadError("400, message: Can not decode content-encoding: gzip"),
            SourceProtocolError,
        ),
        (
            aiohttp.ClientResponseError(_REQUEST_INFO, (), status=400, message="Bad status line"),
            SourceProtocolError,
        ),
        (aiohttp.TooManyRedirects(_REQUEST_INFO, ()), SourceProtocolError),
        (aiohttp.NonHttpUrlClientError("ftp://x/"), FatalSourceError),
        (aiohttp.InvalidUrlClientError("agency/v1"), FatalSourceError),
        (aiohttp.InvalidURL("bad"), FatalSourceError),
        (aiohttp.UploadAbortedError("not sent"), SourceError),
        (aiohttp.ClientError("other"), SourceError),
    ],
)
def test_every_aiohttp_error_becomes_a_source_error(
    exc: aiohttp.ClientError | OSError, error: type[SourceError]
) -> None:
    found = translate(exc, SOURCE)
    assert type(found) is error
    assert found.source_id == SOURCE


@asynccontextmanager
async def client(base_url: str, **options: Any) -> AsyncIterator[JsonClient]:
    http = JsonClient(SOURCE, base_url, **options)
    try:
        yield http
    finally:
        await http.aclose()


async def json_handler(request: web.Request) -> web.StreamResponse:
    return web.json_response({})


async def test_a_redirect_is_never_followed() -> None:
    seen: list[str] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        seen.append(request.path)
        if request.path == "/v1/health":
            return web.Response(status=302, headers={"Location": "/elsewhere"})
        return web.json_response({})

    async with agency(handler) as url, client(url) as http:
        with pytest.raises(SourceProtocolError, match="redirected"):
            await http.get("v1/health")
    assert seen == ["/v1/health"]  # the Location was never asked for


async def test_an_answer_too_large_is_refused_before_it_is_read() -> None:
    async def declares_64_mib(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n{" % (64 * 2**20)
        )
        await writer.drain()
        await reader.read()  # and sends nothing more: a client that read on would time out

    async with raw_agency(declares_64_mib) as url, client(url, timeout=5) as http:
        with pytest.raises(SourceProtocolError, match="answered with 67108864 bytes"):
            await http.get("v1/health")


async def test_an_answer_that_grows_too_large_while_read_is_refused() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)  # chunked: no Content-Length to refuse it by
        chunk = b" " * 2**20
        for _ in range(MAX_RESPONSE_BYTES // len(chunk) + 2):
            await response.write(chunk)
        return response

    async with agency(handler) as url, client(url) as http:
        with pytest.raises(SourceProtocolError, match="more than"):
            await http.get("v1/health")


async def test_the_cap_counts_the_bytes_decompressed_not_the_bytes_sent() -> None:
    bomb = gzip.compress(b" " * (MAX_RESPONSE_BYTES + 2**20), compresslevel=9)
    assert len(bomb) < MAX_RESPONSE_BYTES // 100

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(
            body=bomb,
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )

    async with agency(handler) as url, client(url) as http:
        with pytest.raises(SourceProtocolError, match="more than"):
            await http.get("v1/health")


async def test_a_gzipped_answer_is_read_decompressed() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(
            body=gzip.compress('{"name": "Nguyễn"}'.encode()),
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )

    async with agency(handler) as url, client(url) as http:
        assert await http.get("v1/health") == {"name": "Nguyễn"}


async def test_a_broken_gzip_body_is_a_protocol_error() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(
            body=b"\x1f\x8b\x08\x00 these bytes are no deflate stream",
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )

    async with agency(handler) as url, client(url) as http:
        with pytest.raises(SourceProtocolError, match="unreadable"):
            await http.get("v1/health")


async def test_reads_are_get_and_lookups_carry_ids_in_the_body_not_the_url() -> None:
    seen: list[tuple[str, str, bytes]] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        seen.append((request.method, str(request.url), await request.read()))
        return web.json_response({})

    async with agency(handler) as url, client(url) as http:
        await http.get("v1/changes", {"limit": "5"})
        await http.post("v1/persons/detail", {"personal_ids": ["001090012345"]})
    assert [method for method, _, _ in seen] == ["GET", "POST"]
    assert "001090012345" not in seen[1][1]
    assert b"001090012345" in seen[1][2]


async def test_calls_say_who_calls_and_what_they_accept_and_send() -> None:
    seen: list[Mapping[str, str]] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        seen.append(request.headers)
        return web.json_response({})

    async with agency(handler) as url, client(url) as http:
        await http.get("v1/health")
        await http.post("v1/persons/detail", {"personal_ids": []})
    assert [h["Accept"] for h in seen] == ["application/json"] * 2
    assert [h["User-Agent"] for h in seen] == ["cbccvc-gateway"] * 2
    assert [h.get("Content-Type") for h in seen] == [None, "application/json"]
    assert all("Cookie" not in h for h in seen)


async def test_paths_are_relative_to_the_base_url_and_the_target_sent_is_the_one_prepared() -> None:
    seen: list[tuple[str, str]] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        seen.append((request.raw_path, request.headers["Authorization"]))
        return web.json_response({})

    prepared: list[OutgoingCall] = []

    def prepare(call: OutgoingCall) -> None:
        prepared.append(call)
        call.headers["Authorization"] = f"Bearer {call.method} {call.path}?{call.query}"

    cursor = "a+b/c=d é~*!'()&x"
    async with agency(handler) as url, client(f"{url}/agencies/G18") as http:
        assert http.base_path == "/agencies/G18/"
        answer, body = await http.send(
            "GET", "/v1/changes", params={"limit": "5", "cursor": cursor}, prepare=prepare
        )
    assert (answer.status_code, answer.headers.get("content-type")) == (
        200,
        "application/json; charset=utf-8",
    )
    assert orjson.loads(body) == {}
    call = prepared[0]
    assert call.path == "/agencies/G18/v1/changes"
    assert call.query == urllib.parse.urlencode({"limit": "5", "cursor": cursor})
    # byte for byte what was prepared (and signed) is what arrived
    assert seen == [(f"{call.path}?{call.query}", f"Bearer GET {call.path}?{call.query}")]
    assert urllib.parse.parse_qs(call.query)["cursor"] == [cursor]


async def test_a_closed_client_refuses_to_call() -> None:
    seen: list[web.Request] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        seen.append(request)
        return web.json_response({})

    async with agency(handler) as url:
        http = JsonClient(SOURCE, url)
        await http.get("v1/health")
        await http.aclose()
        with pytest.raises(SourceClosed):
            await http.get("v1/health")
    assert len(seen) == 1


def test_a_client_made_outside_any_loop_calls_from_the_loop_that_uses_it() -> None:
    address = nowhere()  # a free port, for the server started below
    http = JsonClient(SOURCE, address)  # as at start-up: no loop runs yet

    async def use() -> object:
        async with agency(json_handler, port=int(address.rsplit(":", 1)[1])):
            try:
                return await http.get("v1/health")
            finally:
                await http.aclose()

    assert asyncio.run(use()) == {}


async def test_a_port_where_nothing_listens_is_unavailable() -> None:
    async with client(nowhere()) as http:
        with pytest.raises(SourceUnavailable, match="cannot connect") as caught:
            await http.get("v1/health")
    assert isinstance(caught.value.__cause__, aiohttp.ClientConnectorError)


async def close_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_head(reader)


async def reset_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_head(reader)
    reset(writer)


async def half_a_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_head(reader)
    writer.write(
        b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":'
    )
    await writer.drain()


async def half_a_body_then_reset(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    await half_a_body(reader, writer)
    await asyncio.sleep(0.05)
    reset(writer)


async def half_the_chunks(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_head(reader)
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n5\r\n"
        b'{"a":'
    )
    await writer.drain()


async def not_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_head(reader)
    writer.write(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")
    await writer.drain()


@pytest.mark.parametrize(
    ("answer", "error", "said"),
    [
        (close_at_once, SourceUnavailable, "dropped the connection"),
        (reset_at_once, SourceUnavailable, "dropped the connection"),
        (half_a_body, SourceUnavailable, "dropped the connection"),
        (half_a_body_then_reset, SourceUnavailable, "dropped the connection"),
        (half_the_chunks, SourceUnavailable, "dropped the connection"),
        (not_http, SourceProtocolError, "unreadable"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_what_the_far_ends_connection_does_wrong_becomes_a_source_error(
    answer: RawAnswer, error: type[SourceError], said: str, method: str
) -> None:
    async with raw_agency(answer) as url, client(url) as http:
        call = (
            http.get("v1/health")
            if method == "GET"
            else http.post("v1/persons/detail", {"personal_ids": ["001090012345"]})
        )
        with pytest.raises(error, match=said) as caught:
            await call
    assert type(caught.value) is error
    assert caught.value.source_id == SOURCE
    # error texts never carry what was sent (a lookup's body holds personal IDs)
    assert "001090012345" not in str(caught.value)
    assert "001090012345" not in repr(caught.value.__cause__)


async def test_a_far_end_that_hangs_costs_the_deadline_and_no_more() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(10)
        return web.json_response({})

    async with agency(handler) as url, client(url, timeout=0.3) as http:
        started = time.perf_counter()
        with pytest.raises(SourceTimeout, match=r"within 0\.3 s"):
            await http.get("v1/health")
        assert time.perf_counter() - started < 2.0


async def test_a_body_that_stalls_midway_costs_the_deadline_too() -> None:
    async def stalls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await half_a_body(reader, writer)
        await reader.read()  # the rest never comes

    async with raw_agency(stalls) as url, client(url, timeout=0.3) as http:
        with pytest.raises(SourceTimeout):
            await http.get("v1/health")


@pytest.mark.parametrize(
    "base_url", ["ftp://agency.example/", "agency.example/v1", "http:///v1", "http://[bad/"]
)
async def test_a_misconfigured_address_is_fatal_at_the_first_call(base_url: str) -> None:
    http = JsonClient(SOURCE, base_url)  # not at start-up: the registry builds it fine
    try:
        with pytest.raises(FatalSourceError, match="misconfigured"):
            await http.get("v1/health")
    finally:
        await http.aclose()


@pytest.mark.parametrize(
    ("text", "double"),
    [
        ("Nguyễn Thị Thủy", False),
        ("Hà Tây", False),  # Latin-1 letters only, yet genuine
        ("Café crème", False),
        ("plain ascii", False),
        ("Nguyá»…n Thá»‹ Thá»§y", True),  # read as Windows-1252
        ("Nguyá»\x85n", True),  # read as Latin-1
        ("H\u00c3\u00a0 T\u00c3\u00a2y", True),  # "Hà Tây" read as Latin-1
    ],
)
def test_text_encoded_twice_is_recognised(text: str, double: bool) -> None:
    assert is_double_encoded(text) is double


def test_the_bodys_scan_over_bytes_finds_exactly_the_pairs_of_the_text() -> None:
    # the pattern over the text, as defined: a Latin-1 lead letter, then what Latin-1 or
    # cp1252 print for a continuation byte; or a \u escape
    continuation = "\u0080-\u00bf" + "".join(_CP1252_LETTERS)
    over_text = re.compile(f"[\u00c2-\u00f4][{continuation}]|\\\\u")
    letters = [chr(c) for c in range(0x20, 0x250)] + list(_CP1252_LETTERS) + ["ễ", "ự", "\\"]
    for first in letters:
        for second in [*letters, "u"]:
            text = f"a{first}{second}b"
            found = _MAYBE_DOUBLE_ENCODED_UTF8.search(text.encode()) is not None
            assert found is (over_text.search(text) is not None), repr(text)


@pytest.mark.parametrize("escaped", [False, True])
@pytest.mark.parametrize(
    ("text", "double"),
    [
        ("Nguyễn Thị Thủy", False),
        ("Hà Tây", False),
        ("Ông Âu Cơ, số 5°", False),
        ("Nguyá»…n Thá»‹ Thá»§y", True),
        ("Nguyá»\x85n", True),
        ("H\u00c3\u00a0 T\u00c3\u00a2y", True),
    ],
)
def test_a_body_is_refused_exactly_when_one_of_its_texts_is_encoded_twice(
    text: str, double: bool, escaped: bool
) -> None:
    # the body's quick scan must never pass what the walk over its strings would refuse,
    # whether the JSON writes the characters as they are or as \u escapes
    body = orjson.dumps({"records": [{"name": "An", "place": text}]})
    if escaped:
        body = json.dumps({"records": [{"name": "An", "place": text}]}).encode()
    if double:
        with pytest.raises(SourceProtocolError, match=r"encoded twice .* at \$.records\[0\].place"):
            decode_json(body, SOURCE)
    else:
        assert decode_json(body, SOURCE) == {"records": [{"name": "An", "place": text}]}


def test_a_payload_with_text_encoded_twice_is_a_protocol_error_naming_where() -> None:
    body = '{"citizens": [{"full_name": "Nguyễn Văn An"}]}'.encode().decode("latin-1").encode()
    with pytest.raises(
        SourceProtocolError, match=r"encoded twice .* at \$.citizens\[0\].full_name"
    ):
        decode_json(body, SOURCE)
