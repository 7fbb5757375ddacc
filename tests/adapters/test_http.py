"""What the HTTP kinds share: every way a call can go wrong becomes one of our source errors."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import httpx
import orjson
import pytest

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
    JsonClient,
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


REQUEST = httpx.Request("GET", "http://127.0.0.1/")


@pytest.mark.parametrize(
    ("exc", "error"),
    [
        (httpx.ConnectTimeout("t", request=REQUEST), SourceTimeout),
        (httpx.ReadTimeout("t", request=REQUEST), SourceTimeout),
        (httpx.PoolTimeout("t", request=REQUEST), SourceTimeout),
        (httpx.ConnectError("refused", request=REQUEST), SourceUnavailable),
        (httpx.RemoteProtocolError("closed", request=REQUEST), SourceUnavailable),
        (httpx.ReadError("reset", request=REQUEST), SourceUnavailable),
        (httpx.DecodingError("gzip", request=REQUEST), SourceProtocolError),
        (httpx.TooManyRedirects("loop", request=REQUEST), SourceProtocolError),
        (httpx.UnsupportedProtocol("ftp", request=REQUEST), FatalSourceError),
        (httpx.InvalidURL("bad"), FatalSourceError),
    ],
)
def test_every_httpx_error_becomes_a_source_error(
    exc: httpx.HTTPError, error: type[SourceError]
) -> None:
    found = translate(exc, SOURCE)
    assert type(found) is error
    assert found.source_id == SOURCE


def client(handler: object) -> JsonClient:
    return JsonClient(SOURCE, "http://agency.test/", transport=httpx.MockTransport(handler))  # type: ignore[arg-type]


async def test_a_redirect_is_never_followed() -> None:
    http = client(lambda request: httpx.Response(302, headers={"Location": "http://elsewhere/"}))
    with pytest.raises(SourceProtocolError, match="redirected"):
        await http.get("v1/health")


async def test_an_answer_too_large_is_refused_before_it_is_read() -> None:
    http = client(lambda request: httpx.Response(200, headers={"Content-Length": str(64 * 2**20)}))
    with pytest.raises(SourceProtocolError, match="bytes"):
        await http.get("v1/health")


async def test_reads_are_get_and_lookups_carry_ids_in_the_body_not_the_url() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    http = client(handler)
    await http.get("v1/changes", {"limit": "5"})
    await http.post("v1/persons/detail", {"personal_ids": ["001090012345"]})
    assert [r.method for r in seen] == ["GET", "POST"]
    assert "001090012345" not in str(seen[1].url)
    assert b"001090012345" in seen[1].content


async def test_a_closed_client_refuses_to_call() -> None:
    http = client(lambda request: httpx.Response(200, json={}))
    await http.aclose()
    with pytest.raises(SourceClosed):
        await http.get("v1/health")


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
