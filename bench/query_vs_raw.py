"""Benchmark: the directory page through the gateway against hand-written asyncpg.

The page is 50 people of one province's organisation subtree, in directory order, with 12 scalar
fields and their organisation's code and name. Both servers run under uvicorn with the same
settings (bench/_apps.py), get the same request body from the same load generator (wrk, or an
asyncio httpx client when wrk is missing), alternately, at concurrency 1 and 32, and beside them
PostGraphile 5 serving the same page from its own schema (bench/_peer.py; --no-peer leaves it
out, and it is skipped with the reason when npm cannot install it). The script also
counts the SQL statements of one gateway request and times `sandbox.seed.seed_store` against a
plain COPY of the same person rows.

    .venv/bin/python -m bench.query_vs_raw             # 200,000 people, about 3½ minutes
    .venv/bin/python -m bench.query_vs_raw --quick     # 20,000 people, shorter runs
    .venv/bin/python -m bench.query_vs_raw --profile   # and profile the gateway in-process

The store is a database `cbccvc_bench_<people>` on --database-url's server (env
BENCH_DATABASE_URL; default the local PostgreSQL), kept between runs and reused while it holds
the requested number of people (--reseed to seed it again). Results go to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Coroutine, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
PAGE_SIZE = 50
MIN_SUBTREE_PEOPLE = 300

DIRECTORY_QUERY = """query Directory($organization: String!, $first: Int!) {
  persons(filter: {organization: $organization}, first: $first) {
    edges {
      node {
        id fullName familyName middleName givenName gender birthDate
        category status jobPosition recruitedOn personalId
        organization { code name }
      }
    }
  }
}"""


CALLER_LEVEL = "province"
"""The benchmark calls as the personnel office of the subtree's root organisation."""
TOKEN_LIFETIME = 3600


def request_body(organization: str) -> bytes:
    """The one request both servers answer (the raw server reads only the variables)."""
    variables = {"organization": organization, "first": PAGE_SIZE}
    return orjson.dumps({"query": DIRECTORY_QUERY, "variables": variables})


def request_headers(token: str | None) -> dict[str, str]:
    """The same headers to both servers; the raw server ignores the token."""
    headers = {"Content-Type": "application/json", "Accept": "application/graphql-response+json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return headers


# --- the store ------------------------------------------------------------------------------------


@dataclass
class Store:
    url: str
    people: int
    reused: bool
    seed_seconds: float | None
    """How long seed_store took for this database, when it was seeded (kept with the database)."""


def _log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


async def _people_in(url: str) -> int | None:
    """How many people the store holds; None when it has no person table yet."""
    import asyncpg

    from store.database import sync_free_dsn

    conn = await asyncpg.connect(sync_free_dsn(url))
    try:
        if await conn.fetchval("SELECT to_regclass('person')") is None:
            return None
        return int(await conn.fetchval("SELECT count(*) FROM person"))
    finally:
        await conn.close()


async def _seed_record(server: str, name: str, record: dict[str, Any] | None = None) -> Any:
    """Read (or write) the seeding's timing, kept as the bench database's comment."""
    import asyncpg

    from store.database import sync_free_dsn

    conn = await asyncpg.connect(sync_free_dsn(server))
    try:
        if record is not None:
            text = json.dumps(record).replace("'", "''")
            await conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{text}'")
            return record
        comment = await conn.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
            name,
        )
    finally:
        await conn.close()
    try:
        return json.loads(comment) if comment else None
    except json.JSONDecodeError:
        return None


async def _wait_for_seeder(poll_seconds: int) -> None:
    """sandbox/seed.py is being written as this benchmark is; wait for it rather than fail."""
    while find_spec("sandbox.seed") is None:
        _log(f"sandbox/seed.py does not exist yet; checking again in {poll_seconds} s")
        await asyncio.sleep(poll_seconds)


async def _migrate(url: str) -> None:
    """Upgrade the schema to the newest migration and load the code lists."""
    from sqlalchemy.engine import make_url

    from store.prepare import prepare_store

    await prepare_store(make_url(url))


