"""Fault injection for the sandbox's HTTP services, switched at run time over HTTP.

Every simulated service is wrapped in `FaultInjector`, which answers the admin endpoint itself:

    POST   /_faults  {"latency_ms": 200, "latency_jitter_ms": 50, "failure_rate": 0.3,
                      "hang": false, "malformed": "truncated" | "shape" | true,
                      "wrong_encoding": "cp1258" | "latin-1" | "double-utf8" | true,
                      "path_prefix": "/agencies/000.00.00.G18", "seed": 7}
                                 replaces the plan (absent members take their defaults) and
                                 zeroes the call counts
    GET    /_faults              the plan and the calls served per path since it was set
    DELETE /_faults              back to the service's baseline plan (what it started with)

- latency: every call waits latency_ms plus up to latency_jitter_ms first;
- failure_rate: that share of calls gets 503 (drawn from an RNG seeded by `seed`, so a test's
  sequence of calls sees the same failures every run);
- hang: calls get no answer at all until the client gives up (or the plan is reset);
- malformed: a truncated JSON body ("truncated") or valid JSON of the wrong shape ("shape");
- wrong_encoding: the body re-encoded as Windows-1258 or Latin-1 but still labelled UTF-8, or
  its UTF-8 encoded twice ("double-utf8": valid UTF-8 bytes of the wrong text).

`path_prefix` limits the faults to calls under it (one agency of a shared connector). The plan
and the decision for each call are pure (FaultPlan, decide, corrupt) and tested without I/O.
"""

from __future__ import annotations

import asyncio
import random
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exchange.payload import PayloadError, Reader

ADMIN_PATH = "/_faults"
MALFORMED_KINDS = frozenset({"truncated", "shape"})
ENCODINGS = frozenset({"cp1258", "latin-1", "double-utf8"})
# members of a payload that keep their value under the "shape" fault: an envelope that still
# names its protocol makes the client read on and trip over the body, as a real mismatch would
_KEPT_MEMBERS = frozenset({"protocol", "version"})


@dataclass(frozen=True)
class FaultPlan:
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    failure_rate: float = 0.0
    hang: bool = False
    malformed: str | None = None
    wrong_encoding: str | None = None
    path_prefix: str | None = None
    seed: int = 0

    @classmethod
    def from_json(cls, payload: object) -> FaultPlan:
        """A plan from the admin endpoint's JSON; PayloadError naming the first bad member."""
        body = Reader(payload)
        known = {f for f in cls.__dataclass_fields__}
        for key, _ in body.members():
            if key not in known:
                raise PayloadError(f"$.{key}: unknown fault; known: {', '.join(sorted(known))}")
        latency = body.optional("latency_ms")
        jitter = body.optional("latency_jitter_ms")
        failure = body.optional("failure_rate")
        hang = body.optional("hang")
        prefix = body.optional("path_prefix")
        seed = body.optional("seed")
        plan = cls(
            latency_ms=latency.number() if latency else 0.0,
            latency_jitter_ms=jitter.number() if jitter else 0.0,
            failure_rate=failure.number() if failure else 0.0,
            hang=hang.flag() if hang else False,
            malformed=_named_or_flag(body.optional("malformed"), MALFORMED_KINDS, "truncated"),
            wrong_encoding=_named_or_flag(body.optional("wrong_encoding"), ENCODINGS, "cp1258"),
            path_prefix=prefix.text(max_length=200) if prefix else None,
            seed=seed.integer() if seed else 0,
        )
        if plan.latency_ms < 0 or plan.latency_jitter_ms < 0:
            raise PayloadError("$.latency_ms: latencies must not be negative")
        if not 0.0 <= plan.failure_rate <= 1.0:
            raise PayloadError("$.failure_rate: expected a share from 0 to 1")
        return plan

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def applies_to(self, path: str) -> bool:
        return self.path_prefix is None or path.startswith(self.path_prefix)


def _named_or_flag(value: Reader | None, names: frozenset[str], default: str) -> str | None:
    """`true` picks the default kind, `false`/absent none, a string must be one of `names`."""
    if value is None:
        return None
    if isinstance(value.value, bool):
        return default if value.value else None
    return value.choice(names)


@dataclass(frozen=True)
class Decision:
    """What happens to one call."""

    delay_s: float = 0.0
    fail: bool = False
    hang: bool = False
    malformed: str | None = None
    encoding: str | None = None

    @property
    def rewrites_body(self) -> bool:
        return self.malformed is not None or self.encoding is not None


def decide(plan: FaultPlan, rng: random.Random, path: str) -> Decision:
    """The faults for one call to `path`; draws from `rng` only for what the plan randomises."""
    if not plan.applies_to(path):
        return Decision()
    delay = plan.latency_ms
    if plan.latency_jitter_ms:
        delay += rng.uniform(0.0, plan.latency_jitter_ms)
    fail = plan.failure_rate > 0 and rng.random() < plan.failure_rate
    return Decision(
        delay_s=delay / 1000.0,
        fail=fail,
        hang=plan.hang and not fail,
        malformed=plan.malformed,
        encoding=plan.wrong_encoding,
    )


