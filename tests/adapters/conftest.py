"""The conformance suite's kinds: one sandbox factory per kind of source, found by name.

THE AGREED SHAPE (for tests/adapters/sandbox_sql.py, mine, and tests/adapters/sandbox_http.py,
the HTTP sources' colleague's):

    # tests/adapters/sandbox_http.py
    from contextlib import asynccontextmanager
    from collections.abc import AsyncIterator
    from adapters.base import Source
    from sandbox_env import Sandbox, Expected, SandboxEnv, SourceFactory

    @asynccontextmanager
    async def exchange(env: SandboxEnv) -> AsyncIterator[tuple[Source, Expected]]:
        ...  # start the simulated service on 127.0.0.1 from env.store_url / env.root_code
        source = ...
        try:
            yield source, Expected(people=..., fresh=..., down=..., write_probe=None)
        finally:
            await source.aclose()
            ...  # stop the service, drop what was created

    FACTORIES: dict[str, SourceFactory] = {"exchange": exchange, "population": ..., ...}

- `SandboxEnv` and `Expected` are frozen dataclasses in tests/adapters/sandbox_env.py (import it
  as `sandbox_env`: tests/ has no __init__.py, so pytest puts this folder on sys.path).
- The factory is entered ONCE per session per kind (session event loop); the yielded source is
  shared by the read-only tests, so never close it in a test: tests that close or resume use
  `expected.fresh()`.
- `expected.people` is personal_id -> the store's full_name (NFC) for exactly the people the
  source holds. Deliberate data-quality problems may appear in `SourceRecord.problems`, but never
  in full_name or personal_id (the suite compares those).
- `expected.down()` returns a source pointed at something that is down; its first call raises a
  RetriableSourceError (SourceUnavailable or SourceTimeout), never a driver exception.
- `expected.write_probe(source)` (None when there is no database) attempts a write through the
  source's own connection and must raise ReadOnlyViolation.
- Which tests apply follows `source.capabilities`: CHANGE_FEED sources are paged through;
  IDENTITY_CHECK and INSURANCE sources are asked about `expected.people`; every method outside
  `capabilities` must raise UnsupportedOperation.
- After `aclose()` every call raises a FatalSourceError (adapters.errors.SourceClosed is the one
  to use), never a driver exception; a second `aclose()` is a no-op.
- Values in `SourceRecord.fields`: str for text and codes, ISO "YYYY-MM-DD" str for dates, int
  for integers (salary_step), decimal.Decimal for coefficients.
- Registry (adapters/registry.py): a kind's module `adapters.<kind>` is imported lazily when a
  config names that kind; it either puts its factory into `adapters.registry.KIND_FACTORIES` on
  import, or defines a module-level `from_settings(settings, wiring) -> Source` (the config
  entry with `id`, `owner` and its own keys, the guard's keys removed; and the SourceWiring of
  adapters/wiring.py, which a source reads instead of the environment).
- The shared source's `health()` is ok; wrapped in a GuardedSource it answers the same.
- Keys of FACTORIES are the test ids (`sql-vi`, `sql-en`, `file`, `exchange`, `population`,
  `insurance`); a new adapter is a new entry.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest
import pytest_asyncio
import sandbox_sql
from sandbox_env import Sandbox, SandboxEnv, SourceFactory
from sqlalchemy.engine import URL

from store.database import sync_free_dsn


def _factories() -> dict[str, SourceFactory]:
    factories = dict(sandbox_sql.FACTORIES)
    try:
        import sandbox_http
    except ModuleNotFoundError as exc:
        if exc.name != "sandbox_http":
            raise  # the module is there but broken: say so
    else:
        factories.update(sandbox_http.FACTORIES)
    return factories


FACTORIES = _factories()


@pytest.fixture(scope="session")
def suffix() -> str:
    return uuid.uuid4().hex[:8]


@pytest_asyncio.fixture(scope="session")
async def root_code(seeded_store_url: URL) -> str:
    """The ministry or province with the most people: a realistic agency of ~100 people."""
    conn = await asyncpg.connect(sync_free_dsn(seeded_store_url))
    try:
        code: str = await conn.fetchval(
            """
            SELECT root.code
              FROM organization root
              JOIN organization o ON o.path LIKE root.path || '%'
              JOIN person p ON p.organization_id = o.id
             WHERE root.depth = 1
             GROUP BY root.code
             ORDER BY count(*) DESC, root.code
             LIMIT 1
            """
        )
    finally:
        await conn.close()
    return code


@pytest.fixture(scope="session")
def make_env(
    seeded_store_url: URL,
    postgres_server: URL,
    tmp_path_factory: pytest.TempPathFactory,
    root_code: str,
    suffix: str,
) -> Callable[[str], SandboxEnv]:
    def make(name: str) -> SandboxEnv:
        return SandboxEnv(
            store_url=seeded_store_url.render_as_string(hide_password=False),
            server_url=postgres_server.render_as_string(hide_password=False),
            workdir=tmp_path_factory.mktemp(name),
            root_code=root_code,
            suffix=suffix,
        )

    return make


@pytest_asyncio.fixture(scope="session", params=sorted(FACTORIES))
async def sandbox(
    request: pytest.FixtureRequest, make_env: Callable[[str], SandboxEnv]
) -> AsyncIterator[Sandbox]:
    """One kind's sandbox at a time, entered once per session (pytest groups tests by it)."""
    env = make_env(request.param)
    async with FACTORIES[request.param](env) as (source, expected):
        yield Sandbox(request.param, source, expected)
