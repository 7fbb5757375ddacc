"""What the HTTP kinds of source share: one aiohttp session per source, a deadline per call, and
the translation of everything the network or the far end can do wrong into source errors.

    connect refused, reset, closed early        -> SourceUnavailable
    no answer within the deadline (or a hang)   -> SourceTimeout
    429, 502, 503, 504                          -> SourceUnavailable (retry_after from the header)
    408                                         -> SourceTimeout
    other 4xx                                   -> FatalSourceError (our call is wrong or refused)
    other 5xx                                   -> SourceError (the far end failed; remedy unknown)
    3xx (we never follow redirects)             -> SourceProtocolError
    not JSON, not UTF-8, a charset other than UTF-8, text encoded twice
    (mojibake), a body too large                -> SourceProtocolError
    a body that does not decode (a broken gzip),
    an answer that is not HTTP                  -> SourceProtocolError
    a misconfigured URL                         -> FatalSourceError

Reads are GET; POST only carries batch lookups whose body holds personal IDs (never put into
URLs). No aiohttp exception and no undecoded byte ever reaches a caller.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import re
import ssl
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import certifi
import orjson
import yarl

from adapters.errors import (
    FatalSourceError,
    SourceClosed,
    SourceError,
    SourceProtocolError,
    SourceTimeout,
    SourceUnavailable,
)
from exchange.payload import PayloadError, Reader

DEFAULT_TIMEOUT = 5.0
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
RETRIABLE_STATUSES = frozenset({429, 502, 503, 504})
USER_AGENT = "cbccvc-gateway"
_MESSAGE_LENGTH = 200


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP-date (RFC 9110)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def _stated_message(body: bytes) -> str:
    """The message of a JSON error body ({"error": {"code", "message"}}), if it has one."""
    try:
        error = Reader(orjson.loads(body)).field("error")
        code = error.field("code").text(max_length=64)
        message = error.field("message").text(max_length=_MESSAGE_LENGTH)
    except (orjson.JSONDecodeError, PayloadError):
        return ""
    return f": {code} {message}".rstrip()


def error_for_status(
    status: int, headers: Mapping[str, str], body: bytes, source_id: str, now: datetime
) -> SourceError | None:
    """The error an HTTP status means, or None for success. Pure."""
    if 200 <= status < 300:
        return None
    stated = _stated_message(body)
    if status in RETRIABLE_STATUSES:
        retry_after = parse_retry_after(headers.get("retry-after"), now)
        what = "rate-limited us" if status == 429 else "is unavailable"
        return SourceUnavailable(
            f"{source_id} {what} (HTTP {status}){stated}",
            source_id=source_id,
            retry_after=retry_after,
        )
    if status == 408:
        return SourceTimeout(f"{source_id} timed out (HTTP 408)", source_id=source_id)
    if 300 <= status < 400:
        return SourceProtocolError(
            f"{source_id} redirected (HTTP {status}); sources are called at their own address",
            source_id=source_id,
        )
    if 400 <= status < 500:
        return FatalSourceError(
            f"{source_id} refused the call (HTTP {status}){stated}", source_id=source_id
        )
    return SourceError(f"{source_id} failed (HTTP {status}){stated}", source_id=source_id)


def check_media_type(content_type: str | None, source_id: str) -> None:
    """JSON, and UTF-8 if a charset is named at all (RFC 8259: JSON is UTF-8)."""
    media, _, parameters = (content_type or "").partition(";")
    media = media.strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise SourceProtocolError(
            f"{source_id} answered {media or 'without a content type'}, not JSON",
            source_id=source_id,
        )
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            raise SourceProtocolError(
                f"{source_id} answered in {value.strip()}, not UTF-8", source_id=source_id
            )


_UTF8_BOM = "\ufeff".encode()


def _check_utf8(body: bytes, source_id: str) -> None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        # typically Windows-1258 or Latin-1 bytes labelled UTF-8: never guess, never pass on
        raise SourceProtocolError(
            f"{source_id} answered with bytes that are not UTF-8 (at byte {exc.start})",
            source_id=source_id,
        ) from exc


def decode_json(body: bytes, source_id: str) -> Any:
    """The JSON value of a body that must be UTF-8; SourceProtocolError for anything else."""
    try:
        # orjson reads the bytes, checking their UTF-8 itself: no decoded copy of the body
        value = orjson.loads(body.removeprefix(_UTF8_BOM))
    except orjson.JSONDecodeError as exc:
        _check_utf8(body, source_id)  # bytes that are not UTF-8 are named as such first
        raise SourceProtocolError(
            f"{source_id} answered with JSON that does not parse: {exc.msg}", source_id=source_id
        ) from exc
    # the walk over every string is for bodies that could hold mojibake at all (most carry
    # none of its character pairs, and no \u escape that could hide one); the scan runs over
    # the UTF-8 bytes, twice as fast as over the text (a page of 1,000 records is 4 MB)
    where = find_double_encoded(value) if _MAYBE_DOUBLE_ENCODED_UTF8.search(body) else None
    if where is not None:
        raise SourceProtocolError(
            f"{source_id} answered with text encoded twice (UTF-8 read as Latin-1) at {where}",
            source_id=source_id,
        )
    return value


# Text that is_double_encoded finds holds, as characters, the bytes of a UTF-8 multibyte
# sequence: a lead byte 0xC2-0xF4 (the same letter in Latin-1 and cp1252) followed by a
# continuation byte 0x80-0xBF (U+0080-U+00BF in Latin-1; cp1252 prints 0x80-0x9F as € ‚ ƒ ...).
# Vietnamese letters of the Latin-1 range are all 0xC0 or above, so real text has no such pair.
# The body is scanned for such a pair (or a \u escape, which could hide one) in its UTF-8
# bytes, twice as fast as in its text (a page of 1,000 records is about 4 MB): U+00C2-U+00F4
# is C3 82-B4, U+0080-U+00BF is C2 80-BF, and cp1252's letters of 0x80-0x9F have sequences of
# their own (tests/adapters/test_http.py holds it to the pattern over the text, pair by pair).
_CP1252_LETTERS = tuple(
    bytes([b]).decode("cp1252")
    for b in range(0x80, 0xA0)
    if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
)
_MAYBE_DOUBLE_ENCODED_UTF8 = re.compile(
    b"\xc3[\x82-\xb4](?:\xc2[\x80-\xbf]|"
    + b"|".join(re.escape(letter.encode()) for letter in _CP1252_LETTERS)
    + b")|\\\\u"
)


def is_double_encoded(text: str) -> bool:
    """Whether `text` is UTF-8 that was read as Latin-1 or Windows-1252 and encoded again.

    Vietnamese text almost always holds letters outside Latin-1 (ư, ơ, đ, ạ, ễ...), and Latin-1
    letters in a row almost never form valid UTF-8, so text that survives the round trip and
    comes out different is mojibake ("Nguyá»…n" for "Nguyễn").
    """
    if text.isascii():
        return False
    for codec in ("latin-1", "cp1252"):
        try:
            if text.encode(codec).decode("utf-8") != text:
                return True
        except UnicodeError:
            continue
    return False


def find_double_encoded(value: object, path: str = "$") -> str | None:
    """The JSON path of the first string (key or value) that is double-encoded, if any."""
    if isinstance(value, str):
        return path if is_double_encoded(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if is_double_encoded(key):
                return f"{path}.{key!r}"
            found = find_double_encoded(item, f"{path}.{key}")
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = find_double_encoded(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def translate(exc: aiohttp.ClientError | OSError, source_id: str) -> SourceError:
    """Our error for one of aiohttp's, or an OSError of the socket (the caller raises it `from`
    the original). aiohttp's own texts name the host and the reason, never a request's body."""
    if isinstance(exc, TimeoutError):  # aiohttp's ServerTimeoutError and kin are TimeoutErrors
        return SourceTimeout(f"{source_id} did not answer in time", source_id=source_id)
    if isinstance(exc, aiohttp.ClientConnectorError):  # refused, no route, TLS handshake
        return SourceUnavailable(f"cannot connect to {source_id}: {exc}", source_id=source_id)
    if isinstance(exc, aiohttp.ClientPayloadError):
        if str(exc).startswith(_CUT_SHORT):
            return SourceUnavailable(
                f"{source_id} dropped the connection: {exc}", source_id=source_id
            )
        return SourceProtocolError(  # a broken gzip, a malformed chunk
            f"{source_id} sent an unreadable answer: {exc}", source_id=source_id
        )
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError):
        return SourceUnavailable(f"{source_id} dropped the connection: {exc}", source_id=source_id)
    if isinstance(exc, aiohttp.ClientResponseError):  # a head that is not HTTP, a redirect loop
        return SourceProtocolError(
            f"{source_id} sent an unreadable answer: {exc}", source_id=source_id
        )
    if isinstance(exc, aiohttp.ClientConnectionError | OSError):
        return SourceUnavailable(f"{source_id} is unreachable: {exc}", source_id=source_id)
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        return FatalSourceError(f"{source_id} is misconfigured: {exc}", source_id=source_id)
    return SourceError(f"calling {source_id} failed: {exc}", source_id=source_id)


# aiohttp's ClientPayloadError when the connection ended before the body did (fewer bytes than
# Content-Length, a chunked body without its last chunk): the far end dropped the connection,
# as with a reset, not an answer we cannot read
_CUT_SHORT = "Response payload is not completed"


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The verification context, made once: loading the CA bundle takes ~50 ms, which every one
    of a registry's dozens of sources paid at start. Mozilla's roots from certifi, whatever the
    environment says (SSL_CERT_FILE is not read), as httpx did for these calls before."""
    return ssl.create_default_context(cafile=certifi.where())


