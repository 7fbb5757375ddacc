"""Group commit for the audit log: the rows of concurrent requests chained in one statement.

Every row is chained under one lock (audit_append(), store/models_access.py) that is held
until its transaction commits, so requests appending one by one queue behind each other's
commit. The writer lets a request's rows wait instead for the batch being written: while one
statement is in flight, the rows of the requests that finish meanwhile gather, and the next
statement chains them all, in arrival order, for one lock, one round trip and one commit.
Alone, a request pays exactly what a direct append pays; nobody waits for a timer.

Each request still gets its rows back only once they are committed, so a response is never
sent before its audit record is durable. When a batch of several requests fails, each
request's rows are tried again alone, so one request's bad row costs no other its answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from store import audit
from store.audit_chain import AuditRow

MAX_BATCH_ROWS = 500
"""A statement chains at most this many rows (a few requests' worth each); more wait for the
next one, which keeps every statement small whatever the load."""

_Waiting = tuple[list[AuditRow], "asyncio.Future[list[AuditRow]]"]


class AuditWriter:
    def __init__(self, engine: AsyncEngine, *, max_batch_rows: int = MAX_BATCH_ROWS) -> None:
        self._engine = engine
        self._max_rows = max_batch_rows
        self._waiting: list[_Waiting] = []
        self._flusher: asyncio.Task[None] | None = None
        self.statements = 0
        """Statements written so far (tests and benchmarks read it)."""

    async def append(self, drafts: Sequence[AuditRow]) -> list[AuditRow]:
        """Chain `drafts` onto the log; returns them linked, once committed."""
        if not drafts:
            return []
        loop = asyncio.get_running_loop()
        done: asyncio.Future[list[AuditRow]] = loop.create_future()
        self._waiting.append((list(drafts), done))
        if self._flusher is None or self._flusher.done() or self._flusher.get_loop() is not loop:
            self._flusher = loop.create_task(self._flush())
        # a request cancelled here (its deadline, a client gone) leaves its rows to be written:
        # an audit record for a response that was not sent is harmless, the reverse is not
        return await done

    async def _flush(self) -> None:
        batch: list[_Waiting] = []
        try:
            while self._waiting:
                batch = self._take()
                await self._write_batch(batch)
        except BaseException:  # cancelled (the loop shutting down): nobody hangs
            for _, done in batch + self._waiting:
                if not done.done():
                    done.set_exception(RuntimeError("the audit record could not be written"))
            self._waiting = []
            raise

    async def _write_batch(self, batch: list[_Waiting]) -> None:
        try:
            written = await self._write([row for drafts, _ in batch for row in drafts])
        except Exception as error:
            if len(batch) == 1:
                _fail(batch[0][1], error)
                return
            for drafts, done in batch:  # find whose rows failed; the others are written
                try:
                    _settle(done, await self._write(drafts))
                except Exception as alone:
                    _fail(done, alone)
            return
        start = 0
        for drafts, done in batch:
            _settle(done, written[start : start + len(drafts)])
            start += len(drafts)

    def _take(self) -> list[_Waiting]:
        """The waiting requests, in arrival order, up to the row limit (at least one)."""
        taken, rows = 0, 0
        for drafts, _ in self._waiting:
            if taken and rows + len(drafts) > self._max_rows:
                break
            taken += 1
            rows += len(drafts)
        batch, self._waiting = self._waiting[:taken], self._waiting[taken:]
        return batch

    async def _write(self, rows: list[AuditRow]) -> list[AuditRow]:
        written = await audit.append_autocommit(self._engine, rows)
        self.statements += 1
        return written


def _settle(done: asyncio.Future[list[AuditRow]], written: list[AuditRow]) -> None:
    if not done.done():  # its request may have been cancelled meanwhile
        done.set_result(written)


def _fail(done: asyncio.Future[list[AuditRow]], error: Exception) -> None:
    if not done.done():
        done.set_exception(error)