async def prepare_store(server: str, people: int, seed: int, *, reseed: bool) -> Store:
    from store.database import drop_database, ensure_database, with_database

    name = f"cbccvc_bench_{people}"
    url = with_database(server, name).render_as_string(hide_password=False)
    await ensure_database(server, name)
    if not reseed and await _people_in(url) == people:
        await _migrate(url)  # the schema may have moved on since the database was seeded
        record = await _seed_record(server, name)
        seconds = record.get("seconds") if isinstance(record, dict) else None
        _log(f"reusing {name}: it holds {people:,} people (--reseed to seed it again)")
        return Store(url, people, reused=True, seed_seconds=seconds)

    await _wait_for_seeder(120)
    from sandbox.seed import seed_store

    _log(f"creating {name} and seeding {people:,} people (seed {seed})")
    await drop_database(server, name)
    await ensure_database(server, name)
    await _migrate(url)
    started = time.perf_counter()
    report = await seed_store(url, people, seed, progress=True)
    seconds = time.perf_counter() - started
    _log(f"seed_store reported {report}")
    seeded = await _people_in(url)
    if seeded != people:
        raise SystemExit(f"seed_store left {seeded} people, not {people}")
    await _seed_record(
        server, name, {"people": people, "seed": seed, "seconds": seconds, "at": _now()}
    )
    await _vacuum(url)
    _log(f"seeded {people:,} people in {seconds:.1f} s ({people / seconds:,.0f} people/s)")
    return Store(url, people, reused=False, seed_seconds=seconds)


async def _vacuum(url: str) -> None:
    import asyncpg

    from store.database import sync_free_dsn

    conn = await asyncpg.connect(sync_free_dsn(url))
    try:
        await conn.execute("VACUUM (ANALYZE) person")
        await conn.execute("VACUUM (ANALYZE) organization")
    finally:
        await conn.close()


@dataclass
class Subtree:
    code: str
    name: str
    people: int
    candidates: int