def corrupt(body: bytes, decision: Decision) -> bytes:
    """The body as the faulty service sends it."""
    if decision.malformed == "truncated":
        body = body[: len(body) // 2] if len(body) > 1 else b"{"
    elif decision.malformed == "shape":
        try:
            body = orjson.dumps(_reshaped(orjson.loads(body)))
        except orjson.JSONDecodeError:
            body = b"[]"  # nothing to reshape: any JSON of the wrong shape will do
    if decision.encoding == "cp1258":
        body = to_windows_1258(body.decode("utf-8", errors="replace"))
    elif decision.encoding == "double-utf8":
        # UTF-8 bytes read as Latin-1 and written out as UTF-8 again: valid UTF-8, wrong text
        # ("Nguyá»\x85n"), the commonest encoding bug between two systems
        body = body.decode("latin-1").encode("utf-8")
    elif decision.encoding is not None:
        body = body.decode("utf-8", errors="replace").encode(decision.encoding, errors="replace")
    return body


_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def to_windows_1258(text: str) -> bytes:
    """Vietnamese as Windows-1258 writes it: letters with their circumflex, breve or horn
    precomposed (â, ê, ô, ă, ơ, ư), and the tone mark as a combining character after them."""
    out: list[str] = []
    letter: list[str] = []
    tones: list[str] = []

    def flush() -> None:
        out.append(unicodedata.normalize("NFC", "".join(letter)) + "".join(tones))
        letter.clear()
        tones.clear()

    for char in unicodedata.normalize("NFD", text):
        if not unicodedata.combining(char) and letter:
            flush()
        (tones if char in _TONE_MARKS else letter).append(char)
    if letter or tones:
        flush()
    return "".join(out).encode("cp1258", errors="replace")


def _reshaped(value: object, key: str | None = None) -> object:
    """Every string becomes a number and every array an object: the same data, wrong shape."""
    if isinstance(value, dict):
        return {k: _reshaped(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return {str(i): _reshaped(v) for i, v in enumerate(value)}
    if isinstance(value, str) and key not in _KEPT_MEMBERS:
        return len(value)
    return value


@dataclass
class _State:
    plan: FaultPlan
    rng: random.Random
    calls: Counter[str] = field(default_factory=Counter)
    released: asyncio.Event | None = None  # set when the plan changes: hung calls give up


class FaultInjector:
    """ASGI middleware that applies the current FaultPlan to every HTTP call but its own."""

    def __init__(self, app: ASGIApp, *, baseline: FaultPlan | None = None) -> None:
        self.app = app
        self.baseline = baseline or FaultPlan()
        self._state = _State(self.baseline, random.Random(self.baseline.seed))  # noqa: S311

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path == ADMIN_PATH:
            await self._admin(scope, receive, send)
            return
        state = self._state
        state.calls[path] += 1
        decision = decide(state.plan, state.rng, path)
        if decision.delay_s:
            await asyncio.sleep(decision.delay_s)
        if decision.fail:
            await _send_json(send, 503, {"error": {"code": "UNAVAILABLE", "message": "injected"}})
            return
        if decision.hang:
            await self._hang(receive)
            await _send_json(send, 503, {"error": {"code": "UNAVAILABLE", "message": "released"}})
            return
        if not decision.rewrites_body:
            await self.app(scope, receive, send)
            return
        await self._rewritten(scope, receive, send, decision)

    def _install(self, plan: FaultPlan) -> None:
        if self._state.released is not None:
            self._state.released.set()
        self._state = _State(plan, random.Random(plan.seed))  # noqa: S311

    async def _hang(self, receive: Receive) -> None:
        """Waits until the client disconnects or the plan changes, whichever comes first."""
        if self._state.released is None:
            self._state.released = asyncio.Event()
        released = asyncio.ensure_future(self._state.released.wait())

        async def disconnected() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        gone = asyncio.ensure_future(disconnected())
        try:
            await asyncio.wait({released, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            released.cancel()
            gone.cancel()

    async def _rewritten(
        self, scope: Scope, receive: Receive, send: Send, decision: Decision
    ) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffer(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, buffer)
        if start is None:
            return
        body = corrupt(b"".join(chunks), decision)
        headers = [
            (name, value)
            for name, value in start.get("headers", [])
            if name.lower() not in (b"content-length", b"content-type")
        ]
        # the label stays UTF-8 whatever the bytes are: that is the fault
        headers += [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _admin(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        if method == "GET":
            state = self._state
            await _send_json(send, 200, {"plan": state.plan.to_json(), "calls": state.calls})
        elif method == "DELETE":
            self._install(self.baseline)
            await _send_json(send, 200, {"plan": self.baseline.to_json()})
        elif method == "POST":
            try:
                plan = FaultPlan.from_json(orjson.loads(await _read_all(receive)))
            except (orjson.JSONDecodeError, PayloadError) as error:
                await _send_json(send, 400, {"error": {"code": "BAD_PLAN", "message": str(error)}})
                return
            self._install(plan)
            await _send_json(send, 200, {"plan": plan.to_json()})
        else:
            await _send_json(send, 405, {"error": {"code": "METHOD_NOT_ALLOWED", "message": ""}})


async def _read_all(receive: Receive) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        body.extend(message.get("body", b""))
        if not message.get("more_body", False) or len(body) > 65536:
            break
    return bytes(body)


async def _send_json(send: Send, status: int, payload: Mapping[str, Any]) -> None:
    body = orjson.dumps(payload)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