@dataclass(frozen=True, slots=True)
class OutgoingCall:
    """A call about to leave, as `prepare` sees it: the method, the target exactly as it goes
    on the wire (path and query, both percent-encoded), and the headers `prepare` may change.
    The target is frozen: what a prepare signs is what is sent."""

    method: str
    path: str  # the absolute path, encoded (the base URL's path, then the call's)
    query: str  # the encoded query string, without "?" ("" for none)
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class Answer:
    """What came back, its body aside: the status and the headers (case-insensitive)."""

    status_code: int
    headers: Mapping[str, str]


# the characters a path keeps as they are (RFC 3986 pchar and "/", and "%" of what is encoded)
_PATH_SAFE = "/!$&'()*+,;=:@-._~%"


class JsonClient:
    """One source's HTTP client: its base URL, a deadline per call, errors translated.

    The aiohttp session behind it is made on the first call, inside the loop that runs it (a
    JsonClient is built at start-up, outside any loop), and closed by `aclose`.

    Args:
        source_id: named in every error.
        base_url: the source's address; paths are relative to it.
        timeout: seconds a whole call may take (connect, send, wait, read), after which it
            fails with SourceTimeout: a source that hangs costs no more than this.
        max_connections: connections open to the source at most.
    """

    def __init__(
        self,
        source_id: str,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_connections: int = 10,
    ) -> None:
        self.source_id = source_id
        self.timeout = timeout
        self.closed = False
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._origin = ""
        self._base_path = "/"
        self._misconfigured: str | None = None
        try:
            base = yarl.URL(base_url.rstrip("/") + "/")
        except (TypeError, ValueError) as error:
            # refused at the first call, as a URL aiohttp refuses would be, not at start-up
            self._misconfigured = f"{base_url!r}: {error}"
        else:
            # scheme and authority ("" for a relative URL, which aiohttp then refuses)
            self._origin = str(
                yarl.URL.build(scheme=base.scheme, authority=base.raw_authority, encoded=True)
            )
            self._base_path = base.raw_path

    @property
    def base_path(self) -> str:
        """The encoded path of the base URL (what a signed call's target is relative to)."""
        return self._base_path

    def _open(self) -> aiohttp.ClientSession:
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=self._max_connections,
                ssl=_tls_context(),
                keepalive_timeout=5.0,  # as httpx's pool kept them (uvicorn closes after 5 s)
            ),
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            # the deadline is asyncio.timeout's around the whole call: no timers of aiohttp's
            timeout=aiohttp.ClientTimeout(total=None, connect=None, sock_connect=None),
            # a source's cookies are not kept nor sent back (and cost a jar's work per call)
            cookie_jar=aiohttp.DummyCookieJar(),
            # the environment's proxies must not see personal data bound for a source (False
            # is aiohttp's default; said here so that nobody turns it on)
            trust_env=False,
            raise_for_status=False,
        )
        self._session = session
        return session

    async def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        return await self._call("GET", path, params=params)

    async def post(self, path: str, payload: Any) -> Any:
        """A read-only lookup whose parameters must not go into the URL."""
        return await self._call("POST", path, content=orjson.dumps(payload))

    async def _call(
        self, method: str, path: str, *, params: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> Any:  # fmt: skip
        response, body = await self.send(method, path, params=params, content=content)
        error = error_for_status(
            response.status_code, response.headers, body, self.source_id, datetime.now(UTC)
        )
        if error is not None:
            raise error
        check_media_type(response.headers.get("content-type"), self.source_id)
        return decode_json(body, self.source_id)

    async def send(
        self, method: str, path: str, *, params: Mapping[str, str] | None = None,
        content: bytes | None = None, prepare: Callable[[OutgoingCall], None] | None = None,
    ) -> tuple[Answer, bytes]:  # fmt: skip
        """One call, its status unchecked: the answer and its (capped) body. `prepare` may
        add headers to the call before it leaves (the exchange envelope's signed assertion)."""
        if self.closed:
            raise SourceClosed(f"{self.source_id} was closed", source_id=self.source_id)
        if self._misconfigured is not None:
            raise FatalSourceError(
                f"{self.source_id} is misconfigured: {self._misconfigured}",
                source_id=self.source_id,
            )
        call = OutgoingCall(
            method,
            self._base_path + urllib.parse.quote(path.lstrip("/"), safe=_PATH_SAFE),
            urllib.parse.urlencode(params) if params else "",
            {"Content-Type": "application/json"} if content is not None else {},
        )
        if prepare is not None:
            prepare(call)
        target = (
            f"{self._origin}{call.path}?{call.query}" if call.query else self._origin + call.path
        )
        session = self._session or self._open()
        try:
            async with asyncio.timeout(self.timeout):
                response = await session.request(
                    call.method,
                    yarl.URL(target, encoded=True),  # sent as built: what was signed
                    data=content,
                    headers=call.headers,
                    allow_redirects=False,
                )
                try:
                    body = await _read_capped(response, self.source_id)
                except BaseException:
                    response.close()  # the rest is never read: the connection is not reused
                    raise
                response.release()
        except TimeoutError as exc:
            raise SourceTimeout(
                f"{self.source_id} did not answer within {self.timeout} s", source_id=self.source_id
            ) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise translate(exc, self.source_id) from exc
        return Answer(response.status, response.headers), body

    async def aclose(self) -> None:
        if not self.closed:
            self.closed = True
            if self._session is not None:
                await self._session.close()


async def _read_capped(response: aiohttp.ClientResponse, source_id: str) -> bytes:
    """The body, decompressed, refused once it passes MAX_RESPONSE_BYTES (or says it will)."""
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        raise SourceProtocolError(
            f"{source_id} answered with {declared} bytes", source_id=source_id
        )
    body = bytearray()
    async for chunk in response.content.iter_any():
        body.extend(chunk)
        if len(body) > MAX_RESPONSE_BYTES:
            raise SourceProtocolError(
                f"{source_id} answered with more than {MAX_RESPONSE_BYTES} bytes",
                source_id=source_id,
            )
    return bytes(body)


def protocol_error(error: PayloadError, source_id: str) -> SourceProtocolError:
    """A payload of the wrong shape, as the caller sees it (the path says where)."""
    return SourceProtocolError(f"{source_id} answered off protocol: {error}", source_id=source_id)


def check_settings(settings: Mapping[str, Any], kind: str, allowed: frozenset[str]) -> None:
    """Refuses a config entry with settings this kind does not know (a typo is never ignored)."""
    unknown = sorted(set(settings) - allowed - {"id", "kind", "owner"})
    if unknown:
        raise FatalSourceError(f"unknown setting(s) for kind {kind}: {', '.join(unknown)}")


def setting(settings: Mapping[str, Any], name: str, kind: type, default: Any = ...) -> Any:
    """One setting of a source's config entry, checked (FatalSourceError names what is wrong)."""
    if name not in settings:
        if default is ...:
            raise FatalSourceError(f"source {settings.get('id')!r}: missing setting {name!r}")
        return default
    value = settings[name]
    if value is None and default is None:
        return None  # an optional setting written out as null (owner: null)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        source = settings.get("id")
        raise FatalSourceError(
            f"source {source!r}: setting {name!r} must be {kind.__name__}, got {value!r}"
        )
    return value