async def pick_subtree(url: str) -> Subtree:
    """The province-level subtree with the median headcount among those of 300 people or more."""
    import asyncpg

    from store.database import sync_free_dsn

    conn = await asyncpg.connect(sync_free_dsn(url))
    try:
        rows = await conn.fetch(
            """
            SELECT root.code, root.name, count(p.id) AS people
              FROM organization AS root
              JOIN organization AS sub ON sub.path LIKE root.path || '%'
              JOIN person AS p ON p.organization_id = sub.id
             WHERE root.level = 'province' AND root.status = 'active'
             GROUP BY root.code, root.name
            HAVING count(p.id) >= $1
             ORDER BY people, root.code
            """,
            MIN_SUBTREE_PEOPLE,
        )
    finally:
        await conn.close()
    if not rows:
        raise SystemExit(f"no province-level subtree has {MIN_SUBTREE_PEOPLE} people or more")
    row = rows[(len(rows) - 1) // 2]
    return Subtree(row["code"], row["name"], int(row["people"]), len(rows))


# --- in-process: statements per request, profile ------------------------------------------------


async def asgi_post(app: Any, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """POST /graphql to an ASGI app in this process, without a client library in the way."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"bench"),
            (b"content-length", str(len(body)).encode()),
            *((name.lower().encode(), value.encode()) for name, value in headers.items()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    done = asyncio.Event()
    delivered = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    return status, b"".join(chunks)


@contextmanager
def _gateway_in_process(url: str) -> Iterator[tuple[Any, Any, Any]]:
    """The gateway app with a statement counter on its engine (used inside a running loop)."""
    from bench._apps import build_gateway
    from store.database import StatementCounter, create_engine

    engine = create_engine(url, pool_size=2)
    counter = StatementCounter(engine)
    yield build_gateway(url, engine), counter, engine


def _issue_token(app: Any, organization: str) -> str | None:
    from bench._tokens import issue_token
    from policies.types import Level

    return issue_token(app, Level(CALLER_LEVEL), organization, lifetime=TOKEN_LIFETIME)


async def token_and_statements(url: str, organization: str) -> tuple[str | None, dict[str, Any]]:
    """Issue the benchmark's access token, and count the statements of one gateway request.

    The token is signed with a key the app keeps in the store, so the gateway under uvicorn,
    started afterwards on the same store, accepts it.
    """
    body = request_body(organization)
    with _gateway_in_process(url) as (app, counter, engine):
        try:
            async with app.router.lifespan_context(app):
                token = _issue_token(app, organization)
                headers = request_headers(token)
                await asgi_post(app, body, headers)  # parses the document, verifies the token
                counter.reset()
                status, payload = await asgi_post(app, body, headers)
                statements = list(counter.statements)
        finally:
            await engine.dispose()
    if status != 200 or b'"errors"' in payload:
        raise SystemExit(f"the gateway answered {status}: {payload[:500]!r}")
    return token, {"count": len(statements), "statements": statements}


async def profile_gateway(
    url: str, organization: str, token: str | None, requests: int
) -> dict[str, Any]:
    """Sample the gateway answering `requests` pages in-process, one after another."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return {"error": "pyinstrument is not installed (.venv/bin/pip install pyinstrument)"}
    body, headers = request_body(organization), request_headers(token)
    with _gateway_in_process(url) as (app, _counter, engine):
        try:
            async with app.router.lifespan_context(app):
                for _ in range(50):
                    await asgi_post(app, body, headers)
                profiler = Profiler(interval=0.0005, async_mode="enabled")
                started = time.perf_counter()
                profiler.start()
                for _ in range(requests):
                    await asgi_post(app, body, headers)
                profiler.stop()
                elapsed = time.perf_counter() - started
        finally:
            await engine.dispose()
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    session = profiler.last_session
    assert session is not None
    root = session.root_frame()
    by_component, by_function = _by_component(root)
    return {
        "requests": requests,
        "ms_per_request": 1000 * elapsed / requests,
        "by_phase": _phases(root),
        "by_component": by_component,
        "by_function": by_function,
        "tree": text,
    }


_PHASES: tuple[tuple[str, str, str], ...] = (
    # (phase, function name, a part of its file's path); the first match on a path wins
    ("directory page statement (SQLAlchemy, asyncpg, PostgreSQL)", "directory_page", "resolvers/"),
    ("organisation lookups (DataLoader: 2 statements)", "dispatch_queue_batch", "aiodataloader"),
    ("audit append (its own transaction and commit)", "finish", "gateway/request_context"),
    ("SQLAlchemy statement work on its greenlet", "execute", "sqlalchemy/engine/base.py"),
    ("SQLAlchemy statement work on its greenlet", "connect", "sqlalchemy/engine/base.py"),
    ("Person.organization resolvers (50, async)", "organization", "schema/person.py"),
    ("Person objects from rows", "of", "schema/person.py"),
)
REST_OF_EXECUTION = "the rest: GraphQL execution of the fields (graphql-core, strawberry, asyncio)"


def _phases(root: Any) -> list[tuple[str, float]]:
    """Wall time of one request split into phases, in % of all (see _PHASES)."""
    totals: dict[str, float] = {}

    def visit(frame: Any) -> None:
        path = frame.file_path or ""
        for phase, function, marker in _PHASES:
            if frame.function == function and marker in path:
                totals[phase] = totals.get(phase, 0.0) + frame.time
                return
        for child in frame.children:
            visit(child)

    visit(root)
    whole = root.time or 1.0
    totals[REST_OF_EXECUTION] = whole - sum(totals.values())
    ranked = sorted(totals.items(), key=lambda item: -item[1])
    return [(name, round(100 * seconds / whole, 1)) for name, seconds in ranked]


_COMPONENTS = (
    ("graphql-core (execution, value completion)", "/graphql/"),
    ("strawberry (resolver wrappers, types)", "/strawberry/"),
    ("SQLAlchemy (compile, pool, result rows)", "/sqlalchemy/"),
    ("asyncpg (protocol)", "/asyncpg/"),
    ("aiodataloader", "/aiodataloader"),
    ("starlette (request, response)", "/starlette/"),
    ("asyncio (event loop, tasks)", "/asyncio/"),
)
_STDLIB = str(Path(os.__file__).parent)


def _component(frame: Any, owner: str) -> str:
    """Which part of the stack a sampled frame's code belongs to (`owner`: its caller's)."""
    path = frame.file_path or ""
    for name, marker in _COMPONENTS:
        if marker in path:
            return name
    if path.startswith(str(BENCH)) or path == "<built-in>":
        return owner  # the benchmark's own driver; a C function counts for its caller
    if path.startswith(str(ROOT)) and "/.venv/" not in path:
        return "project code (gateway, schema, resolvers, store)"
    if path == "<string>":
        return "generated __init__ of strawberry types (dataclasses)"
    if path.startswith(_STDLIB) and "site-packages" not in path:
        return "Python standard library (enum, base64, uuid, ...)"
    return "other"


def _by_component(root: Any) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """Self time of the sampled frames, summed by library and by function, in % of all.

    pyinstrument keeps a frame's own time in a synthetic `[self]` child and the time a coroutine
    spent suspended in an `[await]` child: on this path that is waiting for PostgreSQL.
    """
    components: dict[str, float] = {}
    functions: dict[str, float] = {}

    def add(totals: dict[str, float], key: str, seconds: float) -> None:
        totals[key] = totals.get(key, 0.0) + seconds

    def visit(frame: Any, owner: str, caller: str) -> None:
        if frame.is_synthetic:
            if frame.identifier.startswith("[await]"):
                add(components, "waiting for PostgreSQL (await)", frame.time)
            else:
                add(components, owner, frame.time)
                add(functions, caller, frame.time)
            return
        component = _component(frame, owner)
        name = f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
        own = frame.time - sum(child.time for child in frame.children)
        if own > 0:
            add(components, component, own)
            add(functions, name, own)
        for child in frame.children:
            visit(child, component, name)

    visit(root, "other", "?")
    whole = sum(components.values()) or 1.0

    def percent(totals: dict[str, float], top: int) -> list[tuple[str, float]]:
        ranked = sorted(totals.items(), key=lambda item: -item[1])[:top]
        return [(name, round(100 * seconds / whole, 1)) for name, seconds in ranked]

    return percent(components, 20), percent(functions, 15)


# --- seed rate against COPY -----------------------------------------------------------------------


async def copy_rate(url: str) -> dict[str, Any]:
    """COPY the person rows out (binary) and time COPYing them into an empty twin of the table.

    The twin has the person table's columns, defaults, checks, indexes and foreign keys, so the
    COPY maintains what seed_store's inserts maintain.
    """
    import asyncpg

    from store.database import sync_free_dsn

    conn = await asyncpg.connect(sync_free_dsn(url))
    try:
        rows = await conn.fetchval("SELECT count(*) FROM person")
        buffer = io.BytesIO()
        await conn.copy_from_table("person", output=buffer, format="binary")
        await conn.execute("DROP TABLE IF EXISTS bench_person_copy")
        await conn.execute("CREATE TABLE bench_person_copy (LIKE person INCLUDING ALL)")
        foreign_keys = await conn.fetch(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'person'::regclass AND contype = 'f'"
        )
        for number, (definition,) in enumerate(foreign_keys):
            await conn.execute(
                f"ALTER TABLE bench_person_copy ADD CONSTRAINT bench_fk_{number} {definition}"
            )
        size = buffer.tell()
        buffer.seek(0)
        started = time.perf_counter()
        await conn.copy_to_table("bench_person_copy", source=buffer, format="binary")
        seconds = time.perf_counter() - started
        await conn.execute("DROP TABLE bench_person_copy")
    finally:
        await conn.close()
    return {
        "rows": int(rows),
        "seconds": seconds,
        "rows_per_second": rows / seconds,
        "bytes": size,
        "foreign_keys": len(foreign_keys),
    }


# --- the servers ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def uvicorn_options() -> dict[str, str]:
    """One set of options for both servers: uvloop and httptools when they are installed."""
    return {
        "loop": "uvloop" if find_spec("uvloop") else "asyncio",
        "http": "httptools" if find_spec("httptools") else "h11",
    }


@dataclass
class Server:
    name: str
    factory: str
    port: int
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, store_url: str, options: dict[str, str], log_dir: Path) -> None:
        self.log = log_dir / f"{self.name}.log"
        command = [
            sys.executable, "-m", "uvicorn", "--factory", "--app-dir", str(ROOT), self.factory,
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1",
            "--loop", options["loop"], "--http", options["http"],
            "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
        env = {
            **os.environ,
            "BENCH_STORE_URL": store_url,
            "PYTHONPATH": str(ROOT),
        }
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} server exited:\n{self._log_text()}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"{self.name} server did not start:\n{self._log_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def _log_text(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log else ""


class PeerServer(Server):
    """PostGraphile 5 under Node 22 (bench/_peer.py), one process, as the servers above."""

    def start(self, store_url: str, options: dict[str, str], log_dir: Path) -> None:
        from bench import _peer

        self.log = log_dir / f"{self.name}.log"
        env = {**os.environ, "DATABASE_URL": _peer.node_url(store_url), "PORT": str(self.port)}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(_peer.NODE), str(_peer.SERVER)],
                cwd=_peer.PROJECT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )


def post(server: Server, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"{server.base}/graphql", data=body, method="POST", headers=headers
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read()


def check_same_page(raw: Server, gateway: Server, body: bytes, headers: dict[str, str]) -> int:
    """Both servers must answer the page with equal JSON; returns the number of people in it."""
    raw_status, raw_body = post(raw, body, headers)
    gateway_status, gateway_body = post(gateway, body, headers)
    raw_json, gateway_json = orjson.loads(raw_body), orjson.loads(gateway_body)
    if raw_status != 200 or gateway_status != 200 or raw_json != gateway_json:
        import difflib

        def lines(value: Any) -> list[str]:
            return json.dumps(value, indent=1, ensure_ascii=False).splitlines()

        diff = "\n".join(
            difflib.unified_diff(lines(raw_json), lines(gateway_json), "raw", "gateway", n=2)
        )
        raise SystemExit(
            f"the servers disagree (raw {raw_status}, gateway {gateway_status}):\n{diff[:6000]}"
        )
    edges = gateway_json["data"]["persons"]["edges"]
    if len(edges) != PAGE_SIZE:
        raise SystemExit(f"the page has {len(edges)} people, not {PAGE_SIZE}")
    return len(edges)


def check_peer_page(
    peer: Server, gateway: Server, bodies: dict[str, bytes], headers: dict[str, str]
) -> None:
    """PostGraphile must answer the same people with the same values as the gateway."""
    from bench._peer import as_gateway_page

    peer_status, peer_body = post(peer, bodies[peer.name], headers)
    _, gateway_body = post(gateway, bodies[gateway.name], headers)
    peer_json, gateway_json = as_gateway_page(orjson.loads(peer_body)), orjson.loads(gateway_body)
    if peer_status != 200 or peer_json != gateway_json:
        import difflib

        def lines(value: Any) -> list[str]:
            return json.dumps(value, indent=1, ensure_ascii=False).splitlines()

        diff = "\n".join(
            difflib.unified_diff(lines(gateway_json), lines(peer_json), "gateway", "peer", n=2)
        )
        raise SystemExit(f"PostGraphile disagrees with the gateway ({peer_status}):\n{diff[:6000]}")


# --- the load -------------------------------------------------------------------------------------


@dataclass
class Run:
    server: str
    concurrency: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    client: str
    server_cpu_ms: float | None = None
    """CPU time of the server process per request (user + system)."""
    postgres_cpu_ms: float | None = None
    """CPU time of the bench database's PostgreSQL backends per request."""


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far, from /proc (None where there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU spent by one server process and by the PostgreSQL backends of the bench database.

    Load from other work on the machine stretches latency, but much less the CPU time that one
    request costs, so these figures are the steadier comparison on a shared machine.
    """

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    async def _backends(self) -> dict[int, float]:
        pids = await self.conn.fetch(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        found = {row["pid"]: _cpu_seconds(row["pid"]) for row in pids}
        return {pid: cpu for pid, cpu in found.items() if cpu is not None}

    async def snapshot(self, server: Server) -> tuple[float | None, dict[int, float]]:
        assert server.process is not None
        return _cpu_seconds(server.process.pid), await self._backends()

    async def per_request(
        self, server: Server, before: tuple[float | None, dict[int, float]], requests: int
    ) -> tuple[float | None, float | None]:
        after = await self.snapshot(server)
        if not requests:
            return None, None
        server_ms = None
        if before[0] is not None and after[0] is not None:
            server_ms = 1000 * (after[0] - before[0]) / requests
        backends = sum(cpu - before[1].get(pid, 0.0) for pid, cpu in after[1].items())
        return server_ms, (1000 * backends / requests if after[1] else None)


WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = [==[%(body)s]==]
%(headers)s

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"errors\\": %%d, " ..
    "\\"non_2xx\\": %%d, \\"p50_us\\": %%d, \\"p99_us\\": %%d}\\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout,
    e.status, latency:percentile(50), latency:percentile(99)))
end
"""


class Wrk:
    name = "wrk"

    def __init__(self, body: bytes, headers: dict[str, str], directory: Path) -> None:
        self.script = directory / "post.lua"
        lines = "\n".join(f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items())
        self.script.write_text(WRK_SCRIPT % {"body": body.decode(), "headers": lines})

    async def run(self, server: Server, concurrency: int, seconds: float) -> Run:
        command = [
            "wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--latency",
            "--timeout", "10s", "-s", str(self.script), f"{server.base}/graphql",
        ]  # fmt: skip
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        output = (await process.communicate())[0].decode(errors="replace")
        found = re.search(r"^BENCH_RESULT (\{.*\})$", output, re.MULTILINE)
        if process.returncode != 0 or found is None:
            raise SystemExit(f"wrk failed:\n{output}")
        result = json.loads(found.group(1))
        duration = result["duration_us"] / 1e6
        return Run(
            server=server.name,
            concurrency=concurrency,
            requests=result["requests"],
            seconds=duration,
            rps=result["requests"] / duration,
            p50_ms=result["p50_us"] / 1000,
            p99_ms=result["p99_us"] / 1000,
            errors=result["errors"] + result["non_2xx"],
            client=self.name,
        )


class HttpxClient:
    """The fallback when wrk is not installed: an asyncio client in this process, time-bounded."""

    name = "httpx (asyncio, in the benchmark's process)"

    def __init__(self, body: bytes, headers: dict[str, str]) -> None:
        self.body = body
        self.headers = headers

    async def run(self, server: Server, concurrency: int, seconds: float) -> Run:
        import httpx

        latencies: list[float] = []
        errors = 0
        headers = self.headers
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=server.base, limits=limits, timeout=10) as client:
            started = time.perf_counter()
            deadline = started + seconds

            async def worker() -> None:
                nonlocal errors
                while time.perf_counter() < deadline:
                    sent = time.perf_counter()
                    response = await client.post("/graphql", content=self.body, headers=headers)
                    latencies.append(time.perf_counter() - sent)
                    if response.status_code != 200:
                        errors += 1

            await asyncio.gather(*(worker() for _ in range(concurrency)))
            elapsed = time.perf_counter() - started
        ordered = sorted(latencies)
        return Run(
            server=server.name,
            concurrency=concurrency,
            requests=len(ordered),
            seconds=elapsed,
            rps=len(ordered) / elapsed,
            p50_ms=1000 * ordered[len(ordered) // 2],
            p99_ms=1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
            errors=errors,
            client=self.name,
        )


@dataclass
class Summary:
    concurrency: int
    raw_rps: float
    gateway_rps: float
    ratio: float
    raw_p50_ms: float
    raw_p99_ms: float
    gateway_p50_ms: float
    gateway_p99_ms: float
    raw_server_cpu_ms: float | None = None
    gateway_server_cpu_ms: float | None = None
    raw_postgres_cpu_ms: float | None = None
    gateway_postgres_cpu_ms: float | None = None
    peer_rps: float | None = None
    """PostGraphile 5 (bench/_peer.py); None when the peer was skipped."""
    gateway_vs_peer: float | None = None
    peer_p50_ms: float | None = None
    peer_p99_ms: float | None = None
    peer_server_cpu_ms: float | None = None
    peer_postgres_cpu_ms: float | None = None
    runs: list[Run] = field(default_factory=list)


def summarise(concurrency: int, runs: list[Run]) -> Summary:
    def median(server: str, attribute: str) -> float:
        return statistics.median(getattr(run, attribute) for run in runs if run.server == server)

    def median_or_none(server: str, attribute: str) -> float | None:
        values = [getattr(run, attribute) for run in runs if run.server == server]
        return None if None in values else statistics.median(values)

    raw_rps, gateway_rps = median("raw", "rps"), median("gateway", "rps")
    peer: dict[str, Any] = {}
    if any(run.server == "peer" for run in runs):
        peer = {
            "peer_rps": median("peer", "rps"),
            "gateway_vs_peer": gateway_rps / median("peer", "rps"),
            "peer_p50_ms": median("peer", "p50_ms"),
            "peer_p99_ms": median("peer", "p99_ms"),
            "peer_server_cpu_ms": median_or_none("peer", "server_cpu_ms"),
            "peer_postgres_cpu_ms": median_or_none("peer", "postgres_cpu_ms"),
        }
    return Summary(
        concurrency=concurrency,
        raw_rps=raw_rps,
        gateway_rps=gateway_rps,
        ratio=gateway_rps / raw_rps,
        raw_p50_ms=median("raw", "p50_ms"),
        raw_p99_ms=median("raw", "p99_ms"),
        gateway_p50_ms=median("gateway", "p50_ms"),
        gateway_p99_ms=median("gateway", "p99_ms"),
        raw_server_cpu_ms=median_or_none("raw", "server_cpu_ms"),
        gateway_server_cpu_ms=median_or_none("gateway", "server_cpu_ms"),
        raw_postgres_cpu_ms=median_or_none("raw", "postgres_cpu_ms"),
        gateway_postgres_cpu_ms=median_or_none("gateway", "postgres_cpu_ms"),
        **peer,
        runs=runs,
    )


async def measure(
    clients: dict[str, Wrk | HttpxClient],
    servers: list[Server],
    levels: list[int],
    *,
    store_url: str,
    runs: int,
    seconds: float,
    warmup: float,
) -> list[Summary]:
    import asyncpg

    from store.database import sync_free_dsn

    conn = await asyncpg.connect(sync_free_dsn(store_url))
    meter = CpuMeter(conn)
    summaries = []
    try:
        for concurrency in levels:
            for server in servers:
                await clients[server.name].run(server, concurrency, warmup)
            measured: list[Run] = []
            for number in range(runs):
                for server in servers:
                    before = await meter.snapshot(server)
                    run = await clients[server.name].run(server, concurrency, seconds)
                    if run.errors:
                        raise SystemExit(f"{run.errors} failed requests: {run}")
                    run.server_cpu_ms, run.postgres_cpu_ms = await meter.per_request(
                        server, before, run.requests
                    )
                    measured.append(run)
                    _log(
                        f"c={concurrency} run {number + 1}/{runs} {server.name:7}: "
                        f"{run.rps:7.1f} req/s  p50 {run.p50_ms:7.2f} ms  "
                        f"p99 {run.p99_ms:7.2f} ms  CPU/request: server "
                        f"{_ms(run.server_cpu_ms)}, PostgreSQL {_ms(run.postgres_cpu_ms)}"
                    )
            summaries.append(summarise(concurrency, measured))
    finally:
        await conn.close()
    return summaries


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} ms"


# --- report ---------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def source_version() -> str:
    """The commit measured, with `+changes` when the work tree differs from it (read-only git)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{commit or 'unknown'}{'+changes' if changed else ''}"


async def postgres_version(url: str) -> str:
    import asyncpg

    from store.database import sync_free_dsn

    conn = await asyncpg.connect(sync_free_dsn(url))
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "| concurrency | raw req/s | gateway req/s | gateway ÷ raw | raw p50 / p99 ms "
        "| gateway p50 / p99 ms |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for s in result["load"]:
        lines.append(
            f"| {s['concurrency']} | {s['raw_rps']:,.0f} | {s['gateway_rps']:,.0f} "
            f"| {s['ratio']:.2f} | {s['raw_p50_ms']:.2f} / {s['raw_p99_ms']:.2f} "
            f"| {s['gateway_p50_ms']:.2f} / {s['gateway_p99_ms']:.2f} |"
        )
    lines += [
        "",
        "| concurrency | CPU ms per request: raw server / PostgreSQL "
        "| gateway server / PostgreSQL |",
        "|---:|---:|---:|",
    ]
    for s in result["load"]:
        lines.append(
            f"| {s['concurrency']} | {_ms(s['raw_server_cpu_ms'])} / "
            f"{_ms(s['raw_postgres_cpu_ms'])} | {_ms(s['gateway_server_cpu_ms'])} / "
            f"{_ms(s['gateway_postgres_cpu_ms'])} |"
        )
    if result["load"] and result["load"][0].get("peer_rps") is not None:
        lines += [
            "",
            "| concurrency | PostGraphile req/s | gateway ÷ PostGraphile | PostGraphile ÷ raw "
            "| PostGraphile p50 / p99 ms | CPU ms per request: PostGraphile server / PostgreSQL |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for s in result["load"]:
            lines.append(
                f"| {s['concurrency']} | {s['peer_rps']:,.0f} | {s['gateway_vs_peer']:.2f} "
                f"| {s['peer_rps'] / s['raw_rps']:.2f} "
                f"| {s['peer_p50_ms']:.2f} / {s['peer_p99_ms']:.2f} "
                f"| {_ms(s['peer_server_cpu_ms'])} / {_ms(s['peer_postgres_cpu_ms'])} |"
            )
    elif result.get("peer_skipped"):
        lines += ["", f"PostGraphile peer skipped: {result['peer_skipped']}"]
    lines += ["", f"SQL statements per gateway request: {result['statements']['count']}"]
    seeding, copy = result["seed"], result["copy"]
    if seeding.get("people_per_second"):
        lines.append(
            f"Seeding: {seeding['people_per_second']:,.0f} people/s (seed_store, "
            f"{seeding['people']:,} people in {seeding['seconds']:.1f} s); COPY: "
            f"{copy['rows_per_second']:,.0f} rows/s; seed ÷ COPY = {seeding['vs_copy']:.3f}"
        )
    else:
        lines.append(
            f"Seeding: not timed for this database (run with --reseed); COPY: "
            f"{copy['rows_per_second']:,.0f} rows/s"
        )
    return "\n".join(lines)


# --- main -----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER),
        help="a PostgreSQL server to create the bench database on (env BENCH_DATABASE_URL)",
    )
    parser.add_argument("--people", type=int, help="people in the store (default 200,000)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reseed", action="store_true", help="seed the bench database again")
    parser.add_argument("--quick", action="store_true", help="20,000 people and 4 s runs")
    parser.add_argument("--duration", type=float, help="seconds per measured run (default 12)")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up per server and level")
    parser.add_argument("--runs", type=int, default=3, help="measured runs per server and level")
    parser.add_argument("--concurrency", default="1,32", help="comma-separated levels")
    parser.add_argument(
        "--client", choices=["auto", "wrk", "httpx"], default="auto", help="load generator"
    )
    parser.add_argument(
        "--no-peer", action="store_true", help="leave out the PostGraphile 5 peer (bench/_peer.py)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also profile the gateway in-process (pyinstrument)"
    )
    args = parser.parse_args(argv)
    args.people = args.people or (20_000 if args.quick else 200_000)
    args.duration = args.duration or (4.0 if args.quick else 12.0)
    args.warmup = args.warmup or (2.0 if args.quick else 5.0)
    args.levels = [int(level) for level in args.concurrency.split(",")]
    return args


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coroutine)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    store: Store = _run(
        prepare_store(args.database_url, args.people, args.seed, reseed=args.reseed)
    )
    subtree: Subtree = _run(pick_subtree(store.url))
    _log(
        f"subtree {subtree.code} {subtree.name}: {subtree.people:,} people "
        f"(median of {subtree.candidates} province-level subtrees)"
    )
    body = request_body(subtree.code)
    token, statements = _run(token_and_statements(store.url, subtree.code))
    headers = request_headers(token)
    _log(f"SQL statements per gateway request: {statements['count']}")

    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    if args.client == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    peer_skipped = "--no-peer" if args.no_peer else None
    if peer_skipped is None:
        from bench import _peer

        peer_skipped = _peer.ensure_installed(_log)
        if peer_skipped is None:
            _run(_peer.install_function(store.url))
        else:
            _log(f"skipping the PostGraphile peer: {peer_skipped}")
    bodies = {"raw": body, "gateway": body}
    if peer_skipped is None:
        bodies["peer"] = _peer.request_body(subtree.code, PAGE_SIZE)
    options = uvicorn_options()
    with tempfile.TemporaryDirectory(prefix="cbccvc-bench-") as scratch:
        directory = Path(scratch)
        clients: dict[str, Wrk | HttpxClient] = {}
        for name, server_body in bodies.items():
            if use_wrk:
                (directory / name).mkdir()
                clients[name] = Wrk(server_body, headers, directory / name)
            else:
                clients[name] = HttpxClient(server_body, headers)
        client = clients["gateway"]
        if not use_wrk:
            _log("wrk is not installed: the load comes from an httpx client in this process")
        raw = Server("raw", "bench._apps:raw_app", _free_port())
        gateway = Server("gateway", "bench._apps:gateway_app", _free_port())
        servers = [raw, gateway]
        if peer_skipped is None:
            servers.append(PeerServer("peer", "bench/postgraphile_peer/server.mjs", _free_port()))
        try:
            for server in servers:
                server.start(store.url, options, directory)
            for server in servers:
                server.wait_ready()
            check_same_page(raw, gateway, body, headers)
            if peer_skipped is None:
                check_peer_page(servers[2], gateway, bodies, headers)
            _log(
                f"the {len(servers)} servers answer the same {PAGE_SIZE} people; "
                f"measuring with {client.name}"
            )
            load_before = os.getloadavg()
            summaries = _run(
                measure(
                    clients,
                    servers,
                    args.levels,
                    store_url=store.url,
                    runs=args.runs,
                    seconds=args.duration,
                    warmup=args.warmup,
                )
            )
            load_after = os.getloadavg()
        finally:
            for server in servers:
                server.stop()
    _log(
        "load average before / after the load runs: "
        f"{load_before[0]:.2f} / {load_after[0]:.2f} "
        "(1-minute; PostgreSQL's busy backends count too)"
    )

    _log("timing a COPY of the person rows into an empty twin of the table")
    copy = _run(copy_rate(store.url))
    seeding: dict[str, Any] = {"people": store.people, "seconds": store.seed_seconds}
    if store.seed_seconds:
        seeding["people_per_second"] = store.people / store.seed_seconds
        seeding["vs_copy"] = seeding["people_per_second"] / copy["rows_per_second"]

    result: dict[str, Any] = {
        "at": _now(),
        "source": source_version(),
        "people": store.people,
        "store_reused": store.reused,
        "subtree": asdict(subtree),
        "page_size": PAGE_SIZE,
        "client": client.name,
        "uvicorn": {**options, "workers": 1, "access_log": False, "log_level": "warning"},
        "duration_s": args.duration,
        "runs": args.runs,
        "machine": machine(),
        "load_average": {"before": load_before, "after": load_after},
        "postgres": _run(postgres_version(store.url)),
        "load": [asdict(summary) for summary in summaries],
        "peer_skipped": peer_skipped,
        "statements": statements,
        "seed": seeding,
        "copy": copy,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"query_vs_raw-{store.people}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    if args.profile:
        _log("profiling the gateway in-process")
        result["profile"] = _run(
            profile_gateway(store.url, subtree.code, token, 200 if args.quick else 500)
        )
        if "error" in result["profile"]:
            _log(f"no profile: {result['profile']['error']}")
        tree = RESULTS / f"profile-gateway-{store.people}.txt"
        if "tree" in result["profile"]:
            tree.write_text(result["profile"].pop("tree"))
            result["profile"]["tree_file"] = str(tree.relative_to(ROOT))
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    print()
    print(markdown(result))
    if "profile" in result and "by_component" in result["profile"]:
        print()
        print(
            f"Gateway profile ({result['profile']['ms_per_request']:.2f} ms per request "
            "under the profiler), by phase (wall time):"
        )
        for name, percent in result["profile"]["by_phase"]:
            print(f"  {percent:5.1f} %  {name}")
        print("By library (self time):")
        for name, percent in result["profile"]["by_component"]:
            print(f"  {percent:5.1f} %  {name}")
    print()
    print(f"results: {out.relative_to(ROOT)} ({time.perf_counter() - started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
