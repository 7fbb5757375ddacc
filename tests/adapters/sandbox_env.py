"""What a sandbox factory receives and hands back: the shared shape of the conformance suite.

See tests/adapters/conftest.py for how factories are found and used.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path

from adapters.base import Source


@dataclass(frozen=True)
class SandboxEnv:
    """What the suite gives every factory (once per session per kind).

    Attributes:
        store_url: the seeded Ministry store (3,000 people), the national truth; read it, never
            write to it.
        server_url: the PostgreSQL server itself (superuser), for factories that create their own
            database on it (drop it on exit).
        workdir: a fresh, empty directory of this factory's own (files, sockets, logs).
        root_code: the electronic code of an organisation subtree with a few hundred people: the
            suggested `owner` of an agency source (national sources may serve everyone).
        suffix: unique per test session ([a-z0-9]{8}): put it into the names of anything that is
            server-wide (PostgreSQL roles, databases) so parallel sessions never collide.
    """

    store_url: str
    server_url: str
    workdir: Path
    root_code: str
    suffix: str


@dataclass(frozen=True)
class Expected:
    """What a sandbox source must show, and how to get more sources of the same configuration.

    Attributes:
        people: personal_id -> full name exactly as the store holds it (NFC), for every person
            the source holds: its change feed yields each once; identity sources answer for them.
        fresh: builds a new, unopened source of the same configuration (for tests that close
            it, or that resume from a cursor in another instance).
        down: builds a source of the same kind whose far end is down (a loopback port where
            nothing listens, a missing folder): its first call must raise a RetriableSourceError.
        write_probe: tries to write through the source's own connection and must raise
            ReadOnlyViolation; None for kinds that have no database behind them.
    """

    people: Mapping[str, str]
    fresh: Callable[[], Source]
    down: Callable[[], Source]
    write_probe: Callable[[Source], Awaitable[object]] | None = None


# A factory: an async context manager that sets the sandbox up (database, server, folder),
# yields one open source and what it should show, and tears everything down on exit.
SourceFactory = Callable[[SandboxEnv], AbstractAsyncContextManager[tuple[Source, Expected]]]


@dataclass(frozen=True)
class Sandbox:
    """One kind's source in the conformance suite, with what it is expected to hold."""

    name: str
    source: Source
    expected: Expected
